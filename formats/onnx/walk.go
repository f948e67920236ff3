package onnx

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// Caps on what one model may make the walker do. The C++ protobuf reader
// stops at 100 nested messages; a graph nests three messages per level
// (graph, node, attribute), so 30 graph levels stay within what it reads.
const (
	MaxGraphDepth = 30
	MaxNodes      = 10_000_000
	maxString     = 4096
	maxAttrs      = 1024
	maxFindings   = 200
	maxDims       = 64
)

// Model is what the walker learned about a model beyond its findings.
type Model struct {
	IRVersion       uint64
	Producer        string
	ProducerVersion string
	// Opsets maps each imported operator-set domain to its version.
	Opsets map[string]uint64
	// Domains counts the nodes using each operator domain.
	Domains map[string]int
	Nodes   int
	// External lists every tensor whose data lives in another file.
	External []ExternalRef
	// Initializers counts the main graph's initializers; Params sums
	// their element counts and Dtypes counts them by element type.
	Initializers int
	Params       uint64
	Dtypes       map[string]int
	// Inputs and Outputs name the main graph's inputs (initializers left
	// out) and outputs, up to maxIO of each.
	Inputs, Outputs []Value
}

// Value is a graph input or output.
type Value struct {
	Name string
	Type string // "float32[1,3,N,224]", "sequence", ...; "" when not stated
}

// String renders the value as "name: type".
func (v Value) String() string {
	if v.Type == "" {
		return v.Name
	}
	return v.Name + ": " + v.Type
}

const maxIO = 64

// ExternalRef is one tensor's external-data reference.
type ExternalRef struct {
	Tensor   string
	Location string
	Offset   int64 // -1 when absent
	Length   int64 // -1 when absent
	At       int64 // offset of the tensor in the model file
}

type walker struct {
	ctx      context.Context
	c        *cursor
	report   func(formats.Finding)
	m        *Model
	reported int
	depth    int
	custom   []nodeRef
	main     bool // walking the model's own graph, not a subgraph or training graph
	inits    map[string]bool
	fact     *tensorFact         // set while walking an initializer // the main graph's initializer names, for telling inputs from weights
	funcs    map[string][]string // "domain:name" of a local function -> ops it calls
	curFunc  string
}

type nodeRef struct {
	domain, op, name string
	at               int64
}

// Walk reads the ModelProto in the first size bytes of ra, reporting what
// it finds, and returns the model's facts. Tensor data is skipped by its
// length, never read. It returns an error if the model cannot be read to
// its end; findings already reported stand.
func Walk(ctx context.Context, ra interface {
	ReadAt(p []byte, off int64) (int, error)
}, size int64, report func(formats.Finding)) (*Model, error) {
	w := &walker{
		ctx:    ctx,
		c:      newCursor(ra, size),
		report: report,
		m:      &Model{Opsets: map[string]uint64{}, Domains: map[string]int{}, Dtypes: map[string]int{}},
		inits:  map[string]bool{},
		funcs:  map[string][]string{},
	}
	if size >= 1<<31 {
		w.emit(formats.NewFinding(RuleTooLarge, formats.NoOffset, "ONNX file is %d bytes, beyond protobuf's 2 GiB message limit", size))
	}
	hasIR, hasGraph := false, false
	err := w.c.walk(ctx, size, func(f field) error {
		switch f.Num {
		case 1:
			hasIR = true
			w.m.IRVersion = f.Val
		case 2:
			s, _, err := w.c.str(f, maxString)
			w.m.Producer = s
			return err
		case 3:
			s, _, err := w.c.str(f, maxString)
			w.m.ProducerVersion = s
			return err
		case 7:
			hasGraph = true
			w.main = true
			defer func() { w.main = false }()
			return w.graph(f)
		case 8:
			return w.opset(f)
		case 14:
			return w.metadata(f)
		case 20:
			return w.c.enter(ctx, f, func(g field) error {
				if g.Num == 1 || g.Num == 2 {
					return w.graph(g)
				}
				return nil
			})
		case 25:
			return w.function(f)
		}
		return nil
	})
	if err != nil {
		return w.m, fmt.Errorf("walk ONNX model: %w", err)
	}
	if err := newCursor(ra, size).wellFormed(ctx, mModel, size, 0); err != nil {
		return w.m, fmt.Errorf("parse ONNX model as protobuf does: %w", err)
	}
	if !hasGraph {
		w.emit(formats.NewFinding(RuleStructure, 0, "model has no graph"))
	}
	if !hasIR || w.m.IRVersion < 1 || w.m.IRVersion > 14 {
		w.emit(formats.NewFinding(RuleStructure, 0, "IR version %d is outside the known range 1..14", w.m.IRVersion).
			With("ir_version", strconv.FormatUint(w.m.IRVersion, 10)))
	}
	// onnx.checker.check_model: from IR version 3 a model names the
	// operator sets it imports (an ONNX file cut before its opset_import
	// fields ends this way); before 3 it may not name any.
	switch {
	case hasIR && w.m.IRVersion >= 3 && len(w.m.Opsets) == 0:
		w.emit(formats.NewFinding(RuleStructure, 0, "model of IR version %d imports no operator set (opset_import is missing)", w.m.IRVersion).
			With("ir_version", strconv.FormatUint(w.m.IRVersion, 10)))
	case hasIR && w.m.IRVersion >= 1 && w.m.IRVersion < 3 && len(w.m.Opsets) > 0:
		w.emit(formats.NewFinding(RuleStructure, 0, "model of IR version %d imports operator sets, which only IR version 3 and later may", w.m.IRVersion).
			With("ir_version", strconv.FormatUint(w.m.IRVersion, 10)))
	}
	w.judgeCustom()
	w.cycles()
	w.m.Inputs = slices.DeleteFunc(w.m.Inputs, func(v Value) bool { return w.inits[v.Name] })
	w.m.Inputs = w.m.Inputs[:min(len(w.m.Inputs), maxIO)]
	return w.m, nil
}

func (w *walker) emit(f formats.Finding) {
	if w.reported >= maxFindings && f.Severity < formats.Critical {
		return
	}
	w.reported++
	w.report(f)
}

func (w *walker) opset(f field) error {
	var domain string
	var version uint64
	err := w.c.enter(w.ctx, f, func(g field) error {
		switch g.Num {
		case 1:
			s, _, err := w.c.str(g, maxString)
			domain = s
			return err
		case 2:
			version = g.Val
		}
		return nil
	})
	if len(w.m.Opsets) < maxAttrs {
		w.m.Opsets[domain] = version
	}
	return err
}

func (w *walker) metadata(f field) error {
	k, _, err := w.entry(f)
	if err != nil {
		return err
	}
	if k == "ort_config" {
		w.emit(formats.NewFinding(RuleORTConfig, f.Start, "metadata_props has an ort_config entry (session options applied when ORT_LOAD_CONFIG_FROM_MODEL=1)"))
	}
	return nil
}

// entry reads a StringStringEntryProto.
func (w *walker) entry(f field) (key, value string, err error) {
	err = w.c.enter(w.ctx, f, func(g field) error {
		var err error
		switch g.Num {
		case 1:
			key, _, err = w.c.str(g, maxString)
		case 2:
			value, _, err = w.c.str(g, maxString)
		}
		return err
	})
	return key, value, err
}

func (w *walker) graph(f field) error {
	if w.depth >= MaxGraphDepth {
		return &formats.LimitError{Limit: "onnx-graph-depth", Max: MaxGraphDepth}
	}
	w.depth++
	defer func() { w.depth-- }()
	top := w.main && w.depth == 1
	return w.c.enter(w.ctx, f, func(g field) error {
		switch g.Num {
		case 1:
			return w.node(g)
		case 5:
			if top {
				return w.initializer(g)
			}
			return w.tensor(g)
		case 11, 12:
			if !top {
				return nil
			}
			if g.Num == 11 && len(w.m.Inputs) >= maxIO+len(w.inits) || g.Num == 12 && len(w.m.Outputs) >= maxIO {
				return nil
			}
			// A value the facts cannot read is left out: facts never
			// change what the walk finds.
			v, err := w.valueInfo(g)
			if err != nil {
				return w.ctx.Err()
			}
			if g.Num == 11 {
				w.m.Inputs = append(w.m.Inputs, v)
			} else {
				w.m.Outputs = append(w.m.Outputs, v)
			}
			return nil
		case 15:
			return w.sparse(g)
		}
		return nil
	})
}

func (w *walker) function(f field) error {
	var name, domain string
	err := w.c.enter(w.ctx, f, func(g field) error {
		var err error
		switch g.Num {
		case 1:
			name, _, err = w.c.str(g, maxString)
		case 10:
			domain, _, err = w.c.str(g, maxString)
		}
		return err
	})
	if err != nil {
		return err
	}
	// The function's name may follow its nodes, so the nodes are
	// visited in a second pass, once the calls they make can be
	// attributed to it.
	key := domain + ":" + name
	if _, dup := w.funcs[key]; !dup {
		w.funcs[key] = nil
	}
	if standardDomains[domain] {
		w.emit(formats.NewFinding(RuleShadowFunction, f.Start, "model-local function %q is defined in standard domain %q", name, domain).
			With("function", name).With("domain", domain))
	}
	w.curFunc = key
	defer func() { w.curFunc = "" }()
	return w.c.enter(w.ctx, f, func(g field) error {
		if g.Num == 7 {
			return w.node(g)
		}
		return nil
	})
}

func (w *walker) sparse(f field) error {
	return w.c.enter(w.ctx, f, func(g field) error {
		if g.Num == 1 || g.Num == 2 {
			return w.tensor(g)
		}
		return nil
	})
}

// node holds what the judgement of one node needs.
type node struct {
	name, op, domain string
	strs             map[string]string // string attributes, cut at maxString
	sizes            map[string]int64  // full byte length of each string attribute
	ints             map[string]int64
	at               int64
}

func (w *walker) node(f field) error {
	w.m.Nodes++
	if w.m.Nodes > MaxNodes {
		return &formats.LimitError{Limit: "onnx-nodes", Max: MaxNodes}
	}
	n := node{strs: map[string]string{}, sizes: map[string]int64{}, ints: map[string]int64{}, at: f.Start}
	err := w.c.enter(w.ctx, f, func(g field) error {
		var err error
		switch g.Num {
		case 3:
			n.name, _, err = w.c.str(g, maxString)
		case 4:
			n.op, _, err = w.c.str(g, maxString)
		case 7:
			n.domain, _, err = w.c.str(g, maxString)
		case 5:
			err = w.attribute(g, &n)
		}
		return err
	})
	if err != nil {
		return err
	}
	w.judge(&n)
	return nil
}

func (w *walker) attribute(f field, n *node) error {
	var name string
	var s string
	var sLen int64 = -1
	var i int64
	hasI := false
	var list []string
	err := w.c.enter(w.ctx, f, func(g field) error {
		var err error
		switch g.Num {
		case 1:
			name, _, err = w.c.str(g, maxString)
		case 3:
			i, hasI = int64(g.Val), true
		case 4:
			s, _, err = w.c.str(g, maxString)
			sLen = g.End - g.Start
		case 9:
			if len(list) < maxAttrs {
				var v string
				v, _, err = w.c.str(g, maxString)
				list = append(list, v)
			}
		case 5, 10:
			err = w.tensor(g)
		case 6, 11:
			err = w.graph(g)
		case 22, 23:
			err = w.sparse(g)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(n.strs) < maxAttrs {
		if sLen >= 0 {
			n.strs[name], n.sizes[name] = s, sLen
		}
		if hasI {
			n.ints[name] = i
		}
	}
	for _, v := range append(list, s) {
		w.scanString(v, name, f.Start)
	}
	return nil
}

var urlSchemes = []string{"http://", "https://", "grpc://", "grpcs://", "ftp://", "ws://", "wss://", "s3://", "gs://", "file://"}

// scanString checks a string attribute value for the in-memory marker and
// for URLs.
func (w *walker) scanString(v, attr string, at int64) {
	if v == "" {
		return
	}
	if hasMemMarker(v) {
		w.emit(formats.NewFinding(RuleMemAddr, at, "attribute %q holds onnxruntime's in-memory address marker", attr).With("attribute", attr))
	}
	lv := strings.ToLower(v)
	for _, sch := range urlSchemes {
		if strings.Contains(lv, sch) {
			w.emit(formats.NewFinding(RuleNetworkOp, at, "attribute %q holds a URL", attr).With("attribute", attr).With("value", clip(v)))
			return
		}
	}
}

func hasMemMarker(s string) bool {
	return strings.Contains(s, "_ORT_MEM_ADDR_")
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// The domains whose operators the ONNX specification defines.
var standardDomains = map[string]bool{"": true, "ai.onnx": true, "ai.onnx.ml": true, "ai.onnx.preview.training": true, "ai.onnx.training": true}

// Operators of onnxruntime-extensions that call remote endpoints.
var cloudOps = map[string]bool{
	"AzureTritonInvoker": true, "AzureTextToText": true, "AzureAudioToText": true,
	"OpenAIAudioToText": true, "AzureInvoker": true, "CloudInvoker": true,
}

func (w *walker) judge(n *node) {
	w.m.Domains[n.domain]++
	if len(w.m.Domains) > maxAttrs {
		delete(w.m.Domains, n.domain)
	}
	if w.curFunc != "" {
		calls := w.funcs[w.curFunc]
		if key := n.domain + ":" + n.op; !slices.Contains(calls, key) && len(calls) < maxAttrs {
			w.funcs[w.curFunc] = append(calls, key)
		}
	}
	at := n.at
	if n.name == "" {
		n.name = n.op
	}
	switch n.op {
	case "PyOp":
		w.emit(formats.NewFinding(RulePyOp, at, "PyOp node %q imports Python module %q class %q", n.name, n.strs["module"], n.strs["class_name"]).
			With("node", n.name).With("module", n.strs["module"]).With("class_name", n.strs["class_name"]).With("domain", n.domain))
	case "PythonOp", "PythonOpGrad":
		w.emit(formats.NewFinding(RulePythonOp, at, "%s node %q calls Python function %q", n.op, n.name, n.strs["func_name"]).
			With("node", n.name).With("func_name", n.strs["func_name"]))
	case "ATen":
		w.emit(formats.NewFinding(RuleATen, at, "ATen node %q runs PyTorch operator %q", n.name, n.strs["operator"]).
			With("node", n.name).With("operator", n.strs["operator"]).With("overload_name", n.strs["overload_name"]))
	case "EPContext":
		w.epContext(n)
	}
	if cloudOps[n.op] && (n.domain == "com.microsoft.extensions" || n.domain == "ai.onnx.contrib") {
		w.emit(formats.NewFinding(RuleNetworkOp, at, "%s node %q sends requests to %q", n.op, n.name, n.strs["model_uri"]).
			With("node", n.name).With("model_uri", n.strs["model_uri"]))
	}
	if k := lookupDomain(n.domain).kind; (k == unknownDomain || k == libraryDomain) && len(w.custom) < maxAttrs {
		w.custom = append(w.custom, nodeRef{domain: n.domain, op: n.op, name: n.name, at: at})
	}
}

func (w *walker) epContext(n *node) {
	ctxAttr := n.strs["ep_cache_context"]
	embed := n.ints["embed_mode"]
	if _, ok := n.ints["embed_mode"]; !ok {
		embed = 1 // the contrib op's default
	}
	f := formats.NewFinding(RuleEPContext, n.at, "EPContext node %q", n.name).With("node", n.name).
		With("source", n.strs["source"]).With("embed_mode", strconv.FormatInt(embed, 10))
	if embed == 0 {
		f.Message = fmt.Sprintf("EPContext node %q loads compiled engine file %q", n.name, ctxAttr)
		f = f.With("path", clip(ctxAttr))
		if why := locationProblem(ctxAttr); why != "" {
			f.Message += " (" + why + ")"
		} else {
			f = f.At(formats.Medium)
		}
	} else {
		f = f.At(formats.Medium)
		f.Message = fmt.Sprintf("EPContext node %q embeds a %d-byte compiled engine (source %q)", n.name, n.sizes["ep_cache_context"], n.strs["source"])
		f = f.With("bytes", strconv.FormatInt(n.sizes["ep_cache_context"], 10))
	}
	w.emit(f)
}

// judgeCustom reports nodes of vendor and unknown domains that no local
// function defines, once per domain and operator.
func (w *walker) judgeCustom() {
	seen := map[string]bool{}
	for _, r := range w.custom {
		key := r.domain + ":" + r.op
		if _, local := w.funcs[key]; local || seen[key] {
			continue
		}
		seen[key] = true
		if info := lookupDomain(r.domain); info.kind == libraryDomain {
			w.emit(formats.NewFinding(RuleVendorDomain, r.at, "node %q uses operator %q of %s's domain %q (needs that vendor's custom-op library)", r.name, r.op, info.vendor, r.domain).
				With("domain", r.domain).With("op_type", r.op).With("vendor", info.vendor))
			continue
		}
		w.emit(formats.NewFinding(RuleCustomDomain, r.at, "node %q uses operator %q of unknown custom domain %q (needs a native custom-op library)", r.name, r.op, r.domain).
			With("domain", r.domain).With("op_type", r.op))
	}
}

// cycles reports model-local functions that reach themselves.
func (w *walker) cycles() {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var visit func(k string, depth int) bool
	visit = func(k string, depth int) bool {
		if depth > MaxGraphDepth*4 {
			return true
		}
		switch state[k] {
		case active:
			return true
		case done:
			return false
		}
		state[k] = active
		for _, c := range w.funcs[k] {
			if _, ok := w.funcs[c]; ok && visit(c, depth+1) {
				return true
			}
		}
		state[k] = done
		return false
	}
	keys := make([]string, 0, len(w.funcs))
	for k := range w.funcs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if state[k] == unseen && visit(k, 0) {
			w.emit(formats.NewFinding(RuleFunctionCycle, formats.NoOffset, "model-local function %q is part of a call cycle", k).With("function", k))
			return
		}
	}
}

// Bits per element of each TensorProto data type with a fixed size.
var elemBits = map[uint64]uint64{
	1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64,
	14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8, 25: 2, 26: 2,
}

const dataTypeString = 8

// valueInfo reads a ValueInfoProto's name and, for a tensor, its element
// type and shape ("float32[1,3,N,224]", a symbolic dimension by its name,
// an unknown one as "?").
func (w *walker) valueInfo(f field) (Value, error) {
	var v Value
	err := w.c.enter(w.ctx, f, func(g field) error {
		var err error
		switch g.Num {
		case 1:
			v.Name, _, err = w.c.str(g, maxString)
		case 2:
			v.Type, err = w.typeProto(g)
		}
		return err
	})
	return v, err
}

// typeProto renders a TypeProto: a tensor's element type and shape, or
// the kind of a sequence, map or optional.
func (w *walker) typeProto(f field) (string, error) {
	var out string
	err := w.c.enter(w.ctx, f, func(g field) error {
		switch g.Num {
		case 1, 8: // tensor_type, sparse_tensor_type
			var elem uint64
			var dims []string
			shaped := false
			err := w.c.enter(w.ctx, g, func(h field) error {
				switch h.Num {
				case 1:
					elem = h.Val
				case 2:
					shaped = true
					return w.c.enter(w.ctx, h, func(d field) error {
						if d.Num != 1 || len(dims) > maxDims {
							return nil
						}
						dim := "?"
						err := w.c.enter(w.ctx, d, func(x field) error {
							var err error
							switch x.Num {
							case 1:
								dim = strconv.FormatInt(int64(x.Val), 10)
							case 2:
								dim, _, err = w.c.str(x, 64)
							}
							return err
						})
						dims = append(dims, dim)
						return err
					})
				}
				return nil
			})
			out = dtypeName(elem)
			if shaped {
				out += "[" + strings.Join(dims, ",") + "]"
			}
			return err
		case 4:
			out = "sequence"
		case 5:
			out = "map"
		case 9:
			out = "optional"
		}
		return nil
	})
	return out, err
}

// initializer walks one of the main graph's initializers, counting it
// for the model's facts.
func (w *walker) initializer(f field) error {
	t := &tensorFact{}
	w.fact = t
	defer func() { w.fact = nil }()
	if err := w.tensor(f); err != nil {
		return err
	}
	w.m.Initializers++
	if len(w.inits) < 1<<16 {
		w.inits[t.name] = true
	}
	w.m.Dtypes[dtypeName(t.dtype)]++
	if !t.ok {
		return nil
	}
	n := uint64(1)
	for _, d := range t.dims {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || d < 0 {
			return nil
		}
		n = lo
	}
	if sum, carry := bits.Add64(w.m.Params, n, 0); carry == 0 {
		w.m.Params = sum
	}
	return nil
}

// tensorFact is what initializer learns from tensor.
type tensorFact struct {
	name  string
	dims  []int64
	dtype uint64
	ok    bool // false when the dims were beyond maxDims
}

// dtypeNames are TensorProto.DataType's names, lower-cased.
var dtypeNames = []string{"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool",
	"float16", "float64", "uint32", "uint64", "complex64", "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz",
	"float8e5m2", "float8e5m2fnuz", "uint4", "int4", "float4e2m1"}

func dtypeName(t uint64) string {
	if t < uint64(len(dtypeNames)) {
		return dtypeNames[t]
	}
	return "type" + strconv.FormatUint(t, 10)
}

func (w *walker) tensor(f field) error {
	var (
		name     string
		dims     []int64
		dtype    uint64
		rawLen   int64 = -1
		inline   bool
		location uint64
		ext      [][2]string
	)
	ndims := 0
	addDim := func(v uint64) {
		ndims++
		if len(dims) < maxDims {
			dims = append(dims, int64(v))
		}
	}
	err := w.c.enter(w.ctx, f, func(g field) error {
		var err error
		switch g.Num {
		case 1:
			if g.Type == protowire.BytesType {
				w.c.pos = g.Start
				for w.c.pos < g.End && err == nil {
					var v uint64
					v, err = w.c.varint()
					addDim(v)
				}
				if err == nil && w.c.pos != g.End {
					err = fmt.Errorf("packed dims at offset %d: %w", g.Start, errMalformed)
				}
			} else {
				addDim(g.Val)
			}
		case 2:
			dtype = g.Val
		case 8:
			name, _, err = w.c.str(g, maxString)
		case 9:
			rawLen = g.End - g.Start
		case 4, 5, 6, 7, 10, 11:
			inline = true
		case 13:
			if len(ext) < maxAttrs {
				var k, v string
				k, v, err = w.entry(g)
				ext = append(ext, [2]string{k, v})
			}
		case 14:
			location = g.Val
		}
		return err
	})
	if err != nil {
		return err
	}
	if w.fact != nil && ndims <= maxDims {
		*w.fact = tensorFact{name: name, dims: dims, dtype: dtype, ok: true}
	}
	if location == 1 || len(ext) > 0 {
		if inline || rawLen >= 0 {
			w.emit(formats.NewFinding(RuleExternalInline, f.Start, "tensor %q has external data and inline data", name).With("tensor", name))
		}
		w.external(name, ext, f.Start)
		return nil
	}
	if rawLen >= 0 && ndims <= maxDims {
		w.checkSize(name, dims, dtype, rawLen, f.Start)
	}
	return nil
}

func (w *walker) checkSize(name string, dims []int64, dtype uint64, rawLen, at int64) {
	if dtype == dataTypeString {
		w.emit(formats.NewFinding(RuleTensorSize, at, "STRING tensor %q carries raw_data", name).With("tensor", name))
		return
	}
	b, ok := elemBits[dtype]
	if !ok {
		return
	}
	n := uint64(1)
	for _, d := range dims {
		if d < 0 {
			w.emit(formats.NewFinding(RuleTensorSize, at, "tensor %q has negative dimension %d", name, d).With("tensor", name))
			return
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 {
			w.emit(formats.NewFinding(RuleTensorSize, at, "tensor %q: element count overflows", name).With("tensor", name))
			return
		}
		n = lo
	}
	hi, lo := bits.Mul64(n, b)
	want := (lo + 7) / 8
	if hi != 0 || want != uint64(rawLen) {
		w.emit(formats.NewFinding(RuleTensorSize, at, "tensor %q has %d bytes of raw_data, its shape %v needs %d", name, rawLen, dims, want).
			With("tensor", name))
	}
}

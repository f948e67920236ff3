// Package tensorflow analyzes TensorFlow's model files: SavedModels
// (saved_model.pb), frozen GraphDefs, TF1 MetaGraphDefs (.meta) and
// checkpoints (tensor-bundle .index files, their data shards and the
// 'checkpoint' state file).
//
// One protobuf walker judges every node of every graph — meta graphs,
// function libraries and GraphDefs nested in string constants — and
// reports ops that run Python, read or write files or talk to the network,
// and asset paths that escape the model. The checkpoint index is read as
// the LevelDB-format table it is, with every block checksum verified, and
// the "tensorflow-checkpoint" layout checks the data shards against it and
// the state file's paths against the directory.
//
// It never loads a graph into TensorFlow, executes any op or restores a
// tensor; it also exports ClassifyOp so that TFLite Flex ops are judged
// the same way.
package tensorflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.SavedModel, formats.AnalyzerFunc(Analyze))
}

// Limits of the walk. Protobuf's C++ reader refuses messages of 2 GiB or
// more, so larger saved_model.pb files are not read either.
const (
	MaxFile        = 2 << 30
	MaxNestedDepth = 8
	MaxNodes       = 10_000_000
	maxFindings    = 200
)

var errMalformed = errors.New("malformed protobuf")

// Analyze reads one saved_model.pb.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	return analyzeWith(ctx, in, s, "savedmodel", func(data []byte) error {
		_, err := Walk(ctx, data, s.Report)
		return err
	})
}

// analyzeWith reads the whole input, which a protobuf reader needs, and
// hands it to walk.
func analyzeWith(ctx context.Context, in *formats.Input, s formats.Scope, what string, walk func([]byte) error) error {
	data, err := readAll(in, min(s.Limits().Buffer, MaxFile))
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, in.Name, err)
	}
	if err := walk(data); err != nil {
		return fmt.Errorf("%s %s: %w", what, in.Name, err)
	}
	return nil
}

func readAll(in *formats.Input, limit int64) ([]byte, error) {
	ra, size, err := in.ReaderAt(limit)
	if err != nil {
		return nil, err
	}
	if size > limit {
		return nil, &formats.LimitError{Limit: "savedmodel-bytes", Max: limit}
	}
	data := make([]byte, size)
	if _, err := ra.ReadAt(data, 0); err != nil && !(errors.Is(err, io.EOF) && len(data) == int(size)) {
		return nil, &formats.ReadError{Err: err}
	}
	return data, nil
}

// Graph is what Walk learned about a SavedModel.
type Graph struct {
	MetaGraphs int
	Nodes      int
	Functions  int
	// Ops counts the nodes of each op type.
	Ops map[string]int
	// Signatures are the meta graphs' signature defs, by key.
	Signatures map[string]Signature
	// Class is the Keras class_name the root object's metadata states
	// (a Keras SavedModel); "" otherwise.
	Class string
}

type walker struct {
	ctx      context.Context
	report   func(formats.Finding)
	g        *Graph
	reported int
	seen     map[string]bool // op+class already reported, so a finding per op kind
	depth    int
}

func newWalker(ctx context.Context, report func(formats.Finding)) *walker {
	return &walker{ctx: ctx, report: report, g: &Graph{Ops: map[string]int{}}, seen: map[string]bool{}}
}

// Walk reads a serialized SavedModel and reports its dangerous ops.
func Walk(ctx context.Context, data []byte, report func(formats.Finding)) (*Graph, error) {
	w := newWalker(ctx, report)
	err := each(data, 0, func(f fld) error {
		if f.num == 2 && f.typ == protowire.BytesType {
			w.g.MetaGraphs++
			return w.metaGraph(f)
		}
		return nil
	})
	if err != nil {
		return w.g, err
	}
	if w.g.MetaGraphs == 0 {
		w.emit(formats.NewFinding(RuleStructure, 0, "SavedModel has no meta graph"))
	}
	return w.g, nil
}

// WalkMetaGraph reads a serialized MetaGraphDef (a TF1 .meta file) and
// reports its dangerous ops and asset paths.
func WalkMetaGraph(ctx context.Context, data []byte, report func(formats.Finding)) (*Graph, error) {
	w := newWalker(ctx, report)
	w.g.MetaGraphs = 1
	return w.g, w.metaGraph(fld{typ: protowire.BytesType, val: data})
}

// WalkGraphDef reads a serialized GraphDef — a frozen graph, or one nested
// in a SavedModel or a TFLite Flex op — and reports its dangerous ops.
func WalkGraphDef(ctx context.Context, data []byte, report func(formats.Finding)) error {
	return newWalker(ctx, report).graphDef(fld{val: data})
}

// JudgeNodeDef reads one serialized NodeDef and reports it if its op is
// dangerous; it returns the op's name.
func JudgeNodeDef(ctx context.Context, data []byte, at int64, report func(formats.Finding)) (string, error) {
	return newWalker(ctx, report).node(fld{typ: protowire.BytesType, val: data, at: at}, "")
}

func (w *walker) emit(f formats.Finding) {
	if w.reported >= maxFindings && f.Severity < formats.Critical {
		return
	}
	w.reported++
	w.report(f)
}

// fld is one field of a message held in memory.
type fld struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	val []byte
	at  int64 // offset of val in the file, for findings
}

// each visits the fields of msg, which starts at file offset base.
func each(msg []byte, base int64, fn func(f fld) error) error {
	off := 0
	for off < len(msg) {
		num, typ, n := protowire.ConsumeTag(msg[off:])
		if n < 0 {
			return fmt.Errorf("tag at offset %d: %w", base+int64(off), errMalformed)
		}
		off += n
		f := fld{num: num, typ: typ, at: base + int64(off)}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(msg[off:])
		case protowire.BytesType:
			f.val, n = protowire.ConsumeBytes(msg[off:])
			if n >= 0 {
				f.at += int64(n - len(f.val))
			}
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(msg[off:])
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(msg[off:])
		default:
			return fmt.Errorf("wire type %d at offset %d: %w", typ, f.at, errMalformed)
		}
		if n < 0 {
			return fmt.Errorf("field %d at offset %d: %w", num, f.at, errMalformed)
		}
		off += n
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func sub(f fld, fn func(f fld) error) error {
	if f.typ != protowire.BytesType {
		return fmt.Errorf("field %d at offset %d is not a message: %w", f.num, f.at, errMalformed)
	}
	return each(f.val, f.at, fn)
}

func (w *walker) metaGraph(f fld) error {
	return sub(f, func(g fld) error {
		switch g.num {
		case 2:
			return w.graphDef(g)
		case 5:
			w.signature(g)
		case 6:
			return w.asset(g)
		case 7:
			w.rootClass(g)
		}
		return nil
	})
}

func (w *walker) asset(f fld) error {
	return sub(f, func(g fld) error {
		if g.num != 2 {
			return nil
		}
		name := string(g.val)
		if pathEscapes(name) {
			w.emit(formats.NewFinding(RuleAssetPath, g.at, "asset filename %q escapes the SavedModel directory", clip(name)).With("filename", clip(name)))
		}
		return nil
	})
}

func pathEscapes(p string) bool {
	q := strings.ReplaceAll(p, `\`, "/")
	if strings.HasPrefix(q, "/") || strings.HasPrefix(q, "~") || len(q) >= 2 && q[1] == ':' || strings.Contains(q, "://") {
		return true
	}
	return slices.Contains(strings.Split(q, "/"), "..")
}

func (w *walker) graphDef(f fld) error {
	return each(f.val, f.at, func(g fld) error {
		switch g.num {
		case 1:
			_, err := w.node(g, "")
			return err
		case 2:
			return sub(g, func(h fld) error {
				if h.num == 1 {
					return w.function(h)
				}
				return nil
			})
		}
		return nil
	})
}

func (w *walker) function(f fld) error {
	w.g.Functions++
	var name string
	var nodes []fld
	err := sub(f, func(g fld) error {
		switch g.num {
		case 1:
			return sub(g, func(h fld) error {
				if h.num == 1 {
					name = string(h.val)
				}
				return nil
			})
		case 3:
			nodes = append(nodes, g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if _, err := w.node(n, name); err != nil {
			return err
		}
	}
	return nil
}

// nodeAttrs holds the attributes of a node that the judgement needs.
type nodeAttrs struct {
	name, op string
	strs     []string // string attribute values and string constants
	graphs   [][]byte // string constants that may be serialized GraphDefs
	stream   string   // PrintV2's output_stream
}

func (w *walker) node(f fld, fn string) (string, error) {
	w.g.Nodes++
	if w.g.Nodes > MaxNodes {
		return "", &formats.LimitError{Limit: "tensorflow-nodes", Max: MaxNodes}
	}
	if w.g.Nodes&1023 == 0 {
		if err := w.ctx.Err(); err != nil {
			return "", err
		}
	}
	var n nodeAttrs
	err := sub(f, func(g fld) error {
		switch g.num {
		case 1:
			n.name = string(g.val)
		case 2:
			n.op = string(g.val)
		case 5:
			return w.attr(g, &n)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(w.g.Ops) < 100_000 {
		w.g.Ops[n.op]++
	}
	return n.op, w.judge(&n, fn, f.at)
}

func (w *walker) attr(f fld, n *nodeAttrs) error {
	var key string
	return sub(f, func(g fld) error {
		switch g.num {
		case 1:
			key = string(g.val)
		case 2:
			return sub(g, func(h fld) error {
				switch h.num {
				case 2:
					if key == "output_stream" {
						n.stream = string(h.val)
					}
					n.addString(h.val)
				case 1:
					return sub(h, func(l fld) error {
						switch l.num {
						case 2:
							n.addString(l.val)
						case 8:
							return n.tensor(l)
						}
						return nil
					})
				case 8:
					return n.tensor(h)
				}
				return nil
			})
		}
		return nil
	})
}

func (n *nodeAttrs) addString(b []byte) {
	if len(n.strs) < 1024 {
		n.strs = append(n.strs, string(b[:min(len(b), 4096)]))
	}
}

// tensor collects the string values of a TensorProto.
func (n *nodeAttrs) tensor(f fld) error {
	return sub(f, func(g fld) error {
		if g.num == 8 && g.typ == protowire.BytesType {
			n.addString(g.val)
			if len(g.val) >= 4 && len(n.graphs) < 64 {
				n.graphs = append(n.graphs, g.val)
			}
		}
		return nil
	})
}

var remoteSchemes = []string{"gs://", "s3://", "hdfs://", "http://", "https://", "grpc://", "ftp://"}

func (w *walker) judge(n *nodeAttrs, fn string, at int64) error {
	c, sev := ClassifyOp(n.op)
	if n.op == "PrintV2" && n.stream != "" && !printStreams[n.stream] {
		c, sev = WritesFile, formats.High
	}
	where := "graph"
	if fn != "" {
		where = "function " + strconv.Quote(fn)
	}
	rule := map[OpClass]string{Python: RulePythonOp, ReadsFiles: RuleFileRead, WritesFile: RuleFileWrite,
		Network: RuleNetworkOp, Nested: RuleNested, Debug: RuleDebugOp}[c]
	key := n.op + "\x00" + fn
	if rule != "" && !w.seen[key] {
		w.seen[key] = true
		f := formats.NewFinding(rule, at, "%s op %s (node %q in %s)", c, n.op, n.name, where).At(sev).
			With("op", n.op).With("node", n.name)
		if fn != "" {
			f = f.With("function", fn)
		}
		if len(n.strs) > 0 && c != Compute {
			f = f.With("strings", clip(strings.Join(n.strs, ", ")))
		}
		w.emit(f)
	}
	for _, s := range n.strs {
		ls := strings.ToLower(s)
		for _, sch := range remoteSchemes {
			if strings.HasPrefix(ls, sch) && !w.seen["url\x00"+s] {
				w.seen["url\x00"+s] = true
				w.emit(formats.NewFinding(RuleNetworkOp, at, "node %q in %s names remote location %q", n.name, where, clip(s)).
					With("node", n.name).With("url", clip(s)))
			}
		}
	}
	return w.nested(n, at)
}

// nested parses string constants that hold serialized GraphDefs, the way
// DatasetFromGraph turns them back into graphs at run time.
func (w *walker) nested(n *nodeAttrs, at int64) error {
	for _, b := range n.graphs {
		if !looksLikeGraphDef(b) {
			continue
		}
		if w.depth >= MaxNestedDepth {
			return &formats.LimitError{Limit: "tensorflow-nested-graphs", Max: MaxNestedDepth}
		}
		if !w.seen["nested\x00"+n.name] {
			w.seen["nested\x00"+n.name] = true
			w.emit(formats.NewFinding(RuleNested, at, "constant of node %q holds a serialized GraphDef", n.name).With("node", n.name))
		}
		w.depth++
		err := w.graphDef(fld{val: b, at: at})
		w.depth--
		if err != nil && !errors.Is(err, errMalformed) {
			return err
		}
	}
	return nil
}

// looksLikeGraphDef accepts bytes whose fields are all GraphDef fields
// and whose first node has an op name.
func looksLikeGraphDef(b []byte) bool {
	nodes := 0
	err := each(b, 0, func(f fld) error {
		switch {
		case f.num == 1 && f.typ == protowire.BytesType:
			op := false
			if err := each(f.val, 0, func(g fld) error {
				if g.num == 2 && g.typ == protowire.BytesType && len(g.val) > 0 {
					op = true
				}
				return nil
			}); err != nil || !op {
				return errMalformed
			}
			nodes++
		case (f.num == 2 || f.num == 4) && f.typ == protowire.BytesType, f.num == 3 && f.typ == protowire.VarintType:
		default:
			return errMalformed
		}
		return nil
	})
	return err == nil && nodes > 0
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

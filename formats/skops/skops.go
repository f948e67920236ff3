// Package skops checks skops persistence files (.skops): zip archives
// whose schema.json describes a tree of objects, each node naming the
// skops loader that rebuilds it (__loader__), a module and a class or
// function (__module__, __class__) and its children, with array data in
// .npy and .npz members.
//
// skops.io.load imports every module a node names and, depending on the
// loader, calls the named class or function, builds it with __new__ and
// restores its state, holds it as a value, or looks a method or operator
// up by name. This package judges every such name with the pickle
// allowlist and denylist (package pickle/globals), as the use the loader
// makes of it, and reports the loaders that turn data into calls
// (MethodNode, OperatorFuncNode: CVE-2025-54412, CVE-2025-54413). It is a
// formats.Layout identified by the bytes of schema.json (a JSON object
// with __loader__ and protocol keys), never by the file's name; the .npy
// and .npz members are analyzed by the registry as files of their own.
//
// It never imports, resolves or executes anything: names are compared
// with lists. schema.json is read whole under a size cap, and the walk
// over its nodes is bounded in depth and count.
package skops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Name is the layout's name in the formats registry.
const Name = "skops"

// Bounds. Real schemas are kilobytes to a few megabytes (a forest of a
// thousand trees), with nesting in the tens; a decoded schema takes about
// ten times its size in memory.
const (
	maxSchemaBytes = 16 << 20
	maxDepth       = 256
	maxNodes       = 1 << 20
	maxFindings    = 200
)

// schemaName is where skops.io.load reads the tree: ZipFile.read("schema.json").
const schemaName = "schema.json"

func init() {
	formats.RegisterLayout(Name, Layout{})
}

// Layout is the skops archive layout.
type Layout struct{}

// Match reports whether the tree has a schema.json at its root, the only
// place skops reads one. Whether it is a skops schema is decided by its
// bytes in AnalyzeTree.
func (Layout) Match(names []string) bool {
	for _, n := range names {
		if n == schemaName {
			return true
		}
	}
	return false
}

// AnalyzeTree reads schema.json; when it is a skops schema, judges every
// node of it.
func (Layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	in, err := t.Open(schemaName)
	if err != nil {
		return fmt.Errorf("skops: %w", err)
	}
	raw, err := readCapped(in)
	data := pythonText(raw)
	if err != nil {
		var le *formats.LimitError
		if errors.As(err, &le) && !mentionsLoader(data) {
			return nil
		}
		return fmt.Errorf("skops: %s: %w", schemaName, err)
	}
	if d := bytes.TrimLeft(data, " \t\r\n"); len(d) == 0 || d[0] != '{' {
		return nil
	}
	root, err := decode(data)
	if err != nil {
		if !mentionsLoader(data) {
			return nil
		}
		// Python's json may still read what this decoder refuses.
		s.Report(formats.NewFinding(RuleMalformed, formats.NoOffset, "schema.json mentions skops loaders but does not parse (%v)", err).
			With("problem", "parse").In(schemaName))
		return fmt.Errorf("skops: %s: %w", schemaName, err)
	}
	obj, ok := root.(map[string]any)
	if !ok || !isSchema(obj) {
		return nil
	}
	members := map[string]bool{}
	for _, n := range t.Names() {
		members[n] = true
	}
	c := &checker{ctx: ctx, scope: s, sel: globals.SelectionFrom(ctx), members: members}
	if err := c.check(obj); err != nil {
		return fmt.Errorf("skops: %s: %w", schemaName, err)
	}
	formats.MarkChecked(s, schemaName)
	return nil
}

// isSchema reports whether a decoded JSON object is a skops schema: its
// root node has the __loader__ and protocol keys skops.io.load reads.
func isSchema(obj map[string]any) bool {
	_, loader := obj["__loader__"]
	_, protocol := obj["protocol"]
	return loader && protocol
}

// mentionsLoader reports whether text that did not decode could be a
// schema: it names a loader key, spelled out or escaped.
func mentionsLoader(data []byte) bool {
	return bytes.Contains(data, []byte("loader")) || bytes.Contains(data, []byte(`\u`))
}

// decode parses one JSON value as Python's json.loads does for skops's
// schemas: numbers kept as written, NaN and Infinity accepted, nothing
// but whitespace after it.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(pythonConstants(data)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// readCapped reads a member whole, or as much as the cap allows and a
// LimitError.
func readCapped(in *formats.Input) ([]byte, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxSchemaBytes+1))
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	if len(data) > maxSchemaBytes {
		return data[:maxSchemaBytes], &formats.LimitError{Limit: "skops-schema-bytes", Max: maxSchemaBytes}
	}
	return data, nil
}

// checker is one walk over one schema.
type checker struct {
	ctx      context.Context
	scope    formats.Scope
	sel      globals.Selection
	members  map[string]bool
	nodes    int
	findings int
	seen     map[string]bool // "rule global use", reported once
}

func (c *checker) check(obj map[string]any) error {
	if p, ok := obj["protocol"].(json.Number); !ok || !knownProtocol(p.String()) {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "schema.json protocol %v is not one skops writes (0 to 2)", obj["protocol"]).
			With("problem", "protocol"))
	}
	return c.walk(obj, 0)
}

func knownProtocol(p string) bool { return p == "0" || p == "1" || p == "2" }

// walk visits every JSON value under v and checks each node: any object
// with a __loader__ key, wherever it sits, since a field this package
// does not know may be one a skops version reads.
func (c *checker) walk(v any, depth int) error {
	if depth > maxDepth {
		return &formats.LimitError{Limit: "skops-depth", Max: maxDepth}
	}
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["__loader__"]; ok {
			c.nodes++
			if c.nodes > maxNodes {
				return &formats.LimitError{Limit: "skops-nodes", Max: maxNodes}
			}
			if c.nodes%4096 == 0 {
				if err := c.ctx.Err(); err != nil {
					return err
				}
			}
			c.node(x)
		}
		// Sorted keys keep the findings' order stable from run to run.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := c.walk(x[k], depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range x {
			if err := c.walk(child, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// node judges the names one node makes its loader import and use.
func (c *checker) node(n map[string]any) {
	loader, _ := n["__loader__"].(string)
	module, _ := n["__module__"].(string)
	class, _ := n["__class__"].(string)
	role, known := loaders[loader]
	if !known {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "node of %s.%s names loader %q, which skops does not define; a skops version or extension that defines it may import and call it",
			module, class, loader).With("problem", "unknown loader").With("loader", loader))
		role = roleCall
	}
	if _, ok := n["__module__"].(string); !ok && role != roleNone {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "%s node has no string __module__ or __class__; skops fails to load it", loader).
			With("problem", "missing type").With("loader", loader))
		return
	}
	switch role {
	case roleClass:
		c.judge(loader, module, class, globals.UseClass)
	case roleCall:
		c.judge(loader, module, class, globals.UseFunction)
	case roleRef:
		c.judge(loader, module, class, globals.UseReference)
	case roleFunction:
		// The function is imported and held, as a pickle holds a global
		// by reference (a SelectKBest score_func, a FunctionTransformer's
		// func): what the model later calls it with is the model's code,
		// and a dangerous function is denied whatever its use. Protocol 0
		// named it in content.module_path and content.function instead.
		c.judge(loader, module, class, globals.UseReference)
		if content, ok := n["content"].(map[string]any); ok {
			m, _ := content["module_path"].(string)
			f, _ := content["function"].(string)
			if m != "" || f != "" {
				c.judge(loader, m, f, globals.UseReference)
			}
		}
	case roleLoss:
		// LossNode calls the class with the arguments of its __reduce__.
		// scikit-learn's Cython losses take only floats there (power,
		// quantile, delta: _loss.pyx.tp, _sgd_fast.pyx) and pickle
		// the same way, so an allowlisted class of those modules may be
		// called; any other class is judged as called.
		if v := globals.JudgeIn(module, class, c.sel); v.Class == globals.Allowed && slices.Contains(lossModules, module) {
			break
		}
		c.judge(loader, module, class, globals.UseFunction)
	case roleArray:
		// NdArrayNode calls the class on the loaded array unless it is
		// numpy.ndarray itself (np.generic scalars: numpy.float64(array)).
		if module+"."+class != "numpy.ndarray" {
			c.judge(loader, module, class, globals.UseFunction)
		}
	case roleMethod:
		c.method(n, module, class)
	case roleOperator:
		c.operator(module, class)
	case roleGenerator:
		c.judge(loader, module, class, globals.UseFunction)
		c.bitGenerator(n)
	}
	if f, ok := n["file"]; ok {
		name, _ := f.(string)
		switch {
		case !c.members[name]:
			c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "%s node of %s.%s reads member %q, which the archive does not have", loader, module, class, name).
				With("problem", "missing member").With("file", name))
		case loader == "BytesNode" || loader == "BytearrayNode":
			// skops reads the member as the value's raw bytes; any other
			// loader hands it to numpy, so it must be identified as such.
			formats.MarkData(c.scope, name, "skops "+loader+" value")
		}
	}
}

// method judges a MethodNode: getattr(obj, func) on the object the node
// rebuilds, a bound method the model calls later (CVE-2025-54413: a
// method name is a lookup skops's own audit did not cover).
func (c *checker) method(n map[string]any, module, class string) {
	content, _ := n["content"].(map[string]any)
	fn, _ := content["func"].(string)
	if fn == "" {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "MethodNode of %s.%s has no method name", module, class).
			With("problem", "method name"))
		return
	}
	v := globals.JudgeIn(module, class+"."+fn, c.sel)
	sev := max(formats.High, v.Severity)
	c.reportOnce(RuleMethod, module+"."+class+"."+fn, formats.NewFinding(RuleMethod, formats.NoOffset,
		"MethodNode looks up method %q of %s.%s by name and hands the bound method to the model to call", fn, module, class).
		At(sev).With("global", module+"."+class+"."+fn).With("verdict", v.Class.String()).With("reason", v.Reason).With("cve", "CVE-2025-54413"))
}

// operator judges an OperatorFuncNode: getattr(operator, class)(*attrs).
// attrgetter and itemgetter reach attributes and items by names from the
// file; methodcaller calls any method by name (CVE-2025-54412).
func (c *checker) operator(module, class string) {
	if module != "operator" {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "OperatorFuncNode names module %q; skops refuses any module but operator", module).
			With("problem", "operator module"))
	}
	v := globals.JudgeIn("operator", class, c.sel)
	sev := max(formats.High, v.Severity)
	c.reportOnce(RuleOperator, "operator."+class, formats.NewFinding(RuleOperator, formats.NoOffset,
		"OperatorFuncNode builds operator.%s from arguments in the file: the model's later call looks up or calls what they name", class).
		At(sev).With("global", "operator."+class).With("verdict", v.Class.String()).With("reason", v.Reason).With("cve", "CVE-2025-54412"))
}

// bitGenerator judges the numpy.random bit generator a RandomGeneratorNode
// names in its state: getattr(numpy.random, name)(seed_seq).
func (c *checker) bitGenerator(n map[string]any) {
	content, _ := n["content"].(map[string]any)
	name, ok := bitGeneratorName(content["bit_generator"])
	if !ok {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "RandomGeneratorNode's bit generator name is not a constant string; skops calls numpy.random.<name> with it").
			With("problem", "bit generator"))
		return
	}
	c.judge("RandomGeneratorNode", "numpy.random", name, globals.UseFunction)
}

// bitGeneratorName finds the "bit_generator" string of a generator state:
// a plain dict (protocols 0 and 1) or a DictNode whose entry is a JsonNode
// holding a JSON string (protocol 2).
func bitGeneratorName(state any) (string, bool) {
	m, ok := state.(map[string]any)
	if !ok {
		return "", false
	}
	if s, ok := m["bit_generator"].(string); ok {
		return s, true
	}
	content, _ := m["content"].(map[string]any)
	leaf, _ := content["bit_generator"].(map[string]any)
	raw, _ := leaf["content"].(string)
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil || s == "" {
		return "", false
	}
	return s, true
}

// judge reports module.name when the allowlist does not permit the use the
// loader makes of it.
func (c *checker) judge(loader, module, name string, use globals.Use) {
	full := module + "." + name
	if module == "" || name == "" {
		c.report(formats.NewFinding(RuleMalformed, formats.NoOffset, "%s node names an empty module or name (%q); skops fails to import it", loader, full).
			With("problem", "empty name"))
		return
	}
	v := globals.JudgeIn(module, name, c.sel)
	var f formats.Finding
	switch v.Class {
	case globals.Allowed:
		if v.Uses.Has(use) {
			return
		}
		f = formats.NewFinding(RuleMisused, formats.NoOffset, "%s %s %s, which the allowlist permits only as %s", loader, verb(use), full, v.Uses).
			With("allowed_uses", v.Uses.String())
	case globals.Denied:
		rule := RuleDenied
		if v.Severity < formats.Critical {
			rule = RuleRisky
		}
		f = formats.NewFinding(rule, formats.NoOffset, "%s %s %s (%s)", loader, verb(use), full, v.Reason).At(v.Severity).
			With("category", v.Category)
	default:
		f = formats.NewFinding(RuleUnknown, formats.NoOffset, "%s %s %s, which is not on the allowlist", loader, verb(use), full)
	}
	f = f.With("global", full).With("loader", loader).With("use", use.String())
	if v.Entry != "" {
		f = f.With("entry", v.Entry)
	}
	c.reportOnce(f.Rule, full+" "+use.String(), f)
}

func verb(u globals.Use) string {
	switch u {
	case globals.UseClass:
		return "imports and builds"
	case globals.UseFunction:
		return "imports and calls"
	}
	return "imports"
}

func (c *checker) reportOnce(rule, key string, f formats.Finding) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	k := rule + " " + key
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.report(f)
}

func (c *checker) report(f formats.Finding) {
	c.findings++
	if c.findings > maxFindings {
		if c.findings == maxFindings+1 {
			c.scope.Report(formats.NewFinding(RuleMalformed, formats.NoOffset, "more than %s findings in schema.json; the rest are not listed", strconv.Itoa(maxFindings)).
				At(formats.Info).With("problem", "findings cap").In(schemaName))
		}
		return
	}
	c.scope.Report(f.In(schemaName))
}

// role is what a loader does with its node's __module__ and __class__.
type role int

const (
	roleNone      role = iota // the loader ignores them (JsonNode: json.loads)
	roleClass                 // cls.__new__(cls), then state (ObjectNode)
	roleCall                  // called with arguments from the file
	roleRef                   // imported and held as a value (TypeNode)
	roleFunction              // a function imported and held (the model may call it later)
	roleArray                 // NdArrayNode: called on the array unless numpy.ndarray
	roleMethod                // MethodNode: getattr(obj, name)
	roleOperator              // OperatorFuncNode: getattr(operator, class)(*attrs)
	roleGenerator             // RandomGeneratorNode: class(bit_generator=numpy.random.<name>(...))
	roleLoss                  // LossNode: class(*args) for scikit-learn's loss classes
)

// lossModules hold scikit-learn's Cython loss classes, which skops's
// LossNode (and SGDNode before it) rebuilds by calling them.
var lossModules = []string{"sklearn._loss._loss", "sklearn.linear_model._sgd_fast", "sklearn.linear_model.sgd_fast"}

// loaders are skops's node types (skops/io _general.py, _numpy.py,
// _scipy.py, _sklearn.py, _quantile_forest.py and old/, protocols 0-2) and
// what each does with the node's module and class when it constructs it.
var loaders = map[string]role{
	"DictNode":                    roleCall, // gettype(module, class)()
	"ListNode":                    roleCall, // gettype(...)([items])
	"SetNode":                     roleCall,
	"TupleNode":                   roleCall, // a namedtuple class is called with the items
	"DefaultDictNode":             roleNone, // always collections.defaultdict
	"FunctionNode":                roleFunction,
	"TypeNode":                    roleRef,
	"ObjectNode":                  roleClass,
	"ConstructorFromReduceNode":   roleCall,
	"LossNode":                    roleLoss,
	"TreeNode":                    roleNone, // constructor fixed to sklearn.tree._tree.Tree
	"QuantileForestNode":          roleNone, // constructor fixed by the loader
	"_DictWithDeprecatedKeysNode": roleNone,
	"PartialNode":                 roleNone, // always functools.partial; func is its own node
	"MethodNode":                  roleMethod,
	"OperatorFuncNode":            roleOperator,
	"JsonNode":                    roleNone,
	"SliceNode":                   roleNone,
	"BytesNode":                   roleNone,
	"BytearrayNode":               roleNone,
	"CachedNode":                  roleNone, // a reference to a node by __id__
	"NdArrayNode":                 roleArray,
	"MaskedArrayNode":             roleNone, // numpy.ma.MaskedArray(data, mask)
	"DTypeNode":                   roleNone, // the dtype of an array child
	"RandomStateNode":             roleCall,
	"RandomGeneratorNode":         roleGenerator,
	"SparseMatrixNode":            roleNone, // scipy.sparse.load_npz, allow_pickle=False
	"SGDNode":                     roleLoss, // skops < 0.7: SGD loss functions
}

// Package xgboost analyzes XGBoost models in the three forms
// Booster.save_model writes: JSON, UBJSON (binary JSON, the default since
// XGBoost 2.0) and the legacy binary format (an optional "binf" magic, the
// LearnerModelParam struct, the objective and booster names, the trees and
// the attributes). It walks every value within the file's bounds, checks
// the tree structure of binary models, and reports objective, booster and
// metric names stock XGBoost does not register.
//
// An XGBoost model carries no code: XGBoost creates its components by
// name from its own registries. Nothing is executed or loaded; a sklearn
// wrapper pickled with pickle or joblib is a pickle and analyzed as one.
package xgboost

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.XGBoost, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(formats.XGBoost, Probe)
}

// Caps on what is walked.
const (
	maxDepth    = 64
	maxName     = 4096
	maxFindings = 100
)

// Analyze reads one XGBoost model.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	h, err := formats.ReadHead(in)
	if err != nil {
		return fmt.Errorf("xgboost %s: %w", in.Name, err)
	}
	c := &checker{report: s.Report}
	switch kind(h.Prefix) {
	case kindJSON:
		err = walkJSON(ctx, in, c)
	case kindUBJSON:
		err = walkUBJSON(ctx, in, c)
	case kindBinary:
		err = walkBinary(ctx, in, s.Limits().Buffer, c)
	default:
		err = fmt.Errorf("not an XGBoost model")
	}
	if err == nil {
		err = c.done()
	}
	if err != nil {
		return fmt.Errorf("xgboost %s: %w", in.Name, err)
	}
	return nil
}

// Probe identifies an XGBoost model by its opening bytes.
func Probe(h formats.Head) bool { return kind(h.Prefix) != kindNone }

type modelKind int

const (
	kindNone modelKind = iota
	kindJSON
	kindUBJSON
	kindBinary
)

func kind(p []byte) modelKind {
	switch {
	case isJSONModel(p):
		return kindJSON
	case isUBJSONModel(p):
		return kindUBJSON
	case isBinaryModel(p):
		return kindBinary
	}
	return kindNone
}

// isJSONModel accepts an object whose first key is "learner" holding an
// object: save_model writes "learner" before "version".
func isJSONModel(p []byte) bool {
	p = bytes.TrimLeft(p, " \t\r\n")
	if len(p) == 0 || p[0] != '{' {
		return false
	}
	p = bytes.TrimLeft(p[1:], " \t\r\n")
	if !bytes.HasPrefix(p, []byte(`"learner"`)) {
		return false
	}
	p = bytes.TrimLeft(p[len(`"learner"`):], " \t\r\n")
	if len(p) == 0 || p[0] != ':' {
		return false
	}
	p = bytes.TrimLeft(p[1:], " \t\r\n")
	return len(p) > 0 && p[0] == '{'
}

// isUBJSONModel accepts "{", an integer-typed key length of 7, "learner"
// and "{".
func isUBJSONModel(p []byte) bool {
	if len(p) < 2 || p[0] != '{' {
		return false
	}
	n, w := ubInt(p[1:])
	if w == 0 || n != 7 {
		return false
	}
	p = p[1+w:]
	return len(p) >= 8 && string(p[:8]) == "learner{"
}

// ubInt decodes an integer marker and its big-endian value at the start
// of p, returning the value and the bytes used (0 when p holds none).
func ubInt(p []byte) (int64, int) {
	if len(p) == 0 {
		return 0, 0
	}
	w := intWidth(p[0])
	if w == 0 || len(p) < 1+w {
		return 0, 0
	}
	return intValue(p[0], p[1:1+w]), 1 + w
}

func intWidth(m byte) int {
	switch m {
	case 'i', 'U':
		return 1
	case 'I':
		return 2
	case 'l':
		return 4
	case 'L':
		return 8
	}
	return 0
}

func intValue(m byte, b []byte) int64 {
	switch m {
	case 'i':
		return int64(int8(b[0]))
	case 'U':
		return int64(b[0])
	case 'I':
		return int64(int16(binary.BigEndian.Uint16(b)))
	case 'l':
		return int64(int32(binary.BigEndian.Uint32(b)))
	}
	return int64(binary.BigEndian.Uint64(b))
}

// checker judges the values a walker meets, whatever the encoding.
type checker struct {
	report   func(formats.Finding)
	top      map[string]bool
	findings int
	nodes    int64 // the node count of the tree being read
}

// key records an object key at depth 1.
func (c *checker) key(k string) {
	if c.top == nil {
		c.top = map[string]bool{}
	}
	c.top[k] = true
}

// str judges a string value at path (object keys; "[]" for array items).
func (c *checker) str(path []string, v string, off int64) {
	switch {
	case match(path, "learner", "objective", "name"):
		c.component("objective", v, objectives[v], off)
	case match(path, "learner", "gradient_booster", "name"), match(path, "learner", "gradient_booster", "gbtree", "name"):
		c.component("booster", v, boosters[v], off)
	case match(path, "learner", "metrics", "[]", "name"):
		c.component("metric", v, knownMetric(v), off)
	}
}

// isChildren tells whether path is a tree's array of left or right
// children: learner.gradient_booster.model.trees[] (gbtree) or
// learner.gradient_booster.gbtree.model.trees[] (dart).
func isChildren(path []string) bool {
	n := len(path)
	if n < 4 || path[n-1] != "left_children" && path[n-1] != "right_children" || path[n-2] != "[]" || path[n-3] != "trees" {
		return false
	}
	return match(path[:n-3], "learner", "gradient_booster", "model") || match(path[:n-3], "learner", "gradient_booster", "gbtree", "model")
}

// children checks one tree's child array: XGBoost indexes its nodes with
// these values without checking them. A tree's arrays all hold one entry
// per node; -1 marks a leaf.
func (c *checker) children(path []string, v []int64, off int64) {
	n := int64(len(v))
	if path[len(path)-1] == "left_children" {
		c.nodes = n
	} else if n != c.nodes {
		c.add(formats.NewFinding(RuleStructure, off, "a tree has %d left children and %d right children", c.nodes, n))
		return
	}
	for i, x := range v {
		if x != -1 && (x < 1 || x >= n) {
			c.add(formats.NewFinding(RuleStructure, off,
				"a tree node %d has child %d outside its %d nodes", i, x, n))
			return
		}
	}
}

func (c *checker) component(what, name string, known bool, off int64) {
	if known {
		return
	}
	c.add(formats.NewFinding(RuleUnknownComponent, off,
		"%s %q is not built into XGBoost: the model loads only where a plugin registers it", what, name).
		With(what, name))
}

func (c *checker) add(f formats.Finding) {
	if c.findings < maxFindings {
		c.report(f)
	}
	c.findings++
}

// done checks the document as a whole: a model has a learner and a
// version.
func (c *checker) done() error {
	if c.top != nil && !(c.top["learner"] && c.top["version"]) {
		return fmt.Errorf("model document lacks %q or %q at the top level", "learner", "version")
	}
	return nil
}

func match(path []string, want ...string) bool {
	if len(path) != len(want) {
		return false
	}
	for i := range want {
		if path[i] != want[i] {
			return false
		}
	}
	return true
}

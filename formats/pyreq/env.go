package pyreq

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"gopkg.in/yaml.v3"
)

// Bounds on the YAML of an environment file. Real ones have a few dozen
// nodes.
const (
	maxYAMLDepth = 32
	maxYAMLNodes = 100_000
)

// Conda judges a conda environment file (MLflow's conda.yaml): channels
// given as URLs or paths, and every entry of its dependencies, pip's
// section included.
func (c Checker) Conda(data []byte) []formats.Finding {
	root, f := parseYAML(data)
	if root == nil {
		return f
	}
	var out []formats.Finding
	for _, ch := range seq(mapValue(root, "channels")) {
		if ch.Kind != yaml.ScalarNode {
			continue
		}
		if k := classify(ch.Value); k != "" {
			out = append(out, formats.NewFinding(RuleIndex, formats.NoOffset, "conda channel %s: packages are downloaded from a location the model chooses", ch.Value).
				With("channel", ch.Value).With("line", fmt.Sprint(ch.Line)))
		}
	}
	for _, d := range seq(mapValue(root, "dependencies")) {
		switch d.Kind {
		case yaml.ScalarNode:
			// A conda spec is a name and version; a URL or path is a package file.
			if k := classify(strings.Fields(d.Value + " ")[0]); k != "" {
				out = append(out, c.Line(d.Value)...)
			}
		case yaml.MappingNode:
			for _, p := range seq(mapValue(d, "pip")) {
				out = append(out, c.scalarLine(p)...)
			}
		}
	}
	return capped(out)
}

// PythonEnv judges an MLflow python_env.yaml: its build_dependencies and
// dependencies are pip requirement lines.
func (c Checker) PythonEnv(data []byte) []formats.Finding {
	root, f := parseYAML(data)
	if root == nil {
		return f
	}
	var out []formats.Finding
	for _, key := range []string{"build_dependencies", "dependencies"} {
		for _, d := range seq(mapValue(root, key)) {
			out = append(out, c.scalarLine(d)...)
		}
	}
	return capped(out)
}

func (c Checker) scalarLine(n *yaml.Node) []formats.Finding {
	if n.Kind != yaml.ScalarNode {
		return []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "dependency at line %d is not a string", n.Line)}
	}
	var out []formats.Finding
	for _, f := range c.Line(n.Value) {
		out = append(out, f.With("line", fmt.Sprint(n.Line)))
	}
	return out
}

func capped(fs []formats.Finding) []formats.Finding {
	if len(fs) > maxFindings {
		return fs[:maxFindings]
	}
	return fs
}

// parseYAML reads the first document of data as a mapping node. A file
// that does not parse gives a RuleMalformed finding and no node.
func parseYAML(data []byte) (root *yaml.Node, fs []formats.Finding) {
	defer func() {
		if r := recover(); r != nil {
			root, fs = nil, []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "YAML parser failure: %v", r)}
		}
	}()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "YAML does not parse: %v", err)}
	}
	if err := bounded(&doc, 0, new(int)); err != nil {
		return nil, []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "%v", err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "YAML is not a mapping")}
	}
	return doc.Content[0], nil
}

// bounded checks the node tree's depth and size without following aliases.
func bounded(n *yaml.Node, depth int, count *int) error {
	*count++
	if depth > maxYAMLDepth || *count > maxYAMLNodes {
		return fmt.Errorf("YAML nested or sized beyond %d levels or %d nodes", maxYAMLDepth, maxYAMLNodes)
	}
	for _, c := range n.Content {
		if err := bounded(c, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

// mapValue returns the value of key in mapping m, resolving one alias;
// nil when m is not a mapping or lacks the key. The last duplicate wins,
// as in PyYAML.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			v = m.Content[i+1]
		}
	}
	if v != nil && v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	return v
}

// seq returns the items of a sequence node, aliases resolved one level.
func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			c = c.Alias
		}
		out = append(out, c)
	}
	return out
}

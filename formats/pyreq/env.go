package pyreq

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/internal/pyyaml"
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
	for _, ch := range pyyaml.Seq(pyyaml.Get(root, "channels")) {
		if ch.Kind != yaml.ScalarNode {
			continue
		}
		if k := classify(ch.Value); k != "" {
			out = append(out, indexFinding("channel", ch.Value).With("line", fmt.Sprint(ch.Line)))
		}
	}
	for _, d := range pyyaml.Seq(pyyaml.Get(root, "dependencies")) {
		switch d.Kind {
		case yaml.ScalarNode:
			// A conda spec is a name and version; a URL or path is a package file.
			if k := classify(strings.Fields(d.Value + " ")[0]); k != "" {
				out = append(out, c.Line(d.Value)...)
			}
		case yaml.MappingNode:
			for _, p := range pyyaml.Seq(pyyaml.Get(d, "pip")) {
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
		for _, d := range pyyaml.Seq(pyyaml.Get(root, key)) {
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

// parseYAML reads data as PyYAML would; a file that does not parse
// gives a RuleMalformed finding and no node.
func parseYAML(data []byte) (*yaml.Node, []formats.Finding) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	root, err := pyyaml.Parse(data)
	if err != nil {
		return nil, []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "YAML does not parse as a mapping: %v", err)}
	}
	return root, nil
}

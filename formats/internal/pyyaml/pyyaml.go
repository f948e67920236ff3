// Package pyyaml reads YAML configuration files the way Python tools load
// them with PyYAML's safe_load (MLflow's MLmodel, conda.yaml,
// python_env.yaml), for the analyzers that judge such files: one
// document, a mapping at its root, aliases resolved, merge keys (<<)
// applied and the last duplicate key winning. It parses into yaml.v3
// nodes under depth and size caps and never expands aliases into copies.
package pyyaml

import (
	"bytes"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats"
)

// Caps on a parsed document. Configuration files have a few hundred nodes.
const (
	MaxDepth = 64
	MaxNodes = 100_000
	maxMerge = 8
)

// Parse reads the first YAML document of data and returns its root
// mapping. A document deeper or larger than the caps is a LimitError;
// one whose root is not a mapping is an error.
func Parse(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml parser failure: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, err
	}
	count := 0
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		count++
		if depth > MaxDepth || count > MaxNodes {
			return &formats.LimitError{Limit: "yaml-nodes", Max: MaxNodes}
		}
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&doc, 0); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a YAML mapping")
	}
	return doc.Content[0], nil
}

// Entry is one key of a mapping and its value.
type Entry struct {
	Key   string
	Value *yaml.Node
}

// Get returns key's value in mapping n; nil when n is not a mapping or
// lacks the key.
func Get(n *yaml.Node, key string) *yaml.Node {
	for _, e := range Entries(n) {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// Entries lists mapping n's scalar keys and values in the order PyYAML
// builds the dict: keys of merged mappings (<<: *a or <<: [*a, *b]) first,
// the earlier mapping of a list winning and a later << key overriding an
// earlier one, then the mapping's own keys, which override
// merged ones, the last duplicate winning. Values are dereferenced.
func Entries(n *yaml.Node) []Entry {
	return entries(n, 0)
}

func entries(n *yaml.Node, depth int) []Entry {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > maxMerge {
		return nil
	}
	var out []Entry
	index := map[string]int{}
	set := func(e Entry, override bool) {
		if i, ok := index[e.Key]; ok {
			if override {
				out[i].Value = e.Value
			}
			return
		}
		index[e.Key] = len(out)
		out = append(out, e)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			v := deref(n.Content[i+1])
			sources := []*yaml.Node{v}
			if v != nil && v.Kind == yaml.SequenceNode {
				sources = v.Content
			}
			// PyYAML's flatten_mapping concatenates the sources of each
			// << key in reverse, and the << keys in order, then builds
			// the dict from that list: the last of it wins.
			for j := len(sources) - 1; j >= 0; j-- {
				for _, e := range entries(sources[j], depth+1) {
					set(e, true)
				}
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
			set(Entry{k.Value, deref(n.Content[i+1])}, true)
		}
	}
	return out
}

// Seq returns the items of a sequence node, dereferenced; nil for
// anything else.
func Seq(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, deref(c))
	}
	return out
}

// Scalar returns a scalar node's value; "" for anything else or null.
func Scalar(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

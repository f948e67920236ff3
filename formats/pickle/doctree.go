package pickle

import (
	"strings"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// docutils' Element (and so every doctree node class but Text, and
// Sphinx's addnodes) keeps its children and attributes in objects its
// BUILD state sets, and its own methods forward what the unpickler hands
// the node to them (docutils 0.19 nodes.py): APPEND(S) runs Element.extend,
// whose append calls self.children.append(child), and SETITEM(S) runs
// Element.__setitem__, which sets self.attributes[key] for a str key and
// self.children[key] for an int. A children or attributes object the
// pickle built is therefore looked up and filled as the unpickler would
// fill it.
func doctreeNode(v Value) bool {
	cls, ok := builtClass(v)
	if !ok {
		return false
	}
	mod := cls.gobj().module
	return mod == "docutils.nodes" || strings.HasPrefix(mod, "sphinx.addnodes")
}

// doctreeItems judges what APPEND(S) or SETITEM(S) (items) on a doctree
// node hands its children and attributes objects: their append hook
// attribute and a __getattr__ that answers every name (missingAttrs) for
// APPEND(S), and their item classes' checks for SETITEM(S); and the
// children setup_child receives (childAttrs): APPEND(S)'s items and the
// values SETITEM(S) sets under a key that is not a str.
func (m *machine) doctreeItems(off int64, op byte, node Value, items []cell) {
	if m.probe || op == opADDITEMS || !doctreeNode(node) {
		return
	}
	children := items
	if op == opSETITEM || op == opSETITEMS {
		children = nil
		for i := 0; i+1 < len(items); i += 2 {
			if items[i].kind != KindStr {
				children = append(children, items[i+1])
			}
		}
	}
	for _, c := range children {
		m.childAttrs(off, m.t.val(c))
	}
	state, ok := node.State()
	if !ok {
		return
	}
	targets := []Value{dictValue(state, "children")}
	if op == opSETITEM || op == opSETITEMS {
		targets = append(targets, dictValue(state, "attributes"))
	}
	for _, t := range targets {
		if !instance(t) {
			continue
		}
		if op == opSETITEM || op == opSETITEMS {
			m.itemAttributes(off, op, t, items, nil)
			m.configItems(off, op, t, pairValues(items))
			m.plainConfig(off, op, t, pairValues(items))
			continue
		}
		m.missingAttrs(off, op, t)
		if s := m.hooksOf(t); s != nil && (s.held[hookAppend].kind != kindAbsent || s.lost[hookAppend]) {
			m.hookCall(off, op, hookAppend, t, m.t.val(s.held[hookAppend]), s.lost[hookAppend], m.container(KindTuple, items[:min(1, len(items))]))
		}
	}
}

// childAttrs judges a child a doctree node's setup_child receives: when
// the node has a document it reads child.source and child.line, which a
// missingAttrClasses instance answers with its __getattr__ (a cmdstanpy
// fit reads the run's CSV files, an ml_collections field runs its ops),
// a use its allowlist entry does not permit (MG116).
func (m *machine) childAttrs(off int64, child Value) {
	cls, ok := builtClass(child)
	if !ok || !missingAttrClasses[cls.gobj().module+"."+cls.gobj().name] {
		return
	}
	if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = cls.String()+" instance made a doctree node's child, whose source and line attributes "+
			"setup_child reads through its __getattr__", off, globals.UseFunction
	}
}

package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// MaxSize bounds a policy file; real policies are a few kilobytes.
const MaxSize = 1 << 20

// maxErrors bounds how many mistakes one parse reports.
const maxErrors = 20

// maxEntries bounds each list in a policy, so a hostile file cannot make
// applying it quadratic in a large report.
const maxEntries = 10000

// Error is one mistake in a policy file, with where it is and what to do.
// Line and Column are 1-based; both are 0 for a mistake of the whole file
// (empty, too large).
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Errors are the mistakes found in one policy file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and parses the policy file at name.
func Load(name string) (*Policy, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", name, err)
	}
	return Parse(name, data)
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line \d+: )?(.*)$`)

// yamlProblem is a YAML syntax error's message without the line the YAML
// reader gives, which names where the construct began, often a line
// early, and never a column.
func yamlProblem(err error) string {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return err.Error()
}

// syntaxErrorAt finds the line and column (1-based, in characters) of a
// YAML syntax error: the end of the shortest prefix of data that the YAML
// reader already rejects with the same problem. A policy is small
// (MaxSize), and the search reads O(log n) prefixes.
func syntaxErrorAt(data []byte, problem string) (line, col int) {
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.NewDecoder(bytes.NewReader(data[:n])).Decode(&doc)
		return err != nil && yamlProblem(err) == problem
	}
	lo, hi := 1, len(data)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	before := data[:max(lo-1, 0)]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte("\n")) + 1, utf8.RuneCount(before[start:]) + 1
}

// Parse reads a policy from data; name is used in error messages. Every
// error it returns is an Errors.
func Parse(name string, data []byte) (*Policy, error) {
	if len(data) > MaxSize {
		return nil, Errors{{File: name, Msg: fmt.Sprintf("policy larger than %d bytes", MaxSize)}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Msg: fmt.Sprintf("empty policy: it needs at least \"version: %d\"", Version)}}
		}
		msg := yamlProblem(err)
		line, col := syntaxErrorAt(data, msg)
		return nil, Errors{{File: name, Line: line, Column: col, Msg: "not valid YAML: " + msg}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, Errors{{File: name, Line: extra.Line, Column: extra.Column, Msg: "more than one YAML document: a policy is one document"}}
	}
	sum := sha256.Sum256(data)
	p := &Policy{Source: name, SHA256: hex.EncodeToString(sum[:])}
	d := &decoder{file: name}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.policy(root, p)
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	return p, nil
}

type decoder struct {
	file string
	errs Errors
}

func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	e := &Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
	if len(d.errs) == maxErrors {
		d.errs = append(d.errs, &Error{File: d.file, Msg: "too many errors; fix these first"})
	}
}

func pos(n *yaml.Node) Position { return Position{Line: n.Line, Column: n.Column} }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		case "!!timestamp":
			return "a date"
		}
		return fmt.Sprintf("the string %q", n.Value)
	}
	return "an empty document"
}

// field is one key of a mapping the policy allows.
type field struct {
	required bool
	decode   func(key, val *yaml.Node)
}

// mapping decodes n as a mapping with exactly the known keys.
func (d *decoder) mapping(n *yaml.Node, what string, fields map[string]field) bool {
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping (key: value lines), not %s", what, kindName(n))
		return false
	}
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	slices.Sort(known)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			d.fail(k, "%s: keys must be plain words, not %s", what, kindName(k))
			continue
		}
		if seen[k.Value] {
			d.fail(k, "%s: key %q appears twice; keep one", what, k.Value)
			continue
		}
		seen[k.Value] = true
		f, ok := fields[k.Value]
		if !ok {
			d.fail(k, "%s: unknown key %q%s (known keys: %s)", what, k.Value, suggest(k.Value, known), strings.Join(known, ", "))
			continue
		}
		if v.Kind == yaml.AliasNode {
			d.fail(v, "%s: %s: YAML aliases are not allowed in a policy; write the value out", what, k.Value)
			continue
		}
		f.decode(k, v)
	}
	for _, k := range known {
		if fields[k].required && !seen[k] {
			d.fail(n, "%s: missing required key %q", what, k)
		}
	}
	return true
}

func suggest(key string, known []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }
	n := norm(key)
	for _, k := range known {
		common := 0
		for common < len(n) && common < len(k) && n[common] == k[common] {
			common++
		}
		if n == k || common >= max(4, min(len(n), len(k))-2) {
			return fmt.Sprintf(", did you mean %q?", k)
		}
	}
	return ""
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.fail(n, "%s must be a string, not %s (quote it if it looks like a number, date or boolean)", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) text(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if ok && strings.TrimSpace(s) == "" {
		d.fail(n, "%s must not be empty", what)
		return "", false
	}
	return s, ok
}

func (d *decoder) boolean(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.fail(n, "%s must be true or false, not %s", what, kindName(n))
		return false
	}
	return isTrue(n.Value)
}

// list decodes a sequence, calling each for every item.
func (d *decoder) list(n *yaml.Node, what string, each func(i int, item *yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list, not %s", what, kindName(n))
		return
	}
	if len(n.Content) > maxEntries {
		d.fail(n, "%s has more than %d entries", what, maxEntries)
		return
	}
	for i, item := range n.Content {
		if item.Kind == yaml.AliasNode {
			d.fail(item, "%s: YAML aliases are not allowed in a policy; write the value out", what)
			continue
		}
		each(i, item)
	}
}

func (d *decoder) strings(n *yaml.Node, what string) []string {
	var out []string
	d.list(n, what, func(i int, item *yaml.Node) {
		if s, ok := d.text(item, fmt.Sprintf("%s[%d]", what, i)); ok {
			out = append(out, s)
		}
	})
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.fail(n, "%s is an empty list; remove the key or list at least one entry", what)
	}
	return out
}

func (d *decoder) globs(n *yaml.Node, what string) []Glob { return d.globList(n, what, false) }

// memberGlobs reads a list of globs that may name container members
// ("model.tar!extra/blob.bin").
func (d *decoder) memberGlobs(n *yaml.Node, what string) []Glob { return d.globList(n, what, true) }

func (d *decoder) globList(n *yaml.Node, what string, members bool) []Glob {
	var out []Glob
	d.list(n, what, func(i int, item *yaml.Node) {
		read := d.fileGlob
		if members {
			read = d.glob
		}
		if g, ok := read(item, fmt.Sprintf("%s[%d]", what, i)); ok {
			out = append(out, g)
		}
	})
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.fail(n, "%s is an empty list; remove the key to mean every path", what)
	}
	return out
}

func (d *decoder) glob(n *yaml.Node, what string) (Glob, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return Glob{}, false
	}
	g, err := ParseGlob(s)
	if err != nil {
		d.fail(n, "%s: bad glob %q: %v", what, s, err)
		return Glob{}, false
	}
	return g, true
}

// fileGlob reads a glob that names files only.
func (d *decoder) fileGlob(n *yaml.Node, what string) (Glob, bool) {
	g, ok := d.glob(n, what)
	if ok && g.IsMember() {
		d.fail(n, "%s: %q names a container member (\"!\"), which only formats.unidentified accepts; write [!] for a literal ! in a file name",
			what, g.Pattern)
		return Glob{}, false
	}
	return g, ok
}

// severity reads a severity, or "off" when allowOff.
func (d *decoder) severity(n *yaml.Node, what string, allowOff bool) (formats.Severity, bool, bool) {
	want := "critical, high, medium, low or info"
	if allowOff {
		want += ", or off to disable the rule"
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!str" && n.ShortTag() != "!!bool") {
		d.fail(n, "%s must be a severity (%s), not %s", what, want, kindName(n))
		return 0, false, false
	}
	if allowOff && (strings.EqualFold(n.Value, "off") || (n.ShortTag() == "!!bool" && !isTrue(n.Value))) {
		return 0, true, true
	}
	s, err := formats.ParseSeverity(n.Value)
	if err != nil || n.ShortTag() != "!!str" {
		d.fail(n, "%s: %q is not a severity (want %s)", what, n.Value, want)
		return 0, false, false
	}
	return s, false, true
}

func isTrue(v string) bool { b, err := strconv.ParseBool(v); return err == nil && b }

var ruleIDPattern = regexp.MustCompile(`^MG[0-9]{3}$`)

func (d *decoder) ruleID(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if !ruleIDPattern.MatchString(s) {
		d.fail(n, "%s: %q is not a rule ID (MG and three digits, e.g. MG101)", what, s)
		return "", false
	}
	if _, known := formats.LookupRule(s); !known {
		d.fail(n, "%s: this build of modelgate has no rule %s (`modelgate rules` lists them); remove the entry or upgrade", what, s)
		return "", false
	}
	return s, true
}

func (d *decoder) policy(n *yaml.Node, p *Policy) {
	d.mapping(n, "policy", map[string]field{
		"version": {required: true, decode: func(_, v *yaml.Node) {
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
				d.fail(v, "version must be the number %d, not %s", Version, kindName(v))
				return
			}
			if n, err := strconv.Atoi(v.Value); err != nil || n != Version {
				d.fail(v, "policy version %s is not supported: this build reads version %d", v.Value, Version)
			}
		}},
		"fail-on": {decode: func(_, v *yaml.Node) {
			if s, _, ok := d.severity(v, "fail-on", false); ok {
				p.FailOn = &s
			}
		}},
		"rules":      {decode: func(_, v *yaml.Node) { d.rules(v, p) }},
		"pickle":     {decode: func(_, v *yaml.Node) { d.pickle(v, p) }},
		"formats":    {decode: func(_, v *yaml.Node) { d.formats(v, p) }},
		"signatures": {decode: func(_, v *yaml.Node) { d.signatures(v, p) }},
		"waivers":    {decode: func(_, v *yaml.Node) { d.waivers(v, p) }},
	})
}

func (d *decoder) rules(n *yaml.Node, p *Policy) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, "rules must be a mapping of rule IDs (MG101: low), not %s", kindName(n))
		return
	}
	if len(n.Content)/2 > maxEntries {
		d.fail(n, "rules has more than %d entries", maxEntries)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		id, ok := d.ruleID(k, "rules")
		if !ok {
			continue
		}
		if seen[id] {
			d.fail(k, "rules: %s appears twice; list several entries under one key instead", id)
			continue
		}
		seen[id] = true
		what := "rules." + id
		switch v.Kind {
		case yaml.ScalarNode:
			sev, off, ok := d.severity(v, what, true)
			if ok {
				d.addOverride(v, p, RuleOverride{Rule: id, Disabled: off, Severity: sev, Pos: pos(v)})
			}
		case yaml.MappingNode:
			d.override(v, what, id, p)
		case yaml.SequenceNode:
			d.list(v, what, func(j int, item *yaml.Node) { d.override(item, fmt.Sprintf("%s[%d]", what, j), id, p) })
		default:
			d.fail(v, "%s must be a severity, off, or a mapping with severity and paths, not %s", what, kindName(v))
		}
	}
}

func (d *decoder) override(n *yaml.Node, what, id string, p *Policy) {
	o := RuleOverride{Rule: id, Pos: pos(n)}
	okSev := false
	if !d.mapping(n, what, map[string]field{
		"severity": {required: true, decode: func(_, v *yaml.Node) {
			o.Severity, o.Disabled, okSev = d.severity(v, what+".severity", true)
		}},
		"paths":  {decode: func(_, v *yaml.Node) { o.Paths = d.globs(v, what+".paths") }},
		"reason": {decode: func(_, v *yaml.Node) { o.Reason, _ = d.text(v, what+".reason") }},
		CodeExecutionFlag: {decode: func(_, v *yaml.Node) {
			o.AllowsCodeExecution = d.boolean(v, what+"."+CodeExecutionFlag)
		}},
	}) || !okSev {
		return
	}
	d.addOverride(n, p, o)
}

func (d *decoder) addOverride(n *yaml.Node, p *Policy, o RuleOverride) {
	r, _ := formats.LookupRule(o.Rule)
	loosens := o.Disabled || o.Severity < r.Severity
	if loosens && needsFlag(o.Rule) && !o.AllowsCodeExecution {
		d.fail(n, "rules.%s: %s findings mean loading the file can run code; lowering or disabling the rule "+
			"needs a mapping with \"%s: true\" (and a reason)", o.Rule, o.Rule, CodeExecutionFlag)
		return
	}
	p.Rules = append(p.Rules, o)
}

func (d *decoder) pickle(n *yaml.Node, p *Policy) {
	var set bool
	d.mapping(n, "pickle", map[string]field{
		"ecosystems": {decode: func(_, v *yaml.Node) {
			set = true
			d.ecosystems(v, p)
		}},
		"allow": {decode: func(_, v *yaml.Node) {
			set = true
			seen := map[string]bool{}
			d.list(v, "pickle.allow", func(i int, item *yaml.Node) {
				what := fmt.Sprintf("pickle.allow[%d]", i)
				g := AllowedGlobal{Pos: pos(item)}
				if !d.mapping(item, what, map[string]field{
					"global": {required: true, decode: func(_, v *yaml.Node) { g.Global, _ = d.global(v, what+".global") }},
					"reason": {required: true, decode: func(_, v *yaml.Node) { g.Reason, _ = d.text(v, what+".reason") }},
					CodeExecutionFlag: {decode: func(_, v *yaml.Node) {
						g.AllowsCodeExecution = d.boolean(v, what+"."+CodeExecutionFlag)
					}},
				}) || g.Global == "" {
					return
				}
				if seen[g.Global] {
					d.fail(item, "%s: %s is listed twice", what, g.Global)
					return
				}
				seen[g.Global] = true
				g.Denied = denylisted(g.Global)
				if g.Denied && !g.AllowsCodeExecution {
					d.fail(item, "%s: %s is on modelgate's denylist (loading it can run code or touch files); allowing it "+
						"needs \"%s: true\" on this entry", what, g.Global, CodeExecutionFlag)
					return
				}
				p.Globals = append(p.Globals, g)
			})
		}},
	})
	if !set && n.Kind == yaml.MappingNode {
		d.fail(n, "pickle needs \"allow\" (project globals) or \"ecosystems\" (allowlist groups to switch on or off)")
	}
}

// ecosystems decodes pickle.ecosystems: {enable: [...], disable: [...]}.
func (d *decoder) ecosystems(n *yaml.Node, p *Policy) {
	e := &EcosystemSelection{Pos: pos(n)}
	names := func(v *yaml.Node, what string, out *[]string) {
		*out = []string{}
		d.list(v, what, func(i int, item *yaml.Node) {
			w := fmt.Sprintf("%s[%d]", what, i)
			s, ok := d.str(item, w)
			if !ok {
				return
			}
			if !slices.Contains(globals.Ecosystems(), s) {
				d.fail(item, "%s: unknown pickle ecosystem %q%s (known: %s)", w, s, suggest(s, globals.Ecosystems()),
					strings.Join(globals.Ecosystems(), ", "))
				return
			}
			if slices.Contains(*out, s) {
				d.fail(item, "%s: %s is listed twice", w, s)
				return
			}
			*out = append(*out, s)
		})
	}
	if !d.mapping(n, "pickle.ecosystems", map[string]field{
		"enable":  {decode: func(_, v *yaml.Node) { names(v, "pickle.ecosystems.enable", &e.Enable) }},
		"disable": {decode: func(_, v *yaml.Node) { names(v, "pickle.ecosystems.disable", &e.Disable) }},
	}) {
		return
	}
	if e.Enable == nil && e.Disable == nil {
		d.fail(n, "pickle.ecosystems needs \"enable\" (the only ecosystems that count) or \"disable\"")
		return
	}
	p.Ecosystems = e
}

// global checks a module.name string as findings report it.
func (d *decoder) global(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	i := strings.LastIndex(s, ".")
	if i <= 0 || i == len(s)-1 || strings.ContainsAny(s, " \t*?[]/:") || strings.Contains(s, "..") {
		d.fail(n, "%s: %q is not a global: write module.name exactly as the finding's details show it "+
			"(e.g. mypkg.model.Net); wildcards are not allowed", what, s)
		return "", false
	}
	return s, true
}

// denylisted reports whether any module/name split of global is denied.
func denylisted(global string) bool {
	for i := strings.Index(global, "."); i > 0; {
		if globals.Judge(global[:i], global[i+1:]).Class == globals.Denied {
			return true
		}
		j := strings.Index(global[i+1:], ".")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func (d *decoder) formats(n *yaml.Node, p *Policy) {
	if !d.mapping(n, "formats", map[string]field{
		"allow": {decode: func(_, v *yaml.Node) {
			p.Formats = []string{}
			d.list(v, "formats.allow", func(i int, item *yaml.Node) {
				what := fmt.Sprintf("formats.allow[%d]", i)
				s, ok := d.str(item, what)
				if !ok {
					return
				}
				if known := formats.Names(); !slices.Contains(known, s) {
					d.fail(item, "%s: unknown format %q (known: %s)", what, s, strings.Join(known, ", "))
					return
				}
				p.Formats = append(p.Formats, s)
			})
			if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
				d.fail(v, "formats.allow is empty, which would reject every file; list the allowed formats")
			}
		}},
		"unidentified": {decode: func(_, v *yaml.Node) { d.unidentified(v, p) }},
	}) {
		return
	}
	if p.Formats == nil && p.Unidentified == nil && len(n.Content) == 0 {
		d.fail(n, "formats needs \"allow\" (the only formats a file may be read as) or \"unidentified\" (paths whose unidentified content is accepted)")
	}
}

// unidentified reads formats.unidentified: paths whose content matches no
// known format and is not inert, accepted with a reason.
func (d *decoder) unidentified(n *yaml.Node, p *Policy) {
	p.Unidentified = []UnidentifiedAcceptance{}
	d.list(n, "formats.unidentified", func(i int, item *yaml.Node) {
		what := fmt.Sprintf("formats.unidentified[%d]", i)
		u := UnidentifiedAcceptance{Pos: pos(item)}
		if !d.mapping(item, what, map[string]field{
			"paths":  {required: true, decode: func(_, v *yaml.Node) { u.Paths = d.memberGlobs(v, what+".paths") }},
			"reason": {required: true, decode: func(_, v *yaml.Node) { u.Reason, _ = d.text(v, what+".reason") }},
		}) {
			return
		}
		if len(u.Paths) > 0 && u.Reason != "" {
			p.Unidentified = append(p.Unidentified, u)
		}
	})
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.fail(n, "formats.unidentified is an empty list; remove the key or list at least one {paths, reason} entry")
	}
}

func (d *decoder) signatures(n *yaml.Node, p *Policy) {
	d.mapping(n, "signatures", map[string]field{
		"require": {required: true, decode: func(_, v *yaml.Node) {
			d.list(v, "signatures.require", func(i int, item *yaml.Node) {
				what := fmt.Sprintf("signatures.require[%d]", i)
				r := SignatureRequirement{Pos: pos(item)}
				if !d.mapping(item, what, map[string]field{
					"paths":      {decode: func(_, v *yaml.Node) { r.Paths = d.globs(v, what+".paths") }},
					"identities": {decode: func(_, v *yaml.Node) { r.Identities = d.strings(v, what+".identities") }},
					"issuers":    {decode: func(_, v *yaml.Node) { r.Issuers = d.strings(v, what+".issuers") }},
					"keys":       {decode: func(_, v *yaml.Node) { r.Keys = d.strings(v, what+".keys") }},
				}) {
					return
				}
				switch {
				case len(r.Issuers) > 0 && len(r.Identities) == 0:
					d.fail(item, "%s: issuers without identities would accept anyone that issuer knows; add identities", what)
				case len(r.Identities) == 0 && len(r.Keys) == 0:
					d.fail(item, "%s: name who must have signed: identities (with issuers) or keys", what)
				case len(r.Identities) > 0 && len(r.Issuers) == 0:
					d.fail(item, "%s: identities need issuers (the OIDC issuer that vouches for them, e.g. "+
						"https://token.actions.githubusercontent.com)", what)
				}
				if len(r.Paths) == 0 {
					all, _ := ParseGlob("**")
					r.Paths = []Glob{all}
				}
				p.Signatures = append(p.Signatures, r)
			})
		}},
	})
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

func (d *decoder) waivers(n *yaml.Node, p *Policy) {
	d.list(n, "waivers", func(i int, item *yaml.Node) {
		what := fmt.Sprintf("waivers[%d]", i)
		w := Waiver{Pos: pos(item)}
		if !d.mapping(item, what, map[string]field{
			"rule": {required: true, decode: func(_, v *yaml.Node) { w.Rule, _ = d.ruleID(v, what+".rule") }},
			"path": {required: true, decode: func(_, v *yaml.Node) { w.Path, _ = d.fileGlob(v, what+".path") }},
			"sha256": {required: true, decode: func(_, v *yaml.Node) {
				s, ok := d.str(v, what+".sha256")
				if ok && !sha256Pattern.MatchString(s) {
					d.fail(v, "%s.sha256: want the file's SHA-256 as 64 hex digits (the report's sha256 field), not %q", what, s)
					return
				}
				w.SHA256 = strings.ToLower(s)
			}},
			"reason": {required: true, decode: func(_, v *yaml.Node) { w.Reason, _ = d.text(v, what+".reason") }},
			"owner":  {required: true, decode: func(_, v *yaml.Node) { w.Owner, _ = d.text(v, what+".owner") }},
			"expires": {required: true, decode: func(_, v *yaml.Node) {
				if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!str" && v.ShortTag() != "!!timestamp") {
					d.fail(v, "%s.expires must be a date (YYYY-MM-DD), not %s", what, kindName(v))
					return
				}
				t, err := time.Parse(time.DateOnly, v.Value)
				if err != nil {
					d.fail(v, "%s.expires: %q is not a date: write YYYY-MM-DD, e.g. 2026-12-31", what, v.Value)
					return
				}
				w.Expires = t
			}},
			CodeExecutionFlag: {decode: func(_, v *yaml.Node) { w.AllowsCodeExecution = d.boolean(v, what+"."+CodeExecutionFlag) }},
		}) {
			return
		}
		if w.Rule != "" && needsFlag(w.Rule) && !w.AllowsCodeExecution {
			d.fail(item, "%s: waiving %s lets a file that can run code through; it needs \"%s: true\"", what, w.Rule, CodeExecutionFlag)
			return
		}
		p.Waivers = append(p.Waivers, w)
	})
}

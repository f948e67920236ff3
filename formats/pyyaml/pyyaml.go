// Package pyyaml checks YAML text that carries PyYAML python tags
// (!!python/object/apply:os.system, !!python/name:builtins.eval, ...),
// which PyYAML's unsafe loaders, and its full loader for python/name,
// turn into imports, attribute lookups and calls when the file is loaded.
// It finds every tag in the secondary-handle (!!python/...) and verbatim
// (!<tag:yaml.org,2002:python/...>) forms, percent-escapes decoded as
// PyYAML's scanner decodes them, and judges the Python global each names
// against the pickle allowlist and denylist: a tag does what a pickle
// opcode does. Files that redefine tag handles (%TAG) are not analyzed.
// It never parses YAML into values nor loads anything.
//
// Files reach it through formats/inert, which reads every text file whole
// and names this format when it sees a python tag.
package pyyaml

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Rule IDs. They never change meaning once released.
const (
	RuleConstruct = "MG890"
	RuleReference = "MG891"
)

// maxBytes bounds what is read of a file; YAML configs are kilobytes.
const maxBytes = 64 << 20

// maxTags bounds the findings of one file.
const maxTags = 256

func init() {
	formats.Register(formats.PyYAML, formats.AnalyzerFunc(Analyze))
	for _, r := range []formats.Rule{
		{ID: RuleConstruct, Severity: formats.Critical, Title: "YAML python tag calls or builds a Python object",
			Doc: "A !!python/object/apply, !!python/object/new or !!python/object tag names a Python callable or class. " +
				"yaml.unsafe_load, yaml.load with Loader=yaml.Loader or yaml.UnsafeLoader (and yaml.load with no Loader before PyYAML 5.1, " +
				"yaml.full_load before 5.4: CVE-2017-18342, CVE-2020-1747, CVE-2020-14343) import its module and call it with arguments " +
				"from the file, or build it and restore state from the file; !!python/object/apply:os.system runs a command. " +
				"yaml.safe_load and yaml.full_load (PyYAML 5.4 and later) refuse these tags. The finding is critical or high when the " +
				"global is on modelgate's denylist, medium when it is on neither list, info when the pickle allowlist permits that use. " +
				"Load the file with yaml.safe_load, or not at all."},
		{ID: RuleReference, Severity: formats.Critical, Title: "YAML python tag imports a module or hands the program a Python object",
			Doc: "A !!python/name tag makes the loaded value the named function or class (yaml.full_load resolves it when its module is " +
				"already imported, the unsafe loaders import the module first); a program that calls a callable read from its config " +
				"then runs it. A !!python/module tag (unsafe loaders only) imports the named module, running its import-time code. " +
				"The finding is critical or high when the global is on modelgate's denylist, medium when it is on neither list, info when " +
				"the allowlist permits it, and high for any module import. Load the file with yaml.safe_load, or not at all."},
	} {
		formats.RegisterRule(r)
	}
}

// The tag prefix PyYAML's !! handle stands for, and its python tags.
const (
	yamlPrefix   = "tag:yaml.org,2002:"
	pythonPrefix = yamlPrefix + "python/"
)

// Analyze reports every python tag of a YAML text.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	r, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	if len(data) > maxBytes {
		return &formats.LimitError{Limit: "pyyaml-bytes", Max: maxBytes}
	}
	if directive(data) {
		return fmt.Errorf("pyyaml: a %%TAG directive redefines tag handles, which modelgate does not resolve: %w", formats.ErrUnsupported)
	}
	sel := globals.SelectionFrom(ctx)
	n := 0
	for _, t := range tags(data) {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, ok := judge(t, sel)
		if !ok {
			continue
		}
		if n++; n > maxTags {
			return &formats.LimitError{Limit: "pyyaml-tags", Max: maxTags}
		}
		s.Report(f)
	}
	return nil
}

// Tagged reports whether YAML text holds a python tag in any spelling
// PyYAML resolves (percent-escaped too) or a %TAG directive, which could
// make any tag one.
func Tagged(b []byte) bool {
	if directive(b) {
		return true
	}
	for _, t := range tags(b) {
		if strings.HasPrefix(t.name, pythonPrefix) {
			return true
		}
	}
	return false
}

// directive reports a %TAG directive: a line starting with it.
func directive(b []byte) bool {
	return bytes.HasPrefix(b, []byte("%TAG")) || bytes.Contains(b, []byte("\n%TAG")) || bytes.Contains(b, []byte("\r%TAG"))
}

type tag struct {
	off  int64
	name string // the full tag, escapes decoded
}

// tags finds every !!suffix and !<verbatim> tag, wherever it appears: a
// tag-like string in a comment or a quoted scalar is reported too, as the
// gate errs on the side of reporting.
func tags(b []byte) []tag {
	var out []tag
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '!' {
			continue
		}
		switch b[i+1] {
		case '!':
			raw := uriRun(b[i+2:], false)
			if name, ok := unescape(raw); ok {
				out = append(out, tag{int64(i), yamlPrefix + name})
			}
			i += 1 + len(raw)
		case '<':
			raw := uriRun(b[i+2:], true)
			if end := i + 2 + len(raw); end < len(b) && b[end] == '>' {
				if name, ok := unescape(raw); ok {
					out = append(out, tag{int64(i), name})
				}
			}
			i += 1 + len(raw)
		}
	}
	return out
}

// uriRun is the run of characters PyYAML's scan_tag_uri accepts (a
// verbatim tag also takes '!').
func uriRun(b []byte, verbatim bool) []byte {
	n := 0
	for n < len(b) && uriChar(b[n], verbatim) {
		n++
	}
	return b[:n]
}

func uriChar(c byte, verbatim bool) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-;/?:@&=+$,_.~*'()[]%", c) >= 0 || verbatim && c == '!'
}

// OpenTail is how many of b's last bytes may start a tag that goes on past
// b's end: the bytes from the first '!' of b's trailing run of tag
// characters, or 0. A reader that looks for tags chunk by chunk carries
// them into the next chunk, so that a tag cut by a chunk's end, however
// long its escaped spelling, is seen whole.
func OpenTail(b []byte) int {
	i := len(b)
	for i > 0 && (uriChar(b[i-1], true) || b[i-1] == '<') {
		i--
	}
	j := bytes.IndexByte(b[i:], '!')
	if j < 0 {
		return 0
	}
	return len(b) - i - j
}

// unescape decodes %XX escapes as PyYAML does (UTF-8); ok is false when
// PyYAML would reject the tag.
func unescape(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '%') < 0 {
		return string(raw), true
	}
	var out []byte
	for i := 0; i < len(raw); i++ {
		if raw[i] != '%' {
			out = append(out, raw[i])
			continue
		}
		if i+2 >= len(raw) || !hex(raw[i+1]) || !hex(raw[i+2]) {
			return "", false
		}
		out = append(out, unhex(raw[i+1])<<4|unhex(raw[i+2]))
		i += 2
	}
	return string(out), utf8.Valid(out)
}

func hex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// kinds are PyYAML's multi-constructor tags, longest first, with the rule
// and the use of the global each makes.
var kinds = []struct {
	prefix string
	rule   string
	use    globals.Use
	what   string
}{
	{"object/apply:", RuleConstruct, globals.UseFunction, "calls"},
	{"object/new:", RuleConstruct, globals.UseClass, "builds (cls.__new__ with arguments from the file)"},
	{"object:", RuleConstruct, globals.UseClass, "builds (and restores state from the file)"},
	{"name:", RuleReference, globals.UseReference, "resolves to"},
	{"module:", RuleReference, 0, "imports module"},
}

// judge turns one tag into a finding; ok is false for tags that are not
// python tags or build only plain values (python/str, python/tuple, ...).
func judge(t tag, sel globals.Selection) (formats.Finding, bool) {
	rest, ok := strings.CutPrefix(t.name, pythonPrefix)
	if !ok {
		return formats.Finding{}, false
	}
	for _, k := range kinds {
		target, ok := strings.CutPrefix(rest, k.prefix)
		if !ok {
			continue
		}
		shown := formats.DisplayName(target)
		if k.use == 0 {
			return formats.NewFinding(k.rule, t.off, "YAML tag !!python/%s%s: the unsafe loaders import module %s", k.prefix, shown, shown).
				At(formats.High).With("tag", "python/"+k.prefix).With("module", target), true
		}
		// find_python_name splits at the last dot; a bare name is a builtin.
		module, name := "builtins", target
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			module, name = target[:i], target[i+1:]
		}
		v := globals.JudgeIn(module, name, sel)
		sev := v.Severity
		if v.Class == globals.Allowed {
			sev = formats.Info
			if !v.Uses.Has(k.use) {
				sev = formats.Medium
			}
		}
		f := formats.NewFinding(k.rule, t.off, "YAML tag !!python/%s%s: loading the file %s %s.%s", k.prefix, shown, k.what,
			formats.DisplayName(module), formats.DisplayName(name)).At(sev).
			With("tag", "python/"+k.prefix).With("global", module+"."+name).With("verdict", v.Class.String())
		if v.Reason != "" {
			f = f.With("reason", v.Reason)
		}
		return f, true
	}
	return formats.Finding{}, false
}

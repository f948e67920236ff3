package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	_ "github.com/modelgate/modelgate/formats/pickle"
	_ "github.com/modelgate/modelgate/scanner"
	_ "github.com/modelgate/modelgate/scanner/baseline" // registers MG092, which policies may override
)

const sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestParseComplete(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "complete.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.FailOn == nil || *p.FailOn != formats.Medium {
		t.Errorf("fail-on %v", p.FailOn)
	}
	if len(p.Rules) != 5 || !p.Rules[0].Disabled || p.Rules[1].Severity != formats.Low || p.Rules[2].Paths[0].Pattern != "runtime/**" {
		t.Errorf("rules %+v", p.Rules)
	}
	if len(p.Globals) != 2 || p.Globals[0].Denied || !p.Globals[1].Denied || !p.Globals[1].AllowsCodeExecution {
		t.Errorf("globals %+v", p.Globals)
	}
	if strings.Join(p.Formats, ",") != "safetensors,gguf,zip,pickle" {
		t.Errorf("formats %v", p.Formats)
	}
	if len(p.Unidentified) != 1 || len(p.Unidentified[0].Paths) != 2 || p.Unidentified[0].Pos.Line != 25 || !strings.Contains(p.Unidentified[0].Reason, "numpy.fromfile") {
		t.Errorf("unidentified %+v", p.Unidentified)
	}
	if len(p.Signatures) != 2 || len(p.Signatures[1].Keys) != 1 {
		t.Errorf("signatures %+v", p.Signatures)
	}
	if len(p.Waivers) != 1 || p.Waivers[0].SHA256 != sha || p.Waivers[0].Expires.Format("2006-01-02") != "2026-12-31" || p.Waivers[0].Pos.Line != 35 {
		t.Errorf("waivers %+v", p.Waivers)
	}
	if len(p.SHA256) != 64 || p.Source == "" {
		t.Errorf("source %q sha %q", p.Source, p.SHA256)
	}
}

// TestParseErrors covers every kind of bad input: each must fail, at the
// right line and column, with a message naming the mistake.
func TestParseErrors(t *testing.T) {
	waiver := func(extra string) string {
		return "version: 1\nwaivers:\n  - rule: MG108\n    path: a.pkl\n    sha256: " + sha +
			"\n    reason: r\n    owner: o\n" + extra
	}
	tests := []struct {
		name, policy string
		line, col    int
		want         string
	}{
		{"empty", "", 0, 0, "empty policy"},
		{"syntax", "version: 1\nrules: [\n", 2, 8, "not valid YAML"},
		{"tab", "version: 1\n\tfail-on: high\n", 2, 1, "tab character"},
		{"unclosed flow", "version: 1\nrules:\n  MG001: [off\n", 3, 11, "did not find expected ',' or ']'"},
		{"colon in value", "version: 1\nfail-on: high: x\n", 2, 14, "mapping values are not allowed"},
		{"reserved character", "version: 1\nfail-on: @x\n", 2, 10, "cannot start any token"},
		{"unclosed quote", "version: 1\nfail-on: \"high\n", 2, 10, "end of stream"},
		{"bad indentation", "version: 1\nrules:\n  MG001: off\n MG002: off\n", 4, 2, "did not find expected key"},
		{"column in characters", "version: 1\nrules: {é: 1\n", 2, 12, "did not find expected ',' or '}'"},
		{"two documents", "version: 1\n---\nversion: 1\n", 2, 1, "more than one YAML document"},
		{"not a mapping", "- version: 1\n", 1, 1, "policy must be a mapping"},
		{"missing version", "fail-on: high\n", 1, 1, `missing required key "version"`},
		{"version string", "version: \"1\"\n", 1, 10, "version must be the number 1"},
		{"version 2", "version: 2\n", 1, 10, "version 2 is not supported"},
		{"unknown key", "version: 1\nfail_on: high\n", 2, 1, `did you mean "fail-on"`},
		{"unknown nested key", "version: 1\npickle:\n  allows: []\n", 3, 3, `unknown key "allows"`},
		{"duplicate key", "version: 1\nversion: 1\n", 2, 1, "appears twice"},
		{"bad fail-on", "version: 1\nfail-on: severe\n", 2, 10, `"severe" is not a severity`},
		{"fail-on number", "version: 1\nfail-on: 3\n", 2, 10, "must be a severity"},
		{"fail-on off", "version: 1\nfail-on: off\n", 2, 10, `"off" is not a severity`},
		{"rules list", "version: 1\nrules: [MG001]\n", 2, 8, "rules must be a mapping"},
		{"bad rule id", "version: 1\nrules:\n  MG1: low\n", 3, 3, "not a rule ID"},
		{"unknown rule", "version: 1\nrules:\n  MG999: low\n", 3, 3, "no rule MG999"},
		{"bad severity", "version: 1\nrules:\n  MG001: loud\n", 3, 10, `"loud" is not a severity`},
		{"severity true", "version: 1\nrules:\n  MG001: true\n", 3, 10, "is not a severity"},
		{"override missing severity", "version: 1\nrules:\n  MG001:\n    paths: [a]\n", 4, 5, `missing required key "severity"`},
		{"override unknown key", "version: 1\nrules:\n  MG001:\n    severity: low\n    path: a\n", 5, 5, `did you mean "paths"`},
		{"bad glob", "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: [\"a/[\"]\n", 5, 13, "bad glob"},
		{"glob absolute", "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: [/a]\n", 5, 13, "starts with /"},
		{"glob double star", "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: [a**]\n", 5, 13, "whole segment"},
		{"glob empty segment", "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: [a//b]\n", 5, 13, "empty segment"},
		{"paths not a list", "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: a\n", 5, 12, "must be a list"},
		{"paths empty", "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: []\n", 5, 12, "empty list"},
		{"disable critical", "version: 1\nrules:\n  MG104: off\n", 3, 10, CodeExecutionFlag},
		{"lower denylist", "version: 1\nrules:\n  MG102:\n    severity: medium\n", 4, 5, CodeExecutionFlag},
		{"flag not bool", "version: 1\nrules:\n  MG102:\n    severity: medium\n    " + CodeExecutionFlag + ": yes\n", 5, 46, "true or false"},
		{"alias", "version: 1\nx: &a high\nfail-on: *a\n", 2, 1, `unknown key "x"`},
		{"alias value", "version: 1\nrules: &r\n  MG001: low\npickle: *r\n", 4, 9, "aliases are not allowed"},
		{"pickle not mapping", "version: 1\npickle: [a]\n", 2, 9, "pickle must be a mapping"},
		{"pickle missing allow", "version: 1\npickle: {}\n", 2, 9, `pickle needs "allow"`},
		{"unknown ecosystem", "version: 1\npickle:\n  ecosystems:\n    disable: [gensim, pandsa]\n", 4, 23, `unknown pickle ecosystem "pandsa", did you mean "pandas"?`},
		{"unknown enabled ecosystem", "version: 1\npickle:\n  ecosystems:\n    enable:\n      - no_such_ecosystem\n", 5, 9, `unknown pickle ecosystem "no_such_ecosystem"`},
		{"ecosystem twice", "version: 1\npickle:\n  ecosystems:\n    disable: [gensim, gensim]\n", 4, 23, "listed twice"},
		{"ecosystems empty", "version: 1\npickle:\n  ecosystems: {}\n", 3, 15, `needs "enable"`},
		{"ecosystems unknown key", "version: 1\npickle:\n  ecosystems:\n    off: [gensim]\n", 4, 5, `unknown key "off"`},
		{"global missing reason", "version: 1\npickle:\n  allow:\n    - global: a.B\n", 4, 7, `missing required key "reason"`},
		{"global empty reason", "version: 1\npickle:\n  allow:\n    - global: a.B\n      reason: \"  \"\n", 5, 15, "must not be empty"},
		{"global no dot", "version: 1\npickle:\n  allow:\n    - global: Net\n      reason: r\n", 4, 15, "not a global"},
		{"global wildcard", "version: 1\npickle:\n  allow:\n    - global: mypkg.*\n      reason: r\n", 4, 15, "wildcards"},
		{"global number", "version: 1\npickle:\n  allow:\n    - global: 1.5\n      reason: r\n", 4, 15, "must be a string"},
		{"denylisted global", "version: 1\npickle:\n  allow:\n    - global: os.system\n      reason: r\n", 4, 7, CodeExecutionFlag},
		{"duplicate global", "version: 1\npickle:\n  allow:\n    - {global: a.B, reason: r}\n    - {global: a.B, reason: r}\n", 5, 7, "listed twice"},
		{"unknown format", "version: 1\nformats:\n  allow: [safetensor]\n", 3, 11, `unknown format "safetensor"`},
		{"empty formats", "version: 1\nformats:\n  allow: []\n", 3, 10, "reject every file"},
		{"signature nobody", "version: 1\nsignatures:\n  require:\n    - paths: [a]\n", 4, 7, "identities"},
		{"signature no issuer", "version: 1\nsignatures:\n  require:\n    - identities: [me]\n", 4, 7, "need issuers"},
		{"signature issuer only", "version: 1\nsignatures:\n  require:\n    - issuers: [x]\n", 4, 7, "would accept anyone"},
		{"signature key empty", "version: 1\nsignatures:\n  require:\n    - keys: [\"\"]\n", 4, 14, "must not be empty"},
		{"signature unknown key", "version: 1\nsignatures:\n  require:\n    - identity: me\n", 4, 7, `did you mean "identities"`},
		{"waivers not list", "version: 1\nwaivers:\n  rule: MG001\n", 3, 3, "waivers must be a list"},
		{"waiver missing owner", "version: 1\nwaivers:\n  - rule: MG108\n    path: a\n    sha256: " + sha + "\n    reason: r\n    expires: 2026-01-01\n", 3, 5, `missing required key "owner"`},
		{"waiver bad date", waiver("    expires: 2026-13-01\n"), 8, 14, "not a date"},
		{"waiver date format", waiver("    expires: 31/12/2026\n"), 8, 14, "write YYYY-MM-DD"},
		{"waiver date number", waiver("    expires: 20261231\n"), 8, 14, "must be a date"},
		{"waiver bad sha", "version: 1\nwaivers:\n  - rule: MG108\n    path: a\n    sha256: abc\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", 5, 13, "64 hex digits"},
		{"waiver critical rule", "version: 1\nwaivers:\n  - rule: MG102\n    path: a\n    sha256: " + sha + "\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", 3, 5, CodeExecutionFlag},
		{"waiver bad path", "version: 1\nwaivers:\n  - rule: MG108\n    path: \"[\"\n    sha256: " + sha + "\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", 4, 11, "bad glob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("policy.yaml", []byte(tt.policy))
			if err == nil {
				t.Fatalf("parsed: %+v", p)
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not Errors", err, err)
			}
			e := es[0]
			if e.File != "policy.yaml" || e.Line != tt.line || e.Column != tt.col || !strings.Contains(e.Msg, tt.want) {
				t.Errorf("got %q (line %d col %d), want %d:%d mentioning %q", err, e.Line, e.Column, tt.line, tt.col, tt.want)
			}
		})
	}
}

func TestParseEcosystems(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "ecosystems.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Ecosystems == nil || strings.Join(p.Ecosystems.Enable, ",") != "torch,numpy,stdlib" || p.Ecosystems.Pos.Line != 6 {
		t.Fatalf("ecosystems %+v", p.Ecosystems)
	}
	sel := p.PickleSelection()
	for eco, on := range map[string]bool{"torch": true, "stdlib": true, "numpy": false, "gensim": false, "pandas": false} {
		if sel.Enabled(eco) != on {
			t.Errorf("Enabled(%s) = %v, want %v", eco, !on, on)
		}
	}
	if (&Policy{}).PickleSelection().Enabled("gensim") != true {
		t.Error("a policy without ecosystems disables some")
	}
}

func TestParseReportsSeveralErrors(t *testing.T) {
	_, err := Parse("p.yaml", []byte("version: 1\nfail-on: x\nrules:\n  MG999: low\nformats:\n  allow: [bogus]\n"))
	var es Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	if !strings.HasPrefix(es.Error(), "p.yaml:2:10: ") {
		t.Errorf("error text %q", es.Error())
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("p.yaml", make([]byte, MaxSize+1))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err %v", err)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err %v", err)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*.pkl", "a.pkl", true},
		{"*.pkl", "deep/dir/a.pkl", true},
		{"*.pkl", "a.pkl.txt", false},
		{"models/*.bin", "models/x.bin", true},
		{"models/*.bin", "models/sub/x.bin", false},
		{"models/**/x.bin", "models/x.bin", true},
		{"models/**/x.bin", "models/a/b/x.bin", true},
		{"**", "anything/at/all", true},
		{"release/**", "release", true},
		{"release/**", "release/a/b", true},
		{"release/**", "other/a", false},
		{"a/[bc]/d", "a/c/d", true},
		{"x[!]y.bin", "x!y.bin", true},
		{"**", "model.tar!extra/blob.bin", true}, // a file path that holds "!": files only
		{"model.tar!extra/blob.bin", "model.tar!extra/blob.bin", false},
	}
	for _, tt := range tests {
		g, err := ParseGlob(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got := g.Match(tt.path); got != tt.want {
			t.Errorf("%q.Match(%q) = %v", tt.pattern, tt.path, got)
		}
	}
}

// TestMemberGlob: a member glob matches one level of nesting per part, and
// no wildcard crosses a "!".
func TestMemberGlob(t *testing.T) {
	tests := []struct {
		pattern, file string
		chain         []string
		want          bool
	}{
		{"model.tar!extra/blob.bin", "model.tar", []string{"extra/blob.bin"}, true},
		{"model.tar!extra/blob.bin", "dir/model.tar", []string{"extra/blob.bin"}, true}, // file part without "/": any directory
		{"model.tar!extra/blob.bin", "model.tar", []string{"blob.bin"}, false},
		{"model.tar!*.bin", "model.tar", []string{"deep/er/blob.bin"}, true},
		{"model.tar!extra/*", "model.tar", []string{"extra/a/b"}, false},
		{"model.tar!**", "model.tar", []string{"a/b"}, true},
		{"model.tar!**", "model.tar", []string{"a", "b"}, false}, // nesting is counted
		{"a.zip!inner.tar!x.bin", "a.zip", []string{"inner.tar", "x.bin"}, true},
		{"a.zip!inner.tar!x.bin", "a.zip", []string{"inner.tar"}, false},
		{"*!x", "other.zip", []string{"x"}, true},
		{"*.bin", "model.tar", []string{"a.bin"}, false}, // a file glob names no member
		{"d[!]x/m.tar!a[!]b", "d!x/m.tar", []string{"a!b"}, true},
		{"models/**/m.tar!x", "models/a/m.tar", []string{"x"}, true},
		{"models/*.tar!x", "other/m.tar", []string{"x"}, false},
	}
	for _, tt := range tests {
		g, err := ParseGlob(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got := g.MatchMember(tt.file, tt.chain); got != tt.want {
			t.Errorf("%q.MatchMember(%q, %q) = %v", tt.pattern, tt.file, tt.chain, got)
		}
	}
	for _, bad := range []string{"!x", "a!", "a!!b", "a!/b", "a!b//c", "a!x**y", "a!b!c!d!e!f!g!h!i!j"} {
		if _, err := ParseGlob(bad); err == nil {
			t.Errorf("ParseGlob(%q) accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\nrules:\n  MG001:\n    - severity: low\n      paths: ['**/x']\n"))
	f.Add([]byte("version: 1\nx: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if (p == nil) == (err == nil) {
			t.Fatalf("policy %v and error %v", p, err)
		}
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %v is not Errors", err)
			}
		}
	})
}

// FuzzGlob: any pattern parses or is refused without a panic, and a parsed
// one matches files or members, never both.
func FuzzGlob(f *testing.F) {
	for _, s := range []string{"model.tar!extra/blob.bin", "a[!]b!*", "**/x.zip!**!y", "[]!]x!y", "a!b!c"} {
		f.Add(s, "model.tar", "extra/blob.bin")
	}
	f.Fuzz(func(t *testing.T, pattern, file, member string) {
		g, err := ParseGlob(pattern)
		if err != nil {
			return
		}
		if g.Match(file) && g.MatchMember(file, []string{member}) {
			t.Fatalf("%q matches %q both as a file and with a member", pattern, file)
		}
	})
}

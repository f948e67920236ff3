package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// npy returns a little-endian int32 NumPy file of n elements, followed by
// trailing bytes (which the numpy analyzer reports as MG304, medium).
func npy(n int, trailing string) []byte {
	header := fmt.Sprintf("{'descr': '<i4', 'fortran_order': False, 'shape': (%d,), }", n)
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(header)))
	b.WriteByte(byte(len(header) >> 8))
	b.WriteString(header)
	b.Write(make([]byte, 4*n))
	b.WriteString(trailing)
	return b.Bytes()
}

// gateDir makes a model directory with one file that has a medium finding
// (bad.npy) and one clean file, and returns it with bad.npy's SHA-256.
func gateDir(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "bad.npy", npy(4, "trailing"))
	writeFile(t, dir, "good.npy", npy(4, ""))
	code, out, stderr := modelgate(t, "scan", "--format", "json", dir)
	if code != 1 {
		t.Fatalf("setup scan: exit %d, %s", code, stderr)
	}
	var rep struct {
		Files []struct{ Path, SHA256 string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if strings.HasSuffix(f.Path, "bad.npy") {
			return dir, f.SHA256
		}
	}
	t.Fatal("bad.npy not in the report")
	return "", ""
}

func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", []byte("version: 1\nfail-on: high\nrules:\n  MG304: low\n"))
	bad := writeFile(t, dir, "bad.yaml", []byte("version: 1\nrules:\n  MG304: loud\nfail_on: high\n"))
	code, out, stderr := modelgate(t, "policy", "check", good)
	if code != 0 || !strings.Contains(out, "valid policy") {
		t.Errorf("good policy: exit %d, %q %q", code, out, stderr)
	}
	code, _, stderr = modelgate(t, "policy", "check", bad)
	if code != 3 || !strings.Contains(stderr, bad+":3:10:") || !strings.Contains(stderr, bad+":4:1:") || !strings.Contains(stderr, `did you mean "fail-on"`) {
		t.Errorf("bad policy: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = modelgate(t, "policy", "check", filepath.Join(dir, "missing.yaml"))
	if code != 3 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing policy: exit %d, stderr %q", code, stderr)
	}
	code, _, _ = modelgate(t, "policy", "check")
	if code != 3 {
		t.Errorf("no argument: exit %d", code)
	}
}

func TestScanUnderPolicy(t *testing.T) {
	dir, sha := gateDir(t)
	waiver := func(expires string) string {
		return fmt.Sprintf("version: 1\nwaivers:\n  - rule: MG304\n    path: bad.npy\n    sha256: %s\n    reason: r\n    owner: o\n    expires: %s\n", sha, expires)
	}
	tests := []struct {
		name   string
		policy string
		args   []string
		code   int
		want   string // in the JSON report
	}{
		{"no policy", "", nil, 1, `"verdict": "fail"`},
		{"override to low", "version: 1\nrules:\n  MG304: low\n", nil, 0, `"severity": "low"`},
		{"disabled", "version: 1\nrules:\n  MG304: off\n", nil, 0, `"kind": "disabled"`},
		{"disabled elsewhere only", "version: 1\nrules:\n  MG304:\n    severity: off\n    paths: [other/**]\n", nil, 1, `"verdict": "fail"`},
		{"waived", waiver("2999-12-31"), nil, 0, `"kind": "waived"`},
		{"expired waiver", waiver("2001-01-01"), nil, 1, "expired on 2001-01-01"},
		{"policy fail-on", "version: 1\nfail-on: high\n", nil, 0, `"fail_on": "high"`},
		{"explicit stricter fail-on wins", "version: 1\nfail-on: high\n", []string{"--fail-on", "low"}, 1, `"fail_on": "low"`},
		{"explicit looser fail-on loses", "version: 1\nfail-on: medium\n", []string{"--fail-on", "critical"}, 1, `"fail_on": "medium"`},
		{"formats", "version: 1\nformats:\n  allow: [safetensors]\n", nil, 1, `"rule": "MG090"`},
		{"signatures fail closed", "version: 1\nfail-on: critical\nsignatures:\n  require:\n    - keys: [k.pub]\n", nil, 1, `"required_by": "policy line 5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"scan", "--format", "json"}
			if tt.policy != "" {
				args = append(args, "--policy", writeFile(t, t.TempDir(), "p.yaml", []byte(tt.policy)))
			}
			args = append(append(args, tt.args...), dir)
			code, out, stderr := modelgate(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("report lacks %q:\n%s", tt.want, out)
			}
			validateReport(t, []byte(out))
		})
	}
}

func TestBadPolicyIsUsageError(t *testing.T) {
	dir, _ := gateDir(t)
	p := writeFile(t, t.TempDir(), "p.yaml", []byte("version: 1\nwaivers:\n  - rule: MG304\n    expires: soon\n"))
	code, out, stderr := modelgate(t, "scan", "--policy", p, dir)
	if code != 3 || out != "" || !strings.Contains(stderr, p+":4:14:") || !strings.Contains(stderr, "YYYY-MM-DD") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// A policy is configuration of the gate, never data of the artifact: one
// inside a scanned target (at its root, deeper, or in an archive) is
// never applied, whatever it says, and is reported as MG006.
func TestPolicyInTargetIsNotApplied(t *testing.T) {
	loose := "version: 1\nfail-on: critical\n"
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create(".modelgate.yaml")
	w.Write([]byte(loose))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, policyAt, policy string }{
		{"fail-on at the root", ".modelgate.yaml", loose},
		{"rule lowered at the root", ".modelgate.yaml", "version: 1\nrules:\n  MG304: info\n"},
		{"deeper", "sub/.modelgate.yaml", loose},
		{"inside an archive", "policy.zip", zipped.String()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "bad.npy", npy(4, "trailing")) // MG304, medium
			writeFile(t, dir, tt.policyAt, []byte(tt.policy))
			code, out, stderr := modelgate(t, "scan", dir)
			if code != 1 {
				t.Errorf("exit %d, want 1: the target's policy was applied\n%s%s", code, out, stderr)
			}
			if !strings.Contains(out, "info     MG006 ") || !strings.Contains(out, ".modelgate.yaml") {
				t.Errorf("no MG006 finding naming the policy file:\n%s", out)
			}
		})
	}
}

// Scanning the working directory, or a directory above it, makes its
// policy file part of the target: it is not applied either.
func TestWorkingDirPolicyInsideTarget(t *testing.T) {
	for _, tt := range []struct{ name, cwd, target string }{
		{"scan .", "m", "."},
		{"scan the parent", "m/sub", ".."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "m/bad.npy", npy(4, "trailing")) // MG304, medium
			writeFile(t, root, filepath.Join(tt.cwd, ".modelgate.yaml"), []byte("version: 1\nfail-on: critical\n"))
			t.Chdir(filepath.Join(root, tt.cwd))
			code, out, stderr := modelgate(t, "scan", tt.target)
			if code != 1 || !strings.Contains(stderr, "not applying ./.modelgate.yaml") {
				t.Errorf("exit %d, want 1 with a note on stderr\n%s%s", code, out, stderr)
			}
		})
	}
}

func TestBaseline(t *testing.T) {
	dir, _ := gateDir(t)
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, stderr := modelgate(t, "scan", "--format", "json", "-o", base, dir); code != 1 {
		t.Fatalf("baseline scan: exit %d %s", code, stderr)
	}
	code, out, _ := modelgate(t, "scan", "--format", "json", "--baseline", base, dir)
	if code != 0 || !strings.Contains(out, `"known": 1`) {
		t.Errorf("unchanged: exit %d\n%s", code, out)
	}
	validateReport(t, []byte(out))

	writeFile(t, dir, "good.npy", npy(5, ""))
	code, out, _ = modelgate(t, "scan", "--format", "json", "--baseline", base, dir)
	if code != 1 || !strings.Contains(out, `"rule": "MG092"`) || !strings.Contains(out, `"drift": [`) {
		t.Errorf("drift: exit %d\n%s", code, out)
	}

	p := writeFile(t, t.TempDir(), "p.yaml", []byte("version: 1\nrules:\n  MG092: info\n"))
	if code, _, _ = modelgate(t, "scan", "--baseline", base, "--policy", p, dir); code != 0 {
		t.Errorf("drift at info: exit %d", code)
	}

	writeFile(t, dir, "bad.npy", npy(5, "trailing")) // the finding moves: a new one
	if code, _, _ = modelgate(t, "scan", "--baseline", base, "--policy", p, dir); code != 1 {
		t.Errorf("new finding: exit %d", code)
	}

	for _, bad := range []string{filepath.Join(t.TempDir(), "none.json"), writeFile(t, t.TempDir(), "x.json", []byte("# not json"))} {
		code, _, stderr := modelgate(t, "scan", "--baseline", bad, dir)
		if code != 3 || !strings.Contains(stderr, "--baseline") {
			t.Errorf("bad baseline %s: exit %d %q", bad, code, stderr)
		}
	}
}

func TestSARIFAndMarkdownOutput(t *testing.T) {
	dir, _ := gateDir(t)
	code, out, _ := modelgate(t, "scan", "--format", "sarif", dir)
	if code != 1 {
		t.Errorf("sarif: exit %d", code)
	}
	sch, err := jsonschema.NewCompiler().Compile("../../scanner/report/testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("sarif is not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("sarif does not validate: %v", err)
	}
	if !strings.Contains(out, `"ruleId": "MG304"`) || !strings.Contains(out, `"exitCode": 1`) {
		t.Errorf("sarif lacks the result or exit code:\n%s", out)
	}

	code, out, _ = modelgate(t, "scan", "--format", "markdown", dir)
	if code != 1 || !strings.HasPrefix(out, "## modelgate: FAIL") || !strings.Contains(out, "OWASP LLM Top 10 2025") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}
}

func TestSummaryLine(t *testing.T) {
	dir, _ := gateDir(t)
	var buf bytes.Buffer
	o := scanOptions{Format: "text", FailOn: "medium", Targets: []string{dir},
		Gate: gateOptions{Summary: true, now: time.Now}}
	code, err := runScan(t.Context(), o, &bytes.Buffer{}, &buf)
	if err != nil || code != 1 {
		t.Fatalf("runScan: %d %v", code, err)
	}
	if line := buf.String(); !strings.HasPrefix(line, "modelgate: FAIL: 2 files") || strings.Count(line, "\n") != 1 {
		t.Errorf("summary %q", line)
	}
}

func TestRulesShowStandards(t *testing.T) {
	code, out, _ := modelgate(t, "rules", "MG304")
	if code != 0 || !strings.Contains(out, "OWASP LLM Top 10 2025: LLM03:2025") || !strings.Contains(out, "CWE: CWE-20") {
		t.Errorf("rules text: exit %d %q", code, out)
	}
	code, out, _ = modelgate(t, "rules", "--format", "json", "MG090")
	if code != 0 || !strings.Contains(out, `"standards"`) || !strings.Contains(out, "CWE-434") {
		t.Errorf("rules json: exit %d %q", code, out)
	}
}

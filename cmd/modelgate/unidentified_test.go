package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// safetensorsFile is a valid two-float safetensors file.
func safetensorsFile() []byte {
	header := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), make([]byte, 8)...)
}

// unknownBytes are bytes of no format: what an unsupported model format,
// or a payload for a loader modelgate does not know, looks like to it.
func unknownBytes() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := []byte("\xde\xc0\xad\x0b")
	for range 4096 {
		b = append(b, byte(r.IntN(256)))
	}
	return b
}

// modelDir is a model directory that scans clean (weights, config,
// README, tokenizer vocabulary) plus name holding unknown bytes.
func modelDir(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "model.safetensors", safetensorsFile())
	writeFile(t, dir, "config.json", []byte(`{"model_type": "bert", "hidden_size": 2}`))
	writeFile(t, dir, "README.md", []byte("# A model\n\nWeights in safetensors.\n"))
	writeFile(t, dir, "vocab.txt", []byte("[PAD]\n[UNK]\nhello\nworld\n"))
	writeFile(t, dir, ".gitattributes", []byte("*.safetensors filter=lfs diff=lfs merge=lfs -text\n"))
	if name != "" {
		writeFile(t, dir, name, unknownBytes())
	}
	return dir
}

// TestUnidentifiedFileFailsClosed is issue 15's first done-when: a valid
// model beside unknown bytes named like a model exits 2 naming the file,
// and 0 once the policy accepts that path with a reason, which every
// output keeps.
func TestUnidentifiedFileFailsClosed(t *testing.T) {
	if code, out, stderr := modelgate(t, "scan", modelDir(t, "")); code != 0 {
		t.Fatalf("the model alone: exit %d\n%s%s", code, out, stderr)
	}
	for _, name := range []string{"model.bin", "frozen_graph.pb", "weights.dat", "model.xgb", "sub/dir/blob"} {
		t.Run(name, func(t *testing.T) {
			dir := modelDir(t, name)
			code, out, stderr := modelgate(t, "scan", dir)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s%s", code, out, stderr)
			}
			line := ""
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "inconclusive") {
					line = l
				}
			}
			if !strings.Contains(line, name) || !strings.Contains(line, "unidentified binary data") || !strings.Contains(line, "(unsupported)") {
				t.Errorf("the inconclusive line does not name the file and why: %q", line)
			}
			if !strings.Contains(out, "1 inconclusive (1 unsupported)") || !strings.Contains(out, "skipped as inert") {
				t.Errorf("the summary does not count unsupported and inert files:\n%s", out)
			}

			reason := "vendor embedding table, reviewed in TICKET-42"
			policy := fmt.Sprintf("version: 1\nformats:\n  unidentified:\n    - paths: [%q]\n      reason: %q\n", name, reason)
			p := writeFile(t, t.TempDir(), "p.yaml", []byte(policy))
			code, out, stderr = modelgate(t, "scan", "--policy", p, "--format", "json", dir)
			if code != 0 {
				t.Fatalf("accepted: exit %d, want 0\n%s%s", code, out, stderr)
			}
			validateReport(t, []byte(out))
			var rep struct {
				Summary struct{ Accepted, Inert, Unsupported int }
				Files   []struct {
					Path, Outcome, Note string
					Unidentified        bool
				}
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Accepted != 1 || rep.Summary.Unsupported != 0 || rep.Summary.Inert != 3 {
				t.Errorf("summary %+v, want 1 accepted, 3 inert, 0 unsupported", rep.Summary)
			}
			for _, f := range rep.Files {
				if strings.HasSuffix(f.Path, name) && (f.Outcome != "skipped" || !f.Unidentified || !strings.Contains(f.Note, reason)) {
					t.Errorf("%s: outcome %s, unidentified %v, note %q", f.Path, f.Outcome, f.Unidentified, f.Note)
				}
			}
			for _, format := range []string{"text", "markdown", "sarif"} {
				_, out, _ := modelgate(t, "scan", "--policy", p, "--format", format, dir)
				if !strings.Contains(out, reason) {
					t.Errorf("%s output does not keep the reason:\n%s", format, out)
				}
			}
		})
	}
}

// TestFormatsAllowCoversUnidentified: formats.allow applies to every file,
// so unknown bytes beside allowed weights fail, unless accepted by path.
func TestFormatsAllowCoversUnidentified(t *testing.T) {
	dir := modelDir(t, "frozen_graph.pb")
	tests := []struct {
		name, policy string
		code         int
		want         string
	}{
		{"allow alone", "version: 1\nformats:\n  allow: [safetensors]\n", 1, "MG090"},
		{"allow and accepted", "version: 1\nformats:\n  allow: [safetensors]\n  unidentified:\n    - paths: ['*.pb']\n      reason: r\n", 0, "accepted by policy"},
		{"accepted elsewhere", "version: 1\nformats:\n  unidentified:\n    - paths: [other/*.pb]\n      reason: r\n", 2, "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "p.yaml", []byte(tt.policy))
			code, out, stderr := modelgate(t, "scan", "--policy", p, dir)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, tt.code, tt.want, out, stderr)
			}
		})
	}
	// Inert companions are no format a policy must allow.
	p := writeFile(t, t.TempDir(), "p.yaml", []byte("version: 1\nformats:\n  allow: [safetensors]\n"))
	if code, out, _ := modelgate(t, "scan", "--policy", p, modelDir(t, "")); code != 0 {
		t.Errorf("allowed weights and inert files: exit %d\n%s", code, out)
	}
}

func TestUnidentifiedPolicyErrors(t *testing.T) {
	tests := []struct{ policy, want string }{
		{"version: 1\nformats:\n  unidentified:\n    - paths: [a.bin]\n", ":4:7: formats.unidentified[0]: missing required key \"reason\""},
		{"version: 1\nformats:\n  unidentified:\n    - reason: r\n", ":4:7: formats.unidentified[0]: missing required key \"paths\""},
		{"version: 1\nformats:\n  unidentified:\n    - paths: [a.bin]\n      reason: ''\n", ":5:15: formats.unidentified[0].reason must not be empty"},
		{"version: 1\nformats:\n  unidentified: []\n", ":3:17: formats.unidentified is an empty list"},
		{"version: 1\nformats:\n  unidentified:\n    - paths: ['[a']\n      reason: r\n", ":4:15: formats.unidentified[0].paths[0]: bad glob"},
		{"version: 1\nformats: {}\n", ":2:10: formats needs \"allow\""},
	}
	for _, tt := range tests {
		p := writeFile(t, t.TempDir(), "p.yaml", []byte(tt.policy))
		code, out, stderr := modelgate(t, "policy", "check", p)
		// One mistake, one line: FILE:LINE:COLUMN: what to do.
		if code != 3 || !strings.Contains(stderr, "1 error(s):\n"+p+tt.want) || strings.Count(stderr, p) != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want one error line with %q", tt.policy, code, out, stderr, tt.want)
		}
	}
}

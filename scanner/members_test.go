package scanner_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/policy"
)

type member struct {
	name string
	data []byte
}

func zipOf(t *testing.T, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range ms {
		f, err := w.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tgzOf(t *testing.T, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	w := tar.NewWriter(z)
	for _, m := range ms {
		if err := w.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	if _, err := z.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUnidentifiedMembers: a container member whose bytes match no format
// and are not inert makes its file inconclusive (unsupported), naming the
// member, unless the container's own format reads it as data (a PyTorch
// storage that data.pkl declares).
func TestUnidentifiedMembers(t *testing.T) {
	torchZip, err := os.ReadFile("../testdata/containers/benign/torch_zip_state_dict.pt")
	if err != nil {
		t.Fatal(err)
	}
	// The same checkpoint with one more record data.pkl never declares.
	var extra bytes.Buffer
	{
		r, err := zip.NewReader(bytes.NewReader(torchZip), int64(len(torchZip)))
		if err != nil {
			t.Fatal(err)
		}
		w := zip.NewWriter(&extra)
		for _, f := range r.File {
			if err := w.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		f, err := w.Create("archive/data/999")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(blob(4096))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	onnxModel, err := os.ReadFile("../formats/onnx/testdata/external_ok/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	onnxWeights, err := os.ReadFile("../formats/onnx/testdata/external_ok/weights.bin")
	if err != nil {
		t.Fatal(err)
	}
	scriptConstants, err := os.ReadFile("../formats/pytorch/testdata/script_constants.pt")
	if err != nil {
		t.Fatal(err)
	}
	lookalike, err := os.ReadFile("../formats/pytorch/testdata/storage_lookalike.pt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		data    []byte
		outcome scanner.Outcome
		member  string // named in the error
	}{
		// zip.Writer.Create deflates: the layout cannot size the member,
		// but the graph still names it as its external data.
		{"onnx external data", "onnx.zip", zipOf(t, member{"m/model.onnx", onnxModel}, member{"m/weights.bin", onnxWeights}), scanner.Clean, ""},
		{"zip of text", "docs.zip", zipOf(t, member{"README.md", []byte("# model\n")}, member{"config.json", []byte(`{"a": 1}`)}), scanner.Skipped, ""},
		{"zip with payload", "model.zip", zipOf(t, member{"README.md", []byte("# model\n")}, member{"weights.dat", blob(4096)}), scanner.Inconclusive, "model.zip!weights.dat"},
		{"tar.gz with payload", "model.tar.gz", tgzOf(t, member{"m/notes.txt", []byte("hi\n")}, member{"m/payload", blob(4096)}), scanner.Inconclusive, "!m/payload"},
		{"gzip of payload", "weights.gz", gzipOf(t, blob(4096)), scanner.Inconclusive, "weights.gz!"},
		{"gzip of text", "notes.txt.gz", gzipOf(t, []byte("plain text\n")), scanner.Skipped, ""},
		{"torch storages", "model.pt", torchZip, scanner.Clean, ""},
		// constants/0 holds the raw bytes of a constant tensor that
		// constants.pkl declares; the only finding is MG320 (info).
		{"torchscript constants", "script.pt", scriptConstants, scanner.Findings, ""},
		// data/0's float bytes read as EMPTY_DICT, EXT1 on their own;
		// torch.load reads the declared storage only as numbers.
		{"storage that looks like a pickle", "lookalike.pt", lookalike, scanner.Clean, ""},
		{"undeclared storage", "extra.pt", extra.Bytes(), scanner.Inconclusive, "extra.pt!archive/data/999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := scanFile(t, tt.file, tt.data)
			if len(rep.Files) != 1 {
				t.Fatalf("%d results", len(rep.Files))
			}
			got := rep.Files[0]
			if got.Outcome != tt.outcome && !(tt.outcome == scanner.Skipped && got.Outcome == scanner.Clean) {
				t.Fatalf("outcome %s (%s) %q, want %s", got.Outcome, got.Reason, got.Error, tt.outcome)
			}
			if tt.outcome == scanner.Inconclusive {
				if got.Reason != "unsupported" || !strings.Contains(got.Error, tt.member) || !strings.Contains(got.Error, "matches no known format") {
					t.Errorf("%s %q, want unsupported naming %s", got.Reason, got.Error, tt.member)
				}
				if got.Unidentified {
					t.Error("a container is not itself unidentified")
				}
				// Nothing else went wrong: a policy may accept them.
				if len(got.UnidentifiedMembers) != 1 || !strings.Contains(got.UnidentifiedMembers[0], tt.member) ||
					!strings.HasPrefix(got.UnidentifiedMembers[0], got.Path+"!") {
					t.Errorf("unidentified members %q, want the one at %s", got.UnidentifiedMembers, tt.member)
				}
			}
		})
	}
}

// TestUnidentifiedMembersAccepted: a policy's member glob accepts an
// archive's unknown member, and only when nothing else went wrong.
func TestUnidentifiedMembersAccepted(t *testing.T) {
	accept, err := policy.Parse("p.yaml", []byte("version: 1\nformats:\n  unidentified:\n"+
		"    - paths: ['model.tar.gz!model.tar!m/payload']\n      reason: our lookup table\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		members []member
		outcome scanner.Outcome
	}{
		{"accepted", []member{{"m/notes.txt", []byte("hi\n")}, {"m/payload", blob(4096)}}, scanner.Clean},
		{"another member", []member{{"m/other", blob(4096)}}, scanner.Inconclusive},
		{"accepted, but another too", []member{{"m/payload", blob(4096)}, {"m/other", blob(4096)}}, scanner.Inconclusive},
		// A cut archive is inconclusive for a reason no entry accepts.
		{"accepted, archive cut", []member{{"m/payload", blob(4096)}, {"m/cut.tar", []byte("x")}}, scanner.Inconclusive},
	}
	// A plain tar (named .tar.gz) whose one member is named
	// model.tar!m/payload: its location spells the accepted member's,
	// one level of nesting up.
	var named bytes.Buffer
	{
		tw := tar.NewWriter(&named)
		b := blob(4096)
		tw.WriteHeader(&tar.Header{Name: "model.tar!m/payload", Mode: 0o644, Size: int64(len(b))})
		tw.Write(b)
		tw.Close()
	}
	tests = append(tests, struct {
		name    string
		members []member
		outcome scanner.Outcome
	}{"a member whose name holds the separator", nil, scanner.Inconclusive})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tgzOf(t, tt.members...)
			if tt.name == "accepted, archive cut" {
				data = data[:len(data)-20]
			}
			if tt.members == nil {
				data = named.Bytes()
			}
			rep := scanFile(t, "model.tar.gz", data)
			accept.Apply(rep, time.Now(), nil)
			got := rep.Files[0]
			if got.Outcome != tt.outcome {
				t.Fatalf("outcome %s %q (members %q, note %q), want %s", got.Outcome, got.Error, got.UnidentifiedMembers, got.Note, tt.outcome)
			}
			if tt.outcome == scanner.Clean && (!strings.Contains(got.Note, "our lookup table") || rep.Summary.ExitCode != scanner.ExitClean) {
				t.Errorf("note %q, exit %d", got.Note, rep.Summary.ExitCode)
			}
		})
	}
}

// TestPyYAMLText: YAML with PyYAML python tags is read by the pyyaml
// analyzer, at the top level and inside an archive, instead of ending
// unidentified; a tag-handle directive it does not resolve stays
// inconclusive.
func TestPyYAMLText(t *testing.T) {
	payload := []byte("model: resnet\nhook: !!python/object/apply:os.system [id]\n")
	tests := []struct {
		name    string
		file    string
		data    []byte
		outcome scanner.Outcome
	}{
		{"payload", "config.yaml", payload, scanner.Findings},
		{"payload in a zip", "bundle.zip", zipOf(t, member{"cfg/config.yaml", payload}), scanner.Findings},
		{"plain tuple", "hparams.yaml", []byte("betas: !!python/tuple\n- 0.9\n- 0.999\n"), scanner.Clean},
		{"tag directive", "config.yaml", []byte("%TAG !p! tag:yaml.org,2002:python/\n---\nx: !p!object/apply:os.system [id]\n# !!python/\n"), scanner.Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := scanFile(t, tt.file, tt.data)
			got := rep.Files[0]
			if got.Outcome != tt.outcome {
				t.Fatalf("outcome %s (%s) %q %v, want %s", got.Outcome, got.Reason, got.Error, got.Findings, tt.outcome)
			}
			if tt.outcome == scanner.Findings && got.Findings[0].Rule != "MG890" {
				t.Errorf("findings %v", got.Findings)
			}
		})
	}
}

// scanFile writes data as name in a temporary directory and scans it with
// the default options.
func scanFile(t *testing.T, name string, data []byte) *scanner.Report {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return scanPath(t, p)
}

// scanPath scans the file or directory at p with the default options.
func scanPath(t *testing.T, p string) *scanner.Report {
	t.Helper()
	src, err := fetch.NewLocal(p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

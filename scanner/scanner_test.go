package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r *bytes.Reader
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

func TestHashingReaderAtOnePass(t *testing.T) {
	data := make([]byte, 5<<20+123)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	want := sha256.Sum256(data)

	tests := []struct {
		name  string
		reads func(io.ReaderAt)
	}{
		{"no analyzer reads", func(io.ReaderAt) {}},
		{"sequential analyzer", func(ra io.ReaderAt) { io.Copy(io.Discard, io.NewSectionReader(ra, 0, int64(len(data)))) }},
		{"header and tail only", func(ra io.ReaderAt) {
			buf := make([]byte, 4096)
			ra.ReadAt(buf, 0)
			ra.ReadAt(buf, int64(len(data))-4096)
		}},
		{"overlapping and backwards reads", func(ra io.ReaderAt) {
			buf := make([]byte, 1000)
			ra.ReadAt(buf, 500)
			ra.ReadAt(buf, 0)
			ra.ReadAt(buf, 900)
			ra.ReadAt(buf, 100)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReaderAt{r: bytes.NewReader(data)}
			h := newHashingReaderAt(cr, int64(len(data)))
			tt.reads(h)
			got, err := h.Sum()
			if err != nil {
				t.Fatal(err)
			}
			if got != hex.EncodeToString(want[:]) {
				t.Fatalf("sum %s, want %x", got, want)
			}
			// One pass: at most a few small re-reads beyond the file's size.
			if cr.n > int64(len(data))+16<<10 {
				t.Errorf("read %d bytes for a %d-byte file", cr.n, len(data))
			}
		})
	}
}

func TestHashingReaderAtShortFile(t *testing.T) {
	h := newHashingReaderAt(bytes.NewReader([]byte("abc")), 10)
	if _, err := h.Sum(); err == nil {
		t.Fatal("a file shorter than its stated size hashed without error")
	}
}

func TestBudgetReader(t *testing.T) {
	lim := formats.DefaultLimits()
	lim.RatioFloor, lim.Ratio, lim.Decompressed = 100, 10, 1000
	tests := []struct {
		name      string
		size      int
		packed    int64
		wantLimit string
	}{
		{"within budget", 500, 100, ""},
		{"ratio exceeded", 500, 10, "compression-ratio"},
		{"small members skip the ratio", 90, 1, ""},
		{"total exceeded", 2000, 1000, "decompressed-bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fileScan{limits: lim}
			data := make([]byte, tt.size)
			m := formats.NewStreamInput("m", -1, tt.packed, func() (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(data)), nil
			})
			bm, _ := fs.budgeted(m)
			rc, _ := bm.Open()
			_, err := io.Copy(io.Discard, rc)
			var le *formats.LimitError
			switch {
			case tt.wantLimit == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.wantLimit != "" && (!errors.As(err, &le) || le.Limit != tt.wantLimit):
				t.Fatalf("error %v, want limit %s", err, tt.wantLimit)
			}
		})
	}
}

func TestCheckExtension(t *testing.T) {
	tests := []struct {
		name  string
		kinds []string
		want  string
	}{
		{"model.safetensors", []string{formats.Pickle}, RuleDisguised},
		{"model.SAFETENSORS", []string{formats.Zip}, RuleDisguised},
		{"weights.npy", []string{formats.Pickle}, RuleDisguised},
		{"notes.txt", []string{formats.Pickle}, RuleDisguised},
		{"model.gguf", []string{formats.Executable}, RuleDisguised},
		{"pytorch_model.bin", []string{formats.Zip}, RuleLooseExtension},
		{"model.pkl", []string{formats.Gzip}, RuleLooseExtension},
		{"model.safetensors", []string{formats.GGUF}, RuleLooseExtension},
		{"model.safetensors", []string{formats.Safetensors}, ""},
		{"model.bin", []string{formats.Pickle}, ""},
		{"model.pt", []string{formats.Zip}, ""},
		{"model.joblib", []string{formats.Zlib}, ""},
		{"saved_model.pb", []string{formats.SavedModel}, ""},
		{"model", []string{formats.Pickle}, ""},
		{"model.unknown", []string{formats.Pickle}, ""},
	}
	for _, tt := range tests {
		got := checkExtension(tt.name, tt.kinds)
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%s as %v: unexpected %v", tt.name, tt.kinds, got)
		case tt.want != "" && (len(got) != 1 || got[0].Rule != tt.want):
			t.Errorf("%s as %v: got %v, want %s", tt.name, tt.kinds, got, tt.want)
		}
	}
}

func TestPolyglot(t *testing.T) {
	if _, ok := polyglot([]string{formats.Zip}); ok {
		t.Error("one reading reported as a polyglot")
	}
	f, ok := polyglot([]string{formats.Pickle, formats.Zip})
	if !ok || f.Severity != formats.High {
		t.Errorf("pickle+zip: %v %v", f, ok)
	}
	f, ok = polyglot([]string{formats.HDF5, formats.Tar})
	if !ok || f.Severity != formats.Medium {
		t.Errorf("hdf5+tar: %v %v", f, ok)
	}
}

func TestSummarizeExitCodes(t *testing.T) {
	fnd := func(s formats.Severity) []formats.Finding { return []formats.Finding{{Rule: "MG001", Severity: s}} }
	tests := []struct {
		name   string
		files  []FileResult
		errors []string
		failOn formats.Severity
		want   int
	}{
		{"all clean", []FileResult{{Outcome: Clean}}, nil, formats.Medium, ExitClean},
		{"finding below threshold", []FileResult{{Outcome: Findings, Findings: fnd(formats.Low)}}, nil, formats.Medium, ExitClean},
		{"finding at threshold", []FileResult{{Outcome: Findings, Findings: fnd(formats.Medium)}}, nil, formats.Medium, ExitFindings},
		{"finding wins over inconclusive", []FileResult{{Outcome: Inconclusive}, {Outcome: Findings, Findings: fnd(formats.Critical)}}, nil, formats.High, ExitFindings},
		{"inconclusive file with a finding still fails", []FileResult{{Outcome: Inconclusive, Findings: fnd(formats.High)}}, nil, formats.Medium, ExitFindings},
		{"inconclusive", []FileResult{{Outcome: Clean}, {Outcome: Inconclusive}}, nil, formats.Medium, ExitNoVerdict},
		{"nothing scanned", []FileResult{{Outcome: Skipped}}, nil, formats.Medium, ExitNoVerdict},
		{"no files", nil, nil, formats.Medium, ExitNoVerdict},
		{"target error", []FileResult{{Outcome: Clean}}, []string{"x: gone"}, formats.Medium, ExitNoVerdict},
		{"skipped beside clean", []FileResult{{Outcome: Clean}, {Outcome: Skipped}}, nil, formats.Medium, ExitClean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Files: tt.files, Errors: tt.errors, FailOn: tt.failOn}
			r.summarize()
			if r.ExitCode() != tt.want {
				t.Errorf("exit %d, want %d (%+v)", r.ExitCode(), tt.want, r.Summary)
			}
		})
	}
}

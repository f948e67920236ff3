package executorch

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var update = flag.Bool("update", false, "rewrite the crafted testdata from the builders")

func TestSamples(t *testing.T) {
	if *update {
		for name, b := range samples() {
			if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		file    string
		want    []string // rules, in order
		members int
	}{
		// Real programs from pytorch/executorch (see testdata/README).
		{"arduino_add.pte", nil, 0},
		{"apple_add.pte", nil, 0},
		{"module_linear_deprecated.pte", nil, 0},
		{"keyword_spotting.pte", slices.Repeat([]string{RuleVendorOp}, 7), 0},
		// Crafted by build_test.go.
		{"crafted_xnnpack.pte", []string{RuleBackend}, 1},
		{"unknown_op.pte", []string{RuleUnknownOp}, 0},
		{"unknown_backend.pte", []string{RuleUnknownBackend}, 1},
		{"segment_beyond.pte", []string{RuleSegment}, 0},
		{"bad_op_index.pte", []string{RuleStructure}, 0},
		{"pickle_payload.pte", []string{RuleBackend}, 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !isPTE(b, int64(len(b))) {
				t.Fatal("probe does not accept the sample")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tc.file, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Rules(); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v: %v", got, tc.want, r.Findings)
			}
			if len(r.Members) != tc.members {
				t.Fatalf("%d members, want %d", len(r.Members), tc.members)
			}
		})
	}
}

func TestPayloadMember(t *testing.T) {
	b := samples()["crafted_xnnpack.pte"]
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.pte", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Members) != 1 || r.Members[0].Name != "delegates/XnnpackBackend-0" || len(r.Members[0].Data) != 16 {
		t.Fatalf("members %+v", r.Members)
	}
}

func TestHeader(t *testing.T) {
	real, err := os.ReadFile("testdata/arduino_add.pte")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
		want string
	}{
		{"program past the end", func(b []byte) []byte { binary.LittleEndian.PutUint64(b[16:], 1<<40); return b }, RuleSegment},
		{"segments past the end", func(b []byte) []byte { return b[:len(b)-8] }, RuleSegment},
		{"short header", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 8); return b }, RuleStructure},
	} {
		b := tc.edit(slices.Clone(real))
		r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.pte", b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Contains(r.Rules(), tc.want) {
			t.Errorf("%s: rules %v, want %s", tc.name, r.Rules(), tc.want)
		}
	}
}

func TestProbe(t *testing.T) {
	for _, s := range []string{"\x1c\x00\x00\x00TFL3", "\x1c\x00\x00\x00ETxx........", "\x03\x00\x00\x00ET12........", "\xff\xff\x00\x00ET12........"} {
		if isPTE([]byte(s), int64(len(s))) {
			t.Errorf("probe accepts %q", s)
		}
	}
}

func FuzzWalk(f *testing.F) {
	for _, b := range samples() {
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/arduino_add.pte"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !isPTE(b, int64(len(b))) {
			return
		}
		_, _ = Walk(context.Background(), bytes.NewReader(b), int64(len(b)), 1<<20, formatstest.NewRecorder())
	})
}

func TestDataSamples(t *testing.T) {
	want := map[string][]string{"weights.ptd": nil, "ptd_beyond.ptd": {RuleSegment}, "ptd_bad_segment.ptd": {RuleStructure}}
	for name, data := range dataSamples() {
		b := formatstest.Built(t, name, data, *update)
		if !isPTD(b, int64(len(b))) || isPTE(b, int64(len(b))) {
			t.Fatalf("%s: probes disagree", name)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeData), name, b)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Rules(); !slices.Equal(got, want[name]) {
			t.Errorf("%s: rules %v, want %v: %v", name, got, want[name], r.Findings)
		}
	}
	r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeData), "x.ptd", append([]byte("\x10\x00\x00\x00FT01"), make([]byte, 64)...))
	if err != nil || !slices.Equal(r.Rules(), []string{RuleStructure}) {
		t.Errorf("no header: %v %v", r.Findings, err)
	}
}

// TestRealData: a .ptd written by ExecuTorch's own FlatTensorSerializer
// (testdata/make_ptd.py) is clean, and cut short it is not.
func TestRealData(t *testing.T) {
	b, err := os.ReadFile("testdata/linear_flat_tensor.ptd")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"whole", b, nil},
		{"cut in its segment data", b[:420], []string{RuleSegment, RuleSegment}},
	} {
		if !isPTD(tc.data, int64(len(tc.data))) || isPTE(tc.data, int64(len(tc.data))) {
			t.Fatalf("%s: probes disagree", tc.name)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeData), "linear.ptd", tc.data)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Rules(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: rules %v, want %v: %v", tc.name, got, tc.want, r.Findings)
		}
	}
}

func FuzzWalkData(f *testing.F) {
	for _, b := range dataSamples() {
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/linear_flat_tensor.ptd"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = WalkData(context.Background(), bytes.NewReader(b), int64(len(b)), 1<<20, func(formats.Finding) {})
	})
}

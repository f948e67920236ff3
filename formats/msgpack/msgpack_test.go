package msgpack

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestSamples(t *testing.T) {
	for _, tc := range []struct{ name, rule string }{
		{"benign.msgpack", ""},
		{"orbax/checkpoint", ""},
		{"orbax_placeholders/checkpoint", ""},
		{"object_dtype.msgpack", RuleDtype},
		{"size_mismatch.msgpack", RuleStructure},
		{"trailing.msgpack", RuleStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := formatstest.Testdata(t, tc.name)
			if !Probe(formats.Head{Name: tc.name, Size: int64(len(b)), Prefix: b}) {
				t.Fatal("probe does not identify the sample")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tc.name, b)
			if err != nil {
				t.Fatal(err)
			}
			if tc.rule == "" && len(r.Findings) > 0 || tc.rule != "" && !slices.Contains(r.Rules(), tc.rule) {
				t.Fatalf("want %q, got %v", tc.rule, r.Findings)
			}
		})
	}
}

func TestProbeRejects(t *testing.T) {
	plain, _ := os.ReadFile("testdata/orbax_placeholders/checkpoint")
	for name, p := range map[string][]byte{
		"empty map":                 {0x80},
		"map of ints, no arrays":    {0x81, 0x01, 0x02},
		"msgpack map, not named":    plain,
		"int key at the top":        {0x81, 0x01, 0xc7, 0x01, 0x01, 0x00},
		"text":                      []byte("\x89PNG\r\n"),
		"map header past the bytes": {0xdf, 0xff, 0xff, 0xff, 0xff},
	} {
		if Probe(formats.Head{Name: "model.bin", Size: int64(len(p)), Prefix: p}) {
			t.Errorf("%s: probe accepts it", name)
		}
	}
}

func TestErrors(t *testing.T) {
	b, _ := os.ReadFile("testdata/benign.msgpack")
	deep := append(bytes.Repeat([]byte{0x81, 0xa1, 'a'}, 100), 0xc0)
	for name, p := range map[string][]byte{
		"truncated":      b[:len(b)-4],
		"deep":           deep,
		"reserved byte":  {0x81, 0xa1, 'a', 0xc1},
		"huge map count": {0x81, 0xa1, 'a', 0xdf, 0x7f, 0xff, 0xff, 0xff},
		"not a map":      {0x93, 1, 2, 3},
	} {
		if err := Walk(context.Background(), bytes.NewReader(p), int64(len(p)), func(formats.Finding) {}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzMsgpack(f *testing.F) {
	for _, n := range []string{"benign.msgpack", "object_dtype.msgpack", "size_mismatch.msgpack", "orbax/checkpoint"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(formats.Finding) {})
		Probe(formats.Head{Name: "checkpoint", Size: int64(len(b)) + 10, Prefix: b})
	})
}

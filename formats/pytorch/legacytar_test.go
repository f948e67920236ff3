package pytorch

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestLegacyTar reads the members of pre-1.0 tar checkpoints
// (testdata/make_legacy_tar.py: torch 0.x's tar layout around real torch
// 1.13 storages, each checked to load with torch.load) as torch.load's
// legacy_load does: the storages and tensors members are records of a
// pickle and raw bytes, not chains of pickles. Real files are clean; in
// the crafted one a storage's bytes swallow, for a chain-of-pickles
// reader, the next record's pickle, which calls mgmarker.hit.
func TestLegacyTar(t *testing.T) {
	a, _ := formats.Lookup(formats.Pickle)
	for _, c := range []struct {
		file string
		bad  bool
	}{
		{"legacy_tar_state_dict.tar", false},
		{"legacy_tar_mixed.tar", false},
		{"legacy_tar_swallow.tar", true},
	} {
		t.Run(c.file, func(t *testing.T) {
			data := formatstest.Testdata(t, c.file)
			tr := tar.NewReader(bytes.NewReader(data))
			marker := false
			for {
				hdr, err := tr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
				rec, err := formatstest.Run(t, a, hdr.Name, body)
				if err != nil {
					t.Errorf("member %s: %v", hdr.Name, err)
				}
				for _, f := range rec.Findings {
					if strings.Contains(f.Message, "mgmarker.hit") {
						marker = true
					} else if f.Severity >= formats.Low {
						t.Errorf("member %s: %s %s %s", hdr.Name, f.Severity, f.Rule, f.Message)
					}
				}
			}
			if marker != c.bad {
				t.Errorf("marker reported %v, want %v", marker, c.bad)
			}
		})
	}
}

// TestLegacyDuplicateKey reads a legacy torch.save stream whose data
// pickle names one storage key twice with different types: torch.load's
// persistent_load keeps the first (a FloatStorage of 3 elements), so the
// raw record is 8 + 12 bytes and nothing trails it.
func TestLegacyDuplicateKey(t *testing.T) {
	a, _ := formats.Lookup(formats.TorchLegacy)
	data, err := os.ReadFile(filepath.Join("testdata", "legacy_dup_key.pt"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := formatstest.Run(t, a, "legacy_dup_key.pt", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Findings {
		if f.Severity >= formats.Low {
			t.Errorf("%s %s %s", f.Severity, f.Rule, f.Message)
		}
	}
}

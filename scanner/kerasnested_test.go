package scanner_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// TestPickledKerasNested: a pickled Keras model's loader is cleared only
// for the archive the Keras analyzer judged, so an archive that is damaged
// or truncated leaves the pickle inconclusive or failing, never clean.
func TestPickledKerasNested(t *testing.T) {
	archive, err := os.ReadFile("../formats/keras/testdata/benign.keras")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(archive, []byte(`"class_name"`))
	if i < 0 {
		t.Fatal("benign.keras: stored config.json not found")
	}
	damaged := bytes.Clone(archive)
	damaged[i+1] ^= 0x80
	pickled := func(b []byte) []byte {
		var p bytes.Buffer
		p.WriteString("\x80\x04")
		for _, s := range []string{"keras.saving.pickle_utils", "deserialize_model_from_bytecode"} {
			p.WriteString("\x8c" + string(rune(len(s))) + s)
		}
		p.WriteString("\x93B")
		p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
		p.Write(b)
		p.WriteString("\x85R.")
		return p.Bytes()
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		clean bool
	}{
		{"intact", archive, true},
		{"config damaged", damaged, false},
		{"truncated", archive[:len(archive)-30], false},
		{"directory only", archive[bytes.LastIndex(archive, []byte("PK\x01\x02")):], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "model.pkl")
			if err := os.WriteFile(p, pickled(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := fetch.NewLocal(p)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{Jobs: 1})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Files[0]
			top, _ := r.MaxSeverity()
			passes := r.Outcome != scanner.Inconclusive && top < formats.Medium
			if passes != tc.clean {
				t.Errorf("outcome %s (%s), top %s, want passing %v: %v", r.Outcome, r.Error, top, tc.clean, r.Findings)
			}
		})
	}
}

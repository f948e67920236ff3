package scanner_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// TestEmptyStream: an empty file is inert whatever its name, but an xz
// stream the decoder reads as nothing (its first block header's size byte
// damaged: Python's lzma refuses it) is not known to be empty, and a .pkl
// inside it stays inconclusive.
func TestEmptyStream(t *testing.T) {
	xz, err := os.ReadFile("../testdata/containers/benign/pickle.pkl.xz")
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(xz)
	damaged[12] ^= 0x80
	for _, tc := range []struct {
		name string
		data []byte
		want scanner.Outcome
	}{
		{"model.pt", nil, scanner.Skipped},
		{"pickle.pkl.xz", damaged, scanner.Inconclusive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.name)
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := fetch.NewLocal(p)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Files[0].Outcome; got != tc.want {
				t.Fatalf("outcome %s (%s), want %s", got, rep.Files[0].Error, tc.want)
			}
		})
	}
}

package scanner_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// memSource is a Source of one in-memory file.
type memSource struct {
	name string
	data []byte
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (m memSource) Walk(_ context.Context, fn func(fetch.File) error) error {
	return fn(fetch.File{Path: m.name, Rel: m.name, Size: int64(len(m.data)),
		Open: func(context.Context) (fetch.ReaderAtCloser, error) { return nopCloser{bytes.NewReader(m.data)}, nil }})
}

// FuzzEngine runs the whole registry — sniffing, every analyzer, every
// container and layout — over arbitrary bytes under several names. Whatever
// the bytes, the scan ends with an outcome and a hash, and a file that
// errored is never clean.
func FuzzEngine(f *testing.F) {
	for _, glob := range []string{"../testdata/sample/*", "../testdata/pickle/malicious/*memo*", "../formats/*/testdata/*"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
				f.Add(b, filepath.Base(p))
			}
		}
	}
	lim := formats.DefaultLimits()
	lim.Decompressed, lim.Buffer, lim.Opcodes = 64<<20, 16<<20, 1_000_000
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "t", Source: memSource{name, data}}},
			scanner.Options{Jobs: 1, Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Files {
			if r.Outcome == "" || (r.Error != "" && r.Outcome != scanner.Inconclusive) {
				t.Fatalf("outcome %q with error %q", r.Outcome, r.Error)
			}
		}
	})
}

package hdf5

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func FuzzHDF5(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.h5")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		_, _ = h.RootAttributes(context.Background())
		_ = h.Walk(context.Background(), func(Finding) {})
	})
}

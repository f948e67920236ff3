package compress

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// FuzzDecoders feeds arbitrary bytes to every decoder: no panic, and
// memory bounded by the scope's read cap.
func FuzzDecoders(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.*")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".py" {
			f.Add(b)
		}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range decoders {
			if !yield(k) {
				return
			}
		}
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range names {
			s := &limitScope{max: 1 << 20}
			_ = Analyzer{format}.Analyze(context.Background(), formats.NewInput("f", bytes.NewReader(data), int64(len(data))), s)
		}
	})
}

package marshal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCodeObjects(t *testing.T) {
	files, err := filepath.Glob("testdata/*.marshal")
	if err != nil || len(files) == 0 {
		t.Fatal("no samples")
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Read(b)
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Base(p)
			var want []string
			switch {
			case strings.HasPrefix(base, "lambda"):
				want = []string{"__import__", "system"}
			case strings.HasPrefix(base, "func"):
				want = []string{"os", "system", "len"}
			case strings.HasPrefix(base, "nested"):
				want = []string{"eval"}
			}
			for _, n := range want {
				if !slices.Contains(c.Names, n) {
					t.Errorf("names %v lack %q (layout %s)", c.Names, n, c.Layout)
				}
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	b, err := os.ReadFile("testdata/func_py311.marshal")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, {'c'}, b[:len(b)/2], {'N'}, {'r', 5, 0, 0, 0}, {'(', 0xff, 0xff, 0xff, 0x7f}} {
		if _, err := Read(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func FuzzMarshal(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.marshal")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Read(b)
	})
}

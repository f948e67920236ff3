package pyyaml

import (
	"errors"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestGet checks the reading of mappings against what PyYAML 6's
// safe_load builds (values checked with /usr/bin/python3 -c 'import yaml').
func TestGet(t *testing.T) {
	tests := []struct{ doc, key, want string }{
		{"a: 1\na: 2\n", "a", "2"},
		{"b: &b {x: 1}\nm:\n  <<: *b\n", "m.x", "1"},
		{"b: &b {x: 1}\nm:\n  x: 2\n  <<: *b\n", "m.x", "2"},
		{"b: &b {x: 1}\nc: &c {x: 3}\nm:\n  <<: [*b, *c]\n", "m.x", "1"},
		{"b: &b {x: 1}\nm:\n  '<<': *b\n", "m.x", ""},
		{"v: &v hello\nm: {x: *v}\n", "m.x", "hello"},
		{"m: {x: null}\n", "m.x", ""},
		// Several << keys: PyYAML concatenates their entries in order and
		// builds the dict from them, so a later << key overrides an earlier.
		{"b: &b {x: 1}\nc: &c {x: 3}\nm:\n  <<: *b\n  <<: *c\n", "m.x", "3"},
		{"b: &b {x: 1}\nc: &c {x: 3}\nd: &d {x: 4}\nm:\n  <<: *d\n  <<: [*b, *c]\n", "m.x", "1"},
		{"m:\n  <<: {x: 1}\n  <<: {y: 2}\n", "m.x", "1"},
	}
	for _, tt := range tests {
		root, err := Parse([]byte(tt.doc))
		if err != nil {
			t.Fatalf("%q: %v", tt.doc, err)
		}
		n := root
		for _, k := range strings.Split(tt.key, ".") {
			n = Get(n, k)
		}
		if got := Scalar(n); got != tt.want {
			t.Errorf("%q %s = %q, want %q", tt.doc, tt.key, got, tt.want)
		}
	}
}

func TestCaps(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)
	var le *formats.LimitError
	if _, err := Parse([]byte("a: " + deep)); !errors.As(err, &le) {
		t.Errorf("deep document: %v, want a limit", err)
	}
	if _, err := Parse([]byte("- 1\n")); err == nil {
		t.Error("sequence root accepted")
	}
	// A merge loop through aliases ends at the merge cap.
	root, err := Parse([]byte("a: &a\n  x: 1\nb: &b\n  <<: *a\nc:\n  <<: *b\n"))
	if err != nil || Scalar(Get(Get(root, "c"), "x")) != "1" {
		t.Errorf("nested merge: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("a: &a {x: 1}\nb:\n  <<: [*a]\n  y: [1, 2]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse(data)
		if err != nil {
			return
		}
		for _, e := range Entries(root) {
			Entries(e.Value)
			Seq(e.Value)
			Scalar(e.Value)
		}
	})
}

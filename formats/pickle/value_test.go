package pickle

import (
	"testing"
	"unsafe"
)

// The memo and containers of dict-heavy pickles hold millions of Values:
// their size is the scan's memory and much of its time.
func TestValueSize(t *testing.T) {
	if got := unsafe.Sizeof(Value{}); got != 24 {
		t.Errorf("Value is %d bytes, want 24", got)
	}
}

// Tuples keep their elements inline and strings their bytes; both must
// read back through the API as they were pickled, kept or truncated.
func TestValueViews(t *testing.T) {
	tests := []struct {
		name   string
		pickle string
		max    int
		len    int64
		kept   int
		render string
	}{
		{"empty tuple", proto(2) + emptyTuple + stop, 0, 0, 0, "()"},
		{"one-tuple", proto(2) + k1(7) + "\x85" + stop, 0, 1, 1, "(7,)"},
		{"tuple of str", proto(2) + sbu("ab") + bu("") + tuple2 + stop, 0, 2, 2, `("ab", "")`},
		{"truncated tuple", proto(2) + mark + k1(1) + k1(2) + k1(3) + "t" + stop, 2, 3, 2, "(1, 2, …)"},
		{"nested", proto(2) + k1(1) + k1(2) + tuple2 + emptyTuple + tuple2 + stop, 0, 2, 2, "((1, 2), ())"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Value
			opt := Options{MaxItems: tt.max, Hooks: Hooks{AfterStream: func(_ int, v Value) bool { got = v; return true }}}
			if _, _, err := scanBytes(t, []byte(tt.pickle), opt); err != nil {
				t.Fatal(err)
			}
			if got.Kind() != KindTuple || got.Len() != tt.len {
				t.Fatalf("got %s of %d, want a tuple of %d", got.Kind(), got.Len(), tt.len)
			}
			for i := 0; i < tt.kept; i++ {
				if _, ok := got.Index(i); !ok {
					t.Errorf("element %d not kept", i)
				}
			}
			if _, ok := got.Index(tt.kept); ok {
				t.Errorf("element %d kept", tt.kept)
			}
			if s := got.String(); s != tt.render {
				t.Errorf("renders %s, want %s", s, tt.render)
			}
		})
	}
}

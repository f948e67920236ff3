package pickle

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// The memo and containers of dict-heavy pickles hold millions of cells:
// their size is the scan's memory and much of its time, and a pointer in
// them would make the collector scan them all.
func TestValueSize(t *testing.T) {
	if got := unsafe.Sizeof(Value{}); got != 24 {
		t.Errorf("Value is %d bytes, want 24", got)
	}
	if got := unsafe.Sizeof(cell{}); got != 16 {
		t.Errorf("cell is %d bytes, want 16", got)
	}
	// The compiler keeps structs of up to four fields in registers; a
	// larger cell went through memory on every push, at half the speed.
	for _, v := range []any{cell{}, Value{}} {
		if n := reflect.TypeOf(v).NumField(); n > 4 {
			t.Errorf("%T has %d fields", v, n)
		}
	}
	for _, v := range []any{cell{}, object{}} {
		if typ := reflect.TypeOf(v); hasPointers(typ) {
			t.Errorf("%s holds a pointer", typ)
		}
	}
}

func hasPointers(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.Struct:
		for i := range typ.NumField() {
			if hasPointers(typ.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Array:
		return hasPointers(typ.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return false
	}
	return true
}

// A table whose index space runs out hands out a scratch chunk and says
// so; what was carved before stays readable, and nothing panics.
func TestStoreFull(t *testing.T) {
	s := store[cell]{max: 1}
	var full bool
	first, c := s.carve(1, &full)
	c[0] = cell{kind: KindInt, n: 7}
	for i := 0; i < scratchChunk+2 && !full; i++ {
		s.carve(1+i%3, &full)
	}
	if !full {
		t.Fatal("never full")
	}
	ref, c := s.carve(5, &full)
	if len(c) != 5 || ref>>refBits != scratchChunk {
		t.Errorf("scratch carve %x of %d", ref, len(c))
	}
	_ = s.slice(ref, 5)
	if got := s.at(first); got.n != 7 {
		t.Errorf("first cell %+v", got)
	}
}

// A container that grows past what was carved for it moves, keeping its
// elements in order.
func TestAppendItems(t *testing.T) {
	tb := newTables()
	ref, o := tb.newObject()
	for i := range 300 {
		tb.appendItems(o, []cell{{kind: KindInt, n: int64(i)}, {kind: KindInt, n: -int64(i)}}, 256)
		if int(o.nItems) >= 256 {
			break
		}
	}
	v := tb.objValue(KindList, ref)
	if v.nkept() != 256 {
		t.Fatalf("kept %d", v.nkept())
	}
	for i := range 128 {
		if a, b := v.at(2*i).n, v.at(2*i+1).n; a != int64(i) || b != -int64(i) {
			t.Fatalf("element %d: %d %d", i, a, b)
		}
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

// A tuple keeping more elements than an inline tuple can count is kept in
// an object, and reads back the same.
func TestLargeTuple(t *testing.T) {
	const n = maxInlineKept + 10
	var b strings.Builder
	b.WriteString(proto(2) + mark)
	for i := range n {
		b.WriteString(k1(byte(i)))
	}
	b.WriteString("t" + stop)
	var got Value
	opt := Options{MaxItems: n, Hooks: Hooks{AfterStream: func(_ int, v Value) bool { got = v; return true }}}
	if _, _, err := scanBytes(t, []byte(b.String()), opt); err != nil {
		t.Fatal(err)
	}
	if got.Kind() != KindTuple || got.Len() != n || got.inline() {
		t.Fatalf("got %s of %d, inline %v", got.Kind(), got.Len(), got.inline())
	}
	if v, ok := got.Index(n - 1); !ok || v.n != (n-1)%256 {
		t.Errorf("last element %v %v", v, ok)
	}
	if s := got.String(); !strings.HasPrefix(s, "(0, 1, 2, 3, 4, 5, 6, 7, …") {
		t.Errorf("renders %s", s)
	}
}

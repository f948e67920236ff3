package flatbuf

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func TestBounds(t *testing.T) {
	le := binary.LittleEndian
	// Root at 12: its vtable at 4 (length 8, table length 12) names a u32
	// at table+4 and a string whose offset is at table+8.
	b := make([]byte, 40)
	le.PutUint32(b[0:], 12)
	le.PutUint16(b[4:], 8)
	le.PutUint16(b[6:], 12)
	le.PutUint16(b[8:], 4)
	le.PutUint16(b[10:], 8)
	le.PutUint32(b[12:], 8) // soffset: 12-8 = 4
	le.PutUint32(b[16:], 7)
	le.PutUint32(b[20:], 4) // string at 24
	le.PutUint32(b[24:], 3)
	copy(b[28:], "abc")

	r := Mem(b, "test")
	root, err := r.Deref(0)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := r.Table(root)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := r.Scalar(tb, 0, 4); err != nil || v != 7 {
		t.Fatalf("scalar = %d, %v", v, err)
	}
	if s, err := r.Str(tb, 1); err != nil || s != "abc" {
		t.Fatalf("str = %q, %v", s, err)
	}
	if v, err := r.Scalar(tb, 5, 4); err != nil || v != 0 {
		t.Fatalf("absent field = %d, %v", v, err)
	}

	for _, c := range []struct {
		name  string
		patch func([]byte)
		want  error
	}{
		{"string length past the end", func(b []byte) { le.PutUint32(b[24:], 1<<30) }, ErrBounds},
		{"string offset past the end", func(b []byte) { le.PutUint32(b[20:], 1<<20) }, ErrBounds},
		{"vtable before the buffer", func(b []byte) { le.PutUint32(b[12:], 1<<20) }, ErrBounds},
		{"odd vtable length", func(b []byte) { le.PutUint16(b[4:], 7) }, ErrBounds},
		{"table longer than the buffer", func(b []byte) { le.PutUint16(b[6:], 1000) }, ErrBounds},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := append([]byte(nil), b...)
			c.patch(b)
			r := Mem(b, "test")
			tb, err := r.Table(12)
			if err == nil {
				_, err = r.Str(tb, 1)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}

	r = Mem(b, "test")
	r.MaxString = 2
	var le2 *formats.LimitError
	if _, err := r.Str(tb, 1); !errors.As(err, &le2) || le2.Limit != "test-blob-bytes" {
		t.Fatalf("capped string: %v", err)
	}
}

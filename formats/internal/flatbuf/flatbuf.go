// Package flatbuf reads FlatBuffers tables, vectors and strings with every
// offset and length checked against the buffer before it is used, as
// flatbuffers::Verifier does. The bytes come from memory or from a
// caller's Source (a paged io.ReaderAt, say).
//
// It never allocates by a length it has not checked against the buffer
// (and against the caller's limit), never follows an offset outside the
// buffer, and never interprets a schema: callers name fields by slot.
package flatbuf

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/formats"
)

// ErrBounds marks an offset or length outside the buffer.
var ErrBounds = errors.New("flatbuffer reference out of bounds")

// Source supplies the buffer's bytes. Bytes is only asked for ranges
// inside the size given to New.
type Source interface {
	Bytes(off, n int) ([]byte, error)
}

type mem []byte

func (m mem) Bytes(off, n int) ([]byte, error) { return m[off : off+n], nil }

// Reader reads one buffer of size bytes.
type Reader struct {
	src  Source
	size int
	// Name prefixes the Limit of the LimitErrors it returns ("tflite"
	// gives "tflite-tables").
	Name string
	// MaxString caps Str; 0 leaves strings bounded by the buffer only.
	MaxString int
	// End is the highest byte any reference reached.
	End int
}

// New reads size bytes of src.
func New(src Source, size int) *Reader { return &Reader{src: src, size: max(size, 0)} }

// Mem reads b.
func Mem(b []byte, name string) *Reader {
	r := New(mem(b), len(b))
	r.Name = name
	return r
}

// Size is the buffer's length.
func (r *Reader) Size() int { return r.size }

// Bytes returns the n bytes at off.
func (r *Reader) Bytes(off, n int) ([]byte, error) {
	if off < 0 || n < 0 || off > r.size-n {
		return nil, fmt.Errorf("%d bytes at %d: %w", n, off, ErrBounds)
	}
	r.End = max(r.End, off+n)
	if n == 0 {
		return nil, nil
	}
	return r.src.Bytes(off, n)
}

// U32 reads the little-endian uint32 at off.
func (r *Reader) U32(off int) (uint32, error) {
	b, err := r.Bytes(off, 4)
	if err != nil {
		return 0, fmt.Errorf("u32: %w", err)
	}
	return binary.LittleEndian.Uint32(b), nil
}

// U16 reads the little-endian uint16 at off.
func (r *Reader) U16(off int) (uint16, error) {
	b, err := r.Bytes(off, 2)
	if err != nil {
		return 0, fmt.Errorf("u16: %w", err)
	}
	return binary.LittleEndian.Uint16(b), nil
}

// Table is a table whose vtable has been checked: its position and its
// vtable's position and length. Fields are looked up when asked for, so
// a long vtable shared by many tables costs nothing up front.
type Table struct{ pos, vt, vtLen int }

// Table checks the table at pos and its vtable.
func (r *Reader) Table(pos int) (Table, error) {
	so, err := r.U32(pos)
	if err != nil {
		return Table{}, err
	}
	vt := pos - int(int32(so))
	n, err := r.U16(vt)
	if err != nil {
		return Table{}, err
	}
	if n < 4 || n&1 != 0 || vt > r.size-int(n) {
		return Table{}, fmt.Errorf("vtable at %d has length %d: %w", vt, n, ErrBounds)
	}
	tl, err := r.U16(vt + 2)
	if err != nil {
		return Table{}, err
	}
	if pos > r.size-int(tl) {
		return Table{}, fmt.Errorf("table at %d of %d bytes: %w", pos, tl, ErrBounds)
	}
	r.End = max(r.End, vt+int(n), pos+int(tl))
	return Table{pos: pos, vt: vt, vtLen: int(n)}, nil
}

// Field returns the position of field i of t, or 0 when it is absent.
// Like flatbuffers::Verifier, the field's bytes are checked against the
// buffer when read, not against the table's declared size.
func (r *Reader) Field(t Table, i int) (int, error) {
	at := 4 + 2*i
	if at+2 > t.vtLen {
		return 0, nil
	}
	o, err := r.U16(t.vt + at)
	if err != nil || o == 0 {
		return 0, err
	}
	return t.pos + int(o), nil
}

// Scalar reads field i of t as an unsigned integer of width 1, 4 or 8
// bytes; an absent field reads 0.
func (r *Reader) Scalar(t Table, i, width int) (uint64, error) {
	p, err := r.Field(t, i)
	if err != nil || p == 0 {
		return 0, err
	}
	b, err := r.Bytes(p, width)
	if err != nil {
		return 0, fmt.Errorf("scalar: %w", err)
	}
	switch width {
	case 1:
		return uint64(b[0]), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

// Ref follows the offset stored in field i of t (0 when absent).
func (r *Reader) Ref(t Table, i int) (int, error) {
	p, err := r.Field(t, i)
	if err != nil || p == 0 {
		return 0, err
	}
	return r.Deref(p)
}

// Deref follows the offset stored at pos.
func (r *Reader) Deref(pos int) (int, error) {
	o, err := r.U32(pos)
	if err != nil {
		return 0, err
	}
	if uint64(pos)+uint64(o) >= uint64(r.size) {
		return 0, fmt.Errorf("offset at %d leads to %d: %w", pos, uint64(pos)+uint64(o), ErrBounds)
	}
	return pos + int(o), nil
}

// Vector returns where the elements of the vector in field i of t start
// and how many there are, checked for elements of elem bytes; an absent
// field starts at 0 and is empty.
func (r *Reader) Vector(t Table, i, elem int) (int, int, error) {
	p, err := r.Ref(t, i)
	if err != nil || p == 0 {
		return 0, 0, err
	}
	n, err := r.U32(p)
	if err != nil {
		return 0, 0, err
	}
	start := p + 4
	if uint64(n)*uint64(elem) > uint64(r.size-start) {
		return 0, 0, fmt.Errorf("vector at %d of %d elements: %w", p, n, ErrBounds)
	}
	r.End = max(r.End, start+int(n)*elem)
	return start, int(n), nil
}

// Blob returns the byte vector in field i of t, if it has at most limit
// bytes.
func (r *Reader) Blob(t Table, i, limit int) ([]byte, error) {
	start, n, err := r.Vector(t, i, 1)
	if err != nil || start == 0 {
		return nil, err
	}
	if n > limit {
		// The bytes are in the buffer (Vector checked them); only the
		// caller declines to hold so many.
		return nil, fmt.Errorf("vector of %d bytes at %d: %w", n, start, &formats.LimitError{Limit: r.Name + "-blob-bytes", Max: int64(limit)})
	}
	return r.Bytes(start, n)
}

// Str returns the string in field i of t ("" when absent).
func (r *Reader) Str(t Table, i int) (string, error) {
	limit := r.MaxString
	if limit <= 0 {
		limit = r.size
	}
	b, err := r.Blob(t, i, limit)
	return string(b), err
}

// Tables checks and returns the tables of the vector in field i of t, if
// there are at most limit of them.
func (r *Reader) Tables(t Table, i, limit int) ([]Table, error) {
	start, n, err := r.Vector(t, i, 4)
	if err != nil || start == 0 {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("vector of %d tables: %w", n, &formats.LimitError{Limit: r.Name + "-tables", Max: int64(limit)})
	}
	out := make([]Table, 0, min(n, 1024))
	for k := range n {
		tb, err := r.Elem(start, k)
		if err != nil {
			return nil, err
		}
		out = append(out, tb)
	}
	return out, nil
}

// Elem checks and returns table k of the table vector whose elements
// start at start (as Vector returned it; k below its length).
func (r *Reader) Elem(start, k int) (Table, error) {
	p, err := r.Deref(start + 4*k)
	if err != nil {
		return Table{}, err
	}
	return r.Table(p)
}

// Pos is where t is in the buffer.
func (t Table) Pos() int { return t.pos }

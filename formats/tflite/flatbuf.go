package tflite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// errBounds marks a flatbuffer offset or length outside the file.
var errBounds = errors.New("flatbuffer reference out of bounds")

// fb reads flatbuffer tables through a small page cache over an
// io.ReaderAt, checking every offset and length against the file before
// using it, as the flatbuffers verifier does; tensor data is never read.
// end tracks the highest byte any reference reached.
type fb struct {
	ra    io.ReaderAt
	size  int
	end   int
	pages map[int][]byte
}

const (
	pageSize  = 4096
	maxPages  = 1024
	maxString = 1 << 20
	// maxRead caps one read: the largest blob a caller asks for (a Flex
	// NodeDef carrying a SentencePiece model, say).
	maxRead = maxOptions
)

func newFB(ra io.ReaderAt, size int) *fb {
	return &fb{ra: ra, size: size, pages: map[int][]byte{}}
}

// bytes returns n bytes at off; n is at most maxRead.
func (f *fb) bytes(off, n int) ([]byte, error) {
	if n > maxRead {
		return nil, &formats.LimitError{Limit: "tflite-blob-bytes", Max: maxRead}
	}
	if off < 0 || n < 0 || off > f.size-n {
		return nil, fmt.Errorf("%d bytes at %d: %w", n, off, errBounds)
	}
	f.end = max(f.end, off+n)
	first, last := off/pageSize, (off+n-1)/pageSize
	if n == 0 {
		return nil, nil
	}
	if first == last {
		p, err := f.page(first)
		if err != nil {
			return nil, err
		}
		return p[off-first*pageSize : off-first*pageSize+n], nil
	}
	out := make([]byte, n)
	if _, err := f.ra.ReadAt(out, int64(off)); err != nil && !(errors.Is(err, io.EOF) && off+n == f.size) {
		return nil, &formats.ReadError{Err: err}
	}
	return out, nil
}

func (f *fb) page(i int) ([]byte, error) {
	if p, ok := f.pages[i]; ok {
		return p, nil
	}
	if len(f.pages) >= maxPages {
		clear(f.pages)
	}
	p := make([]byte, min(pageSize, f.size-i*pageSize))
	if _, err := f.ra.ReadAt(p, int64(i*pageSize)); err != nil && !(errors.Is(err, io.EOF) && i*pageSize+len(p) == f.size) {
		return nil, &formats.ReadError{Err: err}
	}
	f.pages[i] = p
	return p, nil
}

func (f *fb) u32(off int) (uint32, error) {
	b, err := f.bytes(off, 4)
	if err != nil {
		return 0, fmt.Errorf("u32: %w", err)
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (f *fb) u16(off int) (uint16, error) {
	b, err := f.bytes(off, 2)
	if err != nil {
		return 0, fmt.Errorf("u16: %w", err)
	}
	return binary.LittleEndian.Uint16(b), nil
}

// table is a flatbuffer table: its position and its vtable's.
type table struct {
	pos, vt, vtLen int
}

func (f *fb) table(pos int) (table, error) {
	so, err := f.u32(pos)
	if err != nil {
		return table{}, err
	}
	vt := pos - int(int32(so))
	n, err := f.u16(vt)
	if err != nil {
		return table{}, err
	}
	if n < 4 || n&1 != 0 {
		return table{}, fmt.Errorf("vtable at %d has length %d: %w", vt, n, errBounds)
	}
	tl, err := f.u16(vt + 2)
	if err != nil {
		return table{}, err
	}
	if pos+int(tl) > f.size {
		return table{}, fmt.Errorf("table at %d of %d bytes: %w", pos, tl, errBounds)
	}
	f.end = max(f.end, vt+int(n), pos+int(tl))
	return table{pos: pos, vt: vt, vtLen: int(n)}, nil
}

// field returns the absolute position of field i of t, or 0 if absent.
func (f *fb) field(t table, i int) (int, error) {
	at := 4 + 2*i
	if at+2 > t.vtLen {
		return 0, nil
	}
	o, err := f.u16(t.vt + at)
	if err != nil || o == 0 {
		return 0, err
	}
	return t.pos + int(o), nil
}

func (f *fb) scalar(t table, i, width int) (uint64, bool, error) {
	p, err := f.field(t, i)
	if err != nil || p == 0 {
		return 0, false, err
	}
	b, err := f.bytes(p, width)
	if err != nil {
		return 0, false, err
	}
	switch width {
	case 1:
		return uint64(b[0]), true, nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), true, nil
	}
	return binary.LittleEndian.Uint64(b), true, nil
}

// ref follows the offset stored in field i of t.
func (f *fb) ref(t table, i int) (int, error) {
	p, err := f.field(t, i)
	if err != nil || p == 0 {
		return 0, err
	}
	o, err := f.u32(p)
	if err != nil {
		return 0, err
	}
	return p + int(o), nil
}

// vector returns the position of the first element and the length of the
// vector in field i of t, checked for elements of elem bytes.
func (f *fb) vector(t table, i, elem int) (int, int, error) {
	p, err := f.ref(t, i)
	if err != nil || p == 0 {
		return 0, 0, err
	}
	n, err := f.u32(p)
	if err != nil {
		return 0, 0, err
	}
	start := p + 4
	if uint64(n)*uint64(elem) > uint64(f.size-start) {
		return 0, 0, fmt.Errorf("vector at %d of %d elements: %w", p, n, errBounds)
	}
	f.end = max(f.end, start+int(n)*elem)
	return start, int(n), nil
}

// str returns the string in field i of t.
func (f *fb) str(t table, i int) (string, error) {
	b, err := f.blob(t, i, maxString)
	return string(b), err
}

// blob returns the byte vector in field i of t, if it has at most limit
// bytes.
func (f *fb) blob(t table, i int, limit int) ([]byte, error) {
	start, n, err := f.vector(t, i, 1)
	if err != nil || start == 0 {
		return nil, err
	}
	if n > limit {
		// The bytes are in the file (vector checked them); only this
		// reader declines to hold so many.
		return nil, fmt.Errorf("vector of %d bytes at %d: %w", n, start, &formats.LimitError{Limit: "tflite-blob-bytes", Max: int64(limit)})
	}
	return f.bytes(start, n)
}

// tables returns the tables of the vector in field i of t.
func (f *fb) tables(t table, i int, limit int) ([]table, error) {
	start, n, err := f.vector(t, i, 4)
	if err != nil || start == 0 {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("vector of %d tables: %w", n, &formats.LimitError{Limit: "tflite-tables", Max: int64(limit)})
	}
	out := make([]table, 0, n)
	for k := range n {
		p := start + 4*k
		o, err := f.u32(p)
		if err != nil {
			return nil, err
		}
		tb, err := f.table(p + int(o))
		if err != nil {
			return nil, err
		}
		out = append(out, tb)
	}
	return out, nil
}

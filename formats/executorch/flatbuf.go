package executorch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// errBounds marks a flatbuffer offset or length outside the program.
var errBounds = errors.New("flatbuffer reference out of bounds")

// fb reads flatbuffer tables of a program held in memory (the program
// part of a .pte is its first program_size bytes; segments after it are
// never read here), checking every offset against the buffer as the
// flatbuffers verifier does.
type fb struct{ b []byte }

func (f *fb) u32(off int) (uint32, error) {
	if off < 0 || off > len(f.b)-4 {
		return 0, fmt.Errorf("u32 at %d: %w", off, errBounds)
	}
	return binary.LittleEndian.Uint32(f.b[off:]), nil
}

func (f *fb) u16(off int) (uint16, error) {
	if off < 0 || off > len(f.b)-2 {
		return 0, fmt.Errorf("u16 at %d: %w", off, errBounds)
	}
	return binary.LittleEndian.Uint16(f.b[off:]), nil
}

type table struct{ pos, vt, vtLen int }

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
	if n < 4 || n&1 != 0 || vt+int(n) > len(f.b) {
		return table{}, fmt.Errorf("vtable at %d of length %d: %w", vt, n, errBounds)
	}
	return table{pos: pos, vt: vt, vtLen: int(n)}, nil
}

// field returns the position of field i of t, or 0 when it is absent.
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

func (f *fb) scalar(t table, i, width int) (uint64, error) {
	p, err := f.field(t, i)
	if err != nil || p == 0 {
		return 0, err
	}
	if p > len(f.b)-width {
		return 0, fmt.Errorf("scalar at %d: %w", p, errBounds)
	}
	switch width {
	case 1:
		return uint64(f.b[p]), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(f.b[p:])), nil
	}
	return binary.LittleEndian.Uint64(f.b[p:]), nil
}

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

// vector returns where the elements of the vector in field i of t start
// and how many there are, checked for elements of elem bytes.
func (f *fb) vector(t table, i, elem int) (int, int, error) {
	p, err := f.ref(t, i)
	if err != nil || p == 0 {
		return 0, 0, err
	}
	n, err := f.u32(p)
	if err != nil {
		return 0, 0, err
	}
	if uint64(n)*uint64(elem) > uint64(len(f.b)-p-4) {
		return 0, 0, fmt.Errorf("vector at %d of %d elements: %w", p, n, errBounds)
	}
	return p + 4, int(n), nil
}

func (f *fb) str(t table, i int) (string, error) {
	start, n, err := f.vector(t, i, 1)
	if err != nil || start == 0 {
		return "", err
	}
	return string(f.b[start : start+n]), nil
}

// tables returns the tables of the vector in field i of t.
func (f *fb) tables(t table, i int) ([]table, error) {
	start, n, err := f.vector(t, i, 4)
	if err != nil || start == 0 {
		return nil, err
	}
	if n > maxTables {
		return nil, &formats.LimitError{Limit: "executorch-tables", Max: maxTables}
	}
	out := make([]table, 0, min(n, 1024))
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

// readProgram reads the first n bytes of ra.
func readProgram(ra io.ReaderAt, n int64) ([]byte, error) {
	b := make([]byte, n)
	if _, err := ra.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, &formats.ReadError{Err: err}
	}
	return b, nil
}

package catboost

import (
	"encoding/binary"
	"fmt"
)

// fbuf reads a flatbuffer, checking every offset it follows against the
// buffer's bounds, as flatbuffers::Verifier does.
type fbuf []byte

func (b fbuf) u32(pos int) (uint32, error) {
	if pos < 0 || pos > len(b)-4 {
		return 0, fmt.Errorf("flatbuffer offset %d outside its %d bytes", pos, len(b))
	}
	return binary.LittleEndian.Uint32(b[pos:]), nil
}

func (b fbuf) u16(pos int) (uint16, error) {
	if pos < 0 || pos > len(b)-2 {
		return 0, fmt.Errorf("flatbuffer offset %d outside its %d bytes", pos, len(b))
	}
	return binary.LittleEndian.Uint16(b[pos:]), nil
}

// deref follows the uoffset stored at pos.
func (b fbuf) deref(pos int) (int, error) {
	v, err := b.u32(pos)
	if err != nil {
		return 0, err
	}
	if uint64(pos)+uint64(v) >= uint64(len(b)) {
		return 0, fmt.Errorf("flatbuffer reference at %d leads outside its %d bytes", pos, len(b))
	}
	return pos + int(v), nil
}

// table is a table whose vtable has been checked: its position, its
// vtable's position and size, and the table's size. Fields are looked up
// when asked for, so a vtable's size costs nothing (a quadratic walk over
// many tables sharing a huge vtable is no attack).
type table struct {
	b     fbuf
	pos   int
	vt    int
	vsize int
}

func (b fbuf) table(pos int) (table, error) {
	so, err := b.u32(pos)
	if err != nil {
		return table{}, err
	}
	vt := int64(pos) - int64(int32(so))
	if vt < 0 || vt > int64(len(b))-4 {
		return table{}, fmt.Errorf("vtable of the table at %d outside the buffer", pos)
	}
	vsize, _ := b.u16(int(vt))
	tsize, _ := b.u16(int(vt) + 2)
	if vsize < 4 || vsize%2 != 0 || int(vt)+int(vsize) > len(b) || pos+int(tsize) > len(b) {
		return table{}, fmt.Errorf("vtable of the table at %d is malformed", pos)
	}
	return table{b: b, pos: pos, vt: int(vt), vsize: int(vsize)}, nil
}

// field returns the position of field i, or false when it is absent.
// Like flatbuffers::Verifier, it checks the field's bytes against the
// buffer, when they are read, not against the table's declared size.
func (t table) field(i int) (int, bool) {
	slot := 4 + 2*i
	if slot+2 > t.vsize {
		return 0, false
	}
	f, _ := t.b.u16(t.vt + slot)
	if f == 0 {
		return 0, false
	}
	return t.pos + int(f), true
}

// vector returns the start and length of the vector field i holds, of
// elements elem bytes wide; an absent field is an empty vector.
func (t table) vector(i, elem int) (int, int, error) {
	p, ok := t.field(i)
	if !ok {
		return 0, 0, nil
	}
	v, err := t.b.deref(p)
	if err != nil {
		return 0, 0, err
	}
	n, err := t.b.u32(v)
	if err != nil {
		return 0, 0, err
	}
	if uint64(n)*uint64(elem) > uint64(len(t.b)-v-4) {
		return 0, 0, fmt.Errorf("vector of %d elements at %d reaches past the buffer", n, v)
	}
	return v + 4, int(n), nil
}

// str returns the string field i holds ("" when absent).
func (t table) str(i int) (string, error) {
	start, n, err := t.vector(i, 1)
	if err != nil || n == 0 {
		return "", err
	}
	return string(t.b[start : start+n]), nil
}

// tables verifies every table of the vector field i.
func (t table) tables(i int) ([]table, error) {
	start, n, err := t.vector(i, 4)
	if err != nil {
		return nil, err
	}
	out := make([]table, 0, min(n, 1<<16))
	for k := 0; k < n; k++ {
		p, err := t.b.deref(start + 4*k)
		if err != nil {
			return nil, err
		}
		tt, err := t.b.table(p)
		if err != nil {
			return nil, err
		}
		out = append(out, tt)
	}
	return out, nil
}

// ints reads the vector field i of int32.
func (t table) ints(i int) ([]int32, error) {
	start, n, err := t.vector(i, 4)
	if err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for k := range out {
		out[k] = int32(binary.LittleEndian.Uint32(t.b[start+4*k:]))
	}
	return out, nil
}

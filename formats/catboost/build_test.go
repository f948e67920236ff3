package catboost

import (
	"encoding/binary"
	"math"
)

// A front-to-back flatbuffer writer for small test models: each table is
// preceded by its vtable, and what a table refers to follows it, so every
// uoffset points forward as the format requires.

type (
	fbTable   []any // field values in slot order; nil is an absent field
	fbString  string
	fbInts    []int32
	fbDoubles []float64
	fbTables  []fbTable
	fbStrings []string
)

type fbWriter struct{ b []byte }

func (w *fbWriter) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *fbWriter) u32(v uint32) int {
	p := len(w.b)
	w.b = binary.LittleEndian.AppendUint32(w.b, v)
	return p
}

func (w *fbWriter) patch(at, target int) {
	binary.LittleEndian.PutUint32(w.b[at:], uint32(target-at))
}

// table writes t and everything it refers to, returning its position.
func (w *fbWriter) table(t fbTable) int {
	w.align(4)
	vt := len(w.b)
	vsize := 4 + 2*len(t)
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(vsize))
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(4+4*len(t)))
	for i, f := range t {
		off := 0
		if f != nil {
			off = 4 + 4*i
		}
		w.b = binary.LittleEndian.AppendUint16(w.b, uint16(off))
	}
	w.align(4)
	pos := w.u32(uint32(len(w.b) - vt))
	binary.LittleEndian.PutUint32(w.b[pos:], uint32(pos-vt))
	slots := make([]int, len(t))
	for i := range t {
		slots[i] = w.u32(0)
	}
	for i, f := range t {
		switch v := f.(type) {
		case int32:
			binary.LittleEndian.PutUint32(w.b[slots[i]:], uint32(v))
		case nil:
		default:
			w.patch(slots[i], w.value(v))
		}
	}
	return pos
}

// value writes a string, vector or table and returns where a uoffset to
// it must point.
func (w *fbWriter) value(v any) int {
	switch v := v.(type) {
	case fbTable:
		return w.table(v)
	case fbString:
		p := w.u32(uint32(len(v)))
		w.b = append(append(w.b, v...), 0)
		return p
	case fbInts:
		p := w.u32(uint32(len(v)))
		for _, x := range v {
			w.u32(uint32(x))
		}
		return p
	case fbDoubles:
		w.align(8)
		w.u32(0) // keeps the elements 8-aligned
		p := w.u32(uint32(len(v)))
		for _, x := range v {
			w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
		}
		return p
	case fbTables:
		return w.refs(len(v), func(i int) int { return w.table(v[i]) })
	case fbStrings:
		return w.refs(len(v), func(i int) int { return w.value(fbString(v[i])) })
	}
	panic("unknown flatbuffer value")
}

func (w *fbWriter) refs(n int, write func(i int) int) int {
	p := w.u32(uint32(n))
	slots := make([]int, n)
	for i := range slots {
		slots[i] = w.u32(0)
	}
	for i := range slots {
		w.patch(slots[i], write(i))
	}
	return p
}

// cbm wraps a TModelCore and the bytes of its parts into a model file.
func cbm(core fbTable, parts []byte) []byte {
	w := &fbWriter{}
	root := w.u32(0)
	w.patch(root, w.table(core))
	out := append([]byte(magic), binary.LittleEndian.AppendUint32(nil, uint32(len(w.b)))...)
	return append(append(out, w.b...), parts...)
}

// smallModel is a two-tree oblivious model with the given info map.
func smallModel(params string) []byte {
	trees := fbTable{int32(1), fbInts{0, 1, 0}, fbInts{2, 1}, fbInts{0, 2}, nil, nil, nil, nil, fbDoubles{1, 2, 3, 4, 5, 6}}
	info := fbTables{{fbString("params"), fbString(params)}, {fbString("model_guid"), fbString("x")}}
	return cbm(fbTable{fbString(coreVersion), trees, info, nil}, nil)
}

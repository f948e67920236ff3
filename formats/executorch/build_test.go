package executorch

import "encoding/binary"

// A small FlatBuffer writer for crafted programs after schema/program.fbs
// (ExecuTorch is not packaged in Debian). Tables are written parent
// first, each preceded by its vtable, and references patched once their
// targets are placed, so every offset points forward as FlatBuffers'
// unsigned offsets must.

// tbl is a table: fields by slot; a field is a u8, u32, u64, string, *tbl
// or []*tbl, or nil when absent.
type tbl []any

type (
	u8  uint8
	u32 uint32
	u64 uint64
)

type writer struct{ b []byte }

func (w *writer) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *writer) put32(at int, v uint32) { binary.LittleEndian.PutUint32(w.b[at:], v) }

// table writes t and returns its position.
func (w *writer) table(t tbl) int {
	w.align(4)
	vt := len(w.b)
	vtLen := 4 + 2*len(t)
	w.b = append(w.b, make([]byte, vtLen)...)
	w.align(4)
	pos := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0)
	w.put32(pos, uint32(pos-vt))
	type patch struct {
		at int
		v  any
	}
	var patches []patch
	for i, f := range t {
		if f == nil {
			continue
		}
		binary.LittleEndian.PutUint16(w.b[vt+4+2*i:], uint16(len(w.b)-pos))
		switch v := f.(type) {
		case u8:
			w.b = append(w.b, byte(v), 0, 0, 0)
		case u32:
			w.b = binary.LittleEndian.AppendUint32(w.b, uint32(v))
		case u64:
			w.b = binary.LittleEndian.AppendUint64(w.b, uint64(v))
		default:
			patches = append(patches, patch{len(w.b), v})
			w.b = append(w.b, 0, 0, 0, 0)
		}
	}
	binary.LittleEndian.PutUint16(w.b[vt:], uint16(vtLen))
	binary.LittleEndian.PutUint16(w.b[vt+2:], uint16(len(w.b)-pos))
	for _, p := range patches {
		w.put32(p.at, uint32(w.object(p.v)-p.at))
	}
	return pos
}

// object writes a string, table or vector of tables and returns where a
// reference to it points.
func (w *writer) object(v any) int {
	switch v := v.(type) {
	case string:
		w.align(4)
		at := len(w.b)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(v)))
		w.b = append(append(w.b, v...), 0)
		return at
	case *tbl:
		return w.table(*v)
	case []*tbl:
		w.align(4)
		at := len(w.b)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(v)))
		slots := len(w.b)
		w.b = append(w.b, make([]byte, 4*len(v))...)
		for i, t := range v {
			p := w.table(*t)
			w.put32(slots+4*i, uint32(p-(slots+4*i)))
		}
		return at
	case []u64:
		w.align(4)
		at := len(w.b)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(v)))
		for _, x := range v {
			w.b = binary.LittleEndian.AppendUint64(w.b, uint64(x))
		}
		return at
	}
	panic("unsupported flatbuffer object")
}

// pte writes a program with file identifier ET12; segments, when given,
// follow it behind an extended header.
func pte(prog tbl, segments []byte) []byte {
	w := &writer{b: make([]byte, 48)}
	copy(w.b[4:], "ET12")
	root := w.table(prog)
	w.put32(0, uint32(root))
	if segments == nil {
		return w.b
	}
	copy(w.b[8:], "eh00")
	w.put32(12, 32)
	w.align(16)
	binary.LittleEndian.PutUint64(w.b[16:], uint64(len(w.b)))
	binary.LittleEndian.PutUint64(w.b[24:], uint64(len(w.b)))
	binary.LittleEndian.PutUint64(w.b[32:], uint64(len(segments)))
	return append(w.b, segments...)
}

func operator(name string) *tbl { return &tbl{name, "out"} }

func delegate(id string, location u8, index u32) *tbl {
	return &tbl{id, &tbl{location, index}}
}

func kernelCall(op u32) *tbl { return &tbl{u8(1), &tbl{op}} }

// plan is an execution plan "forward" with these operators, delegates
// and instructions in one chain.
func plan(ops, dels, instrs []*tbl) *tbl {
	return &tbl{"forward", nil, nil, nil, nil, []*tbl{{nil, nil, instrs}}, ops, dels}
}

// program is a Program of one plan and these segments (offset, size
// pairs) and inline delegate blobs.
func program(p *tbl, segs [][2]u64, inline ...string) tbl {
	var st []*tbl
	for _, s := range segs {
		st = append(st, &tbl{s[0], s[1]})
	}
	var it []*tbl
	for _, d := range inline {
		it = append(it, &tbl{d})
	}
	return tbl{u32(0), []*tbl{p}, nil, it, st}
}

// samples are the crafted .pte files of testdata; go test -update writes
// them beside the real ones.
func samples() map[string][]byte {
	add := []*tbl{operator("aten::add")}
	call := []*tbl{kernelCall(0)}
	return map[string][]byte{
		"crafted_xnnpack.pte": pte(program(plan(add, []*tbl{delegate("XnnpackBackend", 1, 0)}, call), [][2]u64{{0, 16}}), make([]byte, 16)),
		"unknown_op.pte":      pte(program(plan([]*tbl{operator("evilns::spawn")}, nil, call), nil), nil),
		"unknown_backend.pte": pte(program(plan(add, []*tbl{delegate("TotallyLegitBackend", 0, 0)}, call), nil, "payload"), nil),
		"segment_beyond.pte":  pte(program(plan(add, nil, call), [][2]u64{{0, 4096}}), make([]byte, 16)),
		"bad_op_index.pte":    pte(program(plan(add, nil, []*tbl{kernelCall(7)}), nil), nil),
		"pickle_payload.pte":  pte(program(plan(add, []*tbl{delegate("XnnpackBackend", 0, 0)}, call), nil, "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."), nil),
	}
}

// ptd writes a FlatTensor (extension/flat_tensor/serialize/flat_tensor.fbs)
// with file identifier FT01, its FH01 header at offset 8 and the segment
// data after it.
func ptd(ft tbl, segments []byte) []byte {
	w := &writer{b: make([]byte, 48)}
	copy(w.b[4:], "FT01")
	w.put32(0, uint32(w.table(ft)))
	copy(w.b[8:], "FH01")
	w.put32(12, 40)
	binary.LittleEndian.PutUint64(w.b[16:], 48)
	binary.LittleEndian.PutUint64(w.b[24:], uint64(len(w.b)-48))
	w.align(16)
	binary.LittleEndian.PutUint64(w.b[32:], uint64(len(w.b)))
	binary.LittleEndian.PutUint64(w.b[40:], uint64(len(segments)))
	return append(w.b, segments...)
}

func flatTensor(segs [][2]u64, named map[string]u32) tbl {
	var st, nt []*tbl
	for _, s := range segs {
		st = append(st, &tbl{s[0], s[1]})
	}
	for k, i := range named {
		nt = append(nt, &tbl{k, i})
	}
	return tbl{u32(0), st, nt}
}

// dataSamples are the crafted .ptd files of testdata.
func dataSamples() map[string][]byte {
	return map[string][]byte{
		"weights.ptd":         ptd(flatTensor([][2]u64{{0, 16}}, map[string]u32{"linear.weight": 0}), make([]byte, 16)),
		"ptd_beyond.ptd":      ptd(flatTensor([][2]u64{{0, 4096}}, map[string]u32{"linear.weight": 0}), make([]byte, 16)),
		"ptd_bad_segment.ptd": ptd(flatTensor([][2]u64{{0, 16}}, map[string]u32{"linear.weight": 3}), make([]byte, 16)),
	}
}

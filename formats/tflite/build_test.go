package tflite

import (
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"
)

// fbb builds flatbuffers for tests, parents before children so that every
// offset points forward, as the format requires.
type fbb struct{ buf []byte }

// obj writes an object and returns the position its referrers point to.
type obj func(b *fbb) int

// fspec is one table field: a scalar of width bytes, or a reference.
type fspec struct {
	width int
	val   uint64
	ref   obj
}

func scalar(width int, v uint64) fspec { return fspec{width: width, val: v} }
func ref(o obj) fspec                  { return fspec{width: 4, ref: o} }
func absent() fspec                    { return fspec{} }

func (b *fbb) pad4() {
	for len(b.buf)%4 != 0 {
		b.buf = append(b.buf, 0)
	}
}

func (b *fbb) u32(v uint32) { b.buf = binary.LittleEndian.AppendUint32(b.buf, v) }

func (b *fbb) patch(at, target int) { binary.LittleEndian.PutUint32(b.buf[at:], uint32(target-at)) }

func tbl(fields ...fspec) obj {
	return func(b *fbb) int {
		b.pad4()
		vt := len(b.buf)
		size := 4
		offs := make([]int, len(fields))
		for i, f := range fields {
			if f.width > 0 {
				offs[i] = size
				size += f.width
			}
		}
		b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(4+2*len(fields)))
		b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(size))
		for _, o := range offs {
			b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(o))
		}
		b.pad4()
		pos := len(b.buf)
		b.u32(uint32(pos - vt))
		var refs []int
		for _, f := range fields {
			switch {
			case f.ref != nil:
				refs = append(refs, len(b.buf))
				b.u32(0)
			case f.width > 0:
				var tmp [8]byte
				binary.LittleEndian.PutUint64(tmp[:], f.val)
				b.buf = append(b.buf, tmp[:f.width]...)
			}
		}
		k := 0
		for _, f := range fields {
			if f.ref != nil {
				b.patch(refs[k], f.ref(b))
				k++
			}
		}
		return pos
	}
}

func vecOf(items ...obj) obj {
	return func(b *fbb) int {
		b.pad4()
		pos := len(b.buf)
		b.u32(uint32(len(items)))
		slots := len(b.buf)
		for range items {
			b.u32(0)
		}
		for i, it := range items {
			b.patch(slots+4*i, it(b))
		}
		return pos
	}
}

func bytesVec(data []byte) obj {
	return func(b *fbb) int {
		b.pad4()
		pos := len(b.buf)
		b.u32(uint32(len(data)))
		b.buf = append(b.buf, data...)
		b.buf = append(b.buf, 0)
		return pos
	}
}

func str(s string) obj { return bytesVec([]byte(s)) }

// tflModel builds a model with the given operator codes, one subgraph
// whose operators are ops, and buffers.
func tflModel(codes []obj, ops []obj, buffers []obj) []byte {
	b := &fbb{buf: make([]byte, 8)}
	copy(b.buf[4:], "TFL3")
	root := tbl(scalar(4, 3), ref(vecOf(codes...)), ref(vecOf(tbl(absent(), absent(), absent(), ref(vecOf(ops...))))), absent(), ref(vecOf(buffers...)))(b)
	binary.LittleEndian.PutUint32(b.buf, uint32(root))
	return b.buf
}

func opCode(builtin int, custom string) obj {
	if custom == "" {
		return tbl(scalar(1, uint64(min(builtin, 127))), absent(), scalar(4, 1), scalar(4, uint64(builtin)))
	}
	return tbl(scalar(1, uint64(builtin)), ref(str(custom)), scalar(4, 1), scalar(4, uint64(builtin)))
}

func operator(code int, customOptions []byte) obj {
	if customOptions == nil {
		return tbl(scalar(4, uint64(code)))
	}
	return tbl(scalar(4, uint64(code)), absent(), absent(), absent(), absent(), ref(bytesVec(customOptions)))
}

// flexOptions encodes [op, NodeDef] the way the Flex delegate stores it.
func flexOptions(op string, nodeDef []byte) []byte {
	var b []byte
	b = append(b, byte(len(op)))
	s1 := len(b)
	b = append(append(b, op...), 0)
	b = append(b, byte(len(nodeDef)))
	s2 := len(b)
	b = append(append(b, nodeDef...), 0)
	b = append(b, 2)
	v := len(b)
	b = append(b, byte(v-s1), byte(v+1-s2), 5<<2, 5<<2)
	r := len(b)
	b = append(b, byte(r-v), 10<<2, 1)
	return b
}

func nodeDef(name, op string) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, name)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendString(b, op)
}

func buffer(data []byte, off, size uint64) obj {
	if off == 0 {
		return tbl(ref(bytesVec(data)))
	}
	return tbl(absent(), scalar(8, off), scalar(8, size))
}

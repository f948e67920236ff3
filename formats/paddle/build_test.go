package paddle

import (
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"
)

// Builders of ProgramDesc and parameters files, in the field order Paddle
// writes them.

func msg(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func bytesField(num protowire.Number, v []byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func varintField(num protowire.Number, v uint64) []byte {
	b := protowire.AppendTag(nil, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// attrS is an OpDesc.Attr of type STRING (2); attrI of INT (0); attrBlock
// of BLOCK (8).
func attrS(name, s string) []byte {
	return bytesField(4, msg(bytesField(1, []byte(name)), varintField(2, 2), bytesField(5, []byte(s))))
}

func attrI(name string, i int32) []byte {
	return bytesField(4, msg(bytesField(1, []byte(name)), varintField(2, 0), varintField(3, uint64(int64(i)))))
}

func attrBlock(name string, idx int32) []byte {
	return bytesField(4, msg(bytesField(1, []byte(name)), varintField(2, 8), varintField(12, uint64(int64(idx)))))
}

// op is an OpDesc: inputs (1), outputs (2), type (3), attrs (4).
func op(typ string, attrs ...[]byte) []byte {
	in := bytesField(1, msg(bytesField(1, []byte("X")), bytesField(2, []byte("x"))))
	out := bytesField(2, msg(bytesField(1, []byte("Out")), bytesField(2, []byte("y"))))
	return bytesField(4, msg(in, out, bytesField(3, []byte(typ)), msg(attrs...)))
}

// varDesc is a VarDesc: name (1), type (2: a VarType of LOD_TENSOR 7).
func varDesc(name string) []byte {
	return bytesField(3, msg(bytesField(1, []byte(name)), bytesField(2, varintField(1, 7))))
}

// program is a ProgramDesc of blocks holding ops, with block 0 the
// global block; later blocks have parent 0.
func program(blocks ...[][]byte) []byte {
	var b []byte
	for i, ops := range blocks {
		parent := int64(-1)
		if i > 0 {
			parent = 0
		}
		blk := msg(varintField(1, uint64(i)), varintField(2, uint64(parent)), varDesc("x"), varDesc("y"), msg(ops...))
		b = append(b, bytesField(1, blk)...)
	}
	return append(b, bytesField(4, varintField(1, 2006000))...)
}

// tensor is one record of a parameters file: versions, no LoD, a
// TensorDesc of FP32 (5) with dims, and the data.
func tensor(dims []int64, data []byte) []byte {
	desc := varintField(1, 5)
	for _, d := range dims {
		desc = append(desc, varintField(2, uint64(d))...)
	}
	b := make([]byte, 0, 24+len(desc)+len(data))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
	b = append(b, desc...)
	return append(b, data...)
}

package onnx

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestTensorShaped(t *testing.T) {
	field := func(b []byte, num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
	}
	bytesField := func(b []byte, num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
	}
	tensor := bytesField(field(field(nil, 1, 2), 2, 1), 9, make([]byte, 8))
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"raw float tensor", tensor, true},
		{"packed dims and named", bytesField(bytesField(field(nil, 2, 7), 1, []byte{2, 3}), 8, []byte("x")), true},
		{"no data type", bytesField(field(nil, 1, 2), 9, make([]byte, 8)), false},
		{"external data", bytesField(tensor, 13, bytesField(nil, 1, []byte("location"))), false},
		{"unknown field", field(tensor, 20, 1), false},
		{"wrong wire type", bytesField(tensor, 2, nil), false},
		{"truncated", tensor[:len(tensor)-1], false},
	}
	for _, tt := range tests {
		if got := tensorShaped(tt.b); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func FuzzTensorShaped(f *testing.F) {
	f.Add([]byte{0x08, 0x02, 0x10, 0x01, 0x4a, 0x00})
	f.Add([]byte{0x6a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) { tensorShaped(b) })
}

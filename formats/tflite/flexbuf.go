package tflite

import (
	"encoding/binary"
	"errors"
)

var errFlex = errors.New("malformed flexbuffer")

// FlexBuffer value types used by the Flex delegate's custom options.
const (
	fbtString = 5
	fbtVector = 10
	fbtBlob   = 25
)

// flexStrings decodes the root of a FlexBuffer that is a vector of strings
// or blobs, as TFLite's Flex ops store [op name, serialized NodeDef].
func flexStrings(b []byte) ([][]byte, error) {
	if len(b) < 3 {
		return nil, errFlex
	}
	rootWidth := int(b[len(b)-1])
	packed := b[len(b)-2]
	rootPos := len(b) - 2 - rootWidth
	if !validWidth(rootWidth) || rootPos < 0 || packed>>2 != fbtVector {
		return nil, errFlex
	}
	off, ok := readUint(b, rootPos, rootWidth)
	if !ok || off > uint64(rootPos) {
		return nil, errFlex
	}
	vec := rootPos - int(off)
	width := 1 << (packed & 3)
	n, ok := readUint(b, vec-width, width)
	if !ok || n > uint64(len(b)) || vec+int(n)*(width+1) > len(b) {
		return nil, errFlex
	}
	types := vec + int(n)*width
	var out [][]byte
	for i := range int(n) {
		t := b[types+i]
		if t>>2 != fbtString && t>>2 != fbtBlob {
			continue
		}
		el := vec + i*width
		o, ok := readUint(b, el, width)
		if !ok || o > uint64(el) {
			return nil, errFlex
		}
		s := el - int(o)
		sw := 1 << (t & 3)
		l, ok := readUint(b, s-sw, sw)
		if !ok || l > uint64(len(b)-s) {
			return nil, errFlex
		}
		out = append(out, b[s:s+int(l)])
	}
	return out, nil
}

func validWidth(w int) bool { return w == 1 || w == 2 || w == 4 || w == 8 }

func readUint(b []byte, at, w int) (uint64, bool) {
	if at < 0 || at+w > len(b) || !validWidth(w) {
		return 0, false
	}
	switch w {
	case 1:
		return uint64(b[at]), true
	case 2:
		return uint64(binary.LittleEndian.Uint16(b[at:])), true
	case 4:
		return uint64(binary.LittleEndian.Uint32(b[at:])), true
	}
	return binary.LittleEndian.Uint64(b[at:]), true
}

package skops

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// pythonText returns data as UTF-8 the way Python's json.loads decodes
// bytes (json.detect_encoding): a UTF-8 byte-order mark is dropped, and
// UTF-16 and UTF-32, with or without a mark, are recognised by their BOMs
// or zero bytes and converted. skops passes the raw member to json.loads.
func pythonText(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}):
		return utf32(b[4:], binary.BigEndian)
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}):
		return utf32(b[4:], binary.LittleEndian)
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		return utf16s(b[2:], binary.BigEndian)
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		return utf16s(b[2:], binary.LittleEndian)
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return b[3:]
	}
	if len(b) >= 4 {
		switch {
		case b[0] == 0 && b[1] != 0:
			return utf16s(b, binary.BigEndian)
		case b[0] == 0:
			return utf32(b, binary.BigEndian)
		case b[1] == 0 && (b[2] != 0 || b[3] != 0):
			return utf16s(b, binary.LittleEndian)
		case b[1] == 0:
			return utf32(b, binary.LittleEndian)
		}
	}
	return b
}

func utf16s(b []byte, o binary.ByteOrder) []byte {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, o.Uint16(b[i:]))
	}
	out := make([]byte, 0, len(b))
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	return out
}

func utf32(b []byte, o binary.ByteOrder) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i+3 < len(b); i += 4 {
		out = utf8.AppendRune(out, rune(o.Uint32(b[i:])))
	}
	return out
}

// pythonConstants replaces the NaN, Infinity and -Infinity literals that
// Python's json accepts, and Go's rejects, with null outside strings, so
// that a schema Python loads is never one this package cannot read.
func pythonConstants(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	out := make([]byte, 0, len(b))
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out, i = append(out, "null"...), i+2
			continue
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out, i = append(out, "null"...), i+8
			continue
		case bytes.HasPrefix(b[i:], []byte("Infinity")):
			out, i = append(out, "null"...), i+7
			continue
		}
		out = append(out, c)
	}
	return out
}

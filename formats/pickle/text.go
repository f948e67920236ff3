package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Decoders for the arguments of the protocol-0 text opcodes, following
// what CPython's unpickler accepts.

var errNotInt = errors.New("invalid integer literal")

// parseInt reads an INT or LONG line the way int(s, 0) / strtol do. big is
// true for a well-formed integer that does not fit in int64.
func parseInt(b []byte) (v int64, isBig bool, err error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return 0, false, errNotInt
	}
	v, err = strconv.ParseInt(string(t), 0, 64)
	if err == nil {
		return v, false, nil
	}
	var ne *strconv.NumError
	if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
		// ParseInt reports the overflow before it has seen every digit:
		// the rest must still be digits for int() to take it.
		if _, ok := new(big.Int).SetString(string(t), 0); !ok {
			return 0, false, errNotInt
		}
		return 0, true, nil
	}
	return 0, false, errNotInt
}

// parseDecimal reads a GET or PUT argument (int(s), base 10).
func parseDecimal(b []byte) (int64, bool, error) {
	t := bytes.TrimSpace(b)
	v, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, true, nil
		}
		return 0, false, errNotInt
	}
	return v, false, nil
}

func parseFloat(b []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			// CPython's FLOAT raises OverflowError for a literal beyond
			// the float range; one too small to represent is 0.0.
			if math.IsInf(f, 0) {
				return 0, errors.New("value too large to convert to float")
			}
			return f, nil
		}
		return 0, errors.New("invalid float literal")
	}
	return f, nil
}

var errUnquoted = errors.New("the STRING opcode argument must be quoted")

// unquoteString decodes a STRING argument: quotes, then Python's
// escape_decode.
func unquoteString(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != b[len(b)-1] || (b[0] != '\'' && b[0] != '"') {
		return nil, errUnquoted
	}
	return escapeDecode(b[1 : len(b)-1])
}

func escapeDecode(b []byte) ([]byte, error) {
	if bytes.IndexByte(b, '\\') < 0 {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return nil, errors.New("trailing \\ in string")
		}
		switch c = b[i]; c {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, c)
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, 11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(b[i]-'0')
			}
			out = append(out, byte(v))
		case 'x':
			if i+2 >= len(b) {
				return nil, errors.New("invalid \\x escape")
			}
			hi, ok1 := unhex(b[i+1])
			lo, ok2 := unhex(b[i+2])
			if !ok1 || !ok2 {
				return nil, errors.New("invalid \\x escape")
			}
			out = append(out, hi<<4|lo)
			i += 2
		default:
			out = append(out, '\\', c)
		}
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// rawUnicodeEscape decodes a UNICODE argument to UTF-8: bytes are Latin-1
// code points, \uXXXX and \UXXXXXXXX after an odd run of backslashes are
// escapes.
func rawUnicodeEscape(b []byte) ([]byte, error) {
	ascii := true
	for _, c := range b {
		if c >= 0x80 || c == '\\' {
			ascii = false
			break
		}
	}
	if ascii {
		return b, nil
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			out = utf8.AppendRune(out, rune(c))
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] == '\\' {
			j++
		}
		run := j - i
		if run%2 == 0 || j >= len(b) || (b[j] != 'u' && b[j] != 'U') {
			out = append(out, b[i:j]...)
			i = j
			continue
		}
		out = append(out, b[i:j-1]...)
		count := 4
		if b[j] == 'U' {
			count = 8
		}
		j++
		if j+count > len(b) {
			return nil, errors.New("truncated \\uXXXX escape")
		}
		var r rune
		for _, h := range b[j : j+count] {
			d, ok := unhex(h)
			if !ok {
				return nil, errors.New("truncated \\uXXXX escape")
			}
			r = r<<4 | rune(d)
		}
		if r > utf8.MaxRune || r < 0 {
			return nil, errors.New("\\Uxxxxxxxx out of range")
		}
		out = appendCodePoint(out, r)
		i = j + count
	}
	return out, nil
}

// appendCodePoint writes r as UTF-8, keeping lone surrogates (which Python
// strings may hold) as their three-byte form.
func appendCodePoint(out []byte, r rune) []byte {
	if r >= 0xd800 && r <= 0xdfff {
		return append(out, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return utf8.AppendRune(out, r)
}

// latin1 converts UTF-8 text to Latin-1 bytes, as _codecs.encode(s,
// "latin1") does; ok is false when a code point does not fit.
func latin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// isIdentPath reports whether s is a dotted Python identifier path, which
// is what a module or qualified name a loader can import looks like.
func isIdentPath(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	start := true
	for _, c := range s {
		switch {
		case c == '.':
			if start {
				return false
			}
			start = true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			start = false
		case c >= '0' && c <= '9':
			if start {
				return false
			}
		default:
			return false
		}
	}
	return !start
}

func floatBits(f float64) int64 { return int64(math.Float64bits(f)) }

// pyUTF8 checks text the way CPython's unpickler decodes the arguments of
// SHORT_BINUNICODE, BINUNICODE and BINUNICODE8: bytes.decode("utf-8",
// "surrogatepass"). That is strict UTF-8 (no overlong forms, nothing above
// U+10FFFF, no truncated sequence) except that a lone surrogate encoded in
// three bytes (ED A0..BF 80..BF) is accepted. Anything else raises
// UnicodeDecodeError and ends the load. It is fed in pieces, so a long
// argument is checked as it is read through.
type pyUTF8 struct {
	need   int  // continuation bytes still expected
	lo, hi byte // the range of the next continuation byte
	bad    bool
}

func (v *pyUTF8) write(b []byte) {
	if v.need == 0 {
		// ASCII, which names and keys mostly are, leaves no state: skip
		// it eight bytes at a time.
		i := 0
		for ; i+8 <= len(b); i += 8 {
			if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
				break
			}
		}
		b = b[i:]
	}
	for _, c := range b {
		if v.bad {
			return
		}
		if v.need > 0 {
			if c < v.lo || c > v.hi {
				v.bad = true
			}
			v.need--
			v.lo, v.hi = 0x80, 0xbf
			continue
		}
		v.lo, v.hi = 0x80, 0xbf
		switch {
		case c < 0x80:
		case c >= 0xc2 && c <= 0xdf:
			v.need = 1
		case c == 0xe0:
			v.need, v.lo = 2, 0xa0
		case c >= 0xe1 && c <= 0xef:
			// ED A0..BF would be a surrogate: surrogatepass lets it through.
			v.need = 2
		case c == 0xf0:
			v.need, v.lo = 3, 0x90
		case c >= 0xf1 && c <= 0xf3:
			v.need = 3
		case c == 0xf4:
			v.need, v.hi = 3, 0x8f
		default:
			v.bad = true
		}
	}
}

// ok reports whether everything written decodes, to the end.
func (v *pyUTF8) ok() bool { return !v.bad && v.need == 0 }

// validPyUTF8 reports whether b decodes with "utf-8", "surrogatepass".
func validPyUTF8(b []byte) bool {
	var v pyUTF8
	v.write(b)
	return v.ok()
}

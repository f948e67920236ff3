package formats

import "bytes"

// JoblibZFile is joblib's pre-0.10 compressed persistence ("z-file"): "ZF",
// the uncompressed length as a Python hex literal padded to 19 bytes (20 in
// joblib <= 0.8.4 under Python 2), then a zlib stream holding a pickle.
// joblib.load still reads it (numpy_pickle_compat.read_zfile).
const (
	zfilePrefix = "ZF"
	// zfileLenField is len(hex(2**64)), the width joblib pads the length to.
	zfileLenField = 19
)

// ZFileHeader parses the head of a joblib z-file the way read_zfile does:
// int(field, 16) over the 19 bytes after "ZF", then one optional space.
// It returns the stated length and where the zlib stream starts, and
// ok=false when joblib would refuse the header before decompressing.
func ZFileHeader(p []byte) (length int64, dataOff int, ok bool) {
	if len(p) < len(zfilePrefix)+zfileLenField || !bytes.HasPrefix(p, []byte(zfilePrefix)) {
		return 0, 0, false
	}
	n, ok := pyHexInt(p[len(zfilePrefix) : len(zfilePrefix)+zfileLenField])
	if !ok {
		return 0, 0, false
	}
	off := len(zfilePrefix) + zfileLenField
	if off < len(p) && p[off] == ' ' {
		off++
	}
	return n, off, true
}

// isZFile recognises a z-file by a header joblib accepts followed by a
// zlib stream header, which read_zfile hands to zlib.decompress(wbits=15).
func isZFile(p []byte) bool {
	_, off, ok := ZFileHeader(p)
	return ok && isZlib(p[off:])
}

// pyHexInt is Python's int(b, 16) on bytes, restricted to what zlib accepts
// as a buffer size (0 <= n < 2**63): ASCII whitespace around an optional
// sign, an optional 0x prefix, hex digits with single underscores between
// them (or after the prefix), and nothing else.
func pyHexInt(b []byte) (int64, bool) {
	if bytes.IndexByte(b, 0) >= 0 {
		return 0, false // int() refuses bytes with an embedded NUL
	}
	s := bytes.TrimFunc(b, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
	})
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	prefixed := len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	if prefixed {
		s = s[2:]
		if len(s) > 0 && s[0] == '_' {
			s = s[1:]
		}
	}
	if len(s) == 0 {
		return 0, false
	}
	var n uint64
	digits := 0
	for i, c := range s {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c == '_' && i > 0 && i+1 < len(s) && s[i-1] != '_' && s[i+1] != '_':
			continue
		default:
			return 0, false
		}
		if n > (1<<63-1)>>4 {
			return 0, false // zlib.decompress: bufsize overflows Py_ssize_t
		}
		n = n<<4 | uint64(d)
		digits++
	}
	if n > 1<<63-1 || digits == 0 || neg && n != 0 {
		return 0, false // a negative bufsize is a ValueError
	}
	return int64(n), true
}

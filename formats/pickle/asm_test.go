package pickle

import (
	"encoding/binary"
	"strings"
)

// A tiny pickle assembler for hand-made test vectors: each helper returns
// the bytes of one opcode with its argument, and cat joins them.

func cat(parts ...string) []byte { return []byte(strings.Join(parts, "")) }

func proto(n byte) string { return "\x80" + string([]byte{n}) }

func le32(n int) string {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n))
	return string(b[:])
}

func le64(n uint64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	return string(b[:])
}

// sbu is SHORT_BINUNICODE, bu BINUNICODE, sbb SHORT_BINBYTES, bb BINBYTES,
// sbs SHORT_BINSTRING.
func sbu(s string) string { return "\x8c" + string([]byte{byte(len(s))}) + s }
func bu(s string) string  { return "X" + le32(len(s)) + s }
func sbb(s string) string { return "C" + string([]byte{byte(len(s))}) + s }
func bb(s string) string  { return "B" + le32(len(s)) + s }
func sbs(s string) string { return "U" + string([]byte{byte(len(s))}) + s }

// glob is GLOBAL, inst INST, str0 STRING, uni UNICODE.
func glob(m, n string) string { return "c" + m + "\n" + n + "\n" }
func inst(m, n string) string { return "i" + m + "\n" + n + "\n" }
func str0(s string) string    { return "S'" + s + "'\n" }
func uni(s string) string     { return "V" + s + "\n" }

func binput(i byte) string { return "q" + string([]byte{i}) }
func binget(i byte) string { return "h" + string([]byte{i}) }
func k1(i byte) string     { return "K" + string([]byte{i}) }
func frame(n uint64) string {
	return "\x95" + le64(n)
}

const (
	memoize     = "\x94"
	stackGlobal = "\x93"
	tuple1      = "\x85"
	tuple2      = "\x86"
	reduce      = "R"
	stop        = "."
	mark        = "("
	pop         = "0"
	build       = "b"
	newobj      = "\x81"
	newobjEx    = "\x92"
	emptyTuple  = ")"
	emptyDict   = "}"
	emptyList   = "]"
)

// osSystem4 is the classic protocol-4 payload: os.system("id").
var osSystem4 = cat(proto(4), sbu("os"), sbu("system"), stackGlobal, sbu("id"), tuple1, reduce, stop)

// built is NEWOBJ of module.name with no arguments: an object the stream
// may then BUILD.
func built(module, name string) string { return glob(module, name) + emptyTuple + newobj }

// withState is a stream that builds module.name and BUILDs it with the
// dict state {key: value}.
func withState(module, name, key, value string) []byte {
	return cat(proto(2), built(module, name), "}", sbu(key), value, "s", build, stop)
}

// called is a stream that calls module.name with a path, which a class
// allowed only to be built must never be.
func called(module, name string) []byte {
	return cat(proto(2), glob(module, name), sbu("/etc/passwd"), tuple1, reduce, stop)
}

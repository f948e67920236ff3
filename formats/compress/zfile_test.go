package compress

import (
	"bytes"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// zfileWide rewrites a z-file header the way joblib <= 0.8.4 wrote it under
// Python 2: one more space of padding, which read_zfile skips.
func zfileWide(t testing.TB, b []byte) []byte {
	t.Helper()
	_, off, ok := formats.ZFileHeader(b)
	if !ok {
		t.Fatal("sample is not a z-file")
	}
	return append(append(append([]byte{}, b[:off]...), ' '), b[off:]...)
}

// TestZFileLength checks that a z-file whose stated length disagrees with
// its stream is an error (joblib asserts the length before unpickling), and
// that its content is still handed to the engine.
func TestZFileLength(t *testing.T) {
	b := readSample(t, "model.pkl.zfile")
	for name, field := range map[string]string{
		"shorter": "0x1e               ",
		"longer":  "0x20               ",
	} {
		t.Run(name, func(t *testing.T) {
			bad := append([]byte("ZF"+field), b[21:]...)
			a, _ := formats.Lookup(formats.JoblibZFile)
			rec, err := formatstest.Run(t, a, "m.pkl", bad)
			if err == nil {
				t.Fatal("no error for a length joblib refuses")
			}
			if len(rec.Members) != 1 || !bytes.Equal(rec.Members[0].Data, payload) {
				t.Errorf("content not analyzed: %+v", rec.Members)
			}
		})
	}
}

// TestZFileHeader checks the length field against Python's int(b, 16), as
// read_zfile applies it (results taken from CPython 3.11).
func TestZFileHeader(t *testing.T) {
	for _, tt := range []struct {
		field string
		want  int64
		ok    bool
	}{
		{"0x31f              ", 0x31f, true},
		{" +0x_1f            ", 0x1f, true},
		{"0x1_f              ", 0x1f, true},
		{"1f                 ", 0x1f, true},
		{"\v1f\f               ", 0x1f, true},
		{"0X1F               ", 0x1f, true},
		{"-0                 ", 0, true},
		{"-0x1               ", 0, false}, // negative buffer size
		{"0x                 ", 0, false},
		{"0x_                ", 0, false},
		{"1__f               ", 0, false},
		{"_1f                ", 0, false},
		{"1f_                ", 0, false},
		{"\x1c1f                ", 0, false}, // not whitespace for int(bytes)
		{"1f\x00                ", 0, false},
		{"0x8000000000000000 ", 0, false}, // overflows Py_ssize_t
		{"0x7fffffffffffffff ", 1<<63 - 1, true},
		{"0x31f   zz         ", 0, false},
	} {
		got, off, ok := formats.ZFileHeader([]byte("ZF" + tt.field + "x"))
		if ok != tt.ok || ok && (got != tt.want || off != 21) {
			t.Errorf("%q: got %d, %d, %v; want %d, 21, %v", tt.field, got, off, ok, tt.want, tt.ok)
		}
	}
}

package numpy

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// npyOf is an .npy file of format 1.0 with header h and data bytes of
// zeros.
func npyOf(h string, data int) []byte {
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(make([]byte, data))
	return b.Bytes()
}

// TestDescribe: the facts are the header's descr, shape and element count,
// for object arrays too, whose pickle is never read.
func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		descr  string
		shape  []int64
		elems  uint64
		object bool
		err    string
	}{
		{"floats", npyOf("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48), "<f8", []int64{2, 3}, 6, false, ""},
		{"scalar", npyOf("{'descr': '<i4', 'fortran_order': False, 'shape': (), }", 4), "<i4", nil, 1, false, ""},
		{"empty", npyOf("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", 0), "<f4", []int64{0, 5}, 0, false, ""},
		// The data after an object header is a pickle; it is not read (here
		// it is not even a pickle).
		{"objects", npyOf("{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", 3), "|O", []int64{4}, 4, true, ""},
		{"structured", npyOf("{'descr': [('x', '<i4'), ('y', '<f8')], 'fortran_order': False, 'shape': (3,), }", 36), "structured", []int64{3}, 3, false, ""},
		{"no shape", npyOf("{'descr': '<f8', 'fortran_order': False, }", 0), "", nil, 0, false, "lacks"},
		{"not npy", []byte("PK\x03\x04"), "", nil, 0, false, "npy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Describe(bytes.NewReader(tc.data))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Descr != tc.descr || !slices.Equal(a.Shape, tc.shape) || a.Elements != tc.elems || a.Object != tc.object {
				t.Errorf("got %+v", a)
			}
		})
	}
}

package numpy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// npy builds a .npy file the way numpy.save lays it out.
func npy(major byte, header string, data []byte) []byte {
	pre := 10
	if major > 1 {
		pre = 12
	}
	h := header + " "
	for (pre+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY"), major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	}
	return append(append(b, h...), data...)
}

func TestAnalyze(t *testing.T) {
	f4x3 := "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
	pickle := []byte("\x80\x03cos\nsystem\nq\x00.")
	tests := []struct {
		name      string
		data      []byte
		wantRules []string
		wantErr   bool
		members   []string
	}{
		{"float32 vector", npy(1, f4x3, make([]byte, 12)), nil, false, nil},
		{"v2 header", npy(2, f4x3, make([]byte, 12)), nil, false, nil},
		{"v3 utf-8 header", npy(3, "{'descr': [('é', '<i2')], 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 8)), nil, false, nil},
		{"structured with subarray", npy(1, "{'descr': [('x', '<f8', (2, 3)), ('y', '|u1')], 'fortran_order': True, 'shape': (4,), }", make([]byte, 4*49)), nil, false, nil},
		{"unicode and datetime", npy(1, "{'descr': [('s', '<U3'), ('t', '<M8[ns]')], 'fortran_order': False, 'shape': (), }", make([]byte, 20)), nil, false, nil},
		{"scalar shape", npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", make([]byte, 8)), nil, false, nil},
		{"object array", npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", pickle), []string{RuleObjectArray}, false, []string{"object-array.pkl"}},
		{"structured object field", npy(1, "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", pickle), []string{RuleObjectArray}, false, []string{"object-array.pkl"}},
		{"truncated data", npy(1, f4x3, make([]byte, 8)), []string{RuleSize}, false, nil},
		{"shape bomb", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 4), }", nil), []string{RuleSize}, false, nil},
		{"trailing pickle", npy(1, f4x3, append(make([]byte, 12), pickle...)), []string{RuleTrailing}, false, []string{"trailing-data"}},
		{"extra key", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'evil': 1}", make([]byte, 12)), []string{RuleHeader}, false, nil},
		{"repeated key", npy(1, "{'descr': '|O', 'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", make([]byte, 12)), []string{RuleHeader}, false, nil},
		{"minor version", func() []byte { b := npy(1, f4x3, make([]byte, 12)); b[7] = 5; return b }(), []string{RuleHeader}, false, nil},
		{"code in header", npy(1, "{'descr': __import__('os').system('id'), 'fortran_order': False, 'shape': (3,)}", nil), nil, true, nil},
		{"missing key", npy(1, "{'descr': '<f4', 'shape': (3,)}", nil), nil, true, nil},
		{"negative dimension", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", nil), nil, true, nil},
		{"unknown version", func() []byte { b := npy(1, f4x3, nil); b[6] = 9; return b }(), nil, true, nil},
		{"truncated header", npy(1, f4x3, nil)[:30], nil, true, nil},
		{"deep nesting", npy(1, "{'descr': "+strings.Repeat("[", 100)+"}", nil), nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), "a.npy", tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if !slices.Equal(r.Rules(), tt.wantRules) {
				t.Errorf("rules %v, want %v", r.Rules(), tt.wantRules)
			}
			var names []string
			for _, m := range r.Members {
				names = append(names, m.Name)
				if string(m.Data) != string(pickle) {
					t.Errorf("member %s = %q, want the pickle", m.Name, m.Data)
				}
			}
			if !slices.Equal(names, tt.members) {
				t.Errorf("members %v, want %v", names, tt.members)
			}
		})
	}
}

func TestLimitOnHugeHeader(t *testing.T) {
	b := append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f)
	_, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), "a.npy", b)
	var le *formats.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err %v, want a limit", err)
	}
}

// realworld returns the shared real-world samples, or skips.
func realworld(t testing.TB, sub string) string {
	dir := filepath.Join("..", "..", "..", "shared", "realworld", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/realworld not present")
	}
	return dir
}

func TestRealWorld(t *testing.T) {
	for _, sub := range []string{"numpy", "joblib"} {
		files, _ := filepath.Glob(filepath.Join(realworld(t, sub), "*", "*.npy"))
		more, _ := filepath.Glob(filepath.Join(realworld(t, sub), "*.npy"))
		for _, p := range append(files, more...) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), filepath.Base(p), data)
			if err != nil {
				t.Errorf("%s: %v", p, err)
			}
			if m, ok := r.Max(); ok && m >= formats.Medium {
				t.Errorf("%s: %v", p, r.Findings)
			}
		}
	}
}

func FuzzNumPy(f *testing.F) {
	f.Add(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", make([]byte, 12)))
	f.Add(npy(3, "{'descr': [('a', '<i4', (2,)), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", []byte("\x80\x03N.")))
	f.Fuzz(func(t *testing.T, b []byte) {
		formatstest.Run(t, formats.AnalyzerFunc(analyze), "f.npy", b)
		_, _ = Describe(bytes.NewReader(b))
	})
}

func TestTrailingLineEndingIsLow(t *testing.T) {
	f4x3 := "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
	tests := []struct {
		name  string
		trail string
		want  formats.Severity
	}{
		{"newline", "\n", formats.Low},
		{"crlf", "\r\n", formats.Low},
		{"two newlines", "\n\n", formats.Medium},
		{"one other byte", "x", formats.Medium},
		{"newline then payload", "\n\x80\x02", formats.Medium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), "a.npy", append(npy(1, f4x3, make([]byte, 12)), tt.trail...))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != 1 || r.Findings[0].Rule != RuleTrailing || r.Findings[0].Severity != tt.want {
				t.Errorf("findings %+v, want one %s at %v", r.Findings, RuleTrailing, tt.want)
			}
		})
	}
}

package sevenzip

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var pkl = []byte("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")

func TestAnalyze(t *testing.T) {
	tests := []struct {
		file        string
		rules       []string
		members     []string
		unsupported bool
	}{
		{file: "model.7z", members: []string{"archive/data.pkl", "archive/version"}},
		{file: "bzip2.7z", members: []string{"archive/data.pkl", "archive/version"}},
		{file: "symlink.7z", rules: []string{"MG243"}, members: []string{"archive/data.pkl"}},
		{file: "encrypted.7z", rules: []string{"MG240"}, members: []string{"archive/data.pkl"}, unsupported: true},
		{file: "encrypted-headers.7z", rules: []string{"MG240"}, unsupported: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := formatstest.Testdata(t, tt.file)
			h, _ := formats.ReadHead(formats.NewInput(tt.file, bytes.NewReader(data), int64(len(data))))
			if f := formats.Sniff(h); len(f) == 0 || f[0] != formats.SevenZip {
				t.Errorf("sniffed as %v", f)
			}
			rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tt.file, data)
			if got := errors.Is(err, formats.ErrUnsupported); got != tt.unsupported {
				t.Errorf("err = %v, want unsupported %v", err, tt.unsupported)
			}
			if !tt.unsupported && err != nil {
				t.Errorf("err = %v", err)
			}
			if got := slices.Compact(slices.Sorted(slices.Values(rec.Rules()))); !slices.Equal(got, tt.rules) {
				t.Errorf("rules = %v, want %v", got, tt.rules)
			}
			var names []string
			for _, m := range rec.Members {
				names = append(names, m.Name)
				if m.Name == "archive/data.pkl" && !tt.unsupported && !bytes.Equal(m.Data, pkl) {
					t.Errorf("data.pkl = %q (%v)", m.Data, m.Err)
				}
			}
			if !slices.Equal(names, tt.members) {
				t.Errorf("members = %q, want %q", names, tt.members)
			}
		})
	}
}

// TestTraversal renames the entry of an archive with a plain header to
// "../hive/data.pkl" and fixes the header CRCs, as an attacker would.
func TestTraversal(t *testing.T) {
	data, err := os.ReadFile("testdata/plainheader.7z")
	if err != nil {
		t.Fatal(err)
	}
	utf16 := func(s string) []byte {
		var b []byte
		for _, c := range s {
			b = append(b, byte(c), 0)
		}
		return b
	}
	i := bytes.Index(data, utf16("archive/data.pkl"))
	if i < 0 {
		t.Fatal("name not found in the plain header")
	}
	copy(data[i:], utf16("../"))
	le := binary.LittleEndian
	off, size := le.Uint64(data[12:]), le.Uint64(data[20:])
	le.PutUint32(data[28:], crc32.ChecksumIEEE(data[32+off:32+off+size]))
	le.PutUint32(data[8:], crc32.ChecksumIEEE(data[12:32]))
	rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "t.7z", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Rules(); !slices.Equal(got, []string{"MG241"}) || rec.Findings[0].Severity != formats.High {
		t.Errorf("findings %v", rec.Findings)
	}
	if len(rec.Members) != 1 || !bytes.Equal(rec.Members[0].Data, pkl) {
		t.Errorf("members %+v", rec.Members)
	}
}

// TestCorrupt checks that damaged archives are errors, never panics.
func TestCorrupt(t *testing.T) {
	data, err := os.ReadFile("testdata/model.7z")
	if err != nil {
		t.Fatal(err)
	}
	for i := 6; i < len(data); i += 7 {
		bad := slices.Clone(data)
		bad[i] ^= 0xA5
		rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "bad.7z", bad)
		if err == nil {
			for _, m := range rec.Members {
				if m.Err == nil && m.Name == "archive/data.pkl" && !bytes.Equal(m.Data, pkl) {
					t.Errorf("byte %d flipped: wrong data without an error", i)
				}
			}
		}
	}
	if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "cut.7z", data[:len(data)/2]); err == nil {
		t.Error("truncated archive: no error")
	}
}

func FuzzSevenZip(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.7z")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Analyze(context.Background(), formats.NewInput("f.7z", bytes.NewReader(data), int64(len(data))), boundedScope{})
	})
}

// boundedScope reads up to 1 MiB of each member, as the engine would
// before its caps stop a bomb.
type boundedScope struct{}

func (boundedScope) Report(formats.Finding) {}
func (boundedScope) Limits() formats.Limits { return formats.DefaultLimits() }
func (boundedScope) Scan(_ context.Context, m *formats.Input) error {
	rc, err := m.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(rc, 1<<20))
	return err
}

package scanner_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

// torchStateDict writes a torch.save-shaped zip checkpoint of n float32
// storages of each bytes: a data.pkl of n persistent IDs (about 80 bytes
// each, as a real state_dict's), the records, the version.
func torchStateDict(w io.Writer, n int, each int64) error {
	pkl := []byte("\x80\x02}q\x00(")
	for i := range n {
		key := strconv.Itoa(i)
		pkl = append(pkl, 'X')
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(len("layer.")+len(key)))
		pkl = append(pkl, "layer."+key...)
		pkl = append(pkl, "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX"...)
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(len(key)))
		pkl = append(pkl, key...)
		pkl = append(pkl, "X\x03\x00\x00\x00cpuJ"...)
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(each/4))
		pkl = append(pkl, "tQ"...)
	}
	pkl = append(pkl, "u."...)
	zw := zip.NewWriter(w)
	write := func(name string, data []byte) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	if err := write("archive/data.pkl", pkl); err != nil {
		return err
	}
	if err := write("archive/byteorder", []byte("little")); err != nil {
		return err
	}
	data := make([]byte, each)
	for i := range data {
		data[i] = byte(i * 31)
	}
	for i := range n {
		if err := write("archive/data/"+strconv.Itoa(i), data); err != nil {
			return err
		}
	}
	if err := write("archive/version", []byte("3\n")); err != nil {
		return err
	}
	return zw.Close()
}

func writeStateDict(tb testing.TB, n int, each int64) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "model.pt")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := torchStateDict(f, n, each); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	return p, st.Size()
}

// TestOneReadPass checks DESIGN.md's "one read pass per file" on PyTorch
// checkpoints: a full scan reads each tensor record once (hashed as the
// CRC check reads it), and a quick one reads data.pkl once. What is read
// twice is bounded by the sniffing of heads and tails and the zip's
// directory: a few times formats.TailSize, whatever the model's size.
func TestOneReadPass(t *testing.T) {
	const overhead = 4 * formats.TailSize
	t.Run("full", func(t *testing.T) {
		p, size := writeStateDict(t, 200, 64<<10)
		rep, read := scanCounting(t, p, scanner.Options{Jobs: 1})
		if f := rep.Files[0]; f.Outcome != scanner.Clean {
			t.Fatalf("%s %s %v", f.Outcome, f.Error, f.Findings)
		}
		if read > size+overhead {
			t.Errorf("read %d bytes of a %d-byte checkpoint", read, size)
		}
	})
	t.Run("quick", func(t *testing.T) {
		const n, each = 2000, 64
		p, size := writeStateDict(t, n, each)
		rep, read := scanCounting(t, p, scanner.Options{Jobs: 1, Quick: true})
		if f := rep.Files[0]; f.Outcome != scanner.Clean {
			t.Fatalf("%s %s %v", f.Outcome, f.Error, f.Findings)
		}
		if structure := size - n*each; read > structure+overhead {
			t.Errorf("read %d bytes of a checkpoint of %d bytes besides its tensor data", read, structure)
		}
	})
}

// BenchmarkScanTorchStateDict scans a checkpoint whose data.pkl declares
// 50,000 storages (a 4 MB data.pkl, as a large model's state_dict has) and
// reports the bytes read per byte of the file and, for the full scan, the
// ratio of its throughput to a plain SHA-256 pass.
func BenchmarkScanTorchStateDict(b *testing.B) {
	for _, quick := range []bool{false, true} {
		b.Run(fmt.Sprintf("quick=%v", quick), func(b *testing.B) {
			p, size := writeStateDict(b, 50000, 2048)
			var yardstick time.Duration
			for range 3 {
				if d := sha256File(b, p); yardstick == 0 || d < yardstick {
					yardstick = d
				}
			}
			var read int64
			b.ResetTimer()
			for b.Loop() {
				rep, n := scanCounting(b, p, scanner.Options{Jobs: 1, Quick: quick})
				if f := rep.Files[0]; f.Outcome != scanner.Clean {
					b.Fatalf("%s %s", f.Outcome, f.Error)
				}
				read = n
			}
			perOp := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(perOp.Microseconds())/1000, "ms/scan")
			b.ReportMetric(float64(read)/float64(size), "B-read/B-file")
			b.ReportMetric(float64(yardstick)/float64(perOp), "x-sha256")
		})
	}
}

// TestDeclaredStoragesOnce checks that data.pkl's own analysis, kept for
// the layout rather than parsed again, vouches for exactly the storages it
// declares, whatever the order of the members: a record whose float bytes
// read as a pickle (storage_lookalike.pt's data/0) is data when data.pkl
// declares it, and is analyzed otherwise.
func TestDeclaredStoragesOnce(t *testing.T) {
	orig, err := zip.OpenReader("../formats/pytorch/testdata/storage_lookalike.pt")
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	recs := map[string][]byte{}
	var names []string
	for _, f := range orig.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, base, _ := strings.Cut(f.Name, "/")
		recs[base] = b
		names = append(names, base)
	}
	noStorage := []byte("\x80\x02}q\x00.")
	build := func(order []string, data map[string][]byte) string {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, n := range order {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + n, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := data[n]; ok {
				w.Write(v)
				delete(data, n) // a repeated name takes the record's bytes once
			} else {
				w.Write(recs[n])
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "model.pt")
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rest := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "data.pkl" || n == "data/0" })
	tests := []struct {
		name     string
		order    []string
		data     map[string][]byte
		analyzed bool // data/0 analyzed as a file of its own
	}{
		{"as torch writes it", names, nil, false},
		{"storage before data.pkl", append([]string{"data/0", "data.pkl"}, rest...), nil, false},
		{"undeclared look-alike before data.pkl", append([]string{"data/7", "data/0", "data.pkl"}, rest...),
			map[string][]byte{"data/7": recs["data/0"]}, true},
		{"data.pkl declaring nothing", append([]string{"data.pkl", "data/0"}, rest...),
			map[string][]byte{"data.pkl": noStorage}, true},
		// torch.load and the layout read the first of two alike names:
		// the analyses of both are not told apart, so the layout reads it.
		{"two data.pkl, the first declaring nothing", append([]string{"data.pkl", "data.pkl", "data/0"}, rest...),
			map[string][]byte{"data.pkl": noStorage}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := build(tt.order, maps.Clone(tt.data))
			for _, quick := range []bool{false, true} {
				f := scanMode(t, p, quick)
				analyzed := strings.Contains(f.Error, "data/7") || strings.Contains(f.Error, "data/0")
				for _, x := range f.Findings {
					if strings.Contains(x.Location, "!archive/data/") {
						analyzed = true
					}
				}
				if analyzed != tt.analyzed {
					t.Errorf("quick=%v: data record analyzed %v, want %v: %s %s %v", quick, analyzed, tt.analyzed, f.Outcome, f.Error, f.Findings)
				}
			}
		})
	}
}

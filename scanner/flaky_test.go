package scanner_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// flakyReaderAt fails the first read that starts at off, as an origin
// that stalls on one request and answers the next does.
type flakyReaderAt struct {
	*bytes.Reader
	off    int64
	mu     sync.Mutex
	failed bool
}

func (r *flakyReaderAt) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	fail := !r.failed && off == r.off
	r.failed = r.failed || fail
	r.mu.Unlock()
	if fail {
		return 0, errors.New("no data for 60s (the server stalled)")
	}
	return r.Reader.ReadAt(p, off)
}

func (*flakyReaderAt) Close() error { return nil }

type flakySource struct {
	data []byte
	off  int64
}

func (s flakySource) Walk(ctx context.Context, fn func(fetch.File) error) error {
	return fn(fetch.File{Path: "m/model.pt", Rel: "model.pt", Size: int64(len(s.data)),
		Open: func(context.Context) (fetch.ReaderAtCloser, error) {
			return &flakyReaderAt{Reader: bytes.NewReader(s.data), off: s.off}, nil
		}})
}

// npyObjectArray is a NumPy file of an object array whose data is p.
func npyObjectArray(p []byte) []byte {
	hdr := "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
	hdr += strings.Repeat(" ", 64-(10+len(hdr)+1)%64) + "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(hdr)))
	return append(append(out, hdr...), p...)
}

// TestStorageReadFailingOnceIsNotVouched: a PyTorch zip whose declared
// storage record is a NumPy object array (np.load of the zip unpickles
// it) served by an origin that fails the one read that checks its magic
// and answers every later one. Vouched for as raw storage, it ended clean
// with a sha256 covering the payload.
func TestStorageReadFailingOnceIsNotVouched(t *testing.T) {
	rec := npyObjectArray(evil)
	rec = append(rec, make([]byte, (-len(rec))&3)...)
	// A first storage past the head that the scan keeps of the file, so
	// that the record's magic is read from the origin.
	raw := make([]byte, 80<<10)
	pid := func(key string, size int) string {
		return "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" + key +
			"X\x03\x00\x00\x00cpuJ" + string(binary.LittleEndian.AppendUint32(nil, uint32(size/4))) + "tQ"
	}
	dataPkl := "\x80\x02(" + pid("0", len(raw)) + pid("1", len(rec)) + "t."
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range []struct{ name, data string }{
		{"archive/data.pkl", dataPkl}, {"archive/data/0", string(raw)}, {"archive/data/1", string(rec)}, {"archive/version", "3\n"},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	off, err := zr.File[2].DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "m", Source: flakySource{data, off}}}, scanner.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Files[0]; r.Outcome != scanner.Findings {
		t.Errorf("outcome %s (sha256 %s): the object array was vouched for unread", r.Outcome, r.SHA256)
	}
}

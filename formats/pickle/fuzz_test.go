package pickle

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// FuzzScan runs the machine and the probe over arbitrary bytes: no panic,
// no hang, findings only for registered rules at offsets inside the input,
// and a result that agrees with the error.
func FuzzScan(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.data)
	}
	files, _ := filepath.Glob(filepath.Join(samplesDir, "*", "*.pkl"))
	local, _ := filepath.Glob(filepath.Join("testdata", "*.pkl"))
	files = append(files, local...)
	// Pickles naming the saving program's own definitions (__main__).
	mainmod, _ := filepath.Glob(filepath.Join("testdata", "mainmod", "*.pkl"))
	files = append(files, mainmod...)
	// Pickled Keras models: their archives are handed to the registry.
	keras, _ := filepath.Glob(filepath.Join("testdata", "keras", "*.pkl"))
	files = append(files, keras...)
	// Objects handed to dunders at load: dict keys, str of a Series.
	dunders, _ := filepath.Glob(filepath.Join("testdata", "dunders", "*.pkl"))
	files = append(files, dunders...)
	// dill and cloudpickle pickles: type lookups and forwarded calls.
	py, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "pyformats", "*", "*.pkl"))
	files = append(files, py...)
	// pandas Arrow arrays: pyarrow array data checked against its buffers.
	arrow, _ := filepath.Glob(filepath.Join("globals", "testdata", "ecosystems", "pyarrow_*.pkl"))
	files = append(files, arrow...)
	for _, name := range files {
		if fi, err := os.Stat(name); err != nil || fi.Size() > 64<<10 {
			continue
		}
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	// The storages and tensors members of pre-1.0 torch tar checkpoints.
	tars, _ := filepath.Glob(filepath.Join("..", "pytorch", "testdata", "legacy_tar_*.tar"))
	for _, name := range tars {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			if body, err := io.ReadAll(tr); err == nil && (hdr.Name == "storages" || hdr.Name == "tensors") {
				f.Add(body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := formatstest.NewRecorder()
		rec.Lim.Opcodes = 200_000
		rec.Lim.Stack = 10_000
		rec.Lim.Memo = 10_000
		rec.Lim.Pickles = 50
		res, err := Scan(context.Background(), bytes.NewReader(data), rec, Options{Multiple: true, Source: bytes.NewReader(data)})
		if res == nil {
			t.Fatal("nil result")
		}
		if err == nil && res.Streams == 0 {
			t.Fatal("no error and no pickle")
		}
		if res.End > int64(len(data)) {
			t.Fatalf("end %d past %d bytes", res.End, len(data))
		}
		for _, fd := range rec.Findings {
			if _, ok := formats.LookupRule(fd.Rule); !ok {
				t.Fatalf("unregistered rule %s", fd.Rule)
			}
			if fd.Offset < 0 || fd.Offset > int64(len(data)) {
				t.Fatalf("finding offset %d outside %d bytes: %v", fd.Offset, len(data), fd)
			}
		}
		for _, v := range res.Values {
			_ = v.String()
		}
		probe(head("fuzz", data))
	})
}

// FuzzJoblib runs the raw-pickle analyzer — with its joblib array walker
// and legacy-torch handling — over arbitrary bytes seeded with real joblib
// dumps and pre-1.0 torch tar members: no panic, no hang, and findings only for registered rules.
func FuzzJoblib(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "joblib_*.pkl"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "containers", "*", "joblib_*"))
	keras, _ := filepath.Glob(filepath.Join("testdata", "keras", "*.joblib"))
	more = append(more, keras...)
	for _, name := range append(files, more...) {
		if fi, err := os.Stat(name); err != nil || fi.Size() > 64<<10 {
			continue
		}
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	// The storages and tensors members of pre-1.0 torch tar checkpoints.
	tars, _ := filepath.Glob(filepath.Join("..", "pytorch", "testdata", "legacy_tar_*.tar"))
	for _, name := range tars {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			if body, err := io.ReadAll(tr); err == nil && (hdr.Name == "storages" || hdr.Name == "tensors") {
				f.Add(body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := formatstest.NewRecorder()
		rec.Lim.Opcodes = 200_000
		rec.Lim.Pickles = 50
		analyze(context.Background(), formats.NewInput("f.joblib", bytes.NewReader(data), int64(len(data))), rec)
		for _, x := range rec.Findings {
			if _, ok := formats.LookupRule(x.Rule); !ok {
				t.Fatalf("finding for unregistered rule %s", x.Rule)
			}
		}
		_, _ = DescribeJoblib(context.Background(), bytes.NewReader(data))
	})
}

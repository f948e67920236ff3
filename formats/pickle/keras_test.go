package pickle

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestKerasModel checks that a Keras model loader called the way Keras
// pickles a model hands its .keras archive to the registry and is cleared,
// and that every other shape keeps MG102 high.
func TestKerasModel(t *testing.T) {
	archive, err := os.ReadFile("../keras/testdata/benign.keras")
	if err != nil {
		t.Fatal(err)
	}
	ar := string(archive)
	crowded := crowdedKeras(t, archive, maxKerasEntries+1)
	loader := cat(proto(4), sbu("keras.saving.pickle_utils"), sbu("deserialize_model_from_bytecode"), stackGlobal)
	unpickle := cat(proto(4), sbu("builtins"), sbu("getattr"), stackGlobal,
		sbu("keras.src.models.functional"), sbu("Functional"), stackGlobal, sbu("_unpickle_model"), tuple2, reduce)
	bytesIO := cat(sbu("_io"), sbu("BytesIO"), stackGlobal)
	for _, c := range []struct {
		name    string
		data    []byte
		cleared bool
	}{
		{"Keras 2 bytes", cat(string(loader), bb(ar), tuple1, reduce, stop), true},
		{"Keras 3 BytesIO state", cat(string(unpickle), string(bytesIO), emptyTuple, newobj,
			bb(ar), "J"+le32(len(ar)), "N", "\x87", build, tuple1, reduce, stop), true},
		{"Keras 3 BytesIO(bytes)", cat(string(unpickle), string(bytesIO), bb(ar), tuple1, reduce, tuple1, reduce, stop), true},
		{"str argument", cat(string(loader), bu(latin1Text(archive)), tuple1, reduce, stop), false},
		{"two arguments", cat(string(loader), bb(ar), k1(1), tuple2, reduce, stop), false},
		{"not a zip", cat(string(loader), bb("hello"), tuple1, reduce, stop), false},
		{"zip without metadata", cat(string(loader), bb(ar[:100]), tuple1, reduce, stop), false},
		{"BytesIO with a __dict__", cat(string(unpickle), string(bytesIO), emptyTuple, newobj,
			bb(ar), k1(0), emptyDict, sbu("x"), k1(1), "s", "\x87", build, tuple1, reduce, stop), false},
		{"Keras archive with more entries than a model has", cat(string(loader), bb(crowded), tuple1, reduce, stop), false},
		{"loader imported, not called", cat(string(loader), stop), false},
		{"class called", cat(proto(4), sbu("keras.src.models.functional"), sbu("Functional"), stackGlobal,
			emptyTuple, reduce, stop), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, _ := formats.Lookup(formats.Pickle)
			rec, err := formatstest.Run(t, a, "model.pkl", c.data)
			if err != nil {
				t.Fatal(err)
			}
			worst, _ := rec.Max()
			nested := slices.ContainsFunc(rec.Members, func(m formatstest.Member) bool { return string(m.Data) == ar })
			if c.cleared && (worst >= formats.Medium || !nested) {
				t.Errorf("want cleared with the archive scanned (scanned: %v):\n%s", nested, list(rec.Findings))
			}
			if !c.cleared && worst < formats.High {
				t.Errorf("want high:\n%s", list(rec.Findings))
			}
		})
	}
}

// latin1Text is b decoded as Latin-1, the str a pickler writes for it.
func latin1Text(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	ra io.ReaderAt
	n  int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.ra.ReadAt(p, off)
	c.n += int64(k)
	return k, err
}

// TestKerasModelRepeatedArchive checks that the bytes a Keras loader's
// argument is checked in count against the nested-scan budget even when
// they turn out not to be a .keras archive: one memoized zip handed to the
// loader thousands of times must not have its directory read every time.
func TestKerasModelRepeatedArchive(t *testing.T) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "pad", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 4<<20)); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if _, err := zw.Create(fmt.Sprintf("f%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := zw.Create("config.json"); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(string(cat(proto(4), sbu("keras.saving.pickle_utils"), sbu("deserialize_model_from_bytecode"), stackGlobal, memoize)))
	b.WriteString(bb(zb.String()) + memoize)
	for range 2000 {
		b.WriteString(binget(0) + binget(1) + tuple1 + reduce + pop)
	}
	b.WriteString("N" + stop)
	data := b.String()
	src := &countingReaderAt{ra: strings.NewReader(data)}
	a, _ := formats.Lookup(formats.Pickle)
	rec := formatstest.NewRecorder()
	if err := a.Analyze(context.Background(), formats.NewInput("model.pkl", src, int64(len(data))), rec); err != nil {
		t.Fatal(err)
	}
	if worst, _ := rec.Max(); worst < formats.High {
		t.Errorf("want high:\n%s", list(rec.Findings))
	}
	if limit := int64(nestedCap + 2*len(data)); src.n > limit {
		t.Errorf("read %d bytes of the input, want at most %d", src.n, limit)
	}
}

// crowdedKeras copies a .keras archive's entries into a new zip with n
// empty entries added, as a directory archive/zip would allocate for.
func crowdedKeras(t *testing.T, archive []byte, n int) string {
	t.Helper()
	src, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range src.File {
		if err := w.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if _, err := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("assets/%d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

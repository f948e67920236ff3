package pickle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// kerasLoaders are the callables a pickled Keras model's __reduce__ names.
// Keras 2.11 to 2.15 (keras/engine/training.py, Model.__reduce__) pickle a
// built model as deserialize_model_from_bytecode(bytes), the bytes of a
// .keras archive the function writes to a temporary file and loads with
// saving_lib.load_model(safe_mode=False) (keras/saving/pickle_utils.py at
// v2.13.1; v2.11.0 loaded with the default). Keras 3.3 and later
// (keras/src/saving/keras_saveable.py, KerasSaveable.__reduce__) pickle it
// as getattr(cls, "_unpickle_model")(io.BytesIO), the buffer holding a
// .keras archive that _load_model_from_fileobj reads with safe_mode=False.
// Keras 2.7 to 2.10 called the same function with a one-dimensional uint8
// numpy array holding a tar of a SavedModel, which it extracts and loads
// with keras.saving.save.load_model (v2.10.0 pickle_utils.py).
var kerasLoaders = map[string]kerasArg{
	"keras.saving.pickle_utils.deserialize_model_from_bytecode":        kerasBytes,
	"keras.src.saving.pickle_utils.deserialize_model_from_bytecode":    kerasBytes,
	"tf_keras.saving.pickle_utils.deserialize_model_from_bytecode":     kerasBytes,
	"tf_keras.src.saving.pickle_utils.deserialize_model_from_bytecode": kerasBytes,
	"keras.src.models.functional.Functional._unpickle_model":           kerasBytesIO,
	"keras.src.models.sequential.Sequential._unpickle_model":           kerasBytesIO,
	"keras.src.models.model.Model._unpickle_model":                     kerasBytesIO,
	"keras.src.saving.keras_saveable.KerasSaveable._unpickle_model":    kerasBytesIO,
}

// kerasModelClasses are the classes a Keras 3 pickle names only to look up
// _unpickle_model on (its classmethod ignores the class). Imported and not
// called, they run nothing; they are cleared with the loader's call.
var kerasModelClasses = map[string]bool{
	"keras.src.models.functional.Functional":        true,
	"keras.src.models.sequential.Sequential":        true,
	"keras.src.models.model.Model":                  true,
	"keras.src.saving.keras_saveable.KerasSaveable": true,
}

// kerasArg is the argument shape a Keras loader is called with.
type kerasArg uint8

const (
	kerasBytes   kerasArg = iota + 1 // constant bytes
	kerasBytesIO                     // an io.BytesIO of constant bytes
)

// kerasModel checks a call of a Keras model loader (see kerasLoaders). When
// it has exactly the shape Keras writes and its argument is a .keras archive
// read from the file, the archive is scanned as a nested file, so the Keras
// analyzer judges the model that loading builds, and kerasModel reports
// true. Anything else leaves the loader reported.
func (m *machine) kerasModel(off int64, full string, args Value) bool {
	shape := kerasLoaders[full]
	if shape == 0 || args.kind != KindTuple || args.Len() != 1 {
		return false
	}
	arg, _ := args.Index(0)
	if shape == kerasBytesIO {
		var ok bool
		if arg, ok = bytesIOValue(arg); !ok {
			return false
		}
	}
	ext, what, how := ".keras", "Keras archive", "with safe_mode off"
	if shape == kerasBytes {
		if b, ok := ndarrayBytes(arg); ok {
			arg, ext, what, how = b, ".tar", "tar of a Keras SavedModel", "as a SavedModel (Lambda layers are rebuilt)"
		}
	}
	if arg.kind != KindBytes && !(arg.kind == KindCall && isCodecsEncode(arg.Callable())) {
		return false
	}
	ra, n, _ := m.nestedSource(arg)
	if ra == nil || m.sh.nestedBytes+n > nestedCap {
		return false
	}
	// Checking the shape reads the bytes too: a memoized zip handed to the
	// loader again and again is charged each time, whatever it holds.
	m.sh.nestedBytes += n
	if ext == ".keras" && !kerasArchive(ra, n) || ext == ".tar" && !kerasSavedModelTar(ra, n) {
		return false
	}
	name := fmt.Sprintf("nested@%d%s", off, ext)
	if err := m.scope.Scan(m.ctx, formats.NewInput(name, ra, n)); err != nil {
		m.fatal = err
		return false
	}
	m.report(formats.NewFinding(RuleDeniedGlobal, off,
		"%s loads an embedded %d-byte %s %s, the way Keras pickles a model; it was scanned as %s", full, n, what, how, name).
		At(formats.Info).With("global", full).With("loader", full).With("bytes", strconv.FormatInt(n, 10)).With("member", name))
	return true
}

// bytesIOValue returns the bytes an io.BytesIO value holds when it is
// built the way pickle writes one (BytesIO() then BUILD with its
// __getstate__ tuple: value, position, None or an empty __dict__) or
// called with constant bytes alone.
func bytesIOValue(v Value) (Value, bool) {
	if v.kind != KindCall {
		return Value{}, false
	}
	mod, name, ok := v.Callable().Global()
	if !ok || (mod != "_io" && mod != "io") || name != "BytesIO" {
		return Value{}, false
	}
	a := v.Args()
	st, built := v.State()
	switch {
	case a.kind == KindTuple && a.Len() == 0 && built:
		if st.kind != KindTuple || st.Len() != 3 {
			return Value{}, false
		}
		b, _ := st.Index(0)
		pos, _ := st.Index(1)
		d, _ := st.Index(2)
		if _, ok := pos.Int(); !ok || !(d.kind == KindNone || d.kind == KindDict && d.Len() == 0) {
			return Value{}, false
		}
		return b, true
	case a.kind == KindTuple && a.Len() == 1 && !built:
		b, _ := a.Index(0)
		return b, true
	}
	return Value{}, false
}

func isCodecsEncode(fn Value) bool {
	mod, name, ok := fn.Global()
	return ok && mod == "_codecs" && name == "encode"
}

// kerasArchive reports whether ra holds what the Keras layout of package
// keras takes for a .keras archive and judges (formats/keras/layout.go):
// config.json, metadata.json with a keras_version, and a weights file at
// the root. A zip that is not one would have its members scanned one by
// one, leaving the model config unjudged.
// maxKerasEntries bounds the entries of an archive read as a Keras model:
// archive/zip allocates a record per entry its directory lists, a few
// hundred bytes each, and a .keras archive holds a handful (config,
// metadata, weights and the assets of a few layers).
const maxKerasEntries = 4096

// fewEntries reports whether the zip's end record, where archive/zip
// looks for it, lists at most maxKerasEntries entries and needs no zip64
// record (whose count would be 64 bits wide): what archive/zip would
// then allocate for the directory stays small.
func fewEntries(ra io.ReaderAt, n int64) bool {
	const endLen = 22
	tail := make([]byte, min(n, endLen+1<<16))
	if _, err := ra.ReadAt(tail, n-int64(len(tail))); err != nil && err != io.EOF {
		return false
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < endLen {
		return false
	}
	end := tail[i:]
	total := binary.LittleEndian.Uint16(end[10:])
	return total != 0xffff && total <= maxKerasEntries && binary.LittleEndian.Uint32(end[16:]) != 0xffffffff
}

func kerasArchive(ra io.ReaderAt, n int64) bool {
	head := make([]byte, 4)
	if k, _ := ra.ReadAt(head, 0); k < 4 || !bytes.Equal(head, []byte("PK\x03\x04")) {
		return false
	}
	if !fewEntries(ra, n) {
		return false
	}
	zr, err := zip.NewReader(ra, n)
	if err != nil {
		return false
	}
	var cfg, weights bool
	var meta *zip.File
	for _, f := range zr.File {
		switch {
		case f.Name == "config.json":
			cfg = true
		case f.Name == "metadata.json":
			meta = f
		case !strings.Contains(f.Name, "/") && (strings.HasSuffix(f.Name, ".weights.h5") ||
			strings.HasSuffix(f.Name, ".weights.npz") || strings.HasSuffix(f.Name, ".weights.json")):
			weights = true
		}
	}
	if !cfg || !weights || meta == nil || meta.UncompressedSize64 > 1<<20 {
		return false
	}
	rc, err := meta.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return false
	}
	var md struct {
		Version *string `json:"keras_version"`
	}
	return json.Unmarshal(data, &md) == nil && md.Version != nil
}

// ndarrayBytes returns the bytes of a one-dimensional numpy array of
// one-byte elements whose data is in the file: written by joblib (see
// joblibArray) or by ndarray.__reduce__ as
// _reconstruct(ndarray, (0,), b"b") with the BUILD state
// (1, (n,), dtype, False, data).
func ndarrayBytes(v Value) (Value, bool) {
	if b, ok := joblibBytes(v); ok {
		return b, true
	}
	if v.kind != KindCall {
		return Value{}, false
	}
	mod, name, ok := v.Callable().Global()
	if !ok || name != "_reconstruct" || mod != "numpy.core.multiarray" && mod != "numpy._core.multiarray" {
		return Value{}, false
	}
	cls, _ := v.Args().Index(0)
	if m, n, ok := cls.Global(); !ok || m != "numpy" || n != "ndarray" {
		return Value{}, false
	}
	st, ok := v.State()
	if !ok || st.kind != KindTuple || st.Len() != 5 {
		return Value{}, false
	}
	version, _ := st.Index(0)
	shape, _ := st.Index(1)
	dt, _ := st.Index(2)
	fortran, _ := st.Index(3)
	data, _ := st.Index(4)
	if ver, ok := version.Int(); !ok || ver != 1 || fortran.kind != KindBool || shape.kind != KindTuple || shape.Len() != 1 {
		return Value{}, false
	}
	size, _ := shape.Index(0)
	count, ok := size.Int()
	d, err := readDtype(dt)
	if !ok || err != nil || d.itemsize != 1 || d.hasObject || data.kind == KindBytes && data.Size() != count {
		return Value{}, false
	}
	return data, true
}

// kerasSavedModelTar reports whether ra is a tar holding a SavedModel with
// Keras metadata at its root, which the keras-savedmodel and TensorFlow
// layouts judge (Keras 2.7 to 2.10 write members relative to the model
// directory).
func kerasSavedModelTar(ra io.ReaderAt, n int64) bool {
	tr := tar.NewReader(io.NewSectionReader(ra, 0, n))
	var meta, graph bool
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return meta && graph
		}
		if err != nil {
			return false
		}
		meta = meta || h.Name == "keras_metadata.pb" && h.Typeflag == tar.TypeReg
		graph = graph || h.Name == "saved_model.pb" && h.Typeflag == tar.TypeReg
	}
}

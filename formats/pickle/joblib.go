package pickle

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// joblib.dump writes each numpy array as a NumpyArrayWrapper object whose
// BUILD is followed, outside the pickle opcodes, by the raw array bytes (or,
// for object arrays, by a pickle of the array). joblib's NumpyUnpickler
// (joblib 1.2 numpy_pickle.py, load_build) checks after every BUILD whether
// the object on top of the stack is an instance of NumpyArrayWrapper or of
// the pre-0.10 NDArrayWrapper/ZNDArrayWrapper — whatever opcode made it —
// and replaces it with the array its read method returns. The machine does
// the same here, with the attributes the instance has at that point.

type wrapperKind uint8

const (
	notWrapper   wrapperKind = iota
	arrayWrapper             // NumpyArrayWrapper: inline array bytes follow
	fileWrapper              // NDArrayWrapper: numpy.load of a companion file
	zfileWrapper             // ZNDArrayWrapper: a zlib companion file
)

// joblibWrappers are the names under which the wrapper classes are
// importable (joblib 1.2 re-exports the compat classes from numpy_pickle;
// scikit-learn < 0.23 vendored joblib as sklearn.externals.joblib).
var joblibWrappers = map[string]wrapperKind{
	"joblib.numpy_pickle.NumpyArrayWrapper":                        arrayWrapper,
	"sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper":      arrayWrapper,
	"joblib.numpy_pickle.NDArrayWrapper":                           fileWrapper,
	"joblib.numpy_pickle_compat.NDArrayWrapper":                    fileWrapper,
	"sklearn.externals.joblib.numpy_pickle.NDArrayWrapper":         fileWrapper,
	"sklearn.externals.joblib.numpy_pickle_compat.NDArrayWrapper":  fileWrapper,
	"joblib.numpy_pickle.ZNDArrayWrapper":                          zfileWrapper,
	"joblib.numpy_pickle_compat.ZNDArrayWrapper":                   zfileWrapper,
	"sklearn.externals.joblib.numpy_pickle.ZNDArrayWrapper":        zfileWrapper,
	"sklearn.externals.joblib.numpy_pickle_compat.ZNDArrayWrapper": zfileWrapper,
}

// wrapperInit lists each class's __init__ parameters with their defaults
// (absent: required). Calling the class runs __init__, which sets them as
// attributes.
var wrapperInit = map[wrapperKind][]struct {
	name string
	def  Value
}{
	arrayWrapper: {{"subclass", Value{}}, {"shape", Value{}}, {"order", Value{}}, {"dtype", Value{}},
		{"allow_mmap", scalar(KindBool, 0)}, {"numpy_array_alignment_bytes", scalar(KindInt, joblibAlignment)}},
	fileWrapper:  {{"filename", Value{}}, {"subclass", Value{}}, {"allow_mmap", scalar(KindBool, 1)}},
	zfileWrapper: {{"filename", Value{}}, {"init_args", Value{}}, {"state", Value{}}},
}

// joblibAlignment is joblib's NUMPY_ARRAY_ALIGNMENT_BYTES, the only value it
// writes as numpy_array_alignment_bytes.
const joblibAlignment = 16

// instanceMakers are the reconstructors that return an instance of their
// first argument without running its __init__ (copyreg.__newobj__ is what
// protocol 2+ NEWOBJ stands for, copyreg._reconstructor protocols 0 and 1).
var instanceMakers = map[string]bool{
	"copyreg.__newobj__": true, "copyreg.__newobj_ex__": true, "copyreg._reconstructor": true,
	"builtins.object.__new__": true,
}

// JoblibArrays returns an OnBuild hook that mirrors joblib's load_build: it
// reads past the array data following each NumpyArrayWrapper, scanning
// object arrays' embedded pickles with s, and checks the companion file
// names of the pre-0.10 wrappers. The raw analyzer uses it, since joblib
// files are pickles.
func JoblibArrays(ctx context.Context, s formats.Scope) func(*Stream, Value, Value) (Value, error) {
	// attrs is each wrapper instance's __dict__, which successive BUILDs of
	// the same (memoized) instance update.
	attrs := map[*object]map[string]Value{}
	var stream *tables
	instances := 0
	return func(st *Stream, obj, state Value) (Value, error) {
		if obj.t != stream {
			// Each stream has its own memo, so its instances are new:
			// the attributes of the last stream's need not be kept.
			clear(attrs)
			stream = obj.t
		}
		kind, how, init := wrapperOf(obj)
		if kind == notWrapper {
			return Value{}, nil
		}
		off := st.Offset()
		w := &wrapper{kind: kind, scope: s, off: off}
		a, seen := attrs[obj.obj()]
		if !seen {
			if instances >= maxWrappers {
				return Value{}, &formats.LimitError{Limit: "joblib-wrappers", Max: maxWrappers}
			}
			instances++
			var err error
			if a, err = w.initAttrs(init); err != nil {
				return Value{}, fmt.Errorf("joblib wrapper at offset %d: %w", off, err)
			}
			attrs[obj.obj()] = a
		}
		if how != "" {
			w.odd("is built by %s, not the way joblib pickles it", how)
		} else if seen {
			w.odd("is built a second time")
		}
		if err := w.setState(a, state); err != nil {
			return Value{}, fmt.Errorf("joblib wrapper at offset %d: %w", off, err)
		}
		w.checkAttrs(a)
		var err error
		switch kind {
		case arrayWrapper:
			if n := st.FrameLeft(); n > 0 {
				// joblib reads the array from the file, after the frame the
				// unpickler has buffered, and then runs the frame's rest.
				w.noted = false
				w.odd("is built %d bytes before the end of its FRAME: joblib reads the array after the frame "+
					"and the opcodes in between out of order", n)
				return joblibArray(obj.t, off, rawBytes{}), fmt.Errorf("joblib array at offset %d inside a FRAME", off)
			}
			var raw rawBytes
			raw, err = readJoblibArray(ctx, s, st, w, a)
			// The loader leaves the array in the wrapper's place.
			return joblibArray(obj.t, off, raw), err
		default:
			err = w.companion(a)
		}
		return joblibArray(obj.t, off, rawBytes{}), err
	}
}

// maxWrappers bounds the wrapper instances tracked per scan.
const maxWrappers = 1 << 20

// wrapperOf tells whether a built object is an instance of a joblib
// wrapper class, and how it was made: how is empty when made the way
// joblib's pickler makes it (NEWOBJ, or copyreg._reconstructor), and init
// holds the arguments when the class was called (so __init__ ran).
func wrapperOf(obj Value) (kind wrapperKind, how string, init *Value) {
	if obj.kind != KindCall {
		return notWrapper, "", nil
	}
	fn, args, op := obj.at(0), obj.at(1), obj.obj().op
	mod, name, ok := fn.Global()
	if !ok {
		return notWrapper, "", nil
	}
	if k := joblibWrappers[mod+"."+name]; k != notWrapper {
		switch {
		case op == opNEWOBJ || op == opNEWOBJEX:
			return k, how, nil
		case op == opREDUCE || args.Len() > 0:
			// pickle's _instantiate calls the class for REDUCE, and for
			// OBJ and INST when they have arguments.
			return k, "a call of the class", &args
		}
		return k, opName(op), nil
	}
	if op != opREDUCE && op != opOBJ && op != opINST {
		return notWrapper, "", nil
	}
	if !instanceMakers[mod+"."+name] && !strings.HasSuffix(name, ".__new__") {
		return notWrapper, "", nil
	}
	cls, _ := args.Index(0)
	cm, cn, ok := cls.Global()
	k := joblibWrappers[cm+"."+cn]
	if !ok || k == notWrapper {
		return notWrapper, "", nil
	}
	if mod+"."+name == "copyreg._reconstructor" {
		return k, "", nil
	}
	return k, mod + "." + name, nil
}

// rawBytes locates the data of a one-dimensional joblib array of one-byte
// elements in the input (n > 0 when known).
type rawBytes struct{ off, n int64 }

// joblibArray is what the loader leaves on the stack for a wrapper: an
// ndarray, which the pickle may only BUILD or store from then on. A byte
// array whose data lies in the input keeps it as its state, an unkept
// bytes value, so that a loader given the array (Keras 2.7 to 2.10 pickle
// a model as a uint8 array of a tar) can have its bytes scanned.
func joblibArray(t *tables, off int64, raw rawBytes) Value {
	cls := t.globalValue(&gobj{module: "numpy", name: "ndarray"}, off)
	args, _ := t.newObject()
	ref, o := t.newObjectOf([]cell{cls.cell, t.objValue(KindTuple, args).cell})
	o.off, o.op = off, opBUILD
	if raw.n > 0 {
		dref, d := t.newObject()
		d.off, d.count, d.enc = raw.off, raw.n, encRaw
		sref, cs := t.cells.carve(1, &t.full)
		cs[0] = withN(t.objValue(KindBytes, dref), raw.n).cell
		o.state = sref
	}
	return t.objValue(KindCall, ref)
}

// joblibBytes returns the bytes value of a byte array joblibArray made.
func joblibBytes(v Value) (Value, bool) {
	if v.kind != KindCall || v.obj().op != opBUILD {
		return Value{}, false
	}
	if mod, name, ok := v.Callable().Global(); !ok || mod != "numpy" || name != "ndarray" {
		return Value{}, false
	}
	st, ok := v.State()
	return st, ok && st.kind == KindBytes
}

type wrapper struct {
	kind  wrapperKind
	scope formats.Scope
	off   int64
	noted bool
}

func (w *wrapper) class() string {
	switch w.kind {
	case arrayWrapper:
		return "NumpyArrayWrapper"
	case fileWrapper:
		return "NDArrayWrapper"
	}
	return "ZNDArrayWrapper"
}

// odd reports, once per BUILD, a wrapper joblib.dump could not have written.
func (w *wrapper) odd(format string, args ...any) {
	if w.noted {
		return
	}
	w.noted = true
	msg := fmt.Sprintf(format, args...)
	w.scope.Report(formats.NewFinding(RuleJoblibState, w.off, "joblib %s %s", w.class(), msg).With("class", w.class()))
}

// initAttrs is what __init__ sets when the class was called with args.
func (w *wrapper) initAttrs(args *Value) (map[string]Value, error) {
	a := map[string]Value{}
	if args == nil {
		return a, nil
	}
	params := wrapperInit[w.kind]
	if args.kind != KindTuple || args.Len() > int64(len(params)) || int64(args.nkept()) != args.Len() {
		return nil, fmt.Errorf("%s called with %s", w.class(), args)
	}
	for i, p := range params {
		v, ok := args.Index(i)
		if !ok {
			if v = p.def; v.kind == kindAbsent {
				return nil, fmt.Errorf("%s called without its %s", w.class(), p.name)
			}
		}
		a[p.name] = v
	}
	return a, nil
}

// setState applies a BUILD state as pickle's load_build (Python 3.11) does
// for a class without __setstate__: a dict updates the instance's
// __dict__, a pair (dict, slotstate) then sets each slotstate item, a false
// state nothing. An instance attribute __setstate__ (set by an earlier
// BUILD) is called instead, which checkAttrs has reported.
func (w *wrapper) setState(a map[string]Value, state Value) error {
	if _, ok := a["__setstate__"]; ok {
		return nil
	}
	var slots Value
	if state.kind == KindTuple && state.Len() == 2 {
		d, _ := state.Index(0)
		s, ok := state.Index(1)
		if !ok {
			return errors.New("BUILD state not kept")
		}
		state, slots = d, s
	}
	if truthy(state) {
		if err := w.update(a, state); err != nil {
			return err
		}
	}
	if truthy(slots) {
		w.odd("state sets slot attributes")
		return w.update(a, slots)
	}
	return nil
}

func (w *wrapper) update(a map[string]Value, d Value) error {
	if d.kind != KindDict {
		return fmt.Errorf("BUILD state %s has no items()", d)
	}
	if int64(d.nkept()) != 2*d.Len() {
		return errors.New("BUILD state too large to follow")
	}
	for i := 0; i+1 < d.nkept(); i += 2 {
		k, v := d.at(i), d.at(i+1)
		name, ok := k.Text()
		if k.kind != KindStr || !ok {
			w.odd("state has a key %s that is not an attribute name", k)
			continue
		}
		a[name] = v
	}
	return nil
}

// joblibWrites are the attributes joblib gives each class.
var joblibWrites = map[wrapperKind]map[string]bool{
	arrayWrapper: {"subclass": true, "shape": true, "order": true, "dtype": true, "allow_mmap": true,
		"numpy_array_alignment_bytes": true},
	fileWrapper:  {"filename": true, "subclass": true, "allow_mmap": true},
	zfileWrapper: {"filename": true, "init_args": true, "state": true},
}

// checkAttrs reports attributes and values joblib never writes: other
// names can shadow the methods the loader calls (read, read_array, ...).
func (w *wrapper) checkAttrs(a map[string]Value) {
	for k := range a {
		if !joblibWrites[w.kind][k] {
			w.odd("has an attribute %q that joblib never writes", k)
			return
		}
	}
	if w.kind != arrayWrapper {
		return
	}
	if v, ok := a["numpy_array_alignment_bytes"]; ok && (v.kind != KindInt || v.n != joblibAlignment) {
		w.odd("has numpy_array_alignment_bytes %s; joblib writes %d", v, joblibAlignment)
	}
	if v := a["order"]; v.kind != KindStr || v.chars() != "C" && v.chars() != "F" {
		w.odd("has order %s; joblib writes 'C' or 'F'", v)
	}
	if v, ok := a["allow_mmap"]; ok && v.kind != KindBool {
		w.odd("has allow_mmap %s; joblib writes a bool", v)
	}
}

// companion checks the file an NDArrayWrapper or ZNDArrayWrapper reads:
// read() opens os.path.join(dirname of the joblib file, filename), with
// numpy.load(allow_pickle=True) for NDArrayWrapper, so an absolute or
// ".." name loads (and unpickles) any file on the machine.
func (w *wrapper) companion(a map[string]Value) error {
	v, ok := a["filename"]
	if !ok {
		return fmt.Errorf("joblib %s without a filename", w.class())
	}
	sev, what := formats.Critical, "numpy.load(allow_pickle=True), which unpickles whatever the file holds"
	if w.kind == zfileWrapper {
		sev, what = formats.High, "reads it as array data"
	}
	name, ok := v.Text()
	if !ok || v.kind != KindStr && v.kind != KindBytes {
		w.scope.Report(formats.NewFinding(RuleJoblibFile, w.off,
			"joblib %s names its companion file by %s, known only at load time; joblib %s", w.class(), v, what).
			At(sev).With("class", w.class()))
		return nil
	}
	if outside(name) {
		w.scope.Report(formats.NewFinding(RuleJoblibFile, w.off,
			"joblib %s loads %q, outside the folder of the file; joblib %s", w.class(), name, what).
			At(sev).With("class", w.class()).With("filename", name))
		return nil
	}
	w.scope.Report(formats.NewFinding(RuleJoblibFile, w.off,
		"joblib %s loads the companion file %q next to the file (pre-0.10 joblib layout)", w.class(), name).
		At(formats.Info).With("class", w.class()).With("filename", name))
	return nil
}

// outside reports whether os.path.join(dir, name) names anything but a
// file directly in dir. joblib only ever wrote companions next to the dump
// (basename_NN.npy), so a name with a folder in it (".git/x.npy") points
// where a scan of the model's files may not look.
func outside(name string) bool {
	return strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".."
}

func truthy(v Value) bool {
	switch v.kind {
	case KindNone, kindAbsent:
		return false
	case KindBool, KindInt, KindFloat:
		return v.n != 0
	case KindStr, KindBytes:
		return v.n != 0
	case KindTuple, KindList, KindDict, KindSet, KindFrozenSet:
		return v.Len() != 0
	}
	return true
}

// readJoblibArray consumes what NumpyArrayWrapper.read_array (joblib 1.2)
// reads after the BUILD, from the wrapper's attributes, and where the data
// of a one-dimensional byte array lies.
func readJoblibArray(ctx context.Context, s formats.Scope, st *Stream, w *wrapper, a map[string]Value) (rawBytes, error) {
	shape, ok := a["shape"]
	if !ok {
		return rawBytes{}, errors.New("joblib array wrapper without a shape")
	}
	count, err := elements(shape)
	if err != nil {
		return rawBytes{}, fmt.Errorf("joblib array at offset %d: %w", st.Offset(), err)
	}
	dtype, ok := a["dtype"]
	if !ok {
		return rawBytes{}, errors.New("joblib array wrapper without a dtype")
	}
	d, err := readDtype(dtype)
	if err != nil {
		return rawBytes{}, fmt.Errorf("joblib array at offset %d: %w", st.Offset(), err)
	}
	if d.unusual != "" {
		w.odd("has a dtype with %s, which numpy never pickles", d.unusual)
	}
	if d.hasObject {
		// An object array is a pickle of its own, read with pickle.load:
		// a plain unpickler, without joblib's BUILD.
		if _, err := Scan(ctx, st, s, Options{}); err != nil {
			return rawBytes{}, fmt.Errorf("joblib object array: %w", err)
		}
		return rawBytes{}, nil
	}
	// read_array reads the padding byte whenever the attribute is not None.
	if align, ok := a["numpy_array_alignment_bytes"]; ok && align.kind != KindNone {
		pad, err := st.ReadByte()
		if err != nil {
			return rawBytes{}, fmt.Errorf("joblib array padding: %w", err)
		}
		if err := st.Discard(int64(pad)); err != nil {
			return rawBytes{}, fmt.Errorf("joblib array padding: %w", err)
		}
	}
	if d.itemsize <= 0 {
		return rawBytes{}, fmt.Errorf("joblib array at offset %d: dtype item size %d", st.Offset(), d.itemsize)
	}
	hi, size := bits.Mul64(count, uint64(d.itemsize))
	if hi != 0 || size > math.MaxInt64 {
		return rawBytes{}, errors.New("joblib array size overflows")
	}
	start := st.Offset()
	if err := st.Discard(int64(size)); err != nil {
		return rawBytes{}, fmt.Errorf("joblib array data (%d bytes): %w", size, err)
	}
	if order, _ := a["order"].Text(); d.itemsize == 1 && shape.kind == KindTuple && shape.Len() == 1 && order == "C" {
		return rawBytes{start, int64(size)}, nil
	}
	return rawBytes{}, nil
}

// elements multiplies out a shape as read_array does (an empty shape is one
// element). Values numpy would take but joblib never writes (floats,
// strings, negative or overflowing products, which numpy wraps) are errors:
// the scan ends inconclusive rather than guess.
func elements(shape Value) (uint64, error) {
	if shape.kind != KindTuple && shape.kind != KindList || shape.Len() > 64 || int64(shape.nkept()) != shape.Len() {
		return 0, fmt.Errorf("shape %v is not a tuple of sizes", shape)
	}
	n := uint64(1)
	for i := 0; i < int(shape.Len()); i++ {
		d, _ := shape.Index(i)
		v, ok := d.Int()
		if !ok || v < 0 {
			return 0, fmt.Errorf("shape %v has a bad dimension", shape)
		}
		hi, lo := bits.Mul64(n, uint64(v))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, errors.New("shape overflows")
		}
		n = lo
	}
	return n, nil
}

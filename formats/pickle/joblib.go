package pickle

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// joblib.dump writes each numpy array as a NumpyArrayWrapper object whose
// BUILD is followed, outside the pickle opcodes, by the raw array bytes (or,
// for object arrays, by a pickle of the array). joblib's NumpyUnpickler
// reads them when it sees that BUILD; the machine must do the same to find
// the next opcode.

// joblibWrappers are the classes joblib's unpickler treats so.
var joblibWrappers = map[string]bool{
	"joblib.numpy_pickle.NumpyArrayWrapper":                   true,
	"sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper": true,
}

// JoblibArrays returns an OnBuild hook that reads past the array data
// following each NumpyArrayWrapper, scanning object arrays' embedded
// pickles with s. The raw analyzer uses it, since joblib files are pickles.
func JoblibArrays(ctx context.Context, s formats.Scope) func(*Stream, Value, Value) error {
	return func(st *Stream, obj, state Value) error {
		mod, name, ok := obj.Callable().Global()
		if !ok || !joblibWrappers[mod+"."+name] {
			return nil
		}
		return readJoblibArray(ctx, s, st, state)
	}
}

func readJoblibArray(ctx context.Context, s formats.Scope, st *Stream, state Value) error {
	dtype, _ := state.Get("dtype")
	shape, _ := state.Get("shape")
	itemsize, object, err := dtypeSize(dtype)
	if err != nil {
		return fmt.Errorf("joblib array at offset %d: %w", st.Offset(), err)
	}
	if object {
		// An object array is a pickle of its own, read with pickle.load.
		if _, err := Scan(ctx, st, s, Options{}); err != nil {
			return fmt.Errorf("joblib object array: %w", err)
		}
		return nil
	}
	count, err := elements(shape)
	if err != nil {
		return fmt.Errorf("joblib array at offset %d: %w", st.Offset(), err)
	}
	if align, ok := state.Get("numpy_array_alignment_bytes"); ok && align.Kind() == KindInt {
		pad, err := st.ReadByte()
		if err != nil {
			return fmt.Errorf("joblib array padding: %w", err)
		}
		if err := st.Discard(int64(pad)); err != nil {
			return fmt.Errorf("joblib array padding: %w", err)
		}
	}
	hi, size := bits.Mul64(count, uint64(itemsize))
	if hi != 0 || size > math.MaxInt64 {
		return errors.New("joblib array size overflows")
	}
	if err := st.Discard(int64(size)); err != nil {
		return fmt.Errorf("joblib array data (%d bytes): %w", size, err)
	}
	return nil
}

// elements multiplies out a shape tuple.
func elements(shape Value) (uint64, error) {
	if shape.Kind() != KindTuple || shape.Len() > 64 {
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
		if hi != 0 {
			return 0, errors.New("shape overflows")
		}
		n = lo
	}
	return n, nil
}

// dtypeSize reads a numpy.dtype(name, ...) value with its BUILD state
// (version, byte order, subarray, names, fields, elsize, alignment, flags).
func dtypeSize(dtype Value) (size int64, object bool, err error) {
	mod, fn, ok := dtype.Callable().Global()
	if !ok || mod != "numpy" && mod != "numpy.core.multiarray" && mod != "numpy._core.multiarray" || fn != "dtype" {
		return 0, false, fmt.Errorf("dtype %v is not a numpy.dtype", dtype)
	}
	arg, _ := dtype.Args().Index(0)
	name, ok := arg.Text()
	if !ok || name == "" {
		return 0, false, fmt.Errorf("dtype %v has no name", dtype)
	}
	if state, ok := dtype.State(); ok {
		if flags, ok := index(state, 7).Int(); ok && flags&1 != 0 {
			return 0, true, nil // NPY_ITEM_REFCOUNT: holds Python objects
		}
		if elsize, ok := index(state, 5).Int(); ok && elsize > 0 {
			return elsize, false, nil
		}
	}
	kind, digits := name[0], strings.TrimLeft(name[1:], "<>|=")
	if kind == 'O' {
		return 0, true, nil
	}
	if kind == '?' {
		return 1, false, nil
	}
	if i := strings.IndexByte(digits, '['); i >= 0 {
		digits = digits[:i] // datetime units: M8[ns]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > 1<<20 {
		return 0, false, fmt.Errorf("dtype %q: unknown item size", name)
	}
	if kind == 'U' {
		n *= 4
	}
	return n, false, nil
}

func index(v Value, i int) Value {
	x, _ := v.Index(i)
	return x
}

package pickle

import (
	"context"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// JoblibFacts is what a joblib pickle declares, for a model card.
type JoblibFacts struct {
	// Arrays are the NumpyArrayWrapper records, in the order the pickle
	// builds them.
	Arrays []JoblibArray
	// Companions are the files the pre-0.10 NDArrayWrapper and
	// ZNDArrayWrapper records load their arrays from, next to the dump.
	Companions []string
	// Classes are the allowlisted globals the pickle imports, as
	// module.name, other than the containers and numpy's and joblib's own
	// array machinery: an estimator's classes.
	Classes []string
}

// JoblibArray is one array a NumpyArrayWrapper record declares.
type JoblibArray struct {
	Shape []int64
	// Dtype is the type string numpy.dtype was called with ("f8", "O8").
	Dtype    string
	Elements uint64
	Object   bool
}

// DescribeJoblib runs the pickle machine over the joblib pickle in r (the
// decompressed stream, for a compressed dump) the way the scan does, and
// reads the arrays' declared shapes and dtypes and the classes it imports.
// It judges nothing (findings are dropped: the file is expected to have
// been scanned clean already), executes nothing, and reads array data only
// to step over it.
func DescribeJoblib(ctx context.Context, r io.Reader) (*JoblibFacts, error) {
	f := &JoblibFacts{}
	hook := JoblibArrays(ctx, discard())
	opt := Options{Multiple: true}
	opt.Hooks.OnBuild = func(st *Stream, obj, state Value) (Value, error) {
		switch kind, _, _ := wrapperOf(obj); {
		case state.kind != KindDict:
		case kind == arrayWrapper:
			f.addArray(state)
		case kind == fileWrapper || kind == zfileWrapper:
			if v, ok := state.Get("filename"); ok && v.kind == KindStr {
				if name, ok := v.Text(); ok && !outside(name) {
					f.Companions = append(f.Companions, name)
				}
			}
		}
		return hook(st, obj, state)
	}
	res, err := Scan(ctx, NewStream(r, 0), discard(), opt)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, g := range res.Globals {
		name := g.Module + "." + g.Name
		if g.Verdict.Class != globals.Allowed || machinery(g.Module) || seen[name] {
			continue
		}
		seen[name] = true
		f.Classes = append(f.Classes, name)
	}
	return f, nil
}

// machinery says whether a module's globals are how any joblib dump is
// built (containers, arrays, the wrappers) rather than what it holds.
func machinery(module string) bool {
	for _, m := range []string{"builtins", "copyreg", "_codecs", "collections", "numpy", "joblib", "sklearn.externals.joblib"} {
		if module == m || strings.HasPrefix(module, m+".") {
			return true
		}
	}
	return false
}

// addArray records a wrapper's declared shape and dtype when both read the
// way the scan reads them; others are left out.
func (f *JoblibFacts) addArray(state Value) {
	shape, ok := state.Get("shape")
	if !ok {
		return
	}
	n, err := elements(shape)
	if err != nil {
		return
	}
	dv, ok := state.Get("dtype")
	if !ok {
		return
	}
	d, err := readDtype(dv)
	if err != nil {
		return
	}
	arg, _ := dv.Args().Index(0)
	name, _ := arg.Text()
	a := JoblibArray{Dtype: name, Elements: n, Object: d.hasObject}
	for i := range int(shape.Len()) {
		v, _ := shape.Index(i)
		x, _ := v.Int()
		a.Shape = append(a.Shape, x)
	}
	f.Arrays = append(f.Arrays, a)
}

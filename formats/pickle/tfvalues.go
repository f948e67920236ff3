package pickle

// TensorFlow value objects pickled with plain pickle (a Keras callback's
// metrics, a tf.random.Generator's state) name three TensorFlow functions
// that tensorflow.* denies. allow.tsv lists them, and the machine holds
// them to the exact argument shapes TensorFlow's own __reduce__ methods
// write; any other call is reported as the denied global it was
// (tfShapeMiss), so the entries let through values, never code:
//
//   - EagerTensor.__reduce__ (tensorflow/python/framework/ops.py) returns
//     convert_to_tensor, (self._numpy(),): one numpy array or scalar,
//     which tensor_conversion_registry.convert turns into a constant.
//   - DType.__reduce__ (tensorflow/python/framework/dtypes.py) returns
//     as_dtype, (self.name,): a table lookup of the dtype's name.
//   - BaseResourceVariable.__reduce__ (resource_variable_ops.py) returns
//     partial(ResourceVariable, initial_value=self.numpy(), trainable=...,
//     name=..., dtype=..., constraint=..., distribute_strategy=...), ().
//     ResourceVariable.__init__ calls initial_value when it is callable,
//     imports a graph from variable_def, adopts handle, and keeps a
//     constraint and a caching device it calls later: only the keys its
//     __reduce__ writes are accepted, with a numpy value, literals, an
//     as_dtype call and None for constraint and distribute_strategy.
//   - TensorShape.__reduce__ and Dimension.__reduce__ (tensor_shape.py)
//     return (TensorShape, (self.dims,)), a list of Dimension(int or
//     None) or None, and (Dimension, (self._value,)): tuples of ints.
const (
	tfConvertToTensor = "tensorflow.python.framework.ops.convert_to_tensor"
	tfAsDtype         = "tensorflow.python.framework.dtypes.as_dtype"
	tfResourceVar     = "tensorflow.python.ops.resource_variable_ops.ResourceVariable"
	tfTensorShape     = "tensorflow.python.framework.tensor_shape.TensorShape"
	tfDimension       = "tensorflow.python.framework.tensor_shape.Dimension"
)

// tfShapes are the checks of a direct call (REDUCE, OBJ, INST) of each
// TensorFlow function allow.tsv lists; ResourceVariable is only ever
// called through the partial its __reduce__ writes (tfPartialKwargs).
var tfShapes = map[string]func(args, kwargs Value) bool{
	tfConvertToTensor: tfConvertArgs,
	tfAsDtype:         tfAsDtypeArgs,
	tfResourceVar:     func(args, kwargs Value) bool { return false },
	tfTensorShape: func(args, kwargs Value) bool {
		return kwargs.kind == kindAbsent && oneArg(args) && tfDims(args.at(0))
	},
	tfDimension: tfDimensionArgs,
}

func tfConvertArgs(args, kwargs Value) bool {
	return kwargs.kind == kindAbsent && oneArg(args) && tfTensorValue(args.at(0))
}

func tfAsDtypeArgs(args, kwargs Value) bool {
	return kwargs.kind == kindAbsent && oneArg(args) && tfDtypeName(args.at(0))
}

func tfDimensionArgs(args, kwargs Value) bool {
	return kwargs.kind == kindAbsent && oneArg(args) && (args.at(0).kind == KindInt || args.at(0).kind == KindNone)
}

// tfDims reports whether v is what TensorShape.__reduce__ writes for its
// dims: None (unknown rank), or a list of Dimension calls, ints and Nones.
func tfDims(v Value) bool {
	if v.kind == KindNone {
		return true
	}
	if v.kind != KindList && v.kind != KindTuple || !kept(v) {
		return false
	}
	for _, c := range v.cells() {
		d := v.t.val(c)
		if d.kind != KindInt && d.kind != KindNone && !tfCallOf(d, tfDimension, tfDimensionArgs) {
			return false
		}
	}
	return true
}

// tfPartialKwargs checks the keyword arguments a functools.partial binds
// to a checked TensorFlow callable, with no positional argument.
var tfPartialKwargs = map[string]func(kw Value) bool{
	tfResourceVar: tfVariableKwargs,
}

func oneArg(args Value) bool {
	return args.kind == KindTuple && kept(args) && args.nkept() == 1
}

// tfDtypeNames are the names as_dtype finds in _STRING_TO_TF: DType.name
// of every type of _TYPE_TO_STRING, their _ref variants and the
// non-canonical aliases (tensorflow/python/framework/dtypes.py).
var tfDtypeNames = func() map[string]bool {
	m := map[string]bool{"half": true, "half_ref": true, "float": true, "float_ref": true, "double": true, "double_ref": true}
	for _, n := range []string{"float16", "float32", "float64", "int32", "uint8", "uint16", "uint32", "uint64",
		"int16", "int8", "string", "complex64", "complex128", "int64", "bool", "qint8", "quint8", "qint16",
		"quint16", "qint32", "bfloat16", "resource", "variant", "float8_e5m2", "float8_e4m3fn", "float8_e4m3fnuz",
		"float8_e4m3b11fnuz", "float8_e5m2fnuz", "int4", "uint4", "int2", "uint2"} {
		m[n], m[n+"_ref"] = true, true
	}
	return m
}()

func tfDtypeName(v Value) bool {
	s, ok := v.Text()
	return ok && v.kind == KindStr && tfDtypeNames[s]
}

// tfTensorValue reports whether v is what convert_to_tensor may take from
// a pickle: a literal, or a numpy array or scalar whose dtype holds no
// Python objects, built the way numpy pickles them (the array's BUILD
// state keeps its data as bytes, the scalar its value).
func tfTensorValue(v Value) bool {
	if v.kind != KindCall {
		return constant(v, 0) && v.kind != KindNone
	}
	mod, name, ok := v.Callable().Global()
	if !ok || mod != "numpy.core.multiarray" && mod != "numpy._core.multiarray" {
		return false
	}
	args := v.Args()
	switch name {
	case "scalar":
		if args.kind != KindTuple || !kept(args) || args.nkept() != 2 || args.at(1).kind != KindBytes {
			return false
		}
		d, err := readDtype(args.at(0))
		return err == nil && !d.hasObject
	case "_reconstruct":
		if args.kind != KindTuple || !kept(args) || args.nkept() != 3 {
			return false
		}
		if m, n, ok := args.at(0).Global(); !ok || m != "numpy" || n != "ndarray" {
			return false
		}
		st, ok := v.State()
		if v.obj().flags&flagRebuilt != 0 {
			// A call between two BUILDs saw the earlier state.
			return false
		}
		if !ok || st.kind != KindTuple || !kept(st) || st.nkept() != 5 || st.at(4).kind != KindBytes {
			return false
		}
		d, err := readDtype(st.at(2))
		return err == nil && !d.hasObject
	}
	return false
}

// tfVariableKwargs checks the keyword arguments BaseResourceVariable's
// __reduce__ binds. Every pair the dict was given counts: the unpickler
// sets them in order and the last one of a key wins.
func tfVariableKwargs(kw Value) bool {
	if kw.kind != KindDict || !kept(kw) {
		return false
	}
	items := kw.cells()
	initial := false
	for i := 0; i+1 < len(items); i += 2 {
		k, v := kw.t.val(items[i]), kw.t.val(items[i+1])
		key, ok := k.Text()
		if !ok || k.kind != KindStr {
			return false
		}
		switch key {
		case "initial_value":
			initial = true
			if !tfTensorValue(v) && !tfCallOf(v, tfConvertToTensor, tfConvertArgs) {
				return false
			}
		case "trainable":
			if v.kind != KindBool {
				return false
			}
		case "name":
			if v.kind != KindStr && v.kind != KindNone {
				return false
			}
		case "dtype":
			if v.kind != KindNone && !tfCallOf(v, tfAsDtype, tfAsDtypeArgs) {
				return false
			}
		case "constraint", "distribute_strategy":
			if v.kind != KindNone {
				return false
			}
		default:
			return false
		}
	}
	return initial
}

// tfCallOf reports whether v is a call of the global full whose
// arguments pass check, its shape check.
func tfCallOf(v Value, full string, check func(args, kwargs Value) bool) bool {
	if v.kind != KindCall || v.nkept() < 2 {
		return false
	}
	mod, name, ok := v.Callable().Global()
	if !ok || mod+"."+name != full {
		return false
	}
	kwargs := Value{}
	if v.nkept() > 2 {
		kwargs = v.at(2)
	}
	return check(v.Args(), kwargs)
}

// tfShapeMiss records the first use of a checked TensorFlow global
// outside the shape its entry permits.
func (g *globalInfo) tfShapeMiss(off int64, call Value) {
	if g.shapeMiss == "" {
		g.shapeMiss, g.shapeMissOff = call.String(), off
	}
}

// tfPartialOK reports whether a partial of f binding args and kw is the
// shape its checked TensorFlow callable accepts; true for other callables.
func tfPartialOK(f, args, kw Value) bool {
	mod, name, ok := f.Global()
	if !ok {
		return true
	}
	check, ok := tfPartialKwargs[mod+"."+name]
	if !ok {
		if _, checked := tfShapes[mod+"."+name]; checked {
			return false
		}
		return true
	}
	return args.kind == KindTuple && args.nkept() == 0 && args.count() == 0 && check(kw)
}

// tfChecked reports whether v is a TensorFlow global held to a shape.
func tfChecked(v Value) bool {
	return v.kind == KindGlobal && !v.gobj().dynamic && v.gobj().info != nil && v.gobj().info.shapeCheck != nil
}

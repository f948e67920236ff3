package pickle

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// TestTensorFlowValues asserts the three TensorFlow globals allow.tsv lists
// are clean only in the shapes TensorFlow's __reduce__ methods write
// (tfvalues.go), and that every other use keeps the denylist's finding:
// high MG102 on the TensorFlow global, critical on functools.partial.
func TestTensorFlowValues(t *testing.T) {
	const (
		ops    = "tensorflow.python.framework.ops"
		dtypes = "tensorflow.python.framework.dtypes"
		rvops  = "tensorflow.python.ops.resource_variable_ops"
	)
	const shape = "tensorflow.python.framework.tensor_shape"
	dim := glob(shape, "Dimension")
	convert := glob(ops, "convert_to_tensor")
	asDtype := glob(dtypes, "as_dtype")
	resVar := glob(rvops, "ResourceVariable")
	partial := glob("functools", "partial")
	// numpy's own pickles of a float32 scalar and an int64 array.
	npDtype := func(code string) string {
		return glob("numpy", "dtype") + sbu(code) + "\x89\x88\x87" + reduce +
			mark + "K\x03" + sbu("<") + "NNN" + "J\xff\xff\xff\xff" + "J\xff\xff\xff\xff" + "K\x00" + "t" + build
	}
	scalar := glob("numpy.core.multiarray", "scalar") + npDtype("f4") + sbb("UU\xd5?") + tuple2 + reduce
	array := func(code, data string) string {
		return glob("numpy.core.multiarray", "_reconstruct") + glob("numpy", "ndarray") + "K\x00" + tuple1 + sbb("b") + "\x87" + reduce +
			mark + "K\x01" + "K\x03" + tuple1 + npDtype(code) + "\x89" + data + "t" + build
	}
	int64s := array("i8", sbb(strings.Repeat("\x00", 24)))
	objects := array("O8", "]"+glob("os", "getcwd")+"a")
	dtype := asDtype + sbu("int64") + tuple1 + reduce
	// The variable as BaseResourceVariable.__reduce__ pickles it, with
	// the keyword pairs kw in place of its own.
	kwargs := func(pairs ...string) string { return emptyDict + mark + strings.Join(pairs, "") + "u" }
	initial := sbu("initial_value") + int64s
	good := []string{initial, sbu("trainable") + "\x89", sbu("name") + sbu("Variable"), sbu("dtype") + dtype,
		sbu("constraint") + "N", sbu("distribute_strategy") + "N"}
	variable := func(callArgs string, pairs ...string) []byte {
		return cat(proto(2), partial, resVar, binput(1), tuple1, reduce,
			mark, binget(1), emptyTuple, kwargs(pairs...), "N", "t", build, callArgs, reduce, stop)
	}
	with := func(extra ...string) []string { return append(append([]string{}, good...), extra...) }
	const partialGlobal = "functools.partial"
	tests := []struct {
		name string
		data []byte
		// want is the global reported at high or above ("" for a clean file).
		want string
	}{
		{"EagerTensor of a float32 scalar", cat(proto(2), convert, scalar, tuple1, reduce, stop), ""},
		{"EagerTensor of an int64 array", cat(proto(2), convert, int64s, tuple1, reduce, stop), ""},
		{"EagerTensor of a literal", cat(proto(2), convert, "G?\xf0\x00\x00\x00\x00\x00\x00", tuple1, reduce, stop), ""},
		{"DType", cat(proto(2), dtype, stop), ""},
		{"DType held", cat(proto(2), asDtype, stop), ""},
		{"ResourceVariable", variable(emptyTuple, good...), ""},
		{"TensorShape of Dimensions", cat(proto(2), glob(shape, "TensorShape"), "]", mark, dim+"K\x03"+tuple1+reduce, dim+"N"+tuple1+reduce, "e", tuple1, reduce, stop), ""},
		{"TensorShape of unknown rank", cat(proto(2), glob(shape, "TensorShape"), "N", tuple1, reduce, stop), ""},
		{"TensorShape of an object", cat(proto(2), glob(shape, "TensorShape"), glob("collections", "OrderedDict")+emptyTuple+reduce, tuple1, reduce, stop), shape + ".TensorShape"},
		{"TensorShape of an object in a list", cat(proto(2), glob(shape, "TensorShape"), "]", glob("collections", "OrderedDict")+emptyTuple+reduce, "a", tuple1, reduce, stop), shape + ".TensorShape"},
		{"Dimension of a string", cat(proto(2), dim, sbu("x"), tuple1, reduce, stop), shape + ".Dimension"},
		{"ResourceVariable with a convert_to_tensor value", variable(emptyTuple, sbu("initial_value")+convert+scalar+tuple1+reduce), ""},

		{"convert_to_tensor of an object", cat(proto(2), convert, glob("collections", "OrderedDict")+emptyTuple+reduce, tuple1, reduce, stop), ops + ".convert_to_tensor"},
		{"convert_to_tensor of an object array", cat(proto(2), convert, objects, tuple1, reduce, stop), ops + ".convert_to_tensor"},
		{"convert_to_tensor of a global", cat(proto(2), convert, glob("builtins", "len"), tuple1, reduce, stop), ops + ".convert_to_tensor"},
		{"convert_to_tensor with a second argument", cat(proto(2), convert, scalar, dtype, tuple2, reduce, stop), ops + ".convert_to_tensor"},
		{"convert_to_tensor built", cat(proto(2), convert, emptyTuple, newobj, stop), ops + ".convert_to_tensor"},
		{"convert_to_tensor forwarded by dill", cat(proto(2), glob("dill._dill", "_create_array"), convert,
			glob("builtins", "len")+tuple1, "N", "\x87", reduce, stop), ops + ".convert_to_tensor"},
		{"as_dtype of a computed name", cat(proto(2), asDtype, glob("builtins", "str")+sbu("int64")+tuple1+reduce, tuple1, reduce, stop), dtypes + ".as_dtype"},
		{"as_dtype of an unknown name", cat(proto(2), asDtype, sbu("../etc/passwd"), tuple1, reduce, stop), dtypes + ".as_dtype"},
		{"as_dtype of a number", cat(proto(2), asDtype, "K\x09", tuple1, reduce, stop), dtypes + ".as_dtype"},
		{"ResourceVariable called directly", cat(proto(2), resVar, int64s, tuple1, reduce, stop), rvops + ".ResourceVariable"},
		{"ResourceVariable built", cat(proto(2), resVar, emptyTuple, newobj, stop), rvops + ".ResourceVariable"},
		{"partial object called with an argument", variable(glob("builtins", "len")+tuple1, good...), rvops + ".ResourceVariable"},
		{"callable initial_value", variable(emptyTuple, sbu("initial_value")+glob("builtins", "len")), partialGlobal},
		{"computed initial_value", variable(emptyTuple, sbu("initial_value")+glob("collections", "OrderedDict")+emptyTuple+reduce), partialGlobal},
		{"object-array initial_value", variable(emptyTuple, sbu("initial_value")+objects), partialGlobal},
		{"no initial_value", variable(emptyTuple, good[1:]...), partialGlobal},
		{"variable_def", variable(emptyTuple, sbu("variable_def")+sbb("\x0a\x01x")), partialGlobal},
		{"import_scope beside variable_def", variable(emptyTuple, with(sbu("import_scope")+sbu("x"))...), partialGlobal},
		{"handle", variable(emptyTuple, with(sbu("handle")+"N")...), partialGlobal},
		{"caching_device", variable(emptyTuple, with(sbu("caching_device")+sbu("/cpu:0"))...), partialGlobal},
		{"constraint function", variable(emptyTuple, with(sbu("constraint")+glob("builtins", "len"))...), partialGlobal},
		{"distribute_strategy object", variable(emptyTuple, with(sbu("distribute_strategy")+glob("collections", "OrderedDict")+emptyTuple+reduce)...), partialGlobal},
		{"dtype of a computed name", variable(emptyTuple, with(sbu("dtype")+asDtype+glob("builtins", "str")+sbu("x")+tuple1+reduce+tuple1+reduce)...), partialGlobal},
		{"positional arguments bound", cat(proto(2), partial, resVar, binput(1), tuple1, reduce,
			mark, binget(1), int64s+tuple1, kwargs(good[1:]...), "N", "t", build, emptyTuple, reduce, stop), partialGlobal},
		{"no BUILD state", cat(proto(2), partial, resVar, int64s, tuple2, reduce, emptyTuple, reduce, stop), partialGlobal},
		{"tf.io.write_file", cat(proto(2), glob("tensorflow.python.ops.gen_io_ops", "write_file"), sbu("/tmp/x"), sbu("y"), tuple2, reduce, stop), "tensorflow.python.ops.gen_io_ops.write_file"},
		{"tf.py_function", cat(proto(2), glob("tensorflow.python.ops.script_ops", "eager_py_func"), glob("os", "system"), tuple1, reduce, stop), "tensorflow.python.ops.script_ops.eager_py_func"},
		{"tensorflow.io.write_file", cat(proto(2), glob("tensorflow.io", "write_file"), sbu("/tmp/x"), sbu("y"), tuple2, reduce, stop), "tensorflow.io.write_file"},
		{"tensorflow.py_function", cat(proto(2), glob("tensorflow", "py_function"), glob("os", "system"), tuple1, reduce, stop), "tensorflow.py_function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.want == "" {
				if worst, any := rec.Max(); any && worst >= formats.Medium {
					t.Errorf("findings: %s", list(rec.Findings))
				}
				return
			}
			for _, f := range rec.Findings {
				if f.Details["global"] == tt.want && f.Severity >= formats.High && f.Rule == RuleDeniedGlobal {
					return
				}
			}
			t.Errorf("no high %s finding: %s", tt.want, list(rec.Findings))
		})
	}
}

// TestTensorFlowEcosystemOff asserts that with the tensorflow ecosystem
// disabled the value objects are the denied globals they were.
func TestTensorFlowEcosystemOff(t *testing.T) {
	sel, err := globals.NewSelection(nil, []string{"tensorflow"})
	if err != nil {
		t.Fatal(err)
	}
	data := cat(proto(2), glob("tensorflow.python.framework.dtypes", "as_dtype"), sbu("int64"), tuple1, reduce, stop)
	rec := formatstest.NewRecorder()
	ctx := globals.WithSelection(context.Background(), sel)
	if _, err := Scan(ctx, bytes.NewReader(data), rec, Options{Source: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	if worst, any := rec.Max(); !any || worst < formats.High {
		t.Errorf("as_dtype with tensorflow off: %s", list(rec.Findings))
	}
}

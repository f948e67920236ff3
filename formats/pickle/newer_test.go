package pickle

import (
	"testing"
)

// TestNewerLibraryPickles assembles pickles the way releases newer than
// Debian's write them (Python 3.13 paths, numpy 2, scipy 1.15, pandas 2.1-3
// and its offsets, statsmodels 0.14, scikit-learn SGD losses and scorers,
// gensim 4.3 BM25, torch >= 2.0 distributed-checkpoint metadata), read from
// each library's __reduce__/__getstate__: each must come out clean, and
// calling a class-only entry with the pickle's arguments must still be MG116.
func TestNewerLibraryPickles(t *testing.T) {
	const (
		tuple3  = "\x87"
		none    = "N"
		falseOp = "\x89"
		setitem = "s"
	)
	nan := "G\x7f\xf8\x00\x00\x00\x00\x00\x00"
	// _reconstruct(cls, (0,), b"b") then ndarray state (1, (0,), dtype, False, b"").
	reconstruct := func(m, n string) string {
		return glob("numpy._core.multiarray", "_reconstruct") + glob(m, n) + k1(0) + tuple1 + sbb("b") + tuple3 + reduce +
			mark + k1(1) + k1(0) + tuple1 + glob("numpy", "dtype") + sbu("f8") + falseOp + "\x88" + tuple3 + reduce +
			falseOp + sbb("") + "t" + build
	}
	built := func(m, n string) string { return glob(m, n) + emptyTuple + newobj }
	dcp := "torch.distributed.checkpoint.metadata"
	// TensorProperties state: (dtype, layout, requires_grad, encoding, pin_memory).
	props := func(enc string) string {
		return built(dcp, "TensorProperties") + mark + glob("torch", "float32") + glob("torch", "strided") + falseOp + enc + falseOp + "t" + build
	}
	encCall := glob(dcp, "_MEM_FORMAT_ENCODING") + k1(0) + tuple1 + reduce
	encGetattr := glob("builtins", "getattr") + glob(dcp, "_MEM_FORMAT_ENCODING") + sbu("TORCH_CONTIGUOUS_FORMAT") + tuple2 + reduce
	size := glob("torch", "Size") + "]" + k1(4) + "a" + tuple1 + reduce
	metadata := func(enc string) []byte {
		return cat(proto(2),
			built(dcp, "Metadata"), emptyDict,
			sbu("state_dict_metadata"), emptyDict,
			sbu("w"), built(dcp, "TensorStorageMetadata"), emptyDict,
			sbu("properties"), props(enc), setitem,
			sbu("size"), size, setitem,
			sbu("chunks"), emptyList, built(dcp, "ChunkStorageMetadata"), emptyDict, sbu("offsets"), size, setitem, sbu("sizes"), size, setitem, build, "a", setitem,
			build, setitem,
			sbu("b"), built(dcp, "BytesStorageMetadata"), setitem,
			setitem,
			sbu("storage_data"), emptyDict,
			built(dcp, "MetadataIndex"), emptyDict, sbu("fqn"), sbu("w"), setitem, sbu("offset"), size, setitem, build,
			built("torch.distributed.checkpoint.filesystem", "_StorageInfo"), emptyDict, sbu("relative_path"), sbu("__0_0.distcp"), setitem, sbu("offset"), k1(0), setitem, sbu("length"), k1(16), setitem, build,
			setitem, setitem,
			sbu("storage_meta"), built(dcp, "StorageMeta"), setitem,
			build, stop)
	}
	tests := []struct {
		name string
		data []byte
		rule string // reported, or "" for clean
	}{
		{"numpy 2 recarray", cat(proto(2), reconstruct("numpy.rec", "recarray"), stop), ""},
		{"numpy 2 chararray", cat(proto(2), reconstruct("numpy.char", "chararray"), stop), ""},
		{"numpy 2 recarray called", cat(proto(2), glob("numpy.rec", "recarray"), k1(3), tuple1, reduce, stop), RuleMisusedGlobal},
		{"numpy 2 StringDType", cat(proto(2), glob("numpy._core._internal", "_convert_to_stringdtype_kwargs"), k1(1), tuple1, reduce, stop), ""},
		{"numpy 2 StringDType with na_object", cat(proto(2), glob("numpy._core._internal", "_convert_to_stringdtype_kwargs"), k1(1), nan, tuple2, reduce, stop), ""},
		// numpy >= 2: Generator.__reduce__ is (__generator_ctor, (bit_generator,)) and
		// BitGenerator.__reduce__ is (__bit_generator_ctor, (type(self),), (state, seed_seq)).
		{"numpy 2 Generator", cat(proto(2), glob("numpy.random._pickle", "__generator_ctor"),
			glob("numpy.random._pickle", "__bit_generator_ctor"), glob("numpy.random._pcg64", "PCG64"), tuple1, reduce,
			emptyDict, sbu("bit_generator"), sbu("PCG64"), setitem, glob("numpy.random.bit_generator", "SeedSequence"), emptyTuple, newobj, tuple2, build,
			tuple1, reduce, stop), ""},
		{"numpy 2 bit generator ctor calling a class-only class", cat(proto(2), glob("numpy.random._pickle", "__bit_generator_ctor"), glob("numpy.random.bit_generator", "SeedSequence"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"scipy 1.15 LinearNDInterpolator", cat(proto(2), built("scipy.interpolate._interpnd", "LinearNDInterpolator"), emptyDict,
			sbu("tri"), built("scipy.spatial._qhull", "Delaunay"), emptyDict, sbu("ndim"), k1(2), setitem, build, setitem,
			sbu("values"), reconstruct("numpy", "ndarray"), setitem, build, stop), ""},
		{"scipy interpolator called", cat(proto(2), glob("scipy.interpolate._interpnd", "LinearNDInterpolator"), emptyList, emptyList, tuple2, reduce, stop), RuleMisusedGlobal},
		{"Python 3.13 PosixPath", cat(proto(2), glob("pathlib._local", "PosixPath"), sbu("runs"), sbu("exp1"), tuple2, reduce, stop), ""},
		{"Python 3.13 PosixPath built by NEWOBJ", cat(proto(2), glob("pathlib._local", "PosixPath"), emptyTuple, newobj, stop), RuleMisusedGlobal},
		{"Python 3.13 Path.write_text stays denied", cat(proto(4), sbu("pathlib._local"), sbu("Path.write_text"), stackGlobal, stop), RuleRiskyGlobal},
		{"pandas 2.3 StringDtype", cat(proto(2), glob("pandas.core.arrays.string_", "StringDtype"), sbu("python"), glob("pandas._libs.missing", "NA"), tuple2, reduce, stop), ""},
		{"pandas 3 NaN StringDtype", cat(proto(2), glob("pandas.core.arrays.string_", "StringDtype"), sbu("python"), nan, tuple2, reduce, stop), ""},
		{"pandas 2.1 NumpyExtensionArray", cat(proto(2), glob("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"), glob("pandas.core.arrays.numpy_", "NumpyExtensionArray"), k1(7), none, tuple3, reduce,
			mark, built("pandas.core.dtypes.dtypes", "NumpyEADtype"), emptyDict, sbu("_dtype"), glob("numpy", "dtype"), sbu("i8"), falseOp, "\x88", tuple3, reduce, setitem, build,
			none, emptyDict, "t", build, stop), ""},
		{"pandas NaN-semantics string array called", cat(proto(2), glob("pandas.core.arrays.string_", "StringArrayNumpySemantics"), emptyList, tuple1, reduce, stop), RuleMisusedGlobal},
		{"pandas 2.1 SparseDtype", cat(proto(2), built("pandas.core.dtypes.dtypes", "SparseDtype"), emptyDict, sbu("_fill_value"), k1(0), setitem, build, stop), ""},
		{"statsmodels 0.14 Identity link", cat(proto(2), built("statsmodels.genmod.families.links", "Identity"), emptyDict, sbu("power"), "G\x3f\xf0\x00\x00\x00\x00\x00\x00", setitem, build, stop), ""},
		{"statsmodels link called", cat(proto(2), glob("statsmodels.genmod.families.links", "Identity"), emptyTuple, reduce, stop), RuleMisusedGlobal},
		{"statsmodels hurdle model called", cat(proto(2), glob("statsmodels.discrete.truncated_model", "HurdleCountModel"), emptyList, emptyList, tuple2, reduce, stop), RuleMisusedGlobal},
		{"pandas hourly offset", cat(proto(2), glob("pandas._libs.tslibs.offsets", "Hour"), k1(1), falseOp, tuple2, reduce, stop), ""},
		{"pandas quarter offset", cat(proto(2), glob("pandas._libs.tslibs.offsets", "QuarterEnd"), k1(1), falseOp, k1(3), tuple3, reduce, stop), ""},
		{"gensim 4.3 BM25 model", cat(proto(2), built("gensim.models.bm25model", "OkapiBM25Model"), emptyDict, sbu("k1"), "G\x3f\xf8\x00\x00\x00\x00\x00\x00", setitem, build, stop), ""},
		{"gensim BM25 model called", cat(proto(2), glob("gensim.models.bm25model", "OkapiBM25Model"), emptyList, tuple1, reduce, stop), RuleMisusedGlobal},
		{"sklearn 1.4 RMSE scorer", cat(proto(2), built("sklearn.metrics._scorer", "_Scorer"), emptyDict,
			sbu("_score_func"), glob("sklearn.metrics._regression", "root_mean_squared_error"), setitem, sbu("_sign"), "J\xff\xff\xff\xff", setitem,
			sbu("_kwargs"), emptyDict, setitem, sbu("_response_method"), sbu("predict"), setitem, build, stop), ""},
		{"sklearn metric called by the pickle is not a use it has", cat(proto(2), glob("sklearn.metrics._regression", "root_mean_squared_error"), emptyList, emptyList, tuple2, reduce, stop), RuleMisusedGlobal},
		{"sklearn SGD SquaredLoss", cat(proto(2), glob("sklearn.linear_model._sgd_fast", "SquaredLoss"), emptyTuple, reduce, stop), ""},
		{"sklearn SGD Huber", cat(proto(2), glob("sklearn.linear_model._sgd_fast", "Huber"), "G\x3f\xf5\x99\x99\x99\x99\x99\x9a", tuple1, reduce, stop), ""},
		{"torch DCP metadata (Python < 3.12 enum)", metadata(encCall), ""},
		{"torch DCP metadata (Python >= 3.12 enum)", metadata(encGetattr), ""},
		{"torch 2.0-2.2 DCP tensor properties", cat(proto(2), built("torch.distributed._shard.sharded_tensor.metadata", "TensorProperties"),
			mark, glob("torch", "float32"), glob("torch", "strided"), falseOp, glob("torch.distributed._shard.sharded_tensor.metadata", "MEM_FORMAT_ENCODING"), k1(0), tuple1, reduce, falseOp, "t", build, stop), ""},
		{"torch DCP storage record called", cat(proto(2), glob("torch.distributed.checkpoint.filesystem", "_StorageInfo"), sbu("../../x"), k1(0), k1(1), tuple3, reduce, stop), RuleMisusedGlobal},
		{"torch DCP metadata called", cat(proto(2), glob(dcp, "Metadata"), emptyDict, tuple1, reduce, stop), RuleMisusedGlobal},
		{"torch DCP enum member called", cat(proto(2), encGetattr, emptyTuple, reduce, stop), RuleMisusedGlobal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRule(t, tt.data, tt.rule) })
	}
}

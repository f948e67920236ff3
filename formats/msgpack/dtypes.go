package msgpack

import (
	"strconv"
	"strings"
)

// itemSizes are the numeric dtype names numpy, JAX and ml_dtypes give
// (arr.dtype.name, which Flax writes), with their element sizes.
var itemSizes = map[string]int64{
	"bool": 1, "int8": 1, "int16": 2, "int32": 4, "int64": 8, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8,
	"float16": 2, "float32": 4, "float64": 8, "float96": 12, "float128": 16, "longdouble": 16,
	"complex64": 8, "complex128": 16, "complex192": 24, "complex256": 32, "bfloat16": 2,
	"float8_e4m3fn": 1, "float8_e5m2": 1, "float8_e4m3fnuz": 1, "float8_e5m2fnuz": 1, "float8_e4m3b11fnuz": 1,
	"float8_e3m4": 1, "float8_e4m3": 1, "float8_e8m0fnu": 1, "float4_e2m1fn": 1, "float6_e2m3fn": 1,
	"float6_e3m2fn": 1, "int4": 1, "uint4": 1, "int2": 1, "uint2": 1,
}

// itemSize returns the element size of a dtype name Flax could write, or
// false for a name that is no plain dtype.
func itemSize(name string) (int64, bool) {
	if n, ok := itemSizes[name]; ok {
		return n, true
	}
	for _, p := range []string{"datetime64", "timedelta64"} {
		if rest, ok := strings.CutPrefix(name, p); ok && (rest == "" || rest[0] == '[' && strings.HasSuffix(rest, "]")) {
			return 8, true
		}
	}
	// Fixed-width strings and unstructured void: the name counts bits.
	for _, p := range []string{"bytes", "str", "void"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			bits, err := strconv.ParseInt(rest, 10, 64)
			if err == nil && bits > 0 && bits%8 == 0 {
				return bits / 8, true
			}
		}
	}
	return 0, false
}

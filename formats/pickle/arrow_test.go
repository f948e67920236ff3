package pickle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// Assembler pieces for pyarrow-backed pandas arrays, in the shape
// arrow_samples.py (and a real pandas 3 joblib file) writes: protocol 4,
// no memo unless a case needs one.

func arrowGlobal(m, n string) string { return sbu(m) + sbu(n) + stackGlobal }

// arrowType is type_for_alias(alias).
func arrowType(alias string) string {
	return arrowGlobal("pyarrow.lib", "type_for_alias") + sbu(alias) + tuple1 + reduce
}

// arrowBuf is py_buffer(bytearray(b)); arrowBytes is py_buffer(b).
func arrowBuf(b string) string {
	return arrowGlobal("pyarrow.lib", "py_buffer") + arrowGlobal("builtins", "bytearray") + anyBytes(b) + tuple1 + reduce + tuple1 + reduce
}
func arrowBytes(b string) string {
	return arrowGlobal("pyarrow.lib", "py_buffer") + anyBytes(b) + tuple1 + reduce
}

// anyBytes is SHORT_BINBYTES or, past 255 bytes, BINBYTES.
func anyBytes(b string) string {
	if len(b) > 255 {
		return bb(b)
	}
	return sbb(b)
}

// bigStrings is a string array of n values "v0", "v1", ... whose buffers
// are longer than the machine keeps; bad, when >= 0, is the index of a
// value offset set past the data, and notUTF8 of a value whose bytes are
// not UTF-8.
func bigStrings(n, bad, notUTF8 int) string {
	offs := []int{0}
	var data strings.Builder
	for i := range n {
		if i == notUTF8 {
			data.WriteString("\xc3")
		} else {
			fmt.Fprintf(&data, "v%d", i)
		}
		offs = append(offs, data.Len())
	}
	if bad >= 0 {
		offs[bad] = data.Len() + 1
	}
	return arrowData(arrowType("string"), n, 0, 0, "N", arrowBuf(offsets32(offs...)), arrowBytes(data.String()))
}

// binint is BININT (a signed 32-bit integer).
func binint(n int) string { return "J" + le32(n) }

func offsets32(ns ...int) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(le32(n))
	}
	return b.String()
}

func offsets64(ns ...int) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(le64(uint64(n)))
	}
	return b.String()
}

// arrowData is _restore_array((typ, length, nulls, offset, [bufs...], [], None)).
func arrowData(typ string, length, nulls, offset int, bufs ...string) string {
	return arrowDataWith(typ, binint(length), binint(nulls), binint(offset), emptyList+mark+strings.Join(bufs, "")+"e", emptyList, "N")
}

func arrowDataWith(typ, length, nulls, offset, bufs, children, dict string) string {
	return arrowGlobal("pyarrow.lib", "_restore_array") + mark + typ + length + nulls + offset + bufs + children + dict + "t" + tuple1 + reduce
}

// stringDtype3 is pandas.StringDtype("pyarrow", nan).
var stringDtype3 = arrowGlobal("pandas", "StringDtype") + sbu("pyarrow") + "G\x7f\xf8\x00\x00\x00\x00\x00\x00" + tuple2 + reduce

// arrowArray is pandas.arrays.ArrowStringArray built with the state
// {"_pa_array": data, "_dtype": dtype}.
func arrowArray(data, dtype string) []byte { return cat(proto(4), arrowArrayBody(data, dtype), stop) }

func arrowArrayBody(data, dtype string) string {
	return arrowGlobal("pandas.arrays", "ArrowStringArray") + emptyTuple + newobj +
		emptyDict + mark + sbu("_pa_array") + data + sbu("_dtype") + dtype + "u" + build
}

// abc is the string array ["a", "bc"].
var abc = arrowData(arrowType("string"), 2, 0, 0, "N", arrowBuf(offsets32(0, 1, 3)), arrowBuf("abc"))

// TestArrowShapes asserts that the literal shapes pyarrow and pandas write
// pass and that every departure from them that could make the rebuilt
// array read outside its buffers, or hand pandas an object in place of an
// array, is reported as a use the allowlist does not permit (MG116).
func TestArrowShapes(t *testing.T) {
	str := func(s string) string { return arrowGlobal("builtins", "str") + sbu(s) + tuple1 + reduce }
	clean := map[string][]byte{
		"string array":           arrowArray(abc, stringDtype3),
		"large_string, bytes":    arrowArray(arrowData(arrowType("large_string"), 2, 0, 0, "N", arrowBytes(offsets64(0, 1, 3)), arrowBytes("abc")), stringDtype3),
		"validity and null":      arrowArray(arrowData(arrowType("utf8"), 2, 1, 0, arrowBuf("\x01"), arrowBuf(offsets32(0, 1, 1)), arrowBuf("a")), stringDtype3),
		"sliced int64":           arrowArray(arrowData(arrowType("int64"), 2, 0, 1, "N", arrowBuf(offsets64(1, 2, 3))), stringDtype3),
		"bool bits":              arrowArray(arrowData(arrowType("bool"), 9, 0, 0, "N", arrowBuf("\xff\x01")), stringDtype3),
		"alias in capitals":      arrowArray(arrowData(arrowType("Int8"), 1, 0, 0, "N", arrowBuf("\x01")), stringDtype3),
		"null array":             arrowArray(arrowData(arrowType("null"), 3, 3, 0, "N"), stringDtype3),
		"empty string, no data":  arrowArray(arrowData(arrowType("string"), 1, 0, 0, "N", arrowBuf(offsets32(0, 0)), "N"), stringDtype3),
		"string buffers re-read": arrowArray(bigStrings(600, -1, -1), stringDtype3),
		"pandas 2.0 _data key": cat(proto(4), arrowGlobal("pandas.core.arrays.string_arrow", "ArrowStringArray"), emptyTuple, newobj,
			emptyDict, mark, sbu("_data"), abc, sbu("_dtype"), stringDtype3, "u", build, stop),
		"ArrowDtype state": arrowArray(abc, arrowGlobal("pandas", "ArrowDtype")+emptyTuple+newobj+
			emptyDict+mark+sbu("storage")+sbu("pyarrow")+sbu("pyarrow_dtype")+arrowType("string")+"u"+build),
	}
	for name, data := range clean {
		t.Run("clean/"+name, func(t *testing.T) {
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); any && worst >= formats.Medium {
				t.Errorf("findings: %s", list(rec.Findings))
			}
		})
	}
	misused := map[string][]byte{
		// type_for_alias
		"unknown alias":        arrowArray(arrowData(arrowType("no_such_type"), 1, 0, 0, "N", arrowBuf("\x01")), stringDtype3),
		"view type":            arrowArray(arrowData(arrowType("string_view"), 1, 0, 0, "N", arrowBuf("\x01")), stringDtype3),
		"non-ASCII alias":      arrowArray(arrowData(arrowType("\u0130nt8"), 1, 0, 0, "N", arrowBuf("\x01")), stringDtype3),
		"computed alias":       cat(proto(4), arrowGlobal("pyarrow.lib", "type_for_alias"), str("int64"), tuple1, reduce, stop),
		"alias alone, unknown": cat(proto(4), arrowType("decimal128(3, 2)"), stop),
		// offsets and sizes
		"offset past data":         arrowArray(arrowData(arrowType("string"), 2, 0, 0, "N", arrowBuf(offsets32(0, 1, 9)), arrowBuf("abc")), stringDtype3),
		"falling offsets":          arrowArray(arrowData(arrowType("string"), 2, 0, 0, "N", arrowBuf(offsets32(0, 3, 1)), arrowBuf("abc")), stringDtype3),
		"negative offset":          arrowArray(arrowData(arrowType("binary"), 2, 0, 0, "N", arrowBuf(offsets32(-4, 1, 3)), arrowBuf("abc")), stringDtype3),
		"length past offsets":      arrowArray(arrowData(arrowType("string"), 5, 0, 0, "N", arrowBuf(offsets32(0, 1, 3)), arrowBuf("abc")), stringDtype3),
		"slice past offsets":       arrowArray(arrowData(arrowType("string"), 2, 0, 1, "N", arrowBuf(offsets32(0, 1, 3)), arrowBuf("abc")), stringDtype3),
		"large offsets as 32":      arrowArray(arrowData(arrowType("large_string"), 2, 0, 0, "N", arrowBuf(offsets32(0, 1, 3)), arrowBuf("abc")), stringDtype3),
		"not UTF-8":                arrowArray(arrowData(arrowType("string"), 2, 0, 0, "N", arrowBuf(offsets32(0, 1, 3)), arrowBuf("a\xc3(")), stringDtype3),
		"UTF-8 split by value":     arrowArray(arrowData(arrowType("string"), 2, 0, 0, "N", arrowBuf(offsets32(0, 1, 2)), arrowBuf("\xc3\xa9")), stringDtype3),
		"int64 values short":       arrowArray(arrowData(arrowType("int64"), 4, 0, 0, "N", arrowBuf(offsets64(1, 2))), stringDtype3),
		"bool bits short":          arrowArray(arrowData(arrowType("bool"), 9, 0, 0, "N", arrowBuf("\xff")), stringDtype3),
		"validity short":           arrowArray(arrowData(arrowType("int8"), 9, 0, 0, arrowBuf("\xff"), arrowBuf("123456789")), stringDtype3),
		"values missing":           arrowArray(arrowData(arrowType("int8"), 1, 0, 0, "N", "N"), stringDtype3),
		"too few buffers":          arrowArray(arrowData(arrowType("string"), 0, 0, 0, "N", arrowBuf(offsets32(0))), stringDtype3),
		"too many buffers":         arrowArray(arrowData(arrowType("int8"), 1, 0, 0, "N", arrowBuf("\x01"), arrowBuf("\x01")), stringDtype3),
		"negative length":          arrowArray(arrowData(arrowType("int8"), -1, 0, 0, "N", arrowBuf("\x01")), stringDtype3),
		"negative offset arg":      arrowArray(arrowData(arrowType("int8"), 1, 0, -1, "N", arrowBuf("\x01")), stringDtype3),
		"null count past":          arrowArray(arrowData(arrowType("int8"), 1, 2, 0, "N", arrowBuf("\x01")), stringDtype3),
		"buffer in null array":     arrowArray(arrowData(arrowType("null"), 1, 1, 0, arrowBuf("\x01")), stringDtype3),
		"float length":             arrowArray(arrowDataWith(arrowType("int8"), "G?\xf0\x00\x00\x00\x00\x00\x00", binint(0), binint(0), emptyList+mark+"N"+arrowBuf("\x01")+"e", emptyList, "N"), stringDtype3),
		"children":                 arrowArray(arrowDataWith(arrowType("int8"), binint(1), binint(0), binint(0), emptyList+mark+"N"+arrowBuf("\x01")+"e", emptyList+abc+"a", "N"), stringDtype3),
		"dictionary":               arrowArray(arrowDataWith(arrowType("int8"), binint(1), binint(0), binint(0), emptyList+mark+"N"+arrowBuf("\x01")+"e", emptyList, abc), stringDtype3),
		"buffers not a list":       arrowArray(arrowDataWith(arrowType("int8"), binint(1), binint(0), binint(0), mark+"N"+arrowBuf("\x01")+"t", emptyList, "N"), stringDtype3),
		"type not an alias":        arrowArray(arrowData(sbu("int8"), 1, 0, 0, "N", arrowBuf("\x01")), stringDtype3),
		"data not a tuple":         cat(proto(4), arrowGlobal("pyarrow.lib", "_restore_array"), emptyList, mark, arrowType("int8"), k1(1), k1(0), k1(0), emptyList, mark, "N", arrowBuf("\x01"), "e", emptyList, "N", "e", tuple1, reduce, stop),
		"re-read offset past data": arrowArray(bigStrings(600, 577, -1), stringDtype3),
		"re-read value not UTF-8":  arrowArray(bigStrings(600, -1, 590), stringDtype3),
		// py_buffer
		"buffer of a str":         cat(proto(4), arrowGlobal("pyarrow.lib", "py_buffer"), sbu("abc"), tuple1, reduce, stop),
		"buffer of a call":        cat(proto(4), arrowGlobal("pyarrow.lib", "py_buffer"), str("abc"), tuple1, reduce, stop),
		"buffer of bytearray(n)":  cat(proto(4), arrowGlobal("pyarrow.lib", "py_buffer"), arrowGlobal("builtins", "bytearray"), k1(64), tuple1, reduce, tuple1, reduce, stop),
		"bytearray filled before": cat(proto(4), arrowGlobal("pyarrow.lib", "py_buffer"), arrowGlobal("builtins", "bytearray"), sbb("ab"), tuple1, reduce, k1(0), k1(9), "s", tuple1, reduce, stop),
		// The offsets bytearray is changed in place after the array over it
		// was checked: memo 0 is the bytearray.
		"bytearray changed after": cat(proto(4), arrowArrayBody(arrowData(arrowType("string"), 2, 0, 0, "N",
			arrowGlobal("pyarrow.lib", "py_buffer")+arrowGlobal("builtins", "bytearray")+sbb(offsets32(0, 1, 3))+tuple1+reduce+binput(0)+tuple1+reduce,
			arrowBuf("abc")), stringDtype3), pop, binget(0), k1(8), k1(255), "s", stop),
		// The bytearray is in two places, so a writable view made from the
		// other (numpy's _frombuffer) can change the checked offsets.
		"bytearray fetched after": cat(proto(4), arrowArrayBody(arrowData(arrowType("string"), 2, 0, 0, "N",
			arrowGlobal("pyarrow.lib", "py_buffer")+arrowGlobal("builtins", "bytearray")+sbb(offsets32(0, 1, 3))+tuple1+reduce+binput(0)+tuple1+reduce,
			arrowBuf("abc")), stringDtype3), pop, arrowGlobal("numpy.core.numeric", "_frombuffer"), mark, binget(0),
			arrowGlobal("numpy", "dtype"), sbu("i4"), tuple1, reduce, k1(3), tuple1, sbu("C"), "t", reduce, k1(2), k1(99), "s", stop),
		"bytearray fetched before": cat(proto(4), arrowGlobal("builtins", "bytearray"), sbb(offsets32(0, 1, 3)), tuple1, reduce, binput(0), pop,
			arrowArrayBody(arrowData(arrowType("string"), 2, 0, 0, "N",
				arrowGlobal("pyarrow.lib", "py_buffer")+binget(0)+tuple1+reduce, arrowBuf("abc")), stringDtype3), stop),
		"bytearray duplicated": cat(proto(4), arrowGlobal("pyarrow.lib", "py_buffer"), arrowGlobal("builtins", "bytearray"), sbb("ab"), tuple1, reduce,
			"2", binput(0), pop, tuple1, reduce, stop),
		"py_buffer arguments fetched after": cat(proto(4), arrowGlobal("pyarrow.lib", "py_buffer"), arrowGlobal("builtins", "bytearray"), sbb("ab"), tuple1, reduce,
			tuple1, binput(1), reduce, pop, arrowGlobal("builtins", "min"), binget(1), tuple1, reduce, stop),
		"BYTEARRAY8 fetched after": cat(proto(5), arrowGlobal("pyarrow.lib", "py_buffer"), "\x96", le64(2), "ab", binput(0), tuple1, reduce,
			pop, binget(0), stop),
		// The buffer list is pushed again (into M, memo 1) before it is
		// filled and used: min(M) would reach the Buffers later.
		"buffer list fetched before": cat(proto(4), arrowGlobal("pyarrow.lib", "_restore_array"), mark, arrowType("int8"), k1(1), k1(0), k1(0),
			emptyList, binput(0), emptyList, binget(0), "a", binput(1), pop, mark, "N", arrowBuf("\x01"), "e", emptyList, "N", "t", tuple1, reduce, stop),
		"array data fetched after": cat(proto(4), arrowGlobal("pyarrow.lib", "_restore_array"), mark, arrowType("int8"), k1(1), k1(0), k1(0),
			emptyList, mark, "N", arrowBuf("\x01"), "e", emptyList, "N", "t", binput(0), tuple1, reduce, pop, binget(0), stop),
		// the pandas array's state
		"state data a list":     arrowArray(emptyList+sbu("a")+"a", stringDtype3),
		"state data a str":      arrowArray(sbu("abc"), stringDtype3),
		"state dtype a str":     arrowArray(abc, sbu("string")),
		"state extra attribute": cat(proto(4), arrowGlobal("pandas.arrays", "ArrowStringArray"), emptyTuple, newobj, emptyDict, mark, sbu("_pa_array"), abc, sbu("__setitem__"), sbu("x"), "u", build, stop),
		"state not a dict":      cat(proto(4), arrowGlobal("pandas.arrays", "ArrowStringArray"), emptyTuple, newobj, mark, sbu("_pa_array"), abc, tuple2, "t", build, stop),
		"state without data":    cat(proto(4), arrowGlobal("pandas.arrays", "ArrowStringArray"), emptyTuple, newobj, emptyDict, sbu("_dtype"), stringDtype3, "s", build, stop),
		"array given items":     cat(proto(4), arrowGlobal("pandas.arrays", "ArrowStringArray"), emptyTuple, newobj, k1(0), sbu("x"), "s", stop),
		"ArrowDtype str type": arrowArray(abc, arrowGlobal("pandas", "ArrowDtype")+emptyTuple+newobj+
			emptyDict+mark+sbu("storage")+sbu("pyarrow")+sbu("pyarrow_dtype")+sbu("string")+"u"+build),
		// StringDtype
		"StringDtype computed storage": cat(proto(4), arrowGlobal("pandas", "StringDtype"), str("pyarrow"), tuple1, reduce, stop),
		"StringDtype list na_value":    cat(proto(4), arrowGlobal("pandas", "StringDtype"), sbu("pyarrow"), emptyList, tuple2, reduce, stop),
		// other ways to call
		"forwarded by dill": cat(proto(4), arrowGlobal("dill._dill", "_create_array"), arrowGlobal("pyarrow.lib", "type_for_alias"),
			sbu("no_such_type"), tuple1, "N", "\x87", reduce, stop),
		"partial called": cat(proto(4), arrowGlobal("functools", "partial"), arrowGlobal("pyarrow.lib", "py_buffer"), tuple1, reduce,
			str("abc"), tuple1, reduce, stop),
	}
	// A protocol 5 buffer out of band is not in the file: CPython's
	// loader refuses it without a buffers argument, and the scan is
	// unsupported (inconclusive), never clean.
	if _, _, err := scanBytes(t, cat(proto(5), arrowGlobal("pyarrow.lib", "py_buffer"), "\x97", tuple1, reduce, stop), Options{}); !errors.Is(err, formats.ErrUnsupported) {
		t.Errorf("out-of-band buffer: error %v, want unsupported", err)
	}
	// Buffers too long to keep, in an input that cannot be re-read.
	rec := formatstest.NewRecorder()
	if _, err := Scan(context.Background(), bytes.NewReader(clean["string buffers re-read"]), rec, Options{}); err != nil ||
		!slices.Contains(rec.Rules(), RuleMisusedGlobal) {
		t.Errorf("no %s without a re-readable input: %v %s", RuleMisusedGlobal, err, list(rec.Findings))
	}
	for name, data := range misused {
		t.Run("misused/"+name, func(t *testing.T) {
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				if worst, any := rec.Max(); any && worst >= formats.Medium {
					return
				}
				t.Fatalf("error %v: %s", err, list(rec.Findings))
			}
			if worst, any := rec.Max(); !any || worst < formats.Medium {
				t.Errorf("passes: %s", list(rec.Findings))
			}
			if !strings.Contains(name, "partial") && !slices.Contains(rec.Rules(), RuleMisusedGlobal) {
				t.Errorf("no %s: %s", RuleMisusedGlobal, list(rec.Findings))
			}
		})
	}
}

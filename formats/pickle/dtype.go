package pickle

import (
	"fmt"
	"strings"
)

// dtype is what joblib's read_array asks of a wrapper's dtype.
type dtype struct {
	itemsize  int64
	hasObject bool
	// unusual says how the state differs from what numpy's own
	// dtype.__reduce__ writes (empty when it does not).
	unusual string
}

// readDtype mirrors numpy 1.24 for a numpy.dtype(name, align, copy) value
// with its optional BUILD state: the name as _convert_from_str reads it
// (descriptor.c) and the state as arraydescr_setstate applies it. Names
// and states outside the subset below are errors, never a guess: joblib
// writes only what dtype.__reduce__ produces, which this subset covers.
func readDtype(v Value) (dtype, error) {
	mod, fn, ok := v.Callable().Global()
	if !ok || fn != "dtype" || mod != "numpy" && mod != "numpy.core.multiarray" && mod != "numpy._core.multiarray" {
		return dtype{}, fmt.Errorf("dtype %v is not a numpy.dtype", v)
	}
	arg, _ := v.Args().Index(0)
	name, ok := arg.Text()
	if !ok || arg.kind != KindStr {
		return dtype{}, fmt.Errorf("dtype %v is not built from a type string", v)
	}
	d, flexible, err := dtypeFromString(name)
	if err != nil {
		return dtype{}, err
	}
	state, ok := v.State()
	if !ok {
		return d, nil
	}
	return setDtypeState(d, flexible, name, state)
}

// scalarTypes are the one-character type codes, with their item size and
// whether they hold Python objects; 0 is an unsized flexible type.
var scalarTypes = map[byte]int64{
	'?': 1, 'b': 1, 'B': 1, 'h': 2, 'H': 2, 'i': 4, 'I': 4, 'l': 8, 'L': 8, 'q': 8, 'Q': 8,
	'p': 8, 'P': 8, 'e': 2, 'f': 4, 'd': 8, 'g': 16, 'F': 8, 'D': 16, 'G': 32, 'O': 8,
	'M': 8, 'm': 8, 'c': 1, 'S': 0, 'a': 0, 'U': 0, 'V': 0,
}

// sizedKinds are the kinds numpy's PyArray_TypestrConvert takes with a
// size ("f8"), with the sizes it accepts on a 64-bit build.
var sizedKinds = map[byte]map[int64]bool{
	'b': {1: true}, 'i': {1: true, 2: true, 4: true, 8: true}, 'u': {1: true, 2: true, 4: true, 8: true},
	'f': {2: true, 4: true, 8: true, 16: true}, 'c': {8: true, 16: true, 32: true},
	'O': {4: true, 8: true}, 'M': {8: true}, 'm': {8: true},
}

// dtypeFromString reads a type string the way _convert_from_str does for
// a byte-order character, a one-character code, a kind and size, or a
// datetime: flexible reports the string, unicode and void kinds, whose
// item size a BUILD state sets.
func dtypeFromString(name string) (d dtype, flexible bool, err error) {
	t := name
	if t != "" && strings.IndexByte("<>=|", t[0]) >= 0 {
		t = t[1:]
	}
	if t == "" {
		return dtype{}, false, fmt.Errorf("dtype %q is not a type", name)
	}
	if datetimeType(t) {
		return dtype{itemsize: 8}, false, nil
	}
	kind := t[0]
	if len(t) == 1 {
		size, ok := scalarTypes[kind]
		if !ok {
			return dtype{}, false, fmt.Errorf("dtype %q: unknown type code", name)
		}
		// 'c' is a one-character string: flexible, like S, U and V.
		return dtype{itemsize: size, hasObject: kind == 'O'}, strings.IndexByte("SaUVc", kind) >= 0, nil
	}
	digits := t[1:]
	if len(digits) > 9 || strings.Trim(digits, "0123456789") != "" {
		// numpy's strtol also takes signs and spaces, and names like
		// "float64" come from its type dictionary: not written by joblib.
		return dtype{}, false, fmt.Errorf("dtype %q: unsupported type string", name)
	}
	var n int64
	for _, c := range digits {
		n = 10*n + int64(c-'0')
	}
	switch kind {
	case 'S', 'a', 'V':
		return dtype{itemsize: n}, true, nil
	case 'U':
		return dtype{itemsize: 4 * n}, true, nil
	}
	if !sizedKinds[kind][n] {
		return dtype{}, false, fmt.Errorf("dtype %q: unknown kind and size", name)
	}
	size := n
	if kind == 'O' {
		size = 8
	}
	return dtype{itemsize: size, hasObject: kind == 'O'}, false, nil
}

// datetimeType reports a datetime64 or timedelta64 code ("M8", "m8[ns]").
func datetimeType(t string) bool {
	for _, p := range []string{"M8", "m8", "datetime64", "timedelta64"} {
		if rest, ok := strings.CutPrefix(t, p); ok {
			return rest == "" || strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]")
		}
	}
	return false
}

// setDtypeState applies a dtype state tuple as arraydescr_setstate does:
// the tuple's length picks the fields; a stated item size only counts for
// flexible types; flags (NPY_ITEM_HASOBJECT is bit 0) are taken from the
// state from version 3 on, and worked out from the type before.
func setDtypeState(d dtype, flexible bool, name string, state Value) (dtype, error) {
	if state.kind != KindTuple || int64(state.nkept()) != state.Len() {
		return dtype{}, fmt.Errorf("dtype %q state %v is not a tuple", name, state)
	}
	at := func(i int) Value { v, _ := state.Index(i); return v }
	var version, elsize, flags int64
	var subarray, names, fields Value
	var ints []int
	switch state.Len() {
	case 9, 8:
		subarray, names, fields = at(2), at(3), at(4)
		ints = []int{0, 5, 6, 7}
	case 7:
		subarray, names, fields = at(2), at(3), at(4)
		ints = []int{0, 5, 6}
	case 6:
		subarray, fields = at(2), at(3)
		ints = []int{0, 4, 5}
	case 5:
		subarray, fields = at(1), at(2)
		ints = []int{-1, 3, 4}
	default:
		return dtype{}, fmt.Errorf("dtype %q state has %d fields", name, state.Len())
	}
	vals := make([]int64, 4)
	for j, i := range ints {
		if i < 0 {
			continue
		}
		n, ok := at(i).Int()
		if !ok || n < -1<<31 || n >= 1<<31 {
			return dtype{}, fmt.Errorf("dtype %q state field %d is %v, not an int", name, i, at(i))
		}
		vals[j] = n
	}
	version, elsize, flags = vals[0], vals[1], vals[3]
	if version < 0 || version > 4 {
		return dtype{}, fmt.Errorf("dtype %q state version %d", name, version)
	}
	if subarray.kind != KindNone || version >= 2 && names.kind != KindNone && !flexible ||
		fields.kind != KindNone && !flexible {
		return dtype{}, fmt.Errorf("dtype %q state with a subarray or fields", name)
	}
	if flexible {
		d.itemsize = elsize
	}
	if flags < 0 && flags >= -128 {
		flags += 128
	}
	if flags < 0 || flags > 127 {
		return dtype{}, fmt.Errorf("dtype %q state flags %d overflow", name, flags)
	}
	typeObject := d.hasObject
	switch {
	case state.Len() < 8 || version < 3:
		d.unusual = fmt.Sprintf("a version %d state of %d fields", version, state.Len())
	case !flexible && (elsize != -1 || vals[2] != -1):
		d.unusual = fmt.Sprintf("a stated item size %d for a %q, whose size is fixed", elsize, name)
	case !strings.HasPrefix(strings.TrimLeft(name, "<>=|"), "V") && (flags&1 != 0) != typeObject:
		d.unusual = fmt.Sprintf("flags %d for a %q", flags, name)
	}
	if version < 3 {
		// Before version 3 numpy marks the dtype as holding objects when
		// its type (or a field) does or the stated flags say so.
		if fields.kind != KindNone {
			return dtype{}, fmt.Errorf("dtype %q: version %d state with fields", name, version)
		}
		d.hasObject = d.hasObject || flags&1 != 0
		return d, nil
	}
	d.hasObject = flags&1 != 0
	return d, nil
}

// numpyDtypeCall reports whether v is a call of numpy.dtype under a name
// readDtype reads.
func numpyDtypeCall(v Value) bool {
	mod, fn, ok := v.Callable().Global()
	return ok && v.kind == KindCall && fn == "dtype" && (mod == "numpy" || mod == "numpy.core.multiarray" || mod == "numpy._core.multiarray")
}

// maxDtypeDepth bounds the nesting of fields and subarrays
// dtypeHoldsObjects follows; deeper counts as holding objects.
const maxDtypeDepth = 16

// dtypeHoldsObjects reports whether a numpy dtype value's type holds
// Python objects whatever its own flags say: an object type name, a
// state whose flags set NPY_ITEM_REFCOUNT, or a field or subarray base
// that holds them. What the machine cannot read counts as holding them.
func dtypeHoldsObjects(v Value, depth int) bool {
	if depth > maxDtypeDepth || !numpyDtypeCall(v) {
		return true
	}
	if typeObjects(v) {
		return true
	}
	st, ok := v.State()
	if !ok {
		return false
	}
	if st.kind != KindTuple || !kept(st) {
		return true
	}
	if st.nkept() >= 8 {
		if f, ok := st.at(7).Int(); !ok || f&1 != 0 {
			return true
		}
	}
	return stateHoldsObjects(st, depth)
}

// typeObjects reports whether the type a numpy.dtype call names may hold
// objects: an object type string ("O8", "object"), a global naming an
// object type (numpy.object_, builtins.object), or anything computed. A
// type such as numpy.record holds objects only through its fields.
func typeObjects(v Value) bool {
	arg, _ := v.Args().Index(0)
	switch arg.kind {
	case KindStr:
		name, ok := arg.Text()
		return !ok || strings.Contains(name, "O") || strings.Contains(strings.ToLower(name), "object")
	case KindGlobal:
		return arg.gobj().dynamic || strings.Contains(strings.ToLower(arg.gobj().name), "object")
	}
	return true
}

// stateHoldsObjects reports whether a dtype state's subarray base or
// fields hold objects (dtypeHoldsObjects), in the layouts setDtypeState
// reads.
func stateHoldsObjects(st Value, depth int) bool {
	var subarray, fields Value
	switch st.nkept() {
	case 9, 8, 7:
		subarray, fields = st.at(2), st.at(4)
	case 6:
		subarray, fields = st.at(2), st.at(3)
	case 5:
		subarray, fields = st.at(1), st.at(2)
	default:
		return true
	}
	if subarray.kind != KindNone {
		if subarray.kind != KindTuple || subarray.nkept() == 0 || dtypeHoldsObjects(subarray.at(0), depth+1) {
			return true
		}
	}
	if fields.kind == KindNone {
		return false
	}
	if fields.kind != KindDict || !kept(fields) {
		return true
	}
	for i := 1; i < fields.nkept(); i += 2 {
		f := fields.at(i)
		if f.kind != KindTuple || f.nkept() == 0 || dtypeHoldsObjects(f.at(0), depth+1) {
			return true
		}
	}
	return false
}

// objectFlagsCleared reports why a BUILD state applied to a numpy dtype
// makes its arrays read bytes as object pointers, or "". From state
// version 3 on, arraydescr_setstate takes the flags as stated: an object
// type (or a structured type with an object field) whose flags lack
// NPY_ITEM_REFCOUNT (bit 0) unpickles its array data with memcpy from
// bytes, and every later read of an element dereferences those bytes as
// PyObject pointers (a segfault on numpy 1.24 with 0x41 bytes). numpy's
// own __reduce__ never writes such a state.
func objectFlagsCleared(dt, state Value) string {
	if state.kind != KindTuple || !kept(state) || state.nkept() < 8 {
		return ""
	}
	version, ok1 := state.at(0).Int()
	flags, ok2 := state.at(7).Int()
	if !ok1 || !ok2 || version < 3 || flags&1 != 0 {
		return ""
	}
	if !typeObjects(dt) && !stateHoldsObjects(state, 0) {
		return ""
	}
	return fmt.Sprintf("flags %d without NPY_ITEM_REFCOUNT for a type that holds objects, so its arrays read their bytes as object pointers", flags)
}

package pickle

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Arrow-backed pandas arrays (pandas >= 2 ArrowDtype and string[pyarrow]
// columns, the pandas 3 default str column) pickle their data through
// pyarrow: Array.__reduce__ gives _restore_array((type, length,
// null_count, offset, buffers, children, dictionary)), the type
// type_for_alias(str(type)) and each buffer py_buffer(bytes or
// bytearray) (apache/arrow python/pyarrow/array.pxi, types.pxi, io.pxi).
// _restore_array hands that tuple to ArrayData::Make and MakeArray and
// never validates it: a length, offset or value offset past its buffers
// makes every later read of the array leave them. The allowlist permits
// these globals as functions, and the checks below clear a call only when
// its arguments are the literal shape pyarrow writes and describe an
// array whose every read stays inside the buffers the pickle holds; any
// other call is MG116. Nothing here runs or decodes pyarrow code.

// argShape says which literal-argument check a global's calls get.
type argShape uint8

const (
	shapeNone argShape = iota
	// shapeTypeAlias: pyarrow.lib.type_for_alias(name), name a constant
	// alias of a type checkArray knows the layout of.
	shapeTypeAlias
	// shapeBuffer: pyarrow.lib.py_buffer(b), b constant bytes or
	// builtins.bytearray(constant bytes).
	shapeBuffer
	// shapeRestore: pyarrow.lib._restore_array(data), data an array
	// checkArray accepts.
	shapeRestore
	// shapeStringDtype: pandas StringDtype(storage[, na_value]), storage
	// a constant string or None, na_value a float or pandas.NA.
	shapeStringDtype
	// shapeEnumValue: an Enum class called with one constant value, as
	// Enum.__reduce_ex__ pickles a member before Python 3.12; more
	// arguments would be EnumMeta's functional API, which builds a class.
	shapeEnumValue
)

// argShapes are the globals whose calls are checked for their literal
// shape, wherever the call is made (REDUCE, a forwarded call, a partial).
var argShapes = map[string]argShape{
	"pyarrow.lib.type_for_alias": shapeTypeAlias,
	"pyarrow.lib.py_buffer":      shapeBuffer,
	"pyarrow.lib._restore_array": shapeRestore,
	// StringDtype under every name the allowlist gives it a function
	// use: the generator lists one object's re-exports with the uses
	// any of its names was seen with.
	"pandas.StringDtype":                                       shapeStringDtype,
	"pandas.core.api.StringDtype":                              shapeStringDtype,
	"pandas.core.arrays.string_.StringDtype":                   shapeStringDtype,
	"pandas.core.arrays.string_arrow.StringDtype":              shapeStringDtype,
	"pandas.core.groupby.ops.StringDtype":                      shapeStringDtype,
	"stable_baselines3.common.type_aliases.TrainFrequencyUnit": shapeEnumValue,
}

// arrowArrays are the pandas array classes whose __setstate__ passes the
// state's _pa_array (or pandas 2.0's _data) to pyarrow.chunked_array and
// stores the rest as attributes (pandas/core/arrays/arrow/array.py): the
// state must be a dict of those keys only, the data a checked
// _restore_array call and the dtype a StringDtype call or an ArrowDtype.
// chunked_array given anything but a pyarrow Array converts it with
// pyarrow.array, which calls the object's __arrow_c_stream__,
// __arrow_array__ or iteration methods.
var arrowArrays = map[string]bool{
	"pandas.arrays.ArrowStringArray":                                 true,
	"pandas.arrays.ArrowExtensionArray":                              true,
	"pandas.core.arrays.ArrowStringArray":                            true,
	"pandas.core.arrays.ArrowExtensionArray":                         true,
	"pandas.core.arrays.arrow.ArrowExtensionArray":                   true,
	"pandas.core.arrays.arrow.array.ArrowExtensionArray":             true,
	"pandas.core.arrays.string_arrow.ArrowExtensionArray":            true,
	"pandas.core.arrays.string_arrow.ArrowStringArray":               true,
	"pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics": true,
}

// arrowDtypes are pandas' ArrowDtype names: built by NEWOBJ with the
// state {"storage": ..., "pyarrow_dtype": DataType}, which
// ExtensionDtype.__getstate__ writes and BUILD stores as attributes.
var arrowDtypes = map[string]bool{
	"pandas.ArrowDtype":                         true,
	"pandas.core.dtypes.dtypes.ArrowDtype":      true,
	"pandas.core.api.ArrowDtype":                true,
	"pandas.core.arrays.arrow.ArrowDtype":       true,
	"pandas.core.arrays.arrow.dtype.ArrowDtype": true,
}

// arrowLayout is what an Arrow type's array data holds: buffer count
// (validity first), the value width in bytes (0 for bit-packed
// booleans), and for binary-like types the offset width and whether the
// values must be UTF-8.
type arrowLayout struct {
	name    string
	buffers int
	width   int64
	offsets int64 // 4 or 8 for binary-like types, else 0
	utf8    bool
	null    bool
}

var (
	layoutNull    = arrowLayout{name: "null", buffers: 1, null: true}
	layoutBool    = arrowLayout{name: "bool", buffers: 2}
	layoutString  = arrowLayout{name: "string", buffers: 3, offsets: 4, utf8: true}
	layoutBinary  = arrowLayout{name: "binary", buffers: 3, offsets: 4}
	layoutLString = arrowLayout{name: "large_string", buffers: 3, offsets: 8, utf8: true}
	layoutLBinary = arrowLayout{name: "large_binary", buffers: 3, offsets: 8}
)

func fixed(name string, width int64) arrowLayout {
	return arrowLayout{name: name, buffers: 2, width: width}
}

// arrowAliases is pyarrow's _type_aliases table (types.pxi) less the
// view types (binary_view, string_view), whose variadic data buffers
// are not checked: each alias with the layout of the type it names.
var arrowAliases = map[string]arrowLayout{
	"null": layoutNull, "bool": layoutBool, "boolean": layoutBool,
	"i1": fixed("int8", 1), "int8": fixed("int8", 1), "u1": fixed("uint8", 1), "uint8": fixed("uint8", 1),
	"i2": fixed("int16", 2), "int16": fixed("int16", 2), "u2": fixed("uint16", 2), "uint16": fixed("uint16", 2),
	"i4": fixed("int32", 4), "int32": fixed("int32", 4), "u4": fixed("uint32", 4), "uint32": fixed("uint32", 4),
	"i8": fixed("int64", 8), "int64": fixed("int64", 8), "u8": fixed("uint64", 8), "uint64": fixed("uint64", 8),
	"f2": fixed("float16", 2), "halffloat": fixed("float16", 2), "float16": fixed("float16", 2),
	"f4": fixed("float32", 4), "float": fixed("float32", 4), "float32": fixed("float32", 4),
	"f8": fixed("float64", 8), "double": fixed("float64", 8), "float64": fixed("float64", 8),
	"string": layoutString, "str": layoutString, "utf8": layoutString, "binary": layoutBinary,
	"large_string": layoutLString, "large_str": layoutLString, "large_utf8": layoutLString,
	"large_binary": layoutLBinary,
	"date32":       fixed("date32", 4), "date64": fixed("date64", 8),
	"date32[day]": fixed("date32", 4), "date64[ms]": fixed("date64", 8),
	"time32[s]": fixed("time32", 4), "time32[ms]": fixed("time32", 4),
	"time64[us]": fixed("time64", 8), "time64[ns]": fixed("time64", 8),
	"timestamp[s]": fixed("timestamp", 8), "timestamp[ms]": fixed("timestamp", 8),
	"timestamp[us]": fixed("timestamp", 8), "timestamp[ns]": fixed("timestamp", 8),
	"duration[s]": fixed("duration", 8), "duration[ms]": fixed("duration", 8),
	"duration[us]": fixed("duration", 8), "duration[ns]": fixed("duration", 8),
	"month_day_nano_interval": fixed("month_day_nano_interval", 16),
}

// maxArrowLength bounds an array's length plus offset, so that the sizes
// below never overflow; no pickle holds a larger buffer.
const maxArrowLength = 1 << 48

// checkShape judges a call of a global argShapes lists: a call whose
// arguments are not the literal shape its library writes is a use the
// allowlist does not permit (MG116).
//
// direct is false for a call made through a partial or forwarded by
// another callable, which pyarrow and pandas never write: the buffer and
// array functions are then refused, since the values they receive were
// also held elsewhere.
func (m *machine) checkShape(off int64, f, args, kwargs, call Value, direct bool) {
	g := f.gobj().info
	if g == nil || g.misuse != "" || g.ref.Verdict.Class != globals.Allowed {
		return
	}
	var err error
	// chain is every value the rebuilt buffers are reachable from: none
	// may be pushed again (see pushedAgain).
	chain := []cell{args.cell}
	switch shape := f.gobj().shape; {
	case !direct && (shape == shapeBuffer || shape == shapeRestore):
		err = fmt.Errorf("a call through a partial or another callable")
	case kwargs.kind != kindAbsent && (kwargs.kind != KindDict || kwargs.count() != 0):
		err = fmt.Errorf("keyword arguments")
	case args.kind != KindTuple || !kept(args):
		err = fmt.Errorf("arguments that are not a tuple the pickle spells out")
	default:
		switch f.gobj().shape {
		case shapeTypeAlias:
			_, err = typeAliasArgs(args)
		case shapeBuffer:
			_, err = bufferArgs(args, &chain)
		case shapeRestore:
			if args.nkept() != 1 {
				err = fmt.Errorf("%d arguments", args.nkept())
			} else {
				err = m.checkArray(args.at(0), &chain)
			}
		case shapeStringDtype:
			err = stringDtypeArgs(args)
		case shapeEnumValue:
			err = enumValueArgs(args)
		}
		if err == nil && (shape == shapeBuffer || shape == shapeRestore) {
			err = m.claim(g, chain)
		}
	}
	if err != nil {
		g.misuse, g.misuseOff, g.misuseUse = call.String()+", not the shape its library pickles: "+err.Error(), off, globals.UseFunction
	}
}

// typeAliasArgs returns the layout of the type a type_for_alias call
// names: its one argument a constant string pyarrow's alias table has
// once lowered (ASCII only: str.lower maps more than Go does).
func typeAliasArgs(args Value) (arrowLayout, error) {
	if args.nkept() != 1 {
		return arrowLayout{}, fmt.Errorf("%d arguments", args.nkept())
	}
	a := args.at(0)
	s, ok := a.Text()
	if a.kind != KindStr || !ok {
		return arrowLayout{}, fmt.Errorf("an alias that is not a constant string")
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return arrowLayout{}, fmt.Errorf("an alias that is not ASCII")
		}
	}
	l, ok := arrowAliases[strings.ToLower(s)]
	if !ok {
		return arrowLayout{}, fmt.Errorf("the alias %q, not one of pyarrow's that modelgate checks arrays of", s)
	}
	return l, nil
}

// arrowBuffer is a buffer py_buffer makes: its size, its content when
// the machine kept it, and the bytes value it wraps.
type arrowBuffer struct {
	size    int64
	content string
	known   bool
	val     Value
}

// bufferArgs reads a py_buffer call's argument: constant bytes (a
// bytearray from BYTEARRAY8, bytes from a protocol 5 read-only
// PickleBuffer or to_pybytes) or builtins.bytearray(constant bytes),
// which Buffer.__reduce_ex__ writes below protocol 5 for a mutable
// buffer, not filled by the pickle. The argument is added to chain.
func bufferArgs(args Value, chain *[]cell) (arrowBuffer, error) {
	if args.nkept() != 1 {
		return arrowBuffer{}, fmt.Errorf("%d arguments", args.nkept())
	}
	a := args.at(0)
	*chain = append(*chain, a.cell)
	if a.kind == KindCall {
		mod, name, ok := a.Callable().Global()
		if !ok || mod != "builtins" || name != "bytearray" || a.nkept() != 2 {
			return arrowBuffer{}, fmt.Errorf("a buffer from a call that is not bytearray(bytes)")
		}
		if _, built := a.State(); built || a.obj().flags&flagItems != 0 {
			return arrowBuffer{}, fmt.Errorf("a bytearray the pickle changed")
		}
		ba := a.Args()
		if ba.kind != KindTuple || !kept(ba) || ba.nkept() != 1 || ba.at(0).kind != KindBytes {
			return arrowBuffer{}, fmt.Errorf("a bytearray not made from constant bytes")
		}
		a = ba.at(0)
	}
	if a.kind != KindBytes {
		return arrowBuffer{}, fmt.Errorf("a %s argument, not bytes (an out-of-band buffer is not in the file)", a.kind)
	}
	s, ok := a.Text()
	return arrowBuffer{size: a.Size(), content: s, known: ok, val: a}, nil
}

// The bytes under a checked array must stay what was checked. A value on
// the way to them (the argument tuples, the array data tuple, its buffer
// list, a py_buffer Buffer, the bytearray or BYTEARRAY8 bytes it wraps)
// that GET or DUP pushes a second time can reach other calls: min(t,
// key=str) returns an element, and numpy's _frombuffer makes a writable
// view of a bytearray or Buffer whose SETITEM rewrites the checked value
// offsets. pyarrow's pickles never push them twice (each Buffer reduces
// to a fresh bytes or bytearray object), so a chain member pushed again,
// before or after the call, is a misuse of the function that made it.

// trackable reports whether a cell is a value worth tracking: an
// object or a non-empty inline tuple or bytes (the empty ones are
// CPython singletons, which picklers memoize and fetch again, and hold
// nothing to change).
func trackable(c cell) bool {
	switch c.kind {
	case KindCall, KindList:
		return true
	case KindTuple, KindBytes:
		return c.n > 0
	}
	return false
}

// claim records a checked call's chain with its global, or refuses it
// when a member was already pushed again.
func (m *machine) claim(g *globalInfo, chain []cell) error {
	if m.arrowPushedLost {
		return fmt.Errorf("more values pushed again than modelgate tracks")
	}
	for _, c := range chain {
		if trackable(c) && m.pushed(c) {
			return fmt.Errorf("a value it is built from is also pushed again by GET or DUP, so other calls can reach and write its bytes")
		}
	}
	if m.arrowUsed == nil {
		m.arrowUsed = make(map[cell]*globalInfo)
	}
	for _, c := range chain {
		if !trackable(c) {
			continue
		}
		if _, seen := m.arrowUsed[c]; seen {
			continue
		}
		if len(m.arrowUsed) >= maxGlobals {
			return fmt.Errorf("more buffers than modelgate tracks for changes")
		}
		m.arrowUsed[c] = g
	}
	return nil
}

// pushed reports whether GET or DUP pushed c again.
func (m *machine) pushed(c cell) bool {
	if !c.inline() && c.ref != 0 {
		return m.t.val(c).obj().again
	}
	return m.arrowPushed[c]
}

// pushedAgain notes a value GET or DUP pushes again (see claim). An
// object (a list, a call, long bytes) is marked on itself, whenever it
// is: a list can be pushed again before the stream names any global and
// receive the buffers later. An inline tuple or bytes value goes to a
// map once the stream names builtins.bytearray or py_buffer or reads
// BYTEARRAY8 (byteVals): before, no mutable bytes exist (immutable
// BINBYTES have nothing to change), so no tuple can hold them, and the
// array data tuple holds py_buffer calls.
func (m *machine) pushedAgain(off int64, c cell) {
	if m.probe || !trackable(c) {
		return
	}
	if !c.inline() && c.ref != 0 {
		m.t.val(c).obj().again = true
	} else if m.byteVals {
		if m.arrowPushed == nil {
			m.arrowPushed = make(map[cell]bool)
		}
		if len(m.arrowPushed) < maxGlobals {
			m.arrowPushed[c] = true
		} else {
			m.arrowPushedLost = true
		}
	}
	if g, ok := m.arrowUsed[c]; ok && g.misuse == "" {
		g.misuse, g.misuseOff, g.misuseUse = m.t.val(c).String()+", which a checked pyarrow call is built from, pushed again by the pickle, so other calls can reach and write its bytes", off, globals.UseFunction
	}
}

// arrowWrappedItems reports SETITEM, APPEND or ADDITEMS applied to an
// object a checked call is built from (a bytearray py_buffer wrapped): it
// changes the buffer's bytes after the array over them was checked.
func (m *machine) arrowWrappedItems(off int64, t Value) {
	g, ok := m.arrowUsed[t.cell]
	if !ok || g.misuse != "" {
		return
	}
	g.misuse, g.misuseOff, g.misuseUse = t.String()+", which a checked pyarrow call is built from, then changed in place by the pickle", off, globals.UseFunction
}

// checkArray checks the data tuple _restore_array receives, as
// _reconstruct_array_data unpacks it: the type a type_for_alias call,
// integer length, null_count and offset, a list of exactly the type's
// buffers, no children and no dictionary (the types checked have none).
// Every buffer must be long enough for offset+length values, and the
// value offsets of a binary-like type, which the machine must have kept,
// must rise from 0 or more to at most the data buffer's size, each value
// valid UTF-8 for a string type.
func (m *machine) checkArray(data Value, chain *[]cell) error {
	*chain = append(*chain, data.cell)
	if data.kind != KindTuple || !kept(data) || data.nkept() != 7 {
		return fmt.Errorf("array data that is not a 7-tuple")
	}
	typ := data.at(0)
	mod, name, ok := typ.Callable().Global()
	if typ.kind != KindCall || !ok || mod != "pyarrow.lib" || name != "type_for_alias" || typ.nkept() != 2 {
		return fmt.Errorf("a type that is not a type_for_alias call")
	}
	targs := typ.Args()
	if targs.kind != KindTuple || !kept(targs) {
		return fmt.Errorf("a type_for_alias call without constant arguments")
	}
	layout, err := typeAliasArgs(targs)
	if err != nil {
		return err
	}
	var n [3]int64
	for i := range n {
		v := data.at(1 + i)
		if v.kind != KindInt {
			return fmt.Errorf("a %s where pyarrow writes an integer", v.kind)
		}
		n[i] = v.n
	}
	length, nulls, offset := n[0], n[1], n[2]
	if length < 0 || offset < 0 || length > maxArrowLength || offset > maxArrowLength {
		return fmt.Errorf("length %d and offset %d", length, offset)
	}
	if nulls < -1 || nulls > length {
		return fmt.Errorf("null count %d for a length of %d", nulls, length)
	}
	if ch := data.at(5); ch.kind != KindList || ch.count() != 0 {
		return fmt.Errorf("child arrays, which a %s array has none of", layout.name)
	}
	if d := data.at(6); d.kind != KindNone {
		return fmt.Errorf("a dictionary, which a %s array has none of", layout.name)
	}
	list := data.at(4)
	*chain = append(*chain, list.cell)
	if list.kind != KindList || !kept(list) || list.nkept() != layout.buffers {
		return fmt.Errorf("buffers that are not a list of the %d a %s array has", layout.buffers, layout.name)
	}
	bufs := make([]*arrowBuffer, layout.buffers)
	for i := range bufs {
		b := list.at(i)
		if b.kind == KindNone {
			continue
		}
		*chain = append(*chain, b.cell)
		mod, name, ok := b.Callable().Global()
		if b.kind != KindCall || !ok || mod != "pyarrow.lib" || name != "py_buffer" || b.nkept() != 2 {
			return fmt.Errorf("buffer %d is not a py_buffer call", i)
		}
		bargs := b.Args()
		*chain = append(*chain, bargs.cell)
		if bargs.kind != KindTuple || !kept(bargs) {
			return fmt.Errorf("buffer %d is a py_buffer call without constant arguments", i)
		}
		buf, err := bufferArgs(bargs, chain)
		if err != nil {
			return fmt.Errorf("buffer %d: %w", i, err)
		}
		bufs[i] = &buf
	}
	end := offset + length
	if layout.null {
		if bufs[0] != nil {
			return fmt.Errorf("a buffer in a null array")
		}
		return nil
	}
	if v := bufs[0]; v != nil && v.size < (end+7)/8 {
		return fmt.Errorf("a validity bitmap of %d bytes for %d values", v.size, end)
	}
	if bufs[0] == nil && nulls > 0 {
		// Kernels read the bitmap of an array that says it has nulls.
		return fmt.Errorf("a null count of %d without a validity bitmap", nulls)
	}
	if layout.offsets == 0 {
		need := (end + 7) / 8
		if layout.width > 0 {
			need = end * layout.width
		}
		v := bufs[1]
		if v == nil && end > 0 || v != nil && v.size < need {
			return fmt.Errorf("a %s value buffer shorter than %d values (%d bytes)", layout.name, end, need)
		}
		return nil
	}
	return m.checkOffsets(layout, offset, length, bufs[1], bufs[2])
}

// arrowReadCap bounds the buffer bytes re-read from the input per
// top-level scan to check value offsets and UTF-8 the machine did not
// keep; beyond it a call is refused.
const arrowReadCap = 64 << 20

// bufferRange returns bytes from to to of a buffer: its kept content, or
// re-read from Options.Source (its bytes are stored raw in the stream).
func (m *machine) bufferRange(b *arrowBuffer, from, to int64) ([]byte, error) {
	if b.known {
		return []byte(b.content[from:to]), nil
	}
	o := b.val.obj()
	if o == nil || o.enc != encRaw || m.opt.Source == nil {
		return nil, fmt.Errorf("a buffer of %d bytes, too long to keep, in an input modelgate cannot re-read", b.size)
	}
	if m.sh.arrowBytes+(to-from) > arrowReadCap {
		return nil, fmt.Errorf("buffers beyond the %d bytes modelgate re-reads to check", arrowReadCap)
	}
	m.sh.arrowBytes += to - from
	p := make([]byte, to-from)
	if n, err := m.opt.Source.ReadAt(p, o.off+from); n < len(p) {
		return nil, fmt.Errorf("re-reading a buffer: %v", err)
	}
	return p, nil
}

// checkOffsets checks a binary-like array's value offsets from offset
// to offset+length: never negative, never falling, the last at most the
// data buffer's size; and for a string type each value UTF-8 (pyarrow's
// UTF-8 kernels decode without bounds checks). Buffers the machine did
// not keep are re-read from the input.
func (m *machine) checkOffsets(layout arrowLayout, offset, length int64, offs, data *arrowBuffer) error {
	w := layout.offsets
	if offs == nil || offs.size < (offset+length+1)*w {
		return fmt.Errorf("an offsets buffer shorter than %d offsets", offset+length+1)
	}
	ob, err := m.bufferRange(offs, offset*w, (offset+length+1)*w)
	if err != nil {
		return err
	}
	var dataSize int64
	if data != nil {
		dataSize = data.size
	}
	at := func(i int64) int64 {
		if w == 4 {
			return int64(int32(binary.LittleEndian.Uint32(ob[i*4:])))
		}
		return int64(binary.LittleEndian.Uint64(ob[i*8:]))
	}
	first := at(0)
	if first < 0 || first > dataSize {
		return fmt.Errorf("value offset %d outside the %d-byte data buffer", first, dataSize)
	}
	prev := first
	for i := int64(1); i <= length; i++ {
		cur := at(i)
		if cur < prev || cur > dataSize {
			return fmt.Errorf("value offset %d at %d outside %d..%d", cur, offset+i, prev, dataSize)
		}
		prev = cur
	}
	if !layout.utf8 || prev == first {
		return nil
	}
	db, err := m.bufferRange(data, first, prev)
	if err != nil {
		return err
	}
	for i := int64(0); i < length; i++ {
		if !utf8.Valid(db[at(i)-first : at(i+1)-first]) {
			return fmt.Errorf("string value %d is not UTF-8", offset+i)
		}
	}
	return nil
}

// stringStorages are the storages StringDtype.__init__ accepts.
var stringStorages = map[string]bool{"python": true, "pyarrow": true, "pyarrow_numpy": true}

// stringDtypeArgs checks StringDtype(storage[, na_value]) as pandas >=
// 2.3's __reduce__ writes it: storage a known constant or None, na_value
// a float (NaN) or pandas.NA. Anything else reaches the comparisons and
// isinstance/isnan calls of __init__ with an object the pickle built.
func stringDtypeArgs(args Value) error {
	if args.nkept() > 2 {
		return fmt.Errorf("%d arguments", args.nkept())
	}
	if args.nkept() > 0 {
		s := args.at(0)
		if t, ok := s.Text(); s.kind != KindNone && (s.kind != KindStr || !ok || !stringStorages[t]) {
			return fmt.Errorf("a storage that is not \"python\", \"pyarrow\" or None")
		}
	}
	if args.nkept() == 2 {
		na := args.at(1)
		mod, name, ok := na.Global()
		if na.kind != KindFloat && (!ok || mod != "pandas._libs.missing" || name != "NA") {
			return fmt.Errorf("a missing value that is not NaN or pandas.NA")
		}
	}
	return nil
}

// arrowState checks the BUILD state of a pandas Arrow array or
// ArrowDtype (see arrowArrays, arrowDtypes).
func (m *machine) arrowState(off int64, obj, state Value) {
	cls, ok := builtClass(obj)
	if !ok {
		return
	}
	full := cls.gobj().module + "." + cls.gobj().name
	isArray, isDtype := arrowArrays[full], arrowDtypes[full]
	if !isArray && !isDtype {
		return
	}
	g := cls.gobj().info
	if g == nil || g.misuse != "" || g.ref.Verdict.Class != globals.Allowed {
		return
	}
	var err error
	if isArray {
		err = arrowArrayState(state)
	} else {
		err = arrowDtypeState(state)
	}
	if err != nil {
		g.misuse, g.misuseOff, g.misuseUse = obj.String()+" built with a state pandas does not write: "+err.Error(), off, globals.UseClass
	}
}

// arrowItems reports SETITEM, APPEND or ADDITEMS applied to a pandas
// Arrow array or ArrowDtype: no pickler writes them, and the array's
// __setitem__ converts the pickle's values with pyarrow.
func (m *machine) arrowItems(off int64, t Value) {
	m.arrowWrappedItems(off, t)
	cls, ok := builtClass(t)
	if !ok {
		return
	}
	full := cls.gobj().module + "." + cls.gobj().name
	if !arrowArrays[full] && !arrowDtypes[full] {
		return
	}
	if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = t.String()+" given items by the pickle, which its __setitem__ converts with pyarrow", off, globals.UseClass
	}
}

// arrowArrayState checks an Arrow array's state: a dict of constant keys
// _pa_array, _data and _dtype only, the data a _restore_array call (whose
// own arguments checkShape checked) and the dtype a StringDtype call or
// an ArrowDtype.
func arrowArrayState(st Value) error {
	data := 0
	err := stateItems(st, func(key string, v Value) error {
		switch key {
		case "_pa_array", "_data":
			data++
			mod, name, ok := v.Callable().Global()
			if v.kind != KindCall || !ok || mod != "pyarrow.lib" || name != "_restore_array" {
				return fmt.Errorf("%s is %s, not a pyarrow array", key, v)
			}
		case "_dtype":
			cls, ok := builtClass(v)
			if !ok {
				return fmt.Errorf("_dtype is %s, not a pandas dtype", v)
			}
			full := cls.gobj().module + "." + cls.gobj().name
			if argShapes[full] != shapeStringDtype && !arrowDtypes[full] {
				return fmt.Errorf("_dtype is %s, not StringDtype or ArrowDtype", v)
			}
		default:
			return fmt.Errorf("the attribute %q, which pandas does not pickle", key)
		}
		return nil
	})
	if err == nil && data == 0 {
		err = fmt.Errorf("no array data")
	}
	return err
}

// stateItems calls fn with each key and value of a BUILD state that must
// be a dict the pickle spells out with constant string keys.
func stateItems(st Value, fn func(key string, v Value) error) error {
	if st.kind != KindDict || !kept(st) {
		return fmt.Errorf("a %s state, not a dict the pickle spells out", st.kind)
	}
	for i := 0; i+1 < st.nkept(); i += 2 {
		k, v := st.at(i), st.at(i+1)
		key, ok := k.Text()
		if k.kind != KindStr || !ok {
			return fmt.Errorf("a computed key")
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// arrowDtypeState checks an ArrowDtype's state: storage a constant
// string and pyarrow_dtype a type_for_alias call.
func arrowDtypeState(st Value) error {
	return stateItems(st, func(key string, v Value) error {
		switch key {
		case "storage":
			if _, ok := v.Text(); v.kind != KindStr || !ok {
				return fmt.Errorf("storage is %s, not a string", v)
			}
		case "pyarrow_dtype":
			mod, name, ok := v.Callable().Global()
			if v.kind != KindCall || !ok || mod != "pyarrow.lib" || name != "type_for_alias" {
				return fmt.Errorf("pyarrow_dtype is %s, not a type_for_alias call", v)
			}
		default:
			return fmt.Errorf("the attribute %q, which pandas does not pickle", key)
		}
		return nil
	})
}

// enumValueArgs accepts the one argument Enum.__reduce_ex__ writes: the
// member's value, a constant string, number, bool or None.
func enumValueArgs(args Value) error {
	if args.count() != 1 || args.nkept() != 1 {
		return fmt.Errorf("%d arguments", args.count())
	}
	switch v := args.at(0); v.kind {
	case KindStr:
		if v.obj() != nil {
			return fmt.Errorf("a computed string")
		}
	case KindInt, KindBigInt, KindFloat, KindBool, KindNone:
	default:
		return fmt.Errorf("a value that is not a constant")
	}
	return nil
}

// enumMember reports whether v is an instance of an Enum class held to
// shapeEnumValue, built by calling it or by a reconstructor given it
// (copyreg.__newobj__(cls, value) and _reconstructor(cls, cls, value)
// run Enum.__new__ too): the class's member, shared by the whole process,
// not a new object. (_reconstructor(cls, object, None) makes a fresh
// instance, which no pickler writes for an Enum.)
func enumMember(v Value) bool {
	f, ok := instanceClass(v)
	return ok && f.gobj().shape == shapeEnumValue
}

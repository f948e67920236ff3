package pickle

import (
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Kind is the type of a symbolic Value.
type Kind uint8

// Kinds of values the machine tracks. The zero Kind marks an absent memo
// slot and is never seen through the API.
const (
	kindAbsent Kind = iota
	KindNone
	KindBool
	KindInt        // fits in int64
	KindBigInt     // an integer too long for int64; digits not kept
	KindFloat      //
	KindStr        // text (also STRING/BINSTRING, which load as str)
	KindBytes      // bytes or bytearray
	KindTuple      //
	KindList       //
	KindDict       //
	KindSet        //
	KindFrozenSet  //
	KindGlobal     // a class, function or module attribute (GLOBAL, STACK_GLOBAL, INST)
	KindCall       // what calling a callable returns (REDUCE, OBJ, INST, NEWOBJ, NEWOBJ_EX)
	KindPersistent // what persistent_load returns for a persistent ID
	KindExt        // an object from the extension registry (EXT1/2/4)
	KindBuffer     // an out-of-band buffer (NEXT_BUFFER)
)

var kindNames = [...]string{"absent", "None", "bool", "int", "bigint", "float", "str", "bytes", "tuple", "list",
	"dict", "set", "frozenset", "global", "call", "persistent", "ext", "buffer"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a symbolic pickle value: small scalars unboxed, short strings
// kept, containers holding at most Options.MaxItems elements (Len still
// counts them all), and what globals, calls and persistent loads produced.
// Values are read-only views; the zero Value is an absent value.
type Value struct {
	kind Kind
	// inline is set when p points at the n bytes of a kept str, bytes or
	// bigint's content, or at the nk kept elements of a tuple that
	// received n; otherwise p is an *object or nil. A tuple never changes
	// once built, so it needs no object of its own: state_dicts and
	// records are mostly tuples.
	inline bool
	nk     uint32
	n      int64 // int value, bool, float bits, str/bytes length in bytes, or an inline tuple's count
	// p is one pointer for what was a string and an *object: dict-heavy
	// pickles hold millions of Values in the memo and in containers, and
	// a 24-byte Value with one pointer word halves what the garbage
	// collector scans and what copying them moves.
	p unsafe.Pointer
}

// objValue makes a value of kind that refers to o.
func objValue(kind Kind, o *object) Value { return Value{kind: kind, p: unsafe.Pointer(o)} }

// textValue makes a value of kind that keeps s as its content.
func textValue(kind Kind, s string) Value {
	if s == "" {
		// No pointer at all: an empty string's data may point past the
		// end of the block it was cut from.
		return Value{kind: kind, inline: true}
	}
	return Value{kind: kind, inline: true, n: int64(len(s)), p: unsafe.Pointer(unsafe.StringData(s))}
}

// withN returns v with n set: the length of an unkept payload, an
// extension code.
func withN(v Value, n int64) Value {
	v.n = n
	return v
}

// obj returns the object a value refers to, or nil.
func (v Value) obj() *object {
	if v.inline {
		return nil
	}
	return (*object)(v.p)
}

// tupleValue makes a tuple that received count elements and keeps elems,
// which must never be written again.
func tupleValue(elems []Value, count int) Value {
	v := Value{kind: KindTuple, inline: true, nk: uint32(len(elems)), n: int64(count)}
	if len(elems) > 0 {
		v.p = unsafe.Pointer(&elems[0])
	}
	return v
}

// elems returns the kept elements of a container or call.
func (v Value) elems() []Value {
	if v.inline {
		if v.kind != KindTuple || v.p == nil {
			return nil
		}
		return unsafe.Slice((*Value)(v.p), v.nk)
	}
	if o := v.obj(); o != nil {
		return o.items
	}
	return nil
}

// count returns how many elements a container received.
func (v Value) count() int64 {
	if v.inline {
		if v.kind == KindTuple {
			return v.n
		}
		return 0
	}
	if o := v.obj(); o != nil {
		return o.count
	}
	return 0
}

// chars returns the kept content of a str, bytes or bigint value, or "".
func (v Value) chars() string {
	if !v.inline || v.p == nil {
		return ""
	}
	return unsafe.String((*byte)(v.p), int(v.n))
}

// text encodings of payloads that were too long to keep, for re-reading.
const (
	encRaw     = iota // the bytes as stored (BINBYTES, BINUNICODE, ...)
	encString         // a STRING line: quoted, with Python escapes
	encUnicode        // a UNICODE line: raw-unicode-escape
)

type object struct {
	items []Value // elements; a dict's are key, value, key, value ...
	count int64   // elements received, or an unkept payload's stored length
	off   int64   // offset of the opcode that made it, or of an unkept payload
	state *Value  // what BUILD set on a call or persistent value
	g     *gobj   // KindGlobal
	op    byte    // KindCall: the opcode; items holds callable, args[, kwargs]
	enc   uint8   // an unkept payload's encoding
}

// gobj is a global: one per distinct global and stream.
type gobj struct {
	module, name string
	dynamic      bool // STACK_GLOBAL whose operands were not constant strings
	nested       bool // a nested loader: its bytes argument is a pickle
	info         *globalInfo
	// roles and fwd are the global's entries in argRoles and forwardCalls,
	// looked up once per stream rather than on every call.
	roles  []globals.Use
	fwd    [2]int
	hasFwd bool
}

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Int returns an integer (or bool) value.
func (v Value) Int() (int64, bool) {
	if v.kind == KindInt || v.kind == KindBool {
		return v.n, true
	}
	return 0, false
}

// Float returns a float value.
func (v Value) Float() (float64, bool) {
	if v.kind == KindFloat {
		return math.Float64frombits(uint64(v.n)), true
	}
	return 0, false
}

// Text returns the content of a str or bytes value; ok is false when the
// value is of another kind or was too long to keep.
func (v Value) Text() (s string, ok bool) {
	if (v.kind == KindStr || v.kind == KindBytes) && v.obj() == nil {
		return v.chars(), true
	}
	return "", false
}

// Size returns the length in bytes of a str or bytes value, kept or not.
func (v Value) Size() int64 {
	if v.kind == KindStr || v.kind == KindBytes {
		return v.n
	}
	return 0
}

// Len returns how many elements a container received (a dict counts its
// pairs); Index reaches only the kept ones.
func (v Value) Len() int64 {
	switch v.kind {
	case KindTuple, KindList, KindSet, KindFrozenSet:
		return v.count()
	case KindDict:
		return v.count() / 2
	}
	return 0
}

// Index returns the i-th kept element of a tuple, list or set (for a dict,
// the i-th key).
func (v Value) Index(i int) (Value, bool) {
	switch v.kind {
	case KindTuple, KindList, KindSet, KindFrozenSet:
		if i >= 0 && i < len(v.elems()) {
			return v.elems()[i], true
		}
	case KindDict:
		if i >= 0 && 2*i < len(v.elems()) {
			return v.elems()[2*i], true
		}
	}
	return Value{}, false
}

// Get returns the value of a dict for a kept str key.
func (v Value) Get(key string) (Value, bool) {
	if v.kind != KindDict {
		return Value{}, false
	}
	for i := 0; i+1 < len(v.elems()); i += 2 {
		if k := v.elems()[i]; k.kind == KindStr && k.obj() == nil && k.chars() == key {
			return v.elems()[i+1], true
		}
	}
	return Value{}, false
}

// Global returns the normalised module and name of a global (a dotted name
// stays dotted). ok is false for other kinds and for dynamic globals.
func (v Value) Global() (module, name string, ok bool) {
	if v.kind != KindGlobal || v.obj().g.dynamic {
		return "", "", false
	}
	return v.obj().g.module, v.obj().g.name, true
}

// Callable returns what a call value called.
func (v Value) Callable() Value {
	if v.kind == KindCall {
		return v.elems()[0]
	}
	return Value{}
}

// Args returns the positional arguments of a call value, as a tuple.
func (v Value) Args() Value {
	if v.kind == KindCall {
		return v.elems()[1]
	}
	return Value{}
}

// State returns what BUILD set on a call or persistent value.
func (v Value) State() (Value, bool) {
	if (v.kind == KindCall || v.kind == KindPersistent) && v.obj().state != nil {
		return *v.obj().state, true
	}
	return Value{}, false
}

// PersistentID returns the persistent ID a persistent value was loaded by.
func (v Value) PersistentID() Value {
	if v.kind == KindPersistent {
		return v.elems()[0]
	}
	return Value{}
}

// String renders the value as Python-like text, bounded in depth and length.
func (v Value) String() string {
	var b strings.Builder
	render(&b, v, 3)
	if b.Len() > maxRender {
		return b.String()[:maxRender] + "…"
	}
	return b.String()
}

const maxRender = 300

func render(b *strings.Builder, v Value, depth int) {
	if b.Len() > maxRender {
		return
	}
	switch v.kind {
	case KindNone:
		b.WriteString("None")
	case KindBool:
		if v.n != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case KindInt:
		b.WriteString(strconv.FormatInt(v.n, 10))
	case KindBigInt:
		b.WriteString("<bigint>")
	case KindFloat:
		b.WriteString(strconv.FormatFloat(math.Float64frombits(uint64(v.n)), 'g', -1, 64))
	case KindStr, KindBytes:
		if v.kind == KindBytes {
			b.WriteByte('b')
		}
		if v.obj() != nil {
			b.WriteString("<" + strconv.FormatInt(v.n, 10) + " bytes>")
			return
		}
		s := v.chars()
		if len(s) > 64 {
			s = s[:64]
		}
		b.WriteString(strconv.Quote(s))
		if len(v.chars()) > 64 {
			b.WriteString("…")
		}
	case KindTuple, KindList, KindSet, KindFrozenSet, KindDict:
		open, close := brackets(v.kind)
		b.WriteString(open)
		if depth == 0 {
			b.WriteString("…")
		} else {
			renderItems(b, v, depth)
		}
		if v.kind == KindTuple && v.count() == 1 {
			b.WriteByte(',')
		}
		b.WriteString(close)
	case KindGlobal:
		if v.obj().g.dynamic {
			b.WriteString("<dynamic global>")
			return
		}
		b.WriteString(v.obj().g.module + "." + v.obj().g.name)
	case KindCall:
		if depth == 0 {
			b.WriteString("<call>")
			return
		}
		render(b, v.elems()[0], depth-1)
		args := v.elems()[1]
		if args.kind == KindTuple {
			b.WriteByte('(')
			renderItems(b, args, depth-1)
			b.WriteByte(')')
		} else {
			b.WriteString("(*")
			render(b, args, depth-1)
			b.WriteByte(')')
		}
	case KindPersistent:
		b.WriteString("persistent_load(")
		if depth > 0 {
			render(b, v.elems()[0], depth-1)
		}
		b.WriteByte(')')
	case KindExt:
		b.WriteString("<ext " + strconv.FormatInt(v.n, 10) + ">")
	case KindBuffer:
		b.WriteString("<out-of-band buffer>")
	default:
		b.WriteString("<?>")
	}
}

func renderItems(b *strings.Builder, v Value, depth int) {
	items := v.elems()
	step := 1
	if v.kind == KindDict {
		step = 2
	}
	for i := 0; i+step-1 < len(items); i += step {
		if i > 0 {
			b.WriteString(", ")
		}
		if i >= 8*step || b.Len() > maxRender {
			b.WriteString("…")
			return
		}
		render(b, items[i], depth-1)
		if step == 2 {
			b.WriteString(": ")
			render(b, items[i+1], depth-1)
		}
	}
	if int64(len(items)) < v.count() {
		b.WriteString(", …")
	}
}

func brackets(k Kind) (string, string) {
	switch k {
	case KindTuple:
		return "(", ")"
	case KindList:
		return "[", "]"
	case KindFrozenSet:
		return "frozenset({", "})"
	}
	return "{", "}"
}

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
	cell
	// t holds what the cell refers to by index. The memo, the stack and
	// containers keep bare cells; a Value is a cell with its tables, made
	// when one is read.
	t *tables
}

// cell is what the machine stores of a value: 16 bytes and no pointer.
// Dict-heavy pickles hold millions of them in the memo and in containers;
// blocks of pointer-free cells are never scanned by the garbage
// collector and cost no write barrier to fill, which was a third of the
// machine's time when values held pointers.
type cell struct {
	// n is an int value, bool, float bits, str/bytes length in bytes, an
	// inline tuple's count, or a global's index in tables.globs.
	n int64
	// ref is, when the value is inline, the first of the n bytes of a
	// kept str, bytes or bigint's content, or of the kept elements of a
	// tuple that received n; otherwise an object's index, or 0 for none.
	// A tuple never changes once built, so it needs no object of its own:
	// state_dicts and records are mostly tuples.
	ref uint32
	// aux is 1 for an inline value, plus twice an inline tuple's kept
	// elements.
	aux  uint16
	kind Kind
	// No more fields: the compiler keeps a struct of at most four fields
	// in registers, and copies a larger one through memory, which costs a
	// store-forwarding stall on every push.
}

// maxInlineKept is the most elements an inline tuple keeps.
const maxInlineKept = math.MaxUint16 >> 1

// inline reports whether ref is a kept content or tuple's elements.
func (c cell) inline() bool { return c.aux&1 != 0 }

// nk is how many elements an inline tuple keeps.
func (c cell) nk() int { return int(c.aux >> 1) }

// scalar makes a value of kind that refers to nothing.
func scalar(kind Kind, n int64) Value { return Value{cell: cell{kind: kind, n: n}} }

// val makes a Value of a cell stored in t.
func (t *tables) val(c cell) Value { return Value{cell: c, t: t} }

// objValue makes a value of kind that refers to object ref.
func (t *tables) objValue(kind Kind, ref uint32) Value {
	return Value{cell: cell{kind: kind, ref: ref}, t: t}
}

// textValue makes a value of kind that keeps b as its content.
func (t *tables) textValue(kind Kind, b []byte) Value {
	if len(b) == 0 {
		return Value{cell: cell{kind: kind, aux: 1}, t: t}
	}
	ref, s := t.bytes.carve(len(b), &t.full)
	copy(s, b)
	return Value{cell: cell{kind: kind, aux: 1, n: int64(len(b)), ref: ref}, t: t}
}

// withN returns v with n set: the length of an unkept payload, an
// extension code.
func withN(v Value, n int64) Value {
	v.n = n
	return v
}

// obj returns the object a value refers to, or nil.
func (v Value) obj() *object {
	if v.inline() || v.ref == 0 {
		return nil
	}
	return v.t.objs.at(v.ref)
}

// gobj returns the global a KindGlobal value refers to.
func (v Value) gobj() *gobj { return v.t.globs[v.n] }

// cells returns the kept elements of a container or call.
func (v Value) cells() []cell {
	if v.inline() {
		if v.kind != KindTuple || v.nk() == 0 {
			return nil
		}
		return v.t.cells.slice(v.ref, v.nk())
	}
	if o := v.obj(); o != nil && o.nItems > 0 {
		return v.t.cells.slice(o.items, int(o.nItems))
	}
	return nil
}

// nkept returns how many elements of a container or call are kept.
func (v Value) nkept() int {
	if v.inline() {
		if v.kind != KindTuple {
			return 0
		}
		return v.nk()
	}
	if o := v.obj(); o != nil {
		return int(o.nItems)
	}
	return 0
}

// at returns the i-th kept element of a container or call, which must
// exist.
func (v Value) at(i int) Value { return v.t.val(v.cells()[i]) }

// count returns how many elements a container received.
func (v Value) count() int64 {
	if v.inline() {
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
	if !v.inline() || v.n == 0 || v.kind == KindTuple {
		return ""
	}
	b := v.t.bytes.slice(v.ref, int(v.n))
	// The bytes are never written again: later strings are carved after
	// them, and a full chunk is replaced, not reused.
	return unsafe.String(&b[0], len(b))
}

// text encodings of payloads that were too long to keep, for re-reading.
const (
	encRaw     = iota // the bytes as stored (BINBYTES, BINUNICODE, ...)
	encString         // a STRING line: quoted, with Python escapes
	encUnicode        // a UNICODE line: raw-unicode-escape
)

// object is what a value that is not inline refers to; it holds no
// pointer either.
type object struct {
	count int64 // elements received, or an unkept payload's stored length
	off   int64 // offset of the opcode that made it, or of an unkept payload
	// items, nItems and capItems are the kept elements, in cells; a
	// dict's are key, value, key, value ...
	items    uint32
	nItems   uint32
	capItems uint32
	state    uint32 // the cell BUILD set on a call or persistent value, or 0
	flags    uint32 // flag* bits (see hooks.go)
	op       byte   // KindCall: the opcode; items holds callable, args[, kwargs]
	enc      uint8  // an unkept payload's encoding
	again    bool   // pushed a second time, by GET or DUP (see arrow.go claim)
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
	// shape is the global's literal-argument check (arrow.go).
	shape argShape
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
		if i >= 0 && i < v.nkept() {
			return v.at(i), true
		}
	case KindDict:
		if i >= 0 && 2*i < v.nkept() {
			return v.at(2 * i), true
		}
	}
	return Value{}, false
}

// Get returns the value of a dict for a kept str key.
func (v Value) Get(key string) (Value, bool) {
	if v.kind != KindDict {
		return Value{}, false
	}
	// SETITEM(S) on a dict the pickle holds twice (through the memo)
	// keeps every pair it set; the last one for a key is what the dict
	// holds when loaded.
	items := v.cells()
	for i := len(items)&^1 - 2; i >= 0; i -= 2 {
		if k := v.t.val(items[i]); k.kind == KindStr && k.obj() == nil && k.chars() == key {
			return v.t.val(items[i+1]), true
		}
	}
	return Value{}, false
}

// Global returns the normalised module and name of a global (a dotted name
// stays dotted). ok is false for other kinds and for dynamic globals.
func (v Value) Global() (module, name string, ok bool) {
	if v.kind != KindGlobal || v.gobj().dynamic {
		return "", "", false
	}
	return v.gobj().module, v.gobj().name, true
}

// Callable returns what a call value called.
func (v Value) Callable() Value {
	if v.kind == KindCall {
		return v.at(0)
	}
	return Value{}
}

// Args returns the positional arguments of a call value, as a tuple.
func (v Value) Args() Value {
	if v.kind == KindCall {
		return v.at(1)
	}
	return Value{}
}

// State returns what BUILD set on a call or persistent value.
func (v Value) State() (Value, bool) {
	if (v.kind == KindCall || v.kind == KindPersistent) && v.obj().state != 0 {
		return v.t.val(*v.t.cells.at(v.obj().state)), true
	}
	return Value{}, false
}

// PersistentID returns the persistent ID a persistent value was loaded by.
func (v Value) PersistentID() Value {
	if v.kind == KindPersistent {
		return v.at(0)
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
		if v.gobj().dynamic {
			b.WriteString("<dynamic global>")
			return
		}
		b.WriteString(v.gobj().module + "." + v.gobj().name)
	case KindCall:
		if depth == 0 {
			b.WriteString("<call>")
			return
		}
		render(b, v.at(0), depth-1)
		args := v.at(1)
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
			render(b, v.at(0), depth-1)
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
	items := v.cells()
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
		render(b, v.t.val(items[i]), depth-1)
		if step == 2 {
			b.WriteString(": ")
			render(b, v.t.val(items[i+1]), depth-1)
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

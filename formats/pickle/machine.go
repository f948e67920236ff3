package pickle

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// maxFrame bounds the FRAME lengths the machine buffers to check that the
// input holds them: pickle's frame size target is 64 KiB.
const maxFrame = 16 << 20

// keepMax is the longest str or bytes constant whose content is kept;
// longer ones are read through and only their position is remembered.
const keepMax = 1024

var (
	errUnderflow = errors.New("unpickling stack underflow")
	errNoMark    = errors.New("could not find MARK")
	errOddItems  = errors.New("odd number of items for DICT or SETITEMS")
	errBudget    = errors.New("probe budget reached")
	errBeyond    = errors.New("argument longer than the file")
)

// Error is a pickle that could not be read to its end: the offset and
// opcode where reading stopped, and why.
type Error struct {
	Offset int64
	Opcode string
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("pickle offset %d (%s): %v", e.Offset, e.Opcode, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// globalInfo is what the machine knows of one distinct global in a stream.
type globalInfo struct {
	ref GlobalRef
	// boundTo is, for a method getattr(obj, name) resolved as the global
	// Class.name (namedAttribute), Class: the bound method renders as
	// repr(obj).
	boundTo *globalInfo
	calls   int64
	call    string // the first call, rendered
	callOp  string
	callOff int64
	// torchStreams counts calls whose payload was a constant legacy
	// torch.save stream, scanned in full, or a zip archive the engine
	// scanned as a file of its own.
	torchStreams int64
	// misuse is the first use of an allowlisted global that its entry does
	// not permit (a class-only global called, a value built), rendered.
	misuse    string
	misuseOff int64
	misuseUse globals.Use
	// misuseOp is the opcode of the misuse when it was a call of the
	// global itself (REDUCE, or BUILD/APPEND calling a held hook).
	misuseOp string
	// For functools.partial: the partial objects its calls made, and how
	// often the global was pushed and consumed as a call's callable. A
	// partial is cleared only when the global is used as nothing else.
	partial       bool
	partials      []Value
	partialPushes int64
	partialCalls  int64
	// For a denied class that only calls callables its attributes hold
	// (holders: scikit-learn's FunctionTransformer, Keras's Tokenizer):
	// the instances NEWOBJ built, and how often the class was pushed and
	// built. It is cleared when every instance's callables are None or
	// allowlisted functions (see transformerCleared) and the class is
	// used as nothing else.
	transformer       *holder
	transformers      []Value
	transformerPushes int64
	transformerBuilds int64
	// transformerStates is the item count of each instance's BUILD state
	// when BUILD ran, by the instance's ref: BUILD copies the dict into
	// the instance, so items the memoized dict gets later (a func set to
	// None) are not what the instance holds.
	transformerStates map[uint32]int64
	// holderBuilds counts the BUILDs applied to instances of a holder
	// class, recorded or not: an instance without a recorded state is
	// known never to have run __setstate__ only when they all were.
	holderBuilds int64
	// For a lookup function (see lookups): calls that only name an object
	// by constants, such as builtins.getattr(Outer, "inner"), which is how
	// protocols 2 and 3 pickle a nested class or function, or dill's
	// _load_type("list"). Each is judged as the global it names; the
	// function is cleared when it is used for nothing else.
	lookup         lookupFunc
	lookupPushes   int64
	lookupResolved int64
	// nameEval marks builtins.eval, whose calls that only evaluate a bare
	// name in a one-entry globals dict (see evalName) count as resolved
	// lookups: it is cleared when it is used for nothing else.
	nameEval bool
	// For a Keras model loader (see kerasLoaders): calls with the shape
	// Keras writes whose .keras archive was scanned as a nested file.
	keras      bool
	kerasLoads int64
	// unvouched is what loading may run on the global's instances or
	// object that the allowlist generator did not vouch for (nil: none),
	// and dunders what calling the global runs on its arguments.
	unvouched *globals.Unvouched
	dunders   *dunderCall
	// For a name of the loading program's main module (see mainName) or
	// of the saving project's own module (project, see projectName): the
	// uses that build it as a class, and those that call it (REDUCE, OBJ,
	// INST, an allowlisted callable's function argument, a forwarded call,
	// BUILD or SETITEM applied to it), with the first call. Any other
	// appearance only holds it as a value. It is reported under
	// RuleMainGlobal, or RuleProjectGlobal, when nothing calls it.
	main        bool
	project     bool
	mainBuilds  int64
	mainCalls   int64
	mainCall    string
	mainCallOp  string
	mainCallOff int64
	// For an allowlisted TensorFlow function held to the argument shape
	// TensorFlow's __reduce__ writes (see tfShapes): the check, and the
	// first use outside it, reported as the denied global it was.
	shapeCheck   func(args, kwargs Value) bool
	shapeMiss    string
	shapeMissOff int64
}

// mainName reports whether module.name is one plain attribute of the
// loading program's main module: find_class("__main__", name) imports
// nothing (__main__ is always in sys.modules) and returns what the
// program itself defines under that name. Not "__mp_main__": multiprocessing
// aliases it to __main__ only once imported; otherwise find_class imports a
// module of that name from sys.path (CPython multiprocessing/__init__.py,
// spawn.py). Not a dotted name (protocol 4 walks __main__.os.system), nor
// one starting with "__" (__builtins__, __loader__, mangled names), which
// reach the interpreter rather than the program's definitions. Not a name
// spelled like a process, file, network or loader function (mainImports):
// there the program's "definition" is likely the library function a
// script imported by name, which a holder would call on the data.
func mainName(module, name string) bool {
	return module == "__main__" && ownName(name)
}

// projectName reports whether module.name is one plain attribute of a
// module no known library provides (globals.ProjectModule): the saving
// project's own code (model.Net, titanic_model.preprocessors.ToInteger).
// find_class imports it from the loading program's sys.path, so it
// resolves only where that project, or a file of that name in the
// directory a notebook or "python -c" runs in, is there. The name is held
// to mainName's rules: a project module's attribute spelled like os.system
// is likely "from os import system" in it.
func projectName(module, name string) bool {
	return module != "__main__" && ownName(name) && globals.ProjectModule(module)
}

// ownName reports whether name can be a definition of the program's or
// project's own code rather than a name it imported or the interpreter's.
func ownName(name string) bool {
	return identifier(name) && !strings.HasPrefix(name, "__") && !mainImports[name]
}

// mainImports are the names that "from os import system" and the like bind
// in a script's main module to functions that run processes, change or
// read files, open connections, import code or unpickle (os, subprocess,
// shutil, builtins, pickle, marshal, importlib, runpy, urllib, socket,
// ctypes, pty). A __main__ name spelled like one stays an unknown import.
var mainImports = map[string]bool{
	"system": true, "popen": true, "Popen": true, "execl": true, "execle": true, "execlp": true, "execlpe": true,
	"execv": true, "execve": true, "execvp": true, "execvpe": true, "spawnl": true, "spawnle": true, "spawnlp": true,
	"spawnlpe": true, "spawnv": true, "spawnve": true, "spawnvp": true, "spawnvpe": true, "posix_spawn": true,
	"posix_spawnp": true, "fork": true, "forkpty": true, "kill": true, "killpg": true, "startfile": true, "putenv": true,
	"call": true, "check_call": true, "check_output": true, "run": true, "getoutput": true, "getstatusoutput": true,
	"spawn": true, "remove": true, "unlink": true, "rmdir": true, "removedirs": true, "rename": true, "renames": true,
	"replace": true, "chmod": true, "chown": true, "symlink": true, "link": true, "truncate": true, "rmtree": true,
	"move": true, "copy": true, "copy2": true, "copyfile": true, "copytree": true, "make_archive": true,
	"unpack_archive": true, "open": true, "eval": true, "exec": true, "compile": true, "input": true,
	"breakpoint": true, "getattr": true, "setattr": true, "delattr": true, "globals": true, "vars": true,
	"load": true, "loads": true, "Unpickler": true, "import_module": true, "reload": true, "run_path": true,
	"run_module": true, "urlopen": true, "urlretrieve": true, "socket": true, "create_connection": true,
	"CDLL": true, "cdll": true,
	// Loaders and downloaders of the ML stack a script imports by name
	// (pandas, gensim.utils, yaml, torch.hub, huggingface_hub), asyncio's
	// process spawners, directory makers and code's REPL.
	"read_pickle": true, "unpickle": true, "unsafe_load": true, "full_load": true, "load_state_dict_from_url": true,
	"download_url_to_file": true, "hf_hub_download": true, "snapshot_download": true, "create_subprocess_shell": true,
	"create_subprocess_exec": true, "makedirs": true, "mkdir": true, "interact": true,
}

// mainUse records a use of a main-module name: a build, or a call
// rendered as call made by op at off.
func (g *globalInfo) mainUse(off int64, op string, build bool, call Value) {
	if build {
		g.mainBuilds++
		return
	}
	g.mainCalls++
	if g.mainCalls == 1 {
		g.mainCall, g.mainCallOp, g.mainCallOff = call.String(), op, off
	}
}

// mutation is a BUILD, SETITEM, APPEND or ADDITEMS applied to a global,
// reported when the stream ends so that later lookups can raise it.
type mutation struct {
	off     int64
	op      string
	obj     *object
	target  string
	state   string
	lookups int // global resolutions made before it
}

// shared is the state all streams and nested pickles of one Scan share.
type shared struct {
	pickles     int
	nestedBytes int64
	depth       int
	// arrowBytes counts the pyarrow buffer bytes re-read (arrow.go).
	arrowBytes int64
}

// machine is the pickle machine for one input; it runs one stream at a
// time (reset clears the stack and memo, as a new Unpickler would).
type machine struct {
	ctx   context.Context
	st    *Stream
	scope formats.Scope
	opt   *Options
	lim   formats.Limits
	res   *Result
	sh    *shared

	// sphinxConfigs are the Sphinx Configs BUILD filled (see
	// noteSphinxConfig).
	sphinxConfigs []sphinxConfig

	probe     bool  // sniffing: no findings, strict syntax
	consumed  bool  // an opcode took values off the stack
	longArg   bool  // the last argument read was too long to keep
	probeSize int64 // the file size while probing, or -1

	stack    []cell
	marks    []int
	memo     [][]cell // dense blocks of memoChunk values
	spare    [][]cell // cleared blocks for the next stream
	memoMap  map[int64]cell
	memoLen  int
	proto    int
	ops      int64
	maxOps   int64
	frameEnd int64
	// frameErr is CPython's error for a FRAME the input does not hold,
	// returned at STOP.
	frameErr error
	stream   int

	globals   map[string]Value
	order     []*gobj
	mutations []mutation
	lookups   int
	reported  map[string]bool
	counts    map[string]int
	lineBuf   []byte
	t         *tables // the current stream's
	// kept holds the values earlier streams returned, copied out of their
	// tables so that those are freed; pidStart is where the current
	// stream's persistent IDs start in Result.PersistentIDs.
	kept     *tables
	pidStart int
	maxItems int
	fatal    error // a limit or cancellation met inside a nested scan
	// kerasLoads counts the current stream's Keras model loads scanned
	// as nested files (see kerasModel).
	kerasLoads int64
	// sel is the allowlist ecosystems the scan's policy switched off.
	sel globals.Selection
	// configs is set once the stream names a resolvingEq class: only then
	// can a value be one of its instances, so the checks of BUILD states
	// and call arguments (resolving) run only then.
	configs bool
	// configSteps counts the values the stream's config searches visited
	// (see configs.go).
	configSteps int
	// heldConfigs maps an instance filled with a config by SETITEM(S) or
	// APPEND(S) to that config (see holdConfigs).
	heldConfigs map[configKey]cell
	// dunders is set once the stream names an allowed global with
	// unvouched trigger methods: only then can a dict key, set element or
	// builtin argument run one (see dunders.go).
	dunders bool
	// dunderSet is every method dunders.txt lists for the stream's
	// allowed globals, and dunderCells the cells the walks of dunders.go
	// visited.
	dunderSet   globals.Dunder
	dunderCells int64
	// hookList and hookIdx (by object ref) are the instances whose
	// attributes hold a callable under a name the unpickler calls, and
	// attrDicts the instance each dict flagged flagAttrDict fills (see
	// hooks.go).
	hookList  []hookSet
	hookIdx   map[uint32]int32
	attrDicts map[uint32]cell
	lostHooks map[lostHook]cell
	// cfgHeld is the config each list, dict or set flagged flagCfgHeld
	// was stored in, and cfgLast the last config judged (cfgplain.go).
	cfgHeld map[uint32]cell
	cfgLast cell
	// arrow is set once the stream names py_buffer or a pandas Arrow
	// array or ArrowDtype class, whose states and items arrow.go checks.
	// arrowUsed holds the values checked pyarrow calls are built from,
	// with the global called; arrowPushed the values GET or DUP pushed
	// again as inline tuples or bytes (objects are marked on themselves,
	// see pushedAgain), recorded once the stream names builtins.bytearray
	// or py_buffer or reads BYTEARRAY8 (byteVals).
	arrow           bool
	arrowUsed       map[cell]*globalInfo
	byteVals        bool
	arrowPushed     map[cell]bool
	arrowPushedLost bool // arrowPushed was full: every checked call is refused
}

func newMachine(ctx context.Context, st *Stream, s formats.Scope, opt *Options, res *Result, sh *shared) *machine {
	m := &machine{ctx: ctx, st: st, scope: s, opt: opt, res: res, sh: sh, probeSize: -1, sel: globals.SelectionFrom(ctx)}
	m.lim = s.Limits()
	m.maxOps = m.lim.Opcodes
	if m.maxOps <= 0 {
		m.maxOps = math.MaxInt64
	}
	m.maxItems = opt.MaxItems
	if m.maxItems <= 0 {
		m.maxItems = 64
	}
	// An object counts its kept elements in 32 bits (a dict's twice).
	m.maxItems = min(m.maxItems, math.MaxUint32/2)
	return m
}

func (m *machine) reset() {
	// Cells hold no pointers: what pop leaves above the top keeps
	// nothing alive, and the stack is reused as it is.
	m.stack = m.stack[:0]
	m.marks = m.marks[:0]
	for _, c := range m.memo {
		clear(c)
	}
	m.spare = append(m.spare, m.memo...)
	m.memo = m.memo[:0]
	m.memoMap = nil
	m.memoLen = 0
	m.proto = 0
	m.ops = 0
	m.frameEnd = -1
	m.globals = make(map[string]Value)
	if m.t != nil && len(m.res.PersistentIDs) > m.pidStart {
		c := newCopier(m.t, m.keptTables())
		for i := m.pidStart; i < len(m.res.PersistentIDs); i++ {
			m.res.PersistentIDs[i].ID = c.value(m.res.PersistentIDs[i].ID)
		}
	}
	m.pidStart = len(m.res.PersistentIDs)
	m.t = m.newTables()
	m.order = m.order[:0]
	m.mutations = m.mutations[:0]
	m.lookups = 0
	m.kerasLoads = 0
	m.configSteps, m.heldConfigs = 0, nil
	m.arrow, m.arrowUsed = false, nil
	m.byteVals, m.arrowPushed, m.arrowPushedLost = false, nil, false
	m.reported = make(map[string]bool)
	m.counts = make(map[string]int)
}

func (m *machine) newTables() *tables {
	t := newTables()
	if m.opt.tableBytes > 0 {
		t.left = m.opt.tableBytes
	}
	return t
}

func (m *machine) keptTables() *tables {
	if m.kept == nil {
		m.kept = m.newTables()
	}
	return m.kept
}

// keep returns v, which the current stream returned, copied out of the
// stream's tables.
func (m *machine) keep(v Value) Value {
	return newCopier(m.t, m.keptTables()).value(v)
}

func (m *machine) report(f formats.Finding) {
	if !m.probe {
		m.scope.Report(f)
	}
}

// once reports f unless a finding with the same key was reported in this
// stream already.
func (m *machine) once(key string, f func() formats.Finding) {
	if m.reported[key] || m.probe {
		return
	}
	m.reported[key] = true
	m.report(f())
}

// capped reports whether another finding of kind may be reported in this
// stream: repeated payload opcodes must not cost a finding (and a
// rendering) each.
func (m *machine) capped(kind string) bool {
	m.counts[kind]++
	return m.counts[kind] > maxRepeats
}

const maxRepeats = 16

func (m *machine) fence() int {
	if n := len(m.marks); n > 0 {
		return m.marks[n-1]
	}
	return 0
}

// push is small enough to be inlined into every opcode's case; the
// bookkeeping for globals is apart.
func (m *machine) push(v Value) {
	if v.kind == KindGlobal {
		countPush(v)
	}
	m.stack = append(m.stack, v.cell)
}

func countPush(v Value) {
	if g := v.gobj().info; g != nil {
		if g.partial {
			g.partialPushes++
		}
		if g.transformer != nil {
			g.transformerPushes++
		}
		if g.lookup != nil || g.nameEval {
			g.lookupPushes++
		}
	}
}

func (m *machine) pop() (Value, error) {
	n := len(m.stack)
	if n <= m.fence() {
		return Value{}, errUnderflow
	}
	v := m.stack[n-1]
	m.stack = m.stack[:n-1]
	return m.t.val(v), nil
}

func (m *machine) top() (*cell, error) {
	n := len(m.stack)
	if n <= m.fence() {
		return nil, errUnderflow
	}
	return &m.stack[n-1], nil
}

// popMark removes the topmost mark and returns the items above it. The
// slice aliases the stack and is valid until the next push.
func (m *machine) popMark() ([]cell, error) {
	n := len(m.marks)
	if n == 0 {
		return nil, errNoMark
	}
	k := m.marks[n-1]
	m.marks = m.marks[:n-1]
	items := m.stack[k:]
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) container(kind Kind, items []cell) Value {
	k := min(len(items), m.maxItems)
	if kind == KindTuple && k <= maxInlineKept && k == len(items) {
		v := Value{cell: cell{kind: KindTuple, aux: 1 | uint16(k)<<1, n: int64(len(items))}, t: m.t}
		if k > 0 {
			var elems []cell
			v.ref, elems = m.t.cells.carve(k, &m.t.full)
			copy(elems, items[:k])
		}
		return v
	}
	ref, o := m.t.newObjectOf(items[:k])
	o.count = int64(len(items))
	if lostObject(items[k:]) {
		o.flags |= flagLostObject
	}
	return m.t.objValue(kind, ref)
}

// newObject returns a value of kind referring to a new object made at
// off.
func (m *machine) newObject(kind Kind, off int64) (Value, *object) {
	ref, o := m.t.newObject()
	o.off = off
	return m.t.objValue(kind, ref), o
}

// memoChunk is the size of the memo's dense blocks: growing never copies.
const memoChunk = 1 << 10

func (m *machine) memoGet(i int64) (cell, bool) {
	if i >= 0 && i < int64(len(m.memo))*memoChunk {
		v := m.memo[i/memoChunk][i%memoChunk]
		return v, v.kind != kindAbsent
	}
	v, ok := m.memoMap[i]
	return v, ok
}

func (m *machine) memoPut(i int64, v cell) error {
	dense := int64(len(m.memo)) * memoChunk
	switch {
	case i >= 0 && i < dense:
		slot := &m.memo[i/memoChunk][i%memoChunk]
		if slot.kind == kindAbsent {
			m.memoLen++
			if m.lim.Memo > 0 && m.memoLen > m.lim.Memo {
				return &formats.LimitError{Limit: "pickle-memo", Max: int64(m.lim.Memo)}
			}
		}
		*slot = v
		return nil
	case m.memoMap != nil:
		if _, ok := m.memoMap[i]; ok {
			m.memoMap[i] = v
			return nil
		}
	}
	m.memoLen++
	if m.lim.Memo > 0 && m.memoLen > m.lim.Memo {
		return &formats.LimitError{Limit: "pickle-memo", Max: int64(m.lim.Memo)}
	}
	// Indices just past the dense end (MEMOIZE, sequential PUTs) extend it
	// by a block, as long as the blocks stay a quarter full; others go to
	// the map, after which the dense part stays as it is so an index is
	// never in both. Sparse PUTs thus cannot allocate more than they store.
	if i >= 0 && i < dense+memoChunk && m.memoMap == nil && dense <= 4*int64(m.memoLen) {
		for int64(len(m.memo))*memoChunk <= i {
			var c []cell
			if n := len(m.spare); n > 0 {
				c, m.spare = m.spare[n-1], m.spare[:n-1]
			} else {
				c = make([]cell, memoChunk)
			}
			m.memo = append(m.memo, c)
		}
		m.memo[i/memoChunk][i%memoChunk] = v
		return nil
	}
	if m.memoMap == nil {
		m.memoMap = make(map[int64]cell)
	}
	m.memoMap[i] = v
	return nil
}

// unkept makes a str or bytes value of count bytes at off, too long to
// keep, in encoding enc.
func (m *machine) unkept(kind Kind, off, count int64, enc uint8) Value {
	v, o := m.newObject(kind, off)
	o.count, o.enc = count, enc
	return withN(v, count)
}

// str makes a kept str or bytes value.
func (m *machine) str(kind Kind, b []byte) Value {
	return m.t.textValue(kind, b)
}

// payload reads a length-prefixed str or bytes argument of n bytes,
// keeping it only when short.
//
// text, when set, is fed every byte of the argument.
func (m *machine) payload(kind Kind, n uint64, text *pyUTF8) (Value, error) {
	if n > math.MaxInt64 {
		return Value{}, fmt.Errorf("argument length %d exceeds the maximum", n)
	}
	if m.probeSize >= 0 && m.st.Offset()+int64(n) > m.probeSize {
		return Value{}, errBeyond
	}
	if n <= keepMax {
		b, err := m.st.next(int(n))
		if err != nil {
			return Value{}, err
		}
		if text != nil {
			text.write(b)
		}
		return m.str(kind, b), nil
	}
	off := m.st.Offset()
	m.longArg = true
	if text == nil {
		if err := m.st.Discard(int64(n)); err != nil {
			return Value{}, err
		}
	} else {
		for left := int64(n); left > 0; {
			b, err := m.st.next(int(min(left, bufSize/2)))
			if err != nil {
				return Value{}, err
			}
			text.write(b)
			left -= int64(len(b))
		}
	}
	return m.unkept(kind, off, int64(n), encRaw), nil
}

func (m *machine) u8() (uint64, error) {
	b, err := m.st.ReadByte()
	return uint64(b), err
}

func (m *machine) le(n int) (uint64, error) {
	b, err := m.st.next(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 2:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (m *machine) line(keep int) ([]byte, int64, error) {
	b, total, err := m.st.line(m.lineBuf, keep)
	m.lineBuf = b[:0]
	return b, total, err
}

// nameLine reads a GLOBAL or INST module or name line.
func (m *machine) nameLine() (string, error) {
	b, total, err := m.line(keepMax)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errors.New("global name is not valid UTF-8")
	}
	if m.probe && (total > keepMax || !isIdentPath(b)) {
		return "", errors.New("not an identifier")
	}
	s := string(b)
	if total > keepMax {
		s += "…"
	}
	return s, nil
}

// run executes one pickle stream up to its STOP and returns the value STOP
// pops.
func (m *machine) run() (v Value, err error) {
	m.reset()
	defer m.flush()
	if m.kept != nil && m.kept.full {
		// The persistent IDs of the stream before did not fit.
		return Value{}, &Error{Offset: m.st.Offset(), Opcode: "-", Err: m.kept.limitError()}
	}
	st := m.st
	for {
		off := st.Offset()
		op, err := st.ReadByte()
		if err != nil {
			if m.ops == 0 && errors.Is(err, io.ErrUnexpectedEOF) {
				return Value{}, &Error{Offset: off, Opcode: "EOF", Err: errors.New("no pickle: input ends")}
			}
			return Value{}, &Error{Offset: off, Opcode: "EOF", Err: fmt.Errorf("pickle ends before STOP: %w", err)}
		}
		m.ops++
		if m.ops > m.maxOps {
			if m.probe {
				return Value{}, errBudget
			}
			return Value{}, &Error{Offset: off, Opcode: opName(op), Err: &formats.LimitError{Limit: "pickle-opcodes", Max: m.maxOps}}
		}
		if m.ops&0xffff == 0 {
			if err := m.ctx.Err(); err != nil {
				return Value{}, &Error{Offset: off, Opcode: opName(op), Err: err}
			}
		}
		if op == opSTOP {
			v, err := m.pop()
			if err != nil {
				return Value{}, &Error{Offset: off, Opcode: "STOP", Err: err}
			}
			m.checkFrame(off)
			if m.frameErr != nil {
				return v, &Error{Offset: off, Opcode: "STOP", Err: m.frameErr}
			}
			return v, nil
		}
		depth := len(m.stack)
		if err := m.step(off, op); err != nil {
			return Value{}, &Error{Offset: off, Opcode: opName(op), Err: err}
		}
		if len(m.stack) < depth {
			m.consumed = true
		}
		if m.fatal != nil || m.t.full {
			err := m.fatal
			m.fatal = nil
			if err == nil {
				err = m.t.limitError()
			}
			return Value{}, &Error{Offset: off, Opcode: opName(op), Err: err}
		}
		if m.frameEnd >= 0 {
			m.checkFrame(off)
		}
		if len(m.stack) > m.lim.Stack || len(m.marks) > m.lim.Stack {
			if m.lim.Stack > 0 {
				return Value{}, &Error{Offset: off, Opcode: opName(op), Err: &formats.LimitError{Limit: "pickle-stack", Max: int64(m.lim.Stack)}}
			}
		}
	}
}

// checkFrame notices an opcode that began inside the current frame and
// ended past it.
func (m *machine) checkFrame(off int64) {
	if m.frameEnd < 0 {
		return
	}
	end := m.st.Offset()
	if end < m.frameEnd {
		return
	}
	if off < m.frameEnd && end > m.frameEnd {
		m.once("frame-straddle", func() formats.Finding {
			return formats.NewFinding(RuleFrame, off,
				"opcode at offset %d straddles the end of a FRAME at offset %d", off, m.frameEnd).
				With("frame_end", strconv.FormatInt(m.frameEnd, 10))
		})
	}
	m.frameEnd = -1
}

// step executes one opcode other than STOP.
func (m *machine) step(off int64, op byte) error {
	st := m.st
	switch op {
	case opBININT1:
		n, err := m.u8()
		if err != nil {
			return err
		}
		m.push(scalar(KindInt, int64(n)))
	case opBININT2:
		n, err := m.le(2)
		if err != nil {
			return err
		}
		m.push(scalar(KindInt, int64(n)))
	case opBININT:
		n, err := m.le(4)
		if err != nil {
			return err
		}
		m.push(scalar(KindInt, int64(int32(uint32(n)))))
	case opBINFLOAT:
		b, err := st.next(8)
		if err != nil {
			return err
		}
		m.push(scalar(KindFloat, int64(binary.BigEndian.Uint64(b))))
	case opNONE:
		m.push(scalar(KindNone, 0))
	case opNEWTRUE:
		m.push(scalar(KindBool, 1))
	case opNEWFALSE:
		m.push(scalar(KindBool, 0))
	case opINT, opLONG:
		b, total, err := m.line(keepMax)
		if err != nil {
			return err
		}
		if op == opINT && total == 2 && b[0] == '0' && (b[1] == '0' || b[1] == '1') {
			m.push(scalar(KindBool, int64(b[1]-'0')))
			return nil
		}
		if op == opLONG && len(b) > 0 && int64(len(b)) == total && b[len(b)-1] == 'L' {
			b = b[:len(b)-1]
		}
		if total > keepMax {
			if m.probe {
				return errNotInt
			}
			m.push(scalar(KindBigInt, 0))
			return nil
		}
		n, big, err := parseInt(b)
		if err != nil {
			return err
		}
		if big {
			m.push(scalar(KindBigInt, 0))
		} else {
			m.push(scalar(KindInt, n))
		}
	case opLONG1, opLONG4:
		var n uint64
		var err error
		if op == opLONG1 {
			n, err = m.u8()
		} else {
			n, err = m.le(4)
			if err == nil && int32(uint32(n)) < 0 {
				return errors.New("LONG pickle has negative byte count")
			}
		}
		if err != nil {
			return err
		}
		if n <= 8 {
			b, err := st.next(int(n))
			if err != nil {
				return err
			}
			var x int64
			for i := len(b) - 1; i >= 0; i-- {
				x = x<<8 | int64(b[i])
			}
			if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
				x -= 1 << (8 * n)
			}
			m.push(scalar(KindInt, x))
			return nil
		}
		b, err := m.payload(KindBytes, n, nil)
		if err != nil {
			return err
		}
		// The little-endian digits are kept when short: legacy PyTorch's
		// magic number is one.
		if b.inline() {
			b.kind = KindBigInt
		} else {
			b = scalar(KindBigInt, 0)
		}
		m.push(b)
	case opFLOAT:
		b, total, err := m.line(64)
		if err != nil {
			return err
		}
		if total > 64 {
			return errors.New("invalid float literal")
		}
		f, err := parseFloat(b)
		if err != nil {
			return err
		}
		m.push(scalar(KindFloat, floatBits(f)))
	case opSHORTBINSTRING, opSHORTBINBYTES, opSHORTBINUNICODE:
		n, err := m.u8()
		if err != nil {
			return err
		}
		return m.pushPayload(op, n)
	case opBINSTRING:
		n, err := m.le(4)
		if err != nil {
			return err
		}
		if int32(uint32(n)) < 0 {
			return errors.New("BINSTRING pickle has negative byte count")
		}
		return m.pushPayload(op, n)
	case opBINBYTES, opBINUNICODE:
		n, err := m.le(4)
		if err != nil {
			return err
		}
		return m.pushPayload(op, n)
	case opBINBYTES8, opBINUNICODE8, opBYTEARRAY8:
		n, err := m.le(8)
		if err != nil {
			return err
		}
		m.byteVals = m.byteVals || op == opBYTEARRAY8
		return m.pushPayload(op, n)
	case opSTRING, opUNICODE:
		return m.textString(op)
	case opEMPTYTUPLE:
		m.push(Value{cell: cell{kind: KindTuple, aux: 1}})
	case opEMPTYLIST, opEMPTYDICT, opEMPTYSET:
		kind := KindList
		if op == opEMPTYDICT {
			kind = KindDict
		} else if op == opEMPTYSET {
			kind = KindSet
		}
		ref, _ := m.t.newObject()
		m.push(m.t.objValue(kind, ref))
	case opTUPLE1, opTUPLE2, opTUPLE3:
		n := int(op-opTUPLE1) + 1
		if len(m.stack)-n < m.fence() {
			return errUnderflow
		}
		t := m.container(KindTuple, m.stack[len(m.stack)-n:])
		m.stack = m.stack[:len(m.stack)-n]
		m.push(t)
	case opMARK:
		m.marks = append(m.marks, len(m.stack))
	case opTUPLE, opLIST, opFROZENSET:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		kind := KindTuple
		if op == opLIST {
			kind = KindList
		} else if op == opFROZENSET {
			kind = KindFrozenSet
			m.hashed(off, items, 1)
		}
		m.push(m.container(kind, items))
	case opDICT:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return errOddItems
		}
		m.hashed(off, items, 2)
		d := m.container(KindDict, items)
		m.noteDefaults(d.obj(), items)
		if !m.probe && len(items) > m.maxItems {
			m.dictItems(off, d.ref, d.obj(), items, m.maxItems)
		}
		m.push(d)
	case opAPPEND:
		v, err := m.pop()
		if err != nil {
			return err
		}
		return m.addItems(off, op, []cell{v.cell})
	case opAPPENDS, opSETITEMS, opADDITEMS:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		if op == opSETITEMS && len(items)%2 != 0 {
			return errOddItems
		}
		return m.addItems(off, op, items)
	case opSETITEM:
		v, err := m.pop()
		if err != nil {
			return err
		}
		k, err := m.pop()
		if err != nil {
			return err
		}
		return m.addItems(off, op, []cell{k.cell, v.cell})
	case opPOP:
		if n := len(m.marks); n > 0 && m.marks[n-1] == len(m.stack) {
			m.marks = m.marks[:n-1]
			return nil
		}
		_, err := m.pop()
		return err
	case opPOPMARK:
		_, err := m.popMark()
		return err
	case opDUP:
		t, err := m.top()
		if err != nil {
			return err
		}
		m.pushedAgain(off, *t)
		m.push(m.t.val(*t))
	case opBINPUT, opLONGBINPUT, opPUT:
		i, err := m.memoIndex(op)
		if err != nil {
			return err
		}
		if i < 0 {
			return errors.New("PUT argument out of range")
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		return m.memoPut(i, *t)
	case opMEMOIZE:
		t, err := m.top()
		if err != nil {
			return err
		}
		return m.memoPut(int64(m.memoLen), *t)
	case opBINGET, opLONGBINGET, opGET:
		i, err := m.memoIndex(op)
		if err != nil {
			return err
		}
		v, ok := m.memoGet(i)
		if !ok {
			m.report(formats.NewFinding(RuleMissingMemo, off, "%s of memo key %d, which holds nothing", opName(op), i))
			return fmt.Errorf("memo value not found at index %d", i)
		}
		m.pushedAgain(off, v)
		m.push(m.t.val(v))
	case opGLOBAL:
		mod, err := m.nameLine()
		if err != nil {
			return err
		}
		name, err := m.nameLine()
		if err != nil {
			return err
		}
		m.push(m.resolve(off, mod, name))
	case opSTACKGLOBAL:
		name, err := m.pop()
		if err != nil {
			return err
		}
		mod, err := m.pop()
		if err != nil {
			return err
		}
		ms, ok1 := mod.Text()
		ns, ok2 := name.Text()
		if !ok1 || !ok2 || mod.kind != KindStr || name.kind != KindStr {
			if m.probe {
				return errors.New("STACK_GLOBAL requires str")
			}
			m.lookups++
			if !m.capped("dynamic") {
				m.report(formats.NewFinding(RuleDynamicGlobal, off,
					"STACK_GLOBAL imports a computed name: module %s, name %s", mod, name).
					With("module", mod.String()).With("name", name.String()))
			}
			m.push(m.t.globalValue(&gobj{dynamic: true}, off))
			return nil
		}
		m.push(m.resolve(off, ms, ns))
	case opINST:
		mod, err := m.nameLine()
		if err != nil {
			return err
		}
		name, err := m.nameLine()
		if err != nil {
			return err
		}
		items, err := m.popMark()
		if err != nil {
			return err
		}
		args := m.container(KindTuple, items)
		cls := m.resolve(off, mod, name)
		m.push(m.call(off, op, cls, args, Value{}))
	case opOBJ:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errUnderflow
		}
		cls := m.t.val(items[0])
		args := m.container(KindTuple, items[1:])
		m.push(m.call(off, op, cls, args, Value{}))
	case opREDUCE:
		args, err := m.pop()
		if err != nil {
			return err
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		fn := m.t.val(*t)
		if err := callableArgs(op, fn, args, Value{}); err != nil {
			return err
		}
		*t = m.call(off, op, fn, args, Value{}).cell
	case opNEWOBJ, opNEWOBJEX:
		var kwargs Value
		if op == opNEWOBJEX {
			var err error
			if kwargs, err = m.pop(); err != nil {
				return err
			}
		}
		args, err := m.pop()
		if err != nil {
			return err
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		if err := callableArgs(op, cls, args, kwargs); err != nil {
			return err
		}
		m.push(m.call(off, op, cls, args, kwargs))
	case opBUILD:
		state, err := m.pop()
		if err != nil {
			return err
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		return m.build(off, t, state)
	case opPERSID:
		b, total, err := m.line(keepMax)
		if err != nil {
			return err
		}
		for _, c := range b {
			if c >= 0x80 {
				return errors.New("persistent IDs in protocol 0 must be ASCII strings")
			}
		}
		var pid Value
		if total > keepMax {
			pid = m.unkept(KindStr, off+1, total, encRaw)
		} else {
			pid = m.str(KindStr, b)
		}
		return m.persistent(off, pid)
	case opBINPERSID:
		pid, err := m.pop()
		if err != nil {
			return err
		}
		return m.persistent(off, pid)
	case opPROTO:
		n, err := m.u8()
		if err != nil {
			return err
		}
		if n > 5 {
			return fmt.Errorf("unsupported pickle protocol: %d", n)
		}
		if m.ops != 1 {
			m.once("proto", func() formats.Finding {
				return formats.NewFinding(RuleProto, off, "PROTO %d at offset %d is not the first opcode of the pickle", n, off).
					With("protocol", strconv.FormatUint(n, 10))
			})
		}
		m.proto = int(n)
	case opFRAME:
		n, err := m.le(8)
		if err != nil {
			return err
		}
		if n > math.MaxInt64 {
			return errors.New("FRAME length exceeds the maximum")
		}
		if m.frameEnd >= 0 && off < m.frameEnd {
			m.once("frame-nested", func() formats.Finding {
				return formats.NewFinding(RuleFrame, off,
					"FRAME at offset %d starts inside the frame that ends at offset %d", off, m.frameEnd).
					With("frame_end", strconv.FormatInt(m.frameEnd, 10))
			})
		}
		if m.probeSize >= 0 && st.Offset()+int64(n) > m.probeSize {
			return errBeyond
		}
		// CPython's unpickler reads the whole frame at once and raises
		// "pickle data was truncated" when the input ends first. Picklers
		// write frames of about 64 KiB (larger arguments go outside
		// frames); a frame of more than maxFrame is not looked ahead at
		// and makes the file unreadable here.
		// The pure-Python unpickler (joblib's) reads on whatever the
		// frame holds: the opcodes are still followed, and the load ends
		// in the error at STOP.
		if m.frameErr == nil {
			if n > maxFrame {
				m.frameErr = fmt.Errorf("FRAME at offset %d of %d bytes is longer than any pickler writes: %w", off, n, formats.ErrUnsupported)
			} else if ok, err := st.has(int(n)); err != nil {
				return err
			} else if !ok {
				m.frameErr = fmt.Errorf("pickle data was truncated: the input ends inside the FRAME at offset %d", off)
			}
		}
		m.frameEnd = st.Offset() + int64(n)
	case opEXT1, opEXT2, opEXT4:
		var code uint64
		var err error
		switch op {
		case opEXT1:
			code, err = m.u8()
		case opEXT2:
			code, err = m.le(2)
		default:
			code, err = m.le(4)
			code = uint64(int64(int32(uint32(code))))
		}
		if err != nil {
			return err
		}
		if int64(code) <= 0 {
			return errors.New("EXT specifies code <= 0")
		}
		m.lookups++
		m.once("ext", func() formats.Finding {
			return formats.NewFinding(RuleExtension, off, "%s loads extension code %d from the copyreg registry", opName(op), int64(code)).
				With("code", strconv.FormatInt(int64(code), 10))
		})
		ext, _ := m.newObject(KindExt, off)
		m.push(withN(ext, int64(code)))
	case opNEXTBUFFER:
		// pickle.load without buffers= (torch, joblib, numpy and every
		// plain load) raises here; a loader that passes buffers reads on,
		// and the file is unreadable to this scan.
		return fmt.Errorf("pickle stream refers to out-of-band data but no buffers argument was given: %w", formats.ErrUnsupported)
	case opREADONLYBUFFER:
		if _, err := m.top(); err != nil {
			return err
		}
	default:
		m.report(formats.NewFinding(RuleBadOpcode, off, "byte 0x%02x at offset %d is not a pickle opcode", op, off).
			With("byte", fmt.Sprintf("0x%02x", op)))
		return fmt.Errorf("invalid load key 0x%02x", op)
	}
	return nil
}

// own checks that a value a hook returned is one of this stream's: the
// machine stores cells, which mean something only with their tables.
func (m *machine) own(v Value) error {
	if v.t != nil && v.t != m.t {
		return errors.New("a hook returned a value of another pickle stream")
	}
	return nil
}

// isData reports whether v is a value of a built-in data type: never
// callable, never a class.
func isData(v Value) bool {
	switch v.kind {
	case KindNone, KindBool, KindInt, KindBigInt, KindFloat, KindStr, KindBytes,
		KindTuple, KindList, KindDict, KindSet, KindFrozenSet, KindBuffer:
		return true
	}
	return false
}

// callableArgs is the TypeError CPython's unpickler raises before a call
// of REDUCE or NEWOBJ(_EX) whose operands it cannot call: a data value as
// the callable or class ("'str' object is not callable"), arguments that
// are not a tuple ("argument list must be a tuple"), NEWOBJ_EX keywords
// that are not a dict. Values the machine cannot know (results of calls,
// globals) pass.
func callableArgs(op byte, callable, args, kwargs Value) error {
	if isData(callable) {
		return fmt.Errorf("%s of a %s value, which is not callable", opName(op), callable.kind)
	}
	if isData(args) && args.kind != KindTuple {
		return fmt.Errorf("%s arguments are a %s, not a tuple", opName(op), args.kind)
	}
	if op == opNEWOBJEX && isData(kwargs) && kwargs.kind != KindDict {
		return fmt.Errorf("NEWOBJ_EX keywords are a %s, not a dict", kwargs.kind)
	}
	return nil
}

func (m *machine) pushPayload(op byte, n uint64) error {
	kind := KindBytes
	var text *pyUTF8
	switch op {
	case opSHORTBINUNICODE, opBINUNICODE, opBINUNICODE8:
		text = &pyUTF8{}
		kind = KindStr
	case opSHORTBINSTRING, opBINSTRING:
		kind = KindStr
	}
	if n <= keepMax && m.probeSize < 0 {
		// What payload does for a short argument outside probing, without
		// its calls: dict keys and record fields are mostly short strings.
		b, err := m.st.next(int(n))
		if err != nil {
			return err
		}
		if text != nil {
			text.write(b)
			if !text.ok() {
				return errNotUTF8
			}
		}
		m.push(m.str(kind, b))
		return nil
	}
	v, err := m.payload(kind, n, text)
	if err != nil {
		return err
	}
	if text != nil && !text.ok() {
		return errNotUTF8
	}
	m.push(v)
	return nil
}

// errNotUTF8 is the UnicodeDecodeError CPython raises for a *BINUNICODE
// argument that is not UTF-8 (lone surrogates aside).
var errNotUTF8 = errors.New("'utf-8' codec can't decode the str argument")

// textString reads a STRING or UNICODE line argument.
func (m *machine) textString(op byte) error {
	start := m.st.Offset()
	b, total, err := m.line(keepMax + 2)
	if err != nil {
		m.longArg = total > keepMax
		return err
	}
	if total > keepMax+2 {
		if op == opSTRING && (b[0] != '\'' && b[0] != '"') {
			return errUnquoted
		}
		enc := uint8(encUnicode)
		if op == opSTRING {
			enc = encString
		}
		m.push(m.unkept(KindStr, start, total, enc))
		return nil
	}
	var dec []byte
	if op == opSTRING {
		dec, err = unquoteString(b)
	} else {
		dec, err = rawUnicodeEscape(b)
	}
	if err != nil {
		return err
	}
	m.push(m.str(KindStr, dec))
	return nil
}

// addItems applies APPEND(S), SETITEM(S) or ADDITEMS to the stack top.
func (m *machine) addItems(off int64, op byte, items []cell) error {
	tc, err := m.top()
	if err != nil {
		return err
	}
	t := m.t.val(*tc)
	if h := m.opt.Hooks.OnItems; h != nil && !m.probe {
		h(t)
	}
	want := KindList
	switch op {
	case opSETITEM, opSETITEMS:
		want = KindDict
		m.hashed(off, items, 2)
	case opADDITEMS:
		want = KindSet
		m.hashed(off, items, 1)
	}
	switch t.kind {
	case want:
		// A dict key or set item that is a list, dict or set raises
		// TypeError (unhashable type) in CPython's unpickler.
		step := 1
		if want == KindDict {
			step = 2
		}
		// named notes a dict key spelled like a hook (see hooks.go).
		named := false
		if want != KindList {
			for i := 0; i < len(items); i += step {
				switch items[i].kind {
				case KindList, KindDict, KindSet:
					return fmt.Errorf("unhashable type: '%s' as a %s key", items[i].kind, want)
				case KindStr:
					named = named || hookLength(items[i])
				}
			}
		}
		o := t.obj()
		if want == KindDict {
			m.noteDefaults(o, items)
		}
		limit := 2 * m.maxItems
		if want != KindDict {
			limit = m.maxItems
		}
		room := max(limit-int(o.nItems), 0)
		if lostObject(items[min(room, len(items)):]) {
			o.flags |= flagLostObject
		}
		if room > 0 {
			add := items[:min(room, len(items))]
			if o.capItems == 0 {
				// A batch (APPENDS, SETITEMS, ADDITEMS) is how picklers
				// fill a container of more than one element, so it gets
				// room for itself only; single steps get room for a few.
				n := len(add)
				if op == opAPPEND || op == opSETITEM {
					n = min(room, max(n, 8))
				}
				o.items, _ = m.t.cells.carve(n, &m.t.full)
				o.capItems = uint32(n)
			}
			m.t.appendItems(o, add, limit)
			if named && want == KindDict && !m.probe {
				m.dictItems(off, t.ref, o, items, len(add))
			}
		} else if named && want == KindDict && !m.probe {
			m.dictItems(off, t.ref, o, items, 0)
		}
		o.count += int64(len(items))
		m.heldItems(off, op, t, items)
	case KindCall, KindPersistent, KindExt, KindBuffer:
		// An instance: its own append/__setitem__/add runs, which is the
		// instance's class's business and judged with that class, unless
		// an instance attribute shadows it, or the class reads its items
		// as attributes (itemAttributes).
		if t.kind == KindCall {
			t.obj().flags |= flagItems
			if m.arrow && !m.probe {
				m.arrowItems(off, t)
			}
		}
		if op == opSETITEM || op == opSETITEMS {
			m.itemAttributes(off, op, t, items, nil)
			m.configItems(off, op, t, pairValues(items))
			m.plainConfig(off, op, t, pairValues(items))
		} else {
			m.missingAttrs(off, op, t)
			m.plainConfig(off, op, t, items)
		}
		m.doctreeItems(off, op, t, items)
		m.sphinxConfigItems(off, op, t)
		m.sphinxFileItems(off, op, t, items)
		m.holdConfigs(t, items)
		if instance(t) && !m.probe {
			m.itemHooks(off, op, t, items)
		}
	case KindList, KindDict:
		if op != opSETITEM && op != opSETITEMS || t.kind != KindList {
			m.confused(off, op, t)
			break
		}
		// list[i] = v: CPython raises unless every key is an int index
		// inside the list.
		for i := 0; i+1 < len(items); i += 2 {
			k := items[i]
			if k.kind != KindInt && k.kind != KindBool {
				return fmt.Errorf("list indices must be integers, not %s", k.kind)
			}
			if k.kind == KindInt && (k.n >= t.count() || k.n < -t.count()) {
				return fmt.Errorf("list assignment index %d out of range for a list of %d", k.n, t.count())
			}
		}
		// The list now holds the values: a kept item is replaced, and an
		// object set beyond the kept items marks the list as holding one
		// it does not keep.
		kept := t.cells()
		for i := 0; i+1 < len(items); i += 2 {
			idx := items[i].n
			if idx < 0 {
				idx += t.count()
			}
			if idx >= 0 && idx < int64(len(kept)) {
				kept[idx] = items[i+1]
			} else if lostObject(items[i+1 : i+2]) {
				t.obj().flags |= flagLostObject
			}
		}
	case KindGlobal:
		mainTarget(off, op, t)
		if m.probe || len(m.mutations) >= maxMutations {
			break
		}
		k := min(len(items), 4)
		ref, o := m.t.newObjectOf(items[:k])
		o.count = int64(len(items))
		m.mutate(off, op, t, m.t.objValue(KindTuple, ref))
	default:
		m.confused(off, op, t)
	}
	return nil
}

func (m *machine) confused(off int64, op byte, target Value) {
	m.once("confused", func() formats.Finding {
		return formats.NewFinding(RuleTypeConfusion, off, "%s applied to a %s value", opName(op), target.kind).
			With("target", target.String())
	})
}

// mutate records a change to a global, once per target and stream.
func (m *machine) mutate(off int64, op byte, target, state Value) {
	if m.probe || len(m.mutations) >= maxMutations {
		return
	}
	for _, mu := range m.mutations {
		if mu.obj == target.obj() {
			return
		}
	}
	m.mutations = append(m.mutations, mutation{off: off, op: opName(op), obj: target.obj(), target: target.String(),
		state: state.String(), lookups: m.lookups})
}

const maxMutations = 64

// mainTarget counts BUILD, SETITEM, APPEND or ADDITEMS applied to a name of
// the loading program's main module as a call of it: they call its
// __setstate__, __setitem__ or append, or set its attributes, which is the
// program's code run on the file's state and a change to the program.
func mainTarget(off int64, op byte, target Value) {
	if g := target.gobj().info; g != nil && g.main {
		g.mainUse(off, opName(op), false, target)
	}
}

func (m *machine) build(off int64, t *cell, state Value) error {
	obj := m.t.val(*t)
	switch t.kind {
	case KindCall, KindPersistent:
		if obj.obj().state != 0 {
			poisonTransformer(obj)
			obj.obj().flags |= flagRebuilt
		}
		countHolderBuild(obj)
		ref, s := m.t.cells.carve(1, &m.t.full)
		s[0] = state.cell
		obj.obj().state = ref
		noteTransformerState(obj, state)
		m.noteSphinxConfig(off, obj)
		m.stateReads(off, obj, state)
		m.dtypeState(off, obj, state)
		m.heldStatistics(off, obj, state)
		m.configState(off, obj, state)
		m.updateHooks(off, obj, state)
		m.plainConfig(off, opBUILD, obj, []cell{state.cell})
		// __setstate__ (or pickle.py's state.items()) reads a mapping
		// state's items.
		m.resolving(off, state, "as a BUILD state, whose items are read and so resolve their interpolations")
		if m.arrow && !m.probe {
			m.arrowState(off, obj, state)
		}
		m.buildConfigs(off, obj, state)
		m.buildDunders(off, obj, state)
		if !m.probe {
			m.buildSkorch(off, obj, state)
		}
		if state.kind == KindTuple && state.nkept() == 2 {
			// The second element's pairs are set with setattr, which an
			// item-attribute class turns into items.
			pairs, loose := m.pairs(state.at(1))
			m.itemAttributes(off, opBUILD, obj, pairs, loose)
		}
		if instance(obj) && !m.probe {
			m.buildHooks(off, obj, state)
		}
		if distMethodValue(obj) {
			// A bound method's __dict__ is its function's: BUILD sets
			// attributes of the distribution class's own function.
			m.mutate(off, opBUILD, obj, state)
		}
		if enumMember(obj) {
			// An Enum called with a value returns its member, one
			// object of the class for the whole process: BUILD sets
			// attributes of it (its _value_, or an append a later
			// APPEND calls). Enum.__reduce_ex__ writes no state.
			m.mutate(off, opBUILD, obj, state)
		}
	case KindGlobal:
		mainTarget(off, opBUILD, obj)
		m.mutate(off, opBUILD, obj, state)
	case KindExt, KindBuffer:
		if instance(obj) && !m.probe {
			m.buildHooks(off, obj, state)
		}
	default:
		m.confused(off, opBUILD, obj)
	}
	if h := m.opt.Hooks.OnBuild; h != nil && !m.probe {
		// The frame check is due now: what the hook reads lies outside
		// the opcode stream (joblib commits its frame before array data).
		m.checkFrame(off)
		if m.frameEnd >= 0 {
			m.st.frameLeft = m.frameEnd - m.st.Offset()
		}
		v, err := h(m.st, obj, state)
		m.st.frameLeft = 0
		if v.kind != kindAbsent {
			if err := m.own(v); err != nil {
				return err
			}
			*t = v.cell
		}
		return err
	}
	return nil
}

// memoIndex reads the memo index of a PUT or GET opcode in any of its
// widths. A protocol-0 index beyond int64, or a negative one, comes back
// as -1: a key no memo holds.
func (m *machine) memoIndex(op byte) (int64, error) {
	switch op {
	case opBINPUT, opBINGET:
		n, err := m.u8()
		return int64(n), err
	case opLONGBINPUT, opLONGBINGET:
		n, err := m.le(4)
		return int64(n), err
	}
	b, _, err := m.line(32)
	if err != nil {
		return 0, err
	}
	n, big, err := parseDecimal(b)
	if err != nil {
		return 0, fmt.Errorf("invalid %s argument", opName(op))
	}
	if big || n < 0 {
		return -1, nil
	}
	return n, nil
}

func (m *machine) persistent(off int64, pid Value) error {
	ref, o := m.t.newObjectOf([]cell{pid.cell})
	o.off = off
	v := m.t.objValue(KindPersistent, ref)
	if h := m.opt.Hooks.PersistentLoad; h != nil && !m.probe {
		if loaded, ok := h(pid); ok {
			if err := m.own(loaded); err != nil {
				return err
			}
			v = loaded
		}
	}
	m.push(v)
	if m.probe {
		return nil
	}
	if h := m.opt.Hooks.OnPersistentID; h != nil {
		return h(off, pid)
	}
	if len(m.res.PersistentIDs) >= maxPersistentIDs {
		return &formats.LimitError{Limit: "pickle-persistent-ids", Max: maxPersistentIDs}
	}
	if ids := m.res.PersistentIDs; len(ids) == cap(ids) {
		// Doubling: append grows a long slice by a quarter, which for a
		// state_dict's 100k IDs copied five times what they hold.
		m.res.PersistentIDs = append(make([]PersistentID, 0, max(64, 2*len(ids))), ids...)
	}
	m.res.PersistentIDs = append(m.res.PersistentIDs, PersistentID{Offset: off, ID: pid})
	return nil
}

const maxPersistentIDs = 1 << 20

// resolve turns a module and name into a global value, normalised as
// find_class does, and judges it the first time the stream meets it.
func (m *machine) resolve(off int64, module, name string) Value {
	if m.proto < 3 {
		module, name = globals.MapCompat(module, name)
	}
	m.lookups++
	key := strconv.Itoa(len(module)) + ":" + module + name
	if v, ok := m.globals[key]; ok {
		return v
	}
	o := &gobj{module: module, name: name}
	v := m.t.globalValue(o, off)
	if !m.probe {
		g := &globalInfo{ref: GlobalRef{Module: module, Name: name, Offset: off, Stream: m.stream,
			Verdict: globals.JudgeIn(module, name, m.sel)}}
		o.info = g
		o.nested = globals.NestedLoader(module, name)
		g.partial = module == "functools" && name == "partial"
		full := module + "." + name
		g.transformer = holderOf(module, name, full)
		g.lookup = lookups[full]
		g.nameEval = full == "builtins.eval"
		// Only an unknown global can be a project's: every module the lists
		// name is a known library, and the lazily parsed list of known
		// libraries is then read only for pickles that import one.
		g.project = g.ref.Verdict.Class == globals.Unknown && projectName(module, name)
		g.main = g.project || mainName(module, name)
		g.keras = kerasLoaders[full] != 0
		m.configs = m.configs || resolvingEq[full]
		if g.ref.Verdict.Class == globals.Allowed {
			g.unvouched = globals.UnvouchedOf(module, name)
			m.dunders = m.dunders || g.unvouched != nil
			if g.unvouched != nil {
				m.dunderSet |= g.unvouched.Instance | g.unvouched.Value
			}
			if d, ok := dunderCalls[full]; ok {
				g.dunders = &d
			}
			g.shapeCheck = tfShapes[full]
		}
		o.roles = argRoles[full]
		o.shape = argShapes[full]
		m.arrow = m.arrow || o.shape == shapeBuffer || arrowArrays[full] || arrowDtypes[full]
		m.byteVals = m.byteVals || full == "builtins.bytearray" || o.shape == shapeBuffer
		o.fwd, o.hasFwd = forwardCalls[full]
		if len(m.res.Globals) < maxGlobals {
			m.res.Globals = append(m.res.Globals, g.ref)
		}
		m.order = append(m.order, o)
	}
	if len(m.globals) < maxGlobals {
		m.globals[key] = v
	}
	return v
}

const maxGlobals = 1 << 16

// call records a call of fn and returns its symbolic result.
func (m *machine) call(off int64, op byte, fn, args, kwargs Value) Value {
	items := [3]cell{fn.cell, args.cell, kwargs.cell}
	n := 2
	if kwargs.kind != kindAbsent {
		n = 3
	}
	ref, o := m.t.newObjectOf(items[:n])
	o.op, o.off = op, off
	res := m.t.objValue(KindCall, ref)
	if m.probe {
		return res
	}
	if h := m.opt.Hooks.OnCall; h != nil {
		h(res)
	}
	switch fn.kind {
	case KindGlobal:
		if fn.gobj().dynamic {
			m.once("computed-call", func() formats.Finding {
				return formats.NewFinding(RuleComputedCall, off, "%s calls a dynamically imported global: %s", opName(op), res).
					At(formats.Critical).With("call", res.String())
			})
			return res
		}
		g := fn.gobj().info
		if g == nil || g.ref.Verdict.Class == globals.Allowed {
			need := globals.UseFunction
			if op == opNEWOBJ || op == opNEWOBJEX || (op == opINST || op == opOBJ) && args.count() == 0 {
				// INST and OBJ without arguments build a class with
				// cls.__new__(cls), as NEWOBJ does, unless it defines
				// __getinitargs__ (_pickle.c instantiate, pickle.py
				// _instantiate); the generators leave such classes off
				// the class use.
				need = globals.UseClass
			}
			m.use(off, fn, need, res)
			if g != nil && g.misuseOp == "" && g.misuseOff == off && g.misuse == res.String() {
				g.misuseOp = opName(op)
			}
			if g != nil && g.shapeCheck != nil && !g.shapeCheck(args, kwargs) {
				g.tfShapeMiss(off, res)
			}
			m.argRoles(off, fn, args, res)
			if fn.gobj().shape != shapeNone {
				m.checkShape(off, fn, args, kwargs, res, true)
			}
			m.consumedArgs(off, fn, args)
			if kwargs.kind == kindAbsent {
				m.plainConfig(off, op, res, []cell{args.cell})
			} else {
				m.plainConfig(off, op, res, []cell{args.cell, kwargs.cell})
			}
			if g != nil {
				m.mappingArgs(off, op, g, args)
			}
			if g != nil && m.dunders {
				m.dunderArgs(off, g, args, kwargs)
			}
			if g != nil {
				m.renderArgs(off, g, args)
			}
			if itemArgClasses[fn.gobj().module+"."+fn.gobj().name] && args.kind == KindTuple && args.nkept() > 0 {
				// The class's __init__ assigns its argument's items.
				pairs, loose := m.pairs(args.at(0))
				m.itemAttributes(off, op, res, pairs, loose)
				m.configItems(off, op, res, append(pairValues(pairs), loose...))
			}
			if g != nil && g.ref.Module == "copyreg" && g.ref.Name == "_reconstructor" && args.kind == KindTuple && args.nkept() == 3 {
				// _reconstructor(cls, base, state) runs base.__init__(obj,
				// state): dict's fills the items from state.
				pairs, loose := m.pairs(args.at(2))
				m.itemAttributes(off, op, res, pairs, loose)
				if base := args.at(1); base.kind == KindGlobal && !base.gobj().dynamic && base.gobj().info != nil {
					// dict.__init__ or set.__init__ hashes what state
					// holds, and dict's reads an object as a mapping.
					arg := m.container(KindTuple, []cell{args.at(2).cell})
					m.mappingArgs(off, op, base.gobj().info, arg)
					if m.dunders {
						m.dunderArgs(off, base.gobj().info, arg, Value{})
					}
				}
			}
			if fn.gobj().nested {
				m.nested(off, fn, args)
			}
			return res
		}
		g.calls++
		if g.calls == 1 {
			g.call, g.callOp, g.callOff = res.String(), opName(op), off
		}
		if g.main {
			g.mainUse(off, opName(op), op == opNEWOBJ || op == opNEWOBJEX, res)
		}
		if g.lookup != nil && op == opREDUCE && kwargs.kind == kindAbsent {
			if module, name, ok := g.lookup(args); ok {
				g.lookupResolved++
				v := m.resolve(off, module, name)
				if g.ref.Name == "getattr" && g.ref.Module == "builtins" && v.kind == KindGlobal && v.gobj().info != nil {
					if cls, ok := builtClass(args.at(0)); ok && cls.gobj().info != nil {
						v.gobj().info.boundTo = cls.gobj().info
					}
				}
				return v
			}
		}
		if g.lookup != nil && op == opREDUCE && kwargs.kind == kindAbsent && g.ref.Name == "getattr" && distMethod(args) {
			// A bound method of a scipy distribution being built: its
			// own class's method, which nothing calls at load.
			g.lookupResolved++
		}
		if g.nameEval && op == opREDUCE && kwargs.kind == kindAbsent {
			if v, ok := evalName(args); ok {
				g.lookupResolved++
				return v
			}
		}
		if g.partial {
			if op != opINST {
				g.partialCalls++
			}
			if len(g.partials) < maxPartials {
				g.partials = append(g.partials, res)
			}
		}
		if g.transformer != nil && op == opNEWOBJ {
			g.transformerBuilds++
			if len(g.transformers) < maxPartials {
				g.transformers = append(g.transformers, res)
			}
		}
		if fn.gobj().nested && m.nested(off, fn, args) {
			g.torchStreams++
		}
		if g.keras && op == opREDUCE && kwargs.kind == kindAbsent &&
			m.kerasModel(off, g.ref.Module+"."+g.ref.Name, args) {
			g.kerasLoads++
			m.kerasLoads++
		}
	case KindCall, KindPersistent, KindExt, KindBuffer:
		if partialObject(fn) {
			// Calling a functools.partial object calls the function it
			// binds, which partialCleared judges with the partial; the
			// arguments are judged here as that function's.
			m.partialCall(off, fn, args, res)
			break
		}
		m.once("computed-call", func() formats.Finding {
			return formats.NewFinding(RuleComputedCall, off, "%s calls the result of %s", opName(op), fn).
				With("call", res.String())
		})
	}
	return res
}

// partialCall judges the arguments a call of a partial object passes to
// the function it binds (its BUILD state's, else its first argument), its
// bound arguments first, as a call of that function would be: argument
// roles and forwarded calls (partial(_rebuild_from_type_v2) called on a
// class the allowlist permits only to be rebuilt runs its __init__ on the
// file's arguments) and configs the callee reads.
func (m *machine) partialCall(off int64, p, args, res Value) {
	if args.kind != KindTuple || p.nkept() < 2 {
		return
	}
	f, bound := Value{}, Value{}
	if st, ok := p.State(); ok {
		if st.kind != KindTuple || st.nkept() < 2 {
			return
		}
		f, bound = st.at(0), st.at(1)
	} else if pa := p.at(1); pa.kind == KindTuple && pa.nkept() > 0 {
		f = pa.at(0)
		bound = m.container(KindTuple, pa.cells()[1:])
	}
	if f.kind != KindGlobal || f.gobj().dynamic || bound.kind != KindTuple {
		return
	}
	if g := f.gobj().info; g != nil && g.shapeCheck != nil && (bound.count() > 0 || args.count() > 0) {
		g.tfShapeMiss(off, res)
	}
	all := m.container(KindTuple, append(slices.Clip(bound.cells()), args.cells()...))
	m.argRoles(off, f, all, res)
	if f.gobj().shape != shapeNone {
		m.checkShape(off, f, all, Value{}, res, false)
	}
	m.consumedArgs(off, f, all)
}

// partialObject reports whether v is an object functools.partial made: a
// call of the partial global, which stays reported (critical) unless every
// partial in the stream binds an allowlisted function to constants.
// pandas 1.3+ pickles each DataFrame block this way: REDUCE of
// partial(new_block, ndim=2) on the block's values and placement.
func partialObject(v Value) bool {
	if v.kind != KindCall || v.nkept() == 0 {
		return false
	}
	f := v.at(0)
	return f.kind == KindGlobal && !f.gobj().dynamic && f.gobj().info != nil && f.gobj().info.partial
}

// itemAttributeClasses are allowlisted dict subclasses whose __getattr__
// returns the item of that name (and whose __setattr__, for
// AttributeDict, sets one): scikit-learn's Bunch (sklearn/utils/_bunch.py)
// and Lightning's AttributeDict (see allow.tsv). The unpickler looks up
// extend or append on the instance for APPEND and APPENDS, and
// __setstate__ for BUILD (AttributeDict has none of them), so an item the
// pickle sets under such a name is called with the pickle's arguments.
var itemAttributeClasses = map[string]bool{
	"sklearn.utils.Bunch":                               true,
	"sklearn.utils._bunch.Bunch":                        true,
	"pytorch_lightning.utilities.parsing.AttributeDict": true,
	"lightning.pytorch.utilities.parsing.AttributeDict": true,
	"lightning_fabric.utilities.data.AttributeDict":     true,
	"lightning.fabric.utilities.data.AttributeDict":     true,
	// Training configs (allow.tsv): yacs CfgNodes and Munch answer
	// attributes from items, EasyDict's __setitem__ sets the attribute
	// too, addict's Dict (and the mmcv and mmengine ConfigDicts on it)
	// answers a missing attribute with the item.
	"yacs.config.CfgNode":               true,
	"fvcore.common.config.CfgNode":      true,
	"detectron2.config.config.CfgNode":  true,
	"easydict.EasyDict":                 true,
	"addict.addict.Dict":                true,
	"addict.Dict":                       true,
	"munch.Munch":                       true,
	"munch.AutoMunch":                   true,
	"munch.DefaultMunch":                true,
	"mmcv.utils.config.ConfigDict":      true,
	"mmengine.config.config.ConfigDict": true,
}

// itemArgClasses are item-attribute classes allowlisted as functions,
// whose __init__ assigns the items of its first argument:
// mmengine's ConfigDict, which its __reduce_ex__ calls with its items.
var itemArgClasses = map[string]bool{
	"mmengine.config.config.ConfigDict": true,
}

// unpicklerLookups are the attributes CPython's unpickler looks up on an
// object it fills: extend and append (APPEND, APPENDS), __setstate__
// (BUILD).
var unpicklerLookups = map[string]bool{"extend": true, "append": true, "__setstate__": true}

// itemAttributes judges the key/value pairs put into an instance of an
// item-attribute class (itemAttributeClasses) by SETITEM, SETITEMS, BUILD's
// setattr or copyreg._reconstructor's base.__init__, and the values whose
// key the pickle left to be computed (loose): a value that can be called
// (a global, or an object the pickle built) set under a name the unpickler
// looks up, or under a computed key, is judged as a call of that value, as
// REDUCE would be.
func (m *machine) itemAttributes(off int64, op byte, inst Value, pairs, loose []cell) {
	if m.probe || !itemAttributeClass(inst) {
		return
	}
	if cls, _ := builtClass(inst); cls.gobj().module == "easydict" && cls.gobj().name == "EasyDict" {
		for i := 1; i < len(pairs); i += 2 {
			m.easyConverted(off, op, m.t.val(pairs[i]), 0)
		}
		for _, c := range loose {
			m.easyConverted(off, op, m.t.val(c), 0)
		}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		k := m.t.val(pairs[i])
		if name, ok := k.Text(); k.kind == KindStr && (ok && !unpicklerLookups[name] || !ok && k.Size() > 16) ||
			k.kind != KindStr && constant(k, 0) {
			continue
		}
		loose = append(loose, pairs[i+1])
	}
	for _, c := range loose {
		switch v := m.t.val(c); v.kind {
		case KindGlobal, KindCall, KindPersistent, KindExt, KindBuffer:
			m.call(off, op, v, Value{cell: cell{kind: KindTuple, aux: 1}}, Value{})
		}
	}
}

// pairValues returns the values of key/value pairs.
func pairValues(pairs []cell) []cell {
	var values []cell
	for i := 1; i < len(pairs); i += 2 {
		values = append(values, pairs[i])
	}
	return values
}

// itemAttributeClass reports whether v is an instance of an
// item-attribute class (see builtClass).
func itemAttributeClass(v Value) bool {
	cls, ok := builtClass(v)
	return ok && itemAttributeClasses[cls.gobj().module+"."+cls.gobj().name]
}

// builtClass returns the class v is an instance of when it is built the
// way pickle builds one: NEWOBJ or NEWOBJ_EX of the class, or copyreg's
// __newobj__, __newobj_ex__ or _reconstructor with the class first.
func builtClass(v Value) (Value, bool) {
	if v.kind != KindCall || v.nkept() < 2 {
		return Value{}, false
	}
	cls := v.at(0)
	if cls.kind == KindGlobal && !cls.gobj().dynamic &&
		(cls.gobj().module == "copyreg" && strings.HasPrefix(cls.gobj().name, "_")) {
		if args := v.at(1); args.kind == KindTuple && args.nkept() > 0 {
			cls = args.at(0)
		}
	}
	return cls, cls.kind == KindGlobal && !cls.gobj().dynamic
}

// resolvingEq are allowlisted classes whose items resolve their
// interpolations when read, calling the resolvers they name (omegaconf
// 2.2 _get_value): the loading program's resolvers (an "eval" resolver is
// common) run on the file's strings when a call or BUILD reads a config
// (see consumedArgs). Their __eq__, which resolves both operands, is
// listed for dict keys and set elements by the generator (dunders.go).
var resolvingEq = map[string]bool{
	"omegaconf.dictconfig.DictConfig": true,
	"omegaconf.listconfig.ListConfig": true,
}

// resolving records v, when it is an instance of a resolvingEq class, as
// a use the allowlist does not permit (MG116), saying how.
func (m *machine) resolving(off int64, v Value, how string) {
	if !m.configs {
		return
	}
	cls, ok := builtClass(v)
	if !ok || !resolvingEq[cls.gobj().module+"."+cls.gobj().name] {
		return
	}
	if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = v.String()+" "+how, off, globals.UseFunction
	}
}

// dtypeState reports a numpy dtype BUILT with a state numpy never writes
// and that makes its arrays read bytes as object pointers
// (objectFlagsCleared): a misuse of the dtype global.
func (m *machine) dtypeState(off int64, obj, state Value) {
	if m.probe || !numpyDtypeCall(obj) {
		return
	}
	why := objectFlagsCleared(obj, state)
	if why == "" {
		return
	}
	if g := obj.Callable().gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = obj.String()+" built with a state numpy does not write: "+why, off, globals.UseClass
	}
}

// stateReads judges what applying a BUILD state that is not a dict runs
// on it. CPython's C load_build without a __setstate__ requires a dict
// (PyDict_Check, which a dict subclass passes and is then read by
// PyDict_Next, running nothing), slot state too; pickle.py's (joblib's
// unpickler) tests `if state:` and calls state.items(), and the same of
// the slot state. A class's __setstate__ gets the state as it is: the
// __dict__ updates plainState lists (torch.nn.Module's, omegaconf
// Node's, fastcore GetAttr's) run dict.update(state), which calls its
// keys (or iterates it) and __getitem__; any other __setstate__ may do
// with it what any allowlisted callable may (handed), and gym's Space
// and others start with dict(state). An object state is therefore read
// as a mapping (mapped), and handed when the class is not a plainState
// one; the pairs a list state gives dict() have their keys hashed.
func (m *machine) stateReads(off int64, obj, state Value) {
	if m.probe {
		return
	}
	plain := false
	if cls, ok := builtClass(obj); ok {
		if g := cls.gobj().info; g != nil && g.ref.Verdict.Class == globals.Allowed {
			plain = plainState[g.ref.Module+"."+g.ref.Name] != 0
		}
	}
	how := "sets %s as the BUILD state of " + obj.String() + ", which loading reads as a mapping"
	switch state.kind {
	case KindDict, KindNone:
	case KindTuple:
		if state.count() == 2 && state.nkept() == 2 {
			// (state, slotstate), or a __setstate__'s pair.
			m.mapped(off, opBUILD, state.at(0), how)
			m.mapped(off, opBUILD, state.at(1), how)
		}
		if !plain {
			m.statePairs(off, state)
		}
	case KindList, KindSet, KindFrozenSet:
		if !plain {
			m.statePairs(off, state)
		}
	default:
		m.mapped(off, opBUILD, state, how)
		if !plain && m.dunders {
			m.handed(off, state, "sets %s as the BUILD state of "+obj.String()+", whose __setstate__ may iterate, hash, compare or render it")
		}
	}
}

// mappingReads are the methods dict(v), dict.update(v), the C
// OrderedDict's update and pickle.py's BUILD run on v, an object that is
// not a dict: keys then __getitem__ per key, or items, or iteration of
// (key, value) pairs, and a truth test.
const mappingReads = globals.DunderKeys | globals.DunderItems | globals.DunderGetitem | iterates | globals.DunderBool

// mapped judges v, an object read as a mapping (mappingReads): an
// instance of an allowlisted class whose method the generator does not
// vouch for (MG118), and the keys or items instance attribute the pickle
// gave it, which the lookup finds before the class's method and which is
// then called.
func (m *machine) mapped(off int64, op byte, v Value, how string) {
	switch v.kind {
	case KindCall, KindPersistent, KindExt, KindGlobal:
	default:
		return
	}
	if m.dunders {
		m.trigger(off, v, mappingReads, how)
	}
	if !instance(v) {
		return
	}
	if s := m.hooksOf(v); s != nil {
		for _, h := range [...]int{hookKeys, hookItems} {
			if s.held[h].kind != kindAbsent || s.lost[h] {
				m.hookCall(off, op, h, v, m.t.val(s.held[h]), s.lost[h], m.container(KindTuple, nil))
			}
		}
	}
}

// statePairs judges a list, tuple or set state that a __setstate__ may
// hand to dict(): each element is iterated as a (key, value) pair and
// the key hashed.
func (m *machine) statePairs(off int64, state Value) {
	if !m.dunders || !m.visit(state) {
		return
	}
	for _, c := range state.cells() {
		e := m.t.val(c)
		if e.kind == KindTuple && e.nkept() == 2 {
			m.hashedValue(off, e.at(0), 0)
			continue
		}
		m.trigger(off, e, iterates, "sets %s, an element of a BUILD state, which dict() iterates as a (key, value) pair")
	}
}

// pairs splits what dict.update or setattr receives: the key/value cells
// of a dict or of a list or tuple of 2-tuples, and, loose, any other
// element or value that is not a constant, whose keys the pickle did not
// spell out.
func (m *machine) pairs(v Value) (pairs, loose []cell) {
	switch v.kind {
	case KindNone:
		return nil, nil
	case KindDict:
		return v.cells(), nil
	case KindList, KindTuple:
		for _, c := range v.cells() {
			if p := m.t.val(c); p.kind == KindTuple && p.nkept() == 2 {
				pairs = append(pairs, p.cells()...)
			} else {
				loose = append(loose, c)
			}
		}
		return pairs, loose
	}
	if constant(v, 0) {
		return nil, nil
	}
	return nil, []cell{v.cell}
}

// argRoles are the arguments that allowlisted callables build or call:
// a global passed there is used as a class to build or a function to call,
// not merely held. Must match tools/allowlist/observe.py RECONSTRUCTORS.
// copyreg._reconstructor(cls, base, state) runs base.__new__(cls, state)
// and then base.__init__(obj, state): base is called with the pickle's
// arguments, as REDUCE would call it.
var argRoles = map[string][]globals.Use{
	"copyreg._reconstructor":              {globals.UseClass, globals.UseFunction},
	"copyreg.__newobj__":                  {globals.UseClass},
	"copyreg.__newobj_ex__":               {globals.UseClass},
	"numpy.core.multiarray._reconstruct":  {globals.UseClass},
	"numpy._core.multiarray._reconstruct": {globals.UseClass},
	"numpy.core._internal._reconstruct":   {globals.UseClass},
	"torch._tensor._rebuild_from_type":    {globals.UseFunction, globals.UseClass},
	"torch._tensor._rebuild_from_type_v2": {globals.UseFunction, globals.UseClass},
	// fastai's copy of _rebuild_from_type, and _fa_rebuild_tensor(cls,
	// *args), which calls cls on the tensor it rebuilds.
	"fastai.torch_core._rebuild_from_type":      {globals.UseFunction, globals.UseClass},
	"fastai.torch_core._fa_rebuild_tensor":      {globals.UseFunction},
	"fastai.torch_core._fa_rebuild_qtensor":     {globals.UseFunction},
	"numpy.random._pickle.__bit_generator_ctor": {globals.UseFunction},
	"numpy.random._pickle.__generator_ctor":     {globals.UseFunction, globals.UseFunction},
	"numpy.random._pickle.__randomstate_ctor":   {globals.UseFunction, globals.UseFunction},
	// scikit-learn's Cython rebuild newObj(cls) is cls.__new__(cls), a
	// NEWOBJ: its BUILD then runs that class's __setstate__.
	"sklearn.neighbors._ball_tree.newObj":    {globals.UseClass},
	"sklearn.neighbors._binary_tree.newObj":  {globals.UseClass},
	"sklearn.neighbors._kd_tree.newObj":      {globals.UseClass},
	"sklearn.neighbors.ball_tree.newObj":     {globals.UseClass},
	"sklearn.neighbors.kd_tree.newObj":       {globals.UseClass},
	"sklearn.neighbors._dist_metrics.newObj": {globals.UseClass},
	"sklearn.neighbors.dist_metrics.newObj":  {globals.UseClass},
	"sklearn.metrics._dist_metrics.newObj":   {globals.UseClass},
	// astropy's _recreate_irreducible_unit(cls, names, registered) calls
	// cls(names) (astropy/units/core.py, 5.2); matplotlib's
	// _create_empty_object_of_class(cls) is cls.__new__(cls) (colors.py, 3.6).
	"astropy.units.core._recreate_irreducible_unit":   {globals.UseFunction},
	"matplotlib.colors._create_empty_object_of_class": {globals.UseClass},
	// map, filter and iter call their first argument on every item.
	"builtins.map":    {globals.UseFunction},
	"builtins.filter": {globals.UseFunction},
	"builtins.iter":   {globals.UseFunction},
	// defaultdict(factory) calls factory() for every missing key a read
	// asks for, and loading reads some: Adam's __setstate__ (torch 1.13)
	// reads state_values[0]["step"] of the optimizer state it is given.
	"collections.defaultdict": {globals.UseFunction},
}

// namedAttribute recognises the arguments (global, "name") of a getattr
// call that only reaches an attribute of an imported global by a constant
// identifier that is not a dunder: the call is then the dotted global
// global.name, and is judged as one.
func namedAttribute(args Value) (string, string, bool) {
	if args.kind != KindTuple || args.nkept() != 2 || args.Len() != 2 {
		return "", "", false
	}
	parent, attr := args.at(0), args.at(1)
	name, ok := attr.Text()
	if !ok || attr.kind != KindStr || !identifier(name) || isDunderName(name) {
		return "", "", false
	}
	if _, ok := parent.Text(); ok && parent.kind == KindStr {
		// A bound method of a constant string (getattr("", "join"), how
		// pickle writes "".join) is the str method it names.
		return "builtins", "str." + name, true
	}
	if cls, ok := builtClass(parent); ok && cls.gobj().info != nil && !instanceAttribute(parent, name) {
		return methodOf(cls.gobj().module, cls.gobj().name, name)
	}
	if parent.kind != KindGlobal || parent.gobj().dynamic || parent.gobj().info == nil {
		return "", "", false
	}
	return parent.gobj().module, parent.gobj().name + "." + name, true
}

// instanceAttribute reports whether BUILD may have set name on obj as an
// instance attribute, which getattr finds before the class's: unless obj
// was built once, with no state or a kept dict state (or a dict and slot
// state pair) of string keys none of which is name.
func instanceAttribute(obj Value, name string) bool {
	if obj.obj().flags&flagRebuilt != 0 {
		return true
	}
	st, ok := obj.State()
	if !ok {
		return false
	}
	parts := []Value{st}
	if st.kind == KindTuple {
		if st.nkept() != 2 || !kept(st) {
			return true
		}
		parts = []Value{st.at(0), st.at(1)}
	}
	for _, p := range parts {
		if p.kind == KindNone {
			continue
		}
		if p.kind != KindDict || !kept(p) {
			return true
		}
		items := p.cells()
		for i := 0; i+1 < len(items); i += 2 {
			k := p.t.val(items[i])
			if t, ok := k.Text(); !ok || k.kind != KindStr || t == name {
				return true
			}
		}
	}
	return false
}

// methodOf is a bound method of an object the stream builds,
// getattr(obj, "name"), as fastai's TabularPandas pickles the dataloaders
// method it keeps as an attribute, or as pickle writes df.to_dict: judged
// as the class attribute Class.name only when the allowlist lists that
// dotted name (a hand entry read in the class's source, or a method the
// generator's ecosystems/methods.txt lists, reference only), so the entry
// vouches that normal lookup finds it on the class and binds it without
// running code (no __getattribute__, no Python descriptor, no __getattr__
// delegation). Any other name keeps getattr's
// finding, and so does an object whose BUILD state may have set the name
// as an instance attribute (instanceAttribute), which lookup finds first:
// a class-only global stored there would otherwise be called as the
// listed method.
func methodOf(module, class, name string) (string, string, bool) {
	if globals.Judge(module, class+"."+name).Class != globals.Allowed {
		return "", "", false
	}
	return module, class + "." + name, true
}

// identifier reports a Python identifier of ASCII letters, digits and
// underscores, not starting with a digit.
func identifier(s string) bool {
	if s == "" || len(s) > 256 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isDunderName(s string) bool {
	return len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__")
}

// maxPartials bounds the partial objects a stream's functools.partial
// calls are checked for; beyond it the global stays reported.
const maxPartials = 1024

// partialCleared reports whether every use of functools.partial in the
// stream binds an allowlisted function to constant arguments: partial(f,
// *args, **kw) built by REDUCE, OBJ, INST or NEWOBJ, whose one BUILD state
// (f, args, kw, dict) replaces all of it. The callable in both places must
// be a global allowed as a function and every argument, keyword and
// attribute a constant; the global may not be pushed for any other use
// (held, passed to a reconstructor). Anything computed keeps the finding.
func partialCleared(g *globalInfo) bool {
	if !g.partial || len(g.partials) == 0 || int64(len(g.partials)) != g.calls || g.partialPushes != g.partialCalls {
		return false
	}
	for _, p := range g.partials {
		if p.nkept() != 2 && (p.nkept() != 3 || !constDict(p.at(2))) {
			return false
		}
		args := p.at(1)
		if args.kind != KindTuple || !kept(args) || args.nkept() == 0 || !callableFunction(args.at(0)) ||
			!constants(args, 1, 0) {
			return false
		}
		if p.obj().flags&flagRebuilt != 0 {
			// partial.__setstate__ replaces everything each time and a
			// call between two BUILDs runs the earlier state, which the
			// checks below, reading the last one, never see.
			return false
		}
		st, ok := p.State()
		if !ok {
			if tfChecked(args.at(0)) {
				return false
			}
			continue
		}
		if st.kind != KindTuple || !kept(st) || st.nkept() != 4 {
			return false
		}
		f, a, kw, d := st.at(0), st.at(1), st.at(2), st.at(3)
		if !callableFunction(f) || a.kind != KindTuple || !constant(a, 0) || (d.kind != KindNone && !constDict(d)) {
			return false
		}
		if tfChecked(f) {
			// ResourceVariable's partial binds a numpy value and an
			// as_dtype call, which its own check reads.
			if !tfPartialOK(f, a, kw) {
				return false
			}
		} else if kw.kind != KindNone && !constDict(kw) {
			return false
		}
	}
	return true
}

// holder describes a class whose construction by pickle (NEWOBJ, then
// BUILD with a dict: none of them defines __setstate__ or __reduce__) runs
// none of its code, and which later calls only the callables held in the
// named attributes, with the keyword arguments held in kwargs.
type holder struct {
	callables []string
	strOK     string // a callable attribute that may also hold a string
	kwargs    []string
	// state, when set, must accept each instance's BUILD state: for a
	// class whose __setstate__ or __del__ acts on its attributes.
	state func(st Value) bool
	// instance, when set, replaces the checks of how each instance is
	// built and what its state holds, for a class whose pickles pass
	// __new__ arguments or a state that is not a dict.
	instance func(o Value) bool
}

var (
	// FunctionTransformer calls func and inverse_func on the data, with
	// kw_args and inv_kw_args, and feature_names_out (a callable or
	// "one-to-one") for the output's column names.
	functionTransformer = &holder{callables: []string{"func", "inverse_func", "feature_names_out"},
		strOK: "feature_names_out", kwargs: []string{"kw_args", "inv_kw_args"}}
	// Keras's text Tokenizer calls analyzer on each text it fits or
	// converts (keras/src/legacy/preprocessing/text.py at 3422977,
	// tf_keras/preprocessing/text.py at dd0a723; the same class in Keras
	// 2.x and in keras.src before 3.0).
	kerasTokenizer  = &holder{callables: []string{"analyzer"}}
	functionSampler = &holder{callables: []string{"func"}, kwargs: []string{"kw_args"}}
	// numpy.vectorize calls pyfunc when the program calls it. scipy's
	// discrete distributions pickle one, vectorize(getattr(dist,
	// "_entropy")), which their __setstate__ replaces.
	vectorize = &holder{callables: []string{"pyfunc"}, state: vectorizeState}
	// sklearn-crfsuite's FileResource owns the CRF model file
	// (sklearn_crfsuite/_fileresource.py at 6efccac): __setstate__ writes
	// the pickled bytes to a new tempfile.mkstemp(suffix, prefix) file, and
	// __del__ closes fd and unlinks name when auto is set. It is cleared
	// only with the state CRF pickles (crfsuiteFileState); a state that
	// names a file would have __del__ delete it.
	fileResource = &holder{state: crfsuiteFileState}
	// statsmodels' ModelData.__setstate__ rebuilds a formula model's patsy
	// DesignInfo by calling patsy.dmatrices on the formula string of its
	// state when the state has restore_design_info (statsmodels/base/data.py,
	// 0.10 to 0.14), and patsy evaluates each term of the formula as Python
	// code in the caller's frames. Cleared without that key (a model fitted
	// on arrays or data frames without a formula) or with a formula of
	// names, numbers and patsy's own operators and builtins over the
	// state's data frame (modelDataState).
	modelData = &holder{state: modelDataState}
	// matplotlib's CallbackRegistry (a norm's or a figure's callbacks)
	// calls every callable of callbacks ({signal: {cid: func}}) in
	// process(), and exception_handler with the exception one raises
	// (matplotlib/cbook.py, 3.6); pickles keep only the callbacks marked
	// picklable, usually none.
	callbackRegistry = &holder{callables: []string{"exception_handler"}, state: callbackRegistryState}
	// geopandas' GeoDataFrame.__setstate__ parses the crs or _crs of its
	// state with pyproj's CRS.from_user_input, and GeometryArray keeps its
	// _crs for the same parse on first use (geopandas/geodataframe.py and
	// array.py, 0.12): PROJ opens the files a PROJ string or WKT names
	// (+init=path:id, grid files). Cleared only without a CRS; a pickled
	// pyproj CRS is itself off the allowlist.
	geoNoCRS = &holder{state: geoNoCRSState}
	// Stable-Baselines3's FloatSchedule calls value_schedule with the
	// training progress and float()s what it returns
	// (stable_baselines3/common/utils.py at e05d2db). The library pickles
	// it holding a ConstantSchedule or LinearSchedule, whose __call__
	// returns or interpolates their numbers (both allowlisted as classes
	// from source); cleared only so (sb3ScheduleState).
	floatSchedule = &holder{state: sb3ScheduleState}
	// Sphinx's lazy translation proxy calls the function its state holds,
	// with the held arguments, whenever it is turned into a string,
	// hashed or compared (sphinx/locale/__init__.py, 1.x to 6.x), which
	// a build environment's domain labels are as soon as Sphinx reads
	// them: a call gadget for any allowlisted function. Sphinx 7
	// keeps the catalogue, namespace and message strings instead.
	// Cleared only with Sphinx's own translation function and strings
	// (sphinxProxy).
	translationProxy = &holder{instance: sphinxProxy}
	holders          = map[string]*holder{
		"sklearn.preprocessing.FunctionTransformer":                       functionTransformer,
		"sklearn.preprocessing._function_transformer.FunctionTransformer": functionTransformer,
		"keras.preprocessing.text.Tokenizer":                              kerasTokenizer,
		"keras.src.preprocessing.text.Tokenizer":                          kerasTokenizer,
		"keras.src.legacy.preprocessing.text.Tokenizer":                   kerasTokenizer,
		"tf_keras.preprocessing.text.Tokenizer":                           kerasTokenizer,
		"tf_keras.src.preprocessing.text.Tokenizer":                       kerasTokenizer,
		// The same Tokenizer in the standalone keras_preprocessing package
		// (keras_preprocessing/text.py, 1.1.2) that Keras 2.0-2.5 imported.
		"keras_preprocessing.text.Tokenizer": kerasTokenizer,
		// imbalanced-learn's FunctionSampler calls func with kw_args in
		// fit_resample (imblearn/base.py, 0.10); func None resamples nothing.
		"imblearn.FunctionSampler":                    functionSampler,
		"imblearn.base.FunctionSampler":               functionSampler,
		"sklearn_crfsuite._fileresource.FileResource": fileResource,
		"numpy.vectorize":                             vectorize,
		"statsmodels.base.data.ModelData":             modelData,
		"statsmodels.base.data.PandasData":            modelData,
		"statsmodels.base.data.PatsyData":             modelData,
		// The same classes re-exported by statsmodels' model modules.
		"statsmodels.tsa.ardl.model.PandasData":                        modelData,
		"statsmodels.tsa.base.tsa_model.PandasData":                    modelData,
		"statsmodels.tsa.exponential_smoothing.base.PandasData":        modelData,
		"statsmodels.tsa.forecasting.stl.PandasData":                   modelData,
		"statsmodels.tsa.holtwinters.results.PandasData":               modelData,
		"statsmodels.tsa.regime_switching.markov_switching.PandasData": modelData,
		"statsmodels.tsa.statespace.dynamic_factor_mq.PandasData":      modelData,
		"statsmodels.tsa.statespace.exponential_smoothing.PandasData":  modelData,
		"statsmodels.tsa.statespace.mlemodel.PandasData":               modelData,
		"matplotlib.cbook.CallbackRegistry":                            callbackRegistry,
		"geopandas.geodataframe.GeoDataFrame":                          geoNoCRS,
		"geopandas.array.GeometryArray":                                geoNoCRS,
		"stable_baselines3.common.utils.FloatSchedule":                 floatSchedule,
		"sphinx.locale._TranslationProxy":                              translationProxy,
	}
)

// holderOf returns the holder description of a class, or nil: the
// holders table, and scipy.stats's distribution classes, whose
// rv_generic.__setstate__ execs the _parse_arg_template string of their
// state (scipy/stats/_distn_infrastructure.py _attach_argparser_methods).
func holderOf(module, name, full string) *holder {
	if h := holders[full]; h != nil {
		return h
	}
	switch module {
	case "scipy.stats._continuous_distns", "scipy.stats._discrete_distns", "scipy.stats._distn_infrastructure",
		"scipy.stats._levy_stable", "scipy.stats.distributions":
		// scipy names every rv_generic subclass *_gen, besides the bases.
		switch {
		case strings.HasSuffix(name, "_gen") && identifier(name),
			name == "rv_continuous", name == "rv_discrete", name == "rv_histogram", name == "rv_sample":
			return scipyDistribution
		}
	}
	return nil
}

// vectorizeState reports whether a numpy.vectorize's state leaves its
// _ufunc cache empty: with otypes set, a call takes _ufunc[nargs], when
// present, in pyfunc's place (numpy/lib/function_base.py
// _get_ufunc_and_otypes, 1.24 to 2.x). numpy pickles it empty, as a
// frompyfunc ufunc cannot be pickled.
func vectorizeState(st Value) bool {
	v, ok := st.Get("_ufunc")
	return !ok || v.kind == KindNone || v.kind == KindDict && v.count() == 0
}

// modelDataState reports whether a statsmodels ModelData state lacks
// restore_design_info, the key that makes __setstate__ evaluate the
// state's formula (see modelData), or has it with a formula that patsy
// evaluates to nothing but lookups and a data frame to look them up in.
// Every key must be a constant string: __setstate__ tests the key with
// "in", which a computed string equal to it passes.
func modelDataState(st Value) bool {
	items := st.cells()
	restore := false
	for i := 0; i+1 < len(items); i += 2 {
		k := st.t.val(items[i])
		if k.kind != KindStr || k.obj() != nil {
			return false
		}
		restore = restore || k.chars() == "restore_design_info"
	}
	if !restore {
		return true
	}
	formula, ok := st.Get("formula")
	if !ok || formula.kind != KindStr || formula.obj() != nil {
		return false
	}
	frame, ok := st.Get("frame")
	if !ok {
		return false
	}
	cls, ok := builtClass(frame)
	if !ok || !dataFrames[cls.gobj().module+"."+cls.gobj().name] || cls.gobj().info == nil ||
		cls.gobj().info.ref.Verdict.Class != globals.Allowed {
		return false
	}
	return plainFormula(formula.chars())
}

// dataFrames are the names pandas DataFrames pickle under (pandas 3 sets
// __module__ to "pandas"). With the state's frame one, patsy looks each
// name of the formula up as a column of it before the loading program's
// frames, and never calls what a column holds.
var dataFrames = map[string]bool{"pandas.core.frame.DataFrame": true, "pandas.DataFrame": true}

// maxFormula bounds the formula text plainFormula reads.
const maxFormula = 1 << 16

// plainFormula reports whether a patsy formula runs no code of the file's
// choosing when ModelData.__setstate__ has patsy.dmatrices evaluate it
// (patsy 0.5 desc.py and eval.py: each term between the formula operators
// ~ + - * / : ** and parentheses is Python code that EvalEnvironment.eval
// runs with eval, builtins included, over the data frame's columns, the
// loading program's frames and patsy's builtins). Accepted are names (not
// starting with "_", not keywords), decimal numbers, those operators, and
// calls of one argument (no comma) only of patsy's C, I, center,
// standardize and scale: a name evaluates to a column or the program's own
// value and is never called, the callees only compute on their argument
// (a column named like one is a Series, which calling fails on).
// Attributes are refused even as np.log: patsy looks np up as a column of
// the frame first, and a Series returns the element at an index label for
// an attribute of that name. Strings,
// attributes, subscripts, other calls, lambdas and keywords are refused:
// they are how a formula runs __import__("os").system or open. So are
// commas: C's second argument is a contrast that patsy calls when it is
// callable (code_contrast_matrix), so C(x, exit) or C(x, main) would call
// a builtin or the loading program's own function.
func plainFormula(f string) bool {
	if len(f) > maxFormula || !strings.Contains(f, "~") {
		return false
	}
	const (
		start   = iota // start, after an operator, a comma or "("
		name           // a name that may not be called
		callee         // a name that may be called
		operand        // a number or ")"
	)
	prev, depth := start, 0
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			j := i
			for j < len(f) && (f[j] == '_' || f[j] == '.' || 'a' <= f[j] && f[j] <= 'z' || 'A' <= f[j] && f[j] <= 'Z' || '0' <= f[j] && f[j] <= '9') {
				j++
			}
			w := f[i:j]
			if prev != start || c == '_' || pythonKeywords[w] {
				return false
			}
			prev = name
			if strings.Contains(w, ".") {
				// np.log is the frame's column "np" first: a Series,
				// whose attribute log is the element at that index label,
				// which the call then calls.
				return false
			} else if formulaCallees[w] {
				prev = callee
			}
			i = j
		case '0' <= c && c <= '9':
			j := i
			for j < len(f) && '0' <= f[j] && f[j] <= '9' {
				j++
			}
			if j+1 < len(f) && f[j] == '.' && '0' <= f[j+1] && f[j+1] <= '9' {
				for j++; j < len(f) && '0' <= f[j] && f[j] <= '9'; j++ {
				}
			}
			if prev != start {
				return false
			}
			prev, i = operand, j
		case c == '(':
			if prev != start && prev != callee {
				return false
			}
			prev, depth, i = start, depth+1, i+1
		case c == ')':
			if depth == 0 || prev == start {
				return false
			}
			prev, depth, i = operand, depth-1, i+1
		case strings.IndexByte("~+-*/:", c) >= 0:
			prev, i = start, i+1
		default:
			return false
		}
	}
	return depth == 0
}

// formulaCallees are patsy's builtins a formula calls (patsy/builtins.py,
// 0.5): C marks a factor categorical, I evaluates its argument as
// arithmetic, and the stateful transforms compute means and deviations.
var formulaCallees = map[string]bool{"C": true, "I": true, "center": true, "standardize": true, "scale": true}

// sb3ScheduleState reports whether a FloatSchedule's state holds, as its
// value_schedule, an instance the pickle built (NEWOBJ, one BUILD) of
// Stable-Baselines3's ConstantSchedule or LinearSchedule, allowlisted,
// whose state is numbers under constant keys: what their __call__ reads.
func sb3ScheduleState(st Value) bool {
	items := st.cells()
	for i := 0; i+1 < len(items); i += 2 {
		if k := st.t.val(items[i]); k.kind != KindStr || k.obj() != nil {
			return false
		}
	}
	v, ok := st.Get("value_schedule")
	if !ok {
		return true
	}
	cls, ok := builtClass(v)
	if !ok || v.obj().op != opNEWOBJ || !sb3Schedules[cls.gobj().module+"."+cls.gobj().name] || cls.gobj().info == nil ||
		cls.gobj().info.ref.Verdict.Class != globals.Allowed {
		return false
	}
	inner, ok := v.State()
	if !ok || inner.kind != KindDict || !kept(inner) {
		return false
	}
	cells := inner.cells()
	for i := 0; i+1 < len(cells); i += 2 {
		k, val := inner.t.val(cells[i]), inner.t.val(cells[i+1])
		if k.kind != KindStr || k.obj() != nil || val.kind != KindInt && val.kind != KindFloat {
			return false
		}
	}
	return true
}

// sb3Schedules are Stable-Baselines3's schedules a FloatSchedule holds.
var sb3Schedules = map[string]bool{
	"stable_baselines3.common.utils.ConstantSchedule": true,
	"stable_baselines3.common.utils.LinearSchedule":   true,
}

// geoNoCRSState reports whether a GeoDataFrame or GeometryArray state's
// keys are constant strings and its crs and _crs, when present, None (see
// geoNoCRS).
func geoNoCRSState(st Value) bool {
	items := st.cells()
	for i := 0; i+1 < len(items); i += 2 {
		k := st.t.val(items[i])
		if k.kind != KindStr || k.obj() != nil {
			return false
		}
		if c := k.chars(); (c == "crs" || c == "_crs") && st.t.val(items[i+1]).kind != KindNone {
			return false
		}
	}
	return true
}

// callbackRegistryState reports whether a CallbackRegistry state's keys
// are constant strings and its callbacks, when set, a dict of dicts whose
// callables are globals allowed as functions (see callbackRegistry).
func callbackRegistryState(st Value) bool {
	items := st.cells()
	for i := 0; i+1 < len(items); i += 2 {
		if k := st.t.val(items[i]); k.kind != KindStr || k.obj() != nil {
			return false
		}
	}
	cb, ok := st.Get("callbacks")
	if !ok {
		return true
	}
	if cb.kind != KindDict || !kept(cb) {
		return false
	}
	signals := cb.cells()
	for i := 1; i < len(signals); i += 2 {
		d := cb.t.val(signals[i])
		if d.kind != KindDict || !kept(d) {
			return false
		}
		funcs := d.cells()
		for j := 1; j < len(funcs); j += 2 {
			if !callableFunction(d.t.val(funcs[j])) {
				return false
			}
		}
	}
	return true
}

// distMethods are the methods of a scipy distribution its pickles take
// as bound methods: rv_discrete's __getstate__ keeps vecentropy,
// vectorize(self._entropy) (scipy/stats/_distn_infrastructure.py, 1.10).
var distMethods = map[string]bool{"_entropy": true}

// distMethod reports whether getattr's arguments name a method of
// distMethods on a scipy distribution the pickle builds (NEWOBJ of a
// class holderOf gives scipyDistribution): the class's own method, bound.
func distMethod(args Value) bool {
	if args.kind != KindTuple || args.nkept() != 2 || args.Len() != 2 {
		return false
	}
	obj, name := args.at(0), args.at(1)
	n, ok := name.Text()
	if !ok || name.kind != KindStr || !distMethods[n] {
		return false
	}
	cls, ok := builtClass(obj)
	return ok && cls.gobj().info != nil && cls.gobj().info.transformer == scipyDistribution
}

// distMethodValue reports whether v is such a bound method: the result of
// getattr(dist, name) that distMethod accepts.
func distMethodValue(v Value) bool {
	if v.kind != KindCall || v.nkept() < 2 {
		return false
	}
	f := v.at(0)
	if f.kind != KindGlobal || f.gobj().dynamic || f.gobj().info == nil || f.gobj().info.lookup == nil ||
		f.gobj().name != "getattr" {
		return false
	}
	return distMethod(v.at(1))
}

// scipyDistribution is a scipy.stats distribution object: cleared only
// when the code its __setstate__ execs is the argument parser scipy
// generates (scipyArgTemplate).
var scipyDistribution = &holder{state: scipyDistState}

// scipyDistState reports whether a distribution's state carries, as
// _parse_arg_template, exactly what rv_generic._construct_argparser
// writes for its shapes. Without the key __setstate__ fails before any
// exec.
func scipyDistState(st Value) bool {
	// __setstate__ calls these on the instance after updating its
	// __dict__ (_attach_methods, and __init__ when that raised
	// ValueError), so a state setting one has it call what the pickle
	// put there.
	for _, k := range []string{"_attach_methods", "_attach_argparser_methods", "__init__"} {
		if _, ok := st.Get(k); ok {
			return false
		}
	}
	// An instance attribute shadows the class's method: getattr(dist,
	// "_entropy"), which distMethod takes for the bound method, would be
	// the value the state put there.
	for k := range distMethods {
		if _, ok := st.Get(k); ok {
			return false
		}
	}
	v, ok := st.Get("_parse_arg_template")
	if !ok {
		return true
	}
	t, ok := v.Text()
	return ok && v.kind == KindStr && scipyArgTemplate(t)
}

// scipyArgTemplate reports whether s is scipy's parse_arg_template
// (scipy/stats/_distn_infrastructure.py, 1.4 to 1.16) filled in for
// identifier shapes and the continuous ("loc=0, scale=1") or discrete
// ("loc=0") location and scale: three def statements whose bodies only
// return their arguments. Any other text is code the loader would exec.
func scipyArgTemplate(s string) bool {
	const head = "\ndef _parse_args(self, "
	rest, ok := strings.CutPrefix(s, head)
	if !ok {
		return false
	}
	for _, ls := range [][2]string{{"loc=0, scale=1", "loc, scale"}, {"loc=0", "loc, 1"}} {
		shapes, _, found := strings.Cut(rest, " "+ls[0]+"):\n")
		if !found || !scipyShapes(shapes) {
			continue
		}
		want := "\ndef _parse_args(self, " + shapes + " " + ls[0] + "):\n" +
			"    return (" + shapes + "), " + ls[1] + "\n\n" +
			"def _parse_args_rvs(self, " + shapes + " " + ls[0] + ", size=None):\n" +
			"    return self._argcheck_rvs(" + shapes + " " + ls[1] + ", size=size)\n\n" +
			"def _parse_args_stats(self, " + shapes + " " + ls[0] + ", moments='mv'):\n" +
			"    return (" + shapes + "), " + ls[1] + ", moments\n"
		if s == want {
			return true
		}
	}
	return false
}

// scipyShapes reports whether s is the shape_arg_str scipy writes: empty,
// or identifiers each followed by ", ".
func scipyShapes(s string) bool {
	for s != "" {
		name, rest, ok := strings.Cut(s, ", ")
		if !ok || !identifier(name) {
			return false
		}
		s = rest
	}
	return true
}

// crfsuiteFileState reports whether a FileResource state is the one
// sklearn-crfsuite's __getstate__ writes for the temporary model file of a
// fitted CRF: name None and auto true (so __setstate__ picks a new mkstemp
// path and __del__ removes only that file), prefix and suffix plain
// file-name characters (mkstemp joins them into the path: a separator, a
// drive or ".." would place the file elsewhere), and only the attributes
// FileResource has.
func crfsuiteFileState(st Value) bool {
	items := st.cells()
	for i := 0; i+1 < len(items); i += 2 {
		name, ok := st.t.val(items[i]).Text()
		if !ok {
			return false
		}
		v := st.t.val(items[i+1])
		switch name {
		case "name":
			ok = v.kind == KindNone
		case "auto":
			ok = v.kind == KindBool && v.n == 1
		case "keep_tempfiles":
			ok = v.kind == KindBool || v.kind == KindNone // older releases write None
		case "prefix", "suffix":
			ok = v.kind == KindStr && plainFileName(v)
		case "fd":
			ok = v.kind == KindInt
		case "__FILE_RESOURCE_DATA__":
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
	_, named := st.Get("name")
	_, auto := st.Get("auto")
	return named && auto
}

// plainFileName reports whether a str value holds only letters, digits,
// ".", "_" and "-", and no "..".
func plainFileName(v Value) bool {
	t, ok := v.Text()
	if !ok || strings.Contains(t, "..") {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// poisonTransformer keeps a holder class built twice from being cleared:
// a dict state updates the instance's attributes, so an earlier state's
// callable survives a later one that leaves it out.
func poisonTransformer(v Value) {
	if v.kind != KindCall || v.nkept() == 0 {
		return
	}
	if fn := v.at(0); fn.kind == KindGlobal {
		if g := fn.gobj().info; g != nil && g.transformer != nil {
			g.transformerBuilds = -1
		}
	}
}

// countHolderBuild counts a BUILD applied to an instance of a holder
// class (see globalInfo.holderBuilds).
func countHolderBuild(v Value) {
	if v.kind != KindCall || v.nkept() == 0 || v.at(0).kind != KindGlobal {
		return
	}
	if g := v.at(0).gobj().info; g != nil && g.transformer != nil {
		g.holderBuilds++
	}
}

// noteTransformerState records the item count of a holder instance's
// BUILD state as BUILD saw it (see globalInfo.transformerStates).
func noteTransformerState(v, state Value) {
	if v.nkept() == 0 || v.at(0).kind != KindGlobal {
		return
	}
	g := v.at(0).gobj().info
	if g == nil || g.transformer == nil || state.kind != KindDict || len(g.transformerStates) >= maxPartials {
		return
	}
	if g.transformerStates == nil {
		g.transformerStates = map[uint32]int64{}
	}
	g.transformerStates[v.ref] = state.count()
}

// transformerCleared reports whether every instance of a holder class in
// the stream is built the way pickle builds one (NEWOBJ with no
// arguments, then one BUILD with a dict) and can only call what the
// allowlist permits to be called: each callable attribute is None, an
// allowlisted function, a name of the loading program's main module or
// the saving project's own module (see mainFunction) or, where the class allows it, a string, and the
// keyword arguments they get are constants. A FunctionTransformer whose
// func is None is the identity scikit-learn >= 1.2 fits for every
// ColumnTransformer "passthrough"; a Tokenizer's analyzer is None unless
// the user passed one.
func transformerCleared(g *globalInfo) bool {
	h := g.transformer
	if h == nil || len(g.transformers) == 0 || int64(len(g.transformers)) != g.calls ||
		g.transformerBuilds != g.calls || g.transformerPushes != g.transformerBuilds {
		return false
	}
	var stated int64
	for _, o := range g.transformers {
		if _, ok := o.State(); ok {
			stated++
		}
	}
	for _, o := range g.transformers {
		if h.instance != nil {
			if !h.instance(o) {
				return false
			}
			continue
		}
		if o.nkept() != 2 || o.at(1).kind != KindTuple || !kept(o.at(1)) || o.at(1).nkept() != 0 {
			return false
		}
		st, ok := o.State()
		if !ok && h.state != nil && stated == g.holderBuilds {
			// Never BUILT (a stream that stops first, as pickle.load's
			// reading of a joblib dump does at the array bytes): the
			// __setstate__ or attributes the state check guards never
			// came into being.
			continue
		}
		if !ok || st.kind != KindDict || !kept(st) {
			return false
		}
		if n, ok := g.transformerStates[o.ref]; !ok || n != st.count() {
			return false
		}
		for _, k := range h.callables {
			v, ok := st.Get(k)
			if ok && v.kind != KindNone && !callableFunction(v) && !heldUfunc(v) && !mainFunction(v) && !distMethodValue(v) &&
				(k != h.strOK || v.kind != KindStr) {
				return false
			}
		}
		for _, k := range h.kwargs {
			if v, ok := st.Get(k); ok && v.kind != KindNone && !constDict(v) {
				return false
			}
		}
		if !plainAttributes(st, h) || h.state != nil && !h.state(st) {
			return false
		}
	}
	return true
}

// plainAttributes reports whether the attributes a holder's state sets
// besides its callables and keyword arguments hold no global, persistent
// ID or extension: an instance attribute shadows the class's methods
// (transform, fit, append, which APPEND calls while loading), so one
// holding a callable would be called in the method's place. Every key
// must be a constant: __dict__.update stores a computed key (str(...),
// "".join(...), a numpy.str_) that equals an attribute name, so the
// attribute holds its value while the checks, which read constant keys,
// see none.
func plainAttributes(st Value, h *holder) bool {
	items := st.cells()
	for i := 0; i+1 < len(items); i += 2 {
		k := st.t.val(items[i])
		switch k.kind {
		case KindStr:
		case KindNone, KindBool, KindInt, KindBigInt, KindFloat, KindBytes:
			// never equal to a str
			continue
		default:
			return false
		}
		name, ok := k.Text()
		if ok && (slices.Contains(h.callables, name) || slices.Contains(h.kwargs, name)) {
			continue
		}
		switch v := st.t.val(items[i+1]); v.kind {
		case KindGlobal, KindPersistent, KindExt, KindBuffer:
			return false
		case KindCall:
			if passThrough(v) {
				return false
			}
		}
	}
	return true
}

// passThrough reports whether v is what a call of a builtin other than a
// plain value constructor returned: sum([], f), max([f]), next(iter)
// and getattr(g, "name") return a callable the pickle named, as a value
// the global checks above do not see.
func passThrough(v Value) bool {
	f := v.at(0)
	if f.kind != KindGlobal || f.gobj().dynamic || f.gobj().module != "builtins" {
		return false
	}
	switch f.gobj().name {
	case "set", "frozenset", "slice", "complex", "bytearray", "range", "bytes", "str", "int", "float", "bool",
		"list", "dict", "tuple", "object":
		return false
	}
	return true
}

// callableFunction reports whether v is a global the allowlist permits to
// be called.
func callableFunction(v Value) bool {
	if v.kind != KindGlobal || v.gobj().dynamic || v.gobj().info == nil {
		return false
	}
	vd := v.gobj().info.ref.Verdict
	return vd.Class == globals.Allowed && vd.Uses.Has(globals.UseFunction)
}

// heldUfunc reports whether v is an allowlisted numpy ufunc (allowed as
// a reference): a holder that calls it computes on arrays.
func heldUfunc(v Value) bool {
	if v.kind != KindGlobal || v.gobj().dynamic || v.gobj().info == nil {
		return false
	}
	return v.gobj().info.ref.Verdict.Class == globals.Allowed && globals.NumpyUfunc(v.gobj().module, v.gobj().name)
}

// mainFunction reports whether v is a plain name of the loading program's
// main module (see mainName) or of the saving project's own module (see
// projectName): a holder that calls it calls the program's or project's
// own function, which the name's own finding (RuleMainGlobal or
// RuleProjectGlobal, or MG101 when the pickle also calls it) reports.
func mainFunction(v Value) bool {
	return v.kind == KindGlobal && !v.gobj().dynamic && v.gobj().info != nil && v.gobj().info.main
}

func constDict(v Value) bool { return v.kind == KindDict && constant(v, 0) }

// kept reports whether a container holds every element it received.
func kept(v Value) bool {
	switch v.kind {
	case KindTuple, KindList, KindDict, KindSet, KindFrozenSet:
		return v.count() == int64(v.nkept())
	}
	return false
}

// maxConstDepth bounds how deep constant containers are followed.
const maxConstDepth = 16

// constant reports whether v is a value the pickle spelled out: None,
// numbers, strings, bytes, and fully kept containers of them.
func constant(v Value, depth int) bool {
	switch v.kind {
	case KindNone, KindBool, KindInt, KindBigInt, KindFloat, KindStr, KindBytes:
		return true
	case KindTuple, KindList, KindDict, KindSet, KindFrozenSet:
		return depth < maxConstDepth && kept(v) && constants(v, 0, depth+1)
	}
	return false
}

// constants reports whether the kept elements of v from the from-th on
// are all constant.
func constants(v Value, from, depth int) bool {
	for _, c := range v.cells()[from:] {
		if !constant(v.t.val(c), depth) {
			return false
		}
	}
	return true
}

// argRoles checks the globals an allowlisted callable will build or call.
func (m *machine) argRoles(off int64, fn, args Value, call Value) {
	if args.kind != KindTuple {
		return
	}
	if g := fn.gobj(); g.hasFwd {
		m.forward(off, g.fwd, args, call)
		return
	}
	full := fn.gobj().module + "." + fn.gobj().name
	for i, need := range fn.gobj().roles {
		if i >= args.nkept() {
			break
		}
		m.argRole(off, full, args.at(i), need, call)
	}
	// copyreg._reconstructor(cls, base, state) runs base.__new__(cls,
	// state) and base.__init__(obj, state): state is base's one argument
	// (defaultdict's factory).
	if full == "copyreg._reconstructor" && args.nkept() >= 3 {
		if base := args.at(1); base.kind == KindGlobal && len(base.gobj().roles) > 0 {
			m.argRole(off, base.gobj().module+"."+base.gobj().name, args.at(2), base.gobj().roles[0], call)
		}
	}
}

// argRole checks a, an argument the allowlisted callable full will build
// or call (need).
func (m *machine) argRole(off int64, full string, a Value, need globals.Use, call Value) {
	switch a.kind {
	case KindGlobal:
		m.use(off, a, need, call)
	case KindCall, KindPersistent, KindExt, KindBuffer:
		if computedRoleOK[full] {
			return
		}
		// A value the pickle computed in a callable's place is
		// called as one: next(reversed((Linear,))) or sum([], Linear)
		// hands over a class that escapes the allowlist's uses.
		m.once("computed-call", func() formats.Finding {
			return formats.NewFinding(RuleComputedCall, off, "%s calls its argument %s", call, a).
				With("call", call.String())
		})
	}
}

// computedRoleOK are the argRoles callables that take an object the
// pickle built in a callable's place without calling it: map, filter and
// iter iterate an iterable, and numpy 1.25+ pickles a RandomState or
// Generator with its BitGenerator instance first.
var computedRoleOK = map[string]bool{
	"builtins.map": true, "builtins.filter": true, "builtins.iter": true,
	"numpy.random._pickle.__bit_generator_ctor": true,
	"numpy.random._pickle.__generator_ctor":     true,
	"numpy.random._pickle.__randomstate_ctor":   true,
}

// forwardCalls are allowlisted callables that call one of their arguments
// with another of their arguments as the argument tuple: the position of
// the callable and of its arguments. dill's _create_array(f, args, state)
// runs f(*args) and then the array's __setstate__(state).
var forwardCalls = map[string][2]int{
	"dill._dill._create_array": {0, 1},
}

// maxForwardDepth bounds forwarded calls nested in forwarded calls.
const maxForwardDepth = 8

// forward checks a forwarded call as if the pickle had made it itself: the
// callable must be a global allowed as a function, and its own argument
// roles apply to the forwarded arguments. A callable that is not a global
// is a call of a computed object.
func (m *machine) forward(off int64, fw [2]int, args Value, call Value) {
	for depth := 0; depth < maxForwardDepth; depth++ {
		if fw[0] >= args.nkept() {
			return
		}
		f := args.at(fw[0])
		if f.kind != KindGlobal {
			m.once("computed-call", func() formats.Finding {
				return formats.NewFinding(RuleComputedCall, off, "%s calls its argument %s", call, f).
					With("call", call.String())
			})
			return
		}
		m.use(off, f, globals.UseFunction, call)
		if f.gobj().dynamic {
			return
		}
		if f.gobj().shape != shapeNone {
			inner := Value{}
			if fw[1] < args.nkept() {
				inner = args.at(fw[1])
			}
			m.checkShape(off, f, inner, Value{}, call, false)
		}
		if fw[1] >= args.nkept() {
			return
		}
		inner := args.at(fw[1])
		if inner.kind != KindTuple {
			return
		}
		next, ok := f.gobj().fwd, f.gobj().hasFwd
		if !ok {
			for i, need := range f.gobj().roles {
				if i < inner.nkept() && inner.at(i).kind == KindGlobal {
					m.use(off, inner.at(i), need, call)
				}
			}
			return
		}
		fw, args = next, inner
	}
}

// use records a build or call of the global v; when v is allowlisted for
// other uses only, the first such use is reported at the stream's end.
// Unknown and denied globals are reported whatever their use.
func (m *machine) use(off int64, v Value, need globals.Use, call Value) {
	g := v.gobj().info
	if g != nil && g.main {
		g.mainUse(off, "argument", need == globals.UseClass, call)
	}
	if g != nil && g.shapeCheck != nil && !v.gobj().dynamic && (call.kind != KindCall || call.at(0).kind != KindGlobal || call.at(0).n != v.n) {
		// Another callable builds or calls it with arguments its shape
		// check never sees.
		g.tfShapeMiss(off, call)
	}
	if g == nil || v.gobj().dynamic || g.ref.Verdict.Class != globals.Allowed || g.ref.Verdict.Uses.Has(need) || g.misuse != "" {
		return
	}
	g.misuse, g.misuseOff, g.misuseUse = call.String(), off, need
}

// flush reports what a stream found that is only complete at its end: one
// finding per distinct non-allowlisted global, with its first call, and
// attribute overwrites, which are critical when more lookups followed.
func (m *machine) flush() {
	if m.probe {
		return
	}
	m.flushHooks()
	m.checkSphinxConfigs()
	for _, o := range m.order {
		g := o.info
		v := g.ref.Verdict
		full := g.ref.Module + "." + g.ref.Name
		var f formats.Finding
		switch v.Class {
		case globals.Allowed:
			if dv, ok := globals.DenyVerdict(g.ref.Module, g.ref.Name); ok && g.shapeCheck != nil && (g.shapeMiss != "" || g.misuse != "") {
				// A checked TensorFlow function used outside the shape
				// TensorFlow writes is the denied global it was.
				call, callOff := g.shapeMiss, g.shapeMissOff
				if call == "" {
					call, callOff = g.misuse, g.misuseOff
				}
				v = dv
				f = formats.NewFinding(deniedRule(v), g.ref.Offset, "imports %s (%s)", full, reasonOr(v.Reason, "denylisted")).
					At(v.Severity).With("call", call).With("call_offset", strconv.FormatInt(callOff, 10)).
					With("shape", "not the arguments TensorFlow's __reduce__ writes")
				break
			}
			if g.misuse == "" {
				continue
			}
			how := "calls"
			if g.misuseUse == globals.UseClass {
				how = "builds"
			}
			f = formats.NewFinding(RuleMisusedGlobal, g.misuseOff, "%s %s, which the allowlist permits only as %s: %s",
				how, full, v.Uses, g.misuse).
				With("allowed_uses", v.Uses.String()).With("ecosystem", v.Ecosystem).With("entry", v.Entry)
			if g.misuseOp != "" {
				f = f.With("call_opcode", g.misuseOp)
			}
		case globals.Denied:
			if partialCleared(g) || transformerCleared(g) {
				continue
			}
			if (g.lookup != nil || g.nameEval) && g.lookupResolved == g.calls && g.lookupPushes == g.lookupResolved && g.calls > 0 {
				continue
			}
			if g.keras && g.calls > 0 && g.kerasLoads == g.calls ||
				kerasModelClasses[full] && g.calls == 0 && m.kerasLoads > 0 {
				// Every call loads a Keras archive from the file, which
				// the Keras analyzer judged as a nested file; the class is
				// only where Keras 3 looks its loader up.
				continue
			}
			if v.Category == "nested-loader" && g.calls > 0 && g.torchStreams == g.calls {
				// Every call loads a torch.save stream from the file, whose
				// findings stand on their own: this is how torch tensors
				// pickle with plain pickle.dumps.
				continue
			}
			f = formats.NewFinding(deniedRule(v), g.ref.Offset, "imports %s (%s)", full, reasonOr(v.Reason, "denylisted")).At(v.Severity)
		default:
			if transformerCleared(g) {
				continue
			}
			if mainOnly(g) && g.project {
				f = formats.NewFinding(RuleProjectGlobal, g.ref.Offset, "refers to %s, of a module no known library "+
					"provides (the saving project's own code), which it only %s", full, mainUses(g))
				break
			}
			if mainOnly(g) {
				f = formats.NewFinding(RuleMainGlobal, g.ref.Offset, "refers to %s, the loading program's own definition, "+
					"which it only %s", full, mainUses(g))
				break
			}
			// A main-module name the pickle calls runs whatever the loading
			// program defines under that name with the file's arguments
			// (__main__.system("...") in a script that imported system from
			// os). It stays an unknown import, medium like any other: in a
			// program that lacks the name loading fails before the call,
			// and benign pickles do call a script's own reconstructor
			// functions (a __reduce__ returning a module-level function), so
			// raising it would not change the default gate and would
			// misname those.
			f = formats.NewFinding(RuleUnknownGlobal, g.ref.Offset, "imports %s, which is not on the allowlist", full).
				At(max(v.Severity, formats.Medium))
		}
		if v.Class == globals.Allowed && v.Uses == globals.UseReference {
			if dv, ok := globals.DenyVerdict(g.ref.Module, g.ref.Name); ok {
				// An entry that lets a library hold a denylisted global as a
				// value (builtins.map, which madmom keeps) permits nothing
				// else: building or calling it is the denied global it was.
				f.Rule, f.Severity, v = deniedRule(dv), dv.Severity, dv
			}
		}
		f = f.With("global", full).With("module", g.ref.Module).With("name", g.ref.Name)
		if v.Category != "" {
			f = f.With("category", v.Category)
		}
		if v.Reason != "" {
			f = f.With("reason", v.Reason)
		}
		if g.main && g.mainCalls > 0 {
			f = f.With("call", g.mainCall).With("call_opcode", g.mainCallOp).
				With("call_offset", strconv.FormatInt(g.mainCallOff, 10)).With("calls", strconv.FormatInt(g.mainCalls, 10))
		} else if g.calls > 0 {
			f = f.With("call", g.call).With("call_opcode", g.callOp).
				With("call_offset", strconv.FormatInt(g.callOff, 10)).With("calls", strconv.FormatInt(g.calls, 10))
		}
		m.report(f)
	}
	m.order = m.order[:0]
	for _, mu := range m.mutations {
		f := formats.NewFinding(RuleGlobalMutation, mu.off, "%s overwrites attributes of %s with %s", mu.op, mu.target, mu.state).
			With("target", mu.target).With("state", mu.state)
		if m.lookups > mu.lookups {
			f = f.At(formats.Critical).With("followed_by_lookups", strconv.Itoa(m.lookups-mu.lookups))
		}
		m.report(f)
	}
	m.mutations = m.mutations[:0]
}

// mainOnly reports whether g is a main-module or project name (see
// mainName, projectName) that the stream only builds as a class or holds
// as a value, and that the allowlist does not judge worse than unknown.
func mainOnly(g *globalInfo) bool {
	return g.main && g.mainCalls == 0 && g.ref.Verdict.Class == globals.Unknown && g.ref.Verdict.Severity <= formats.Medium
}

// mainUses says how a main-module name cleared by mainOnly is used.
func mainUses(g *globalInfo) string {
	if g.mainBuilds > 0 {
		return "builds as a class"
	}
	return "holds as a value"
}

// deniedRule is the rule a denied global is reported under: what the
// global can do decides it, so a rule's text stays true of its findings.
func deniedRule(v globals.Verdict) string {
	if v.Severity >= formats.Critical {
		return RuleDeniedGlobal
	}
	switch v.Category {
	case "file-io", "network":
		return RuleRiskyGlobal
	case "attribute-traversal", "interpreter":
		return RuleIntrospection
	}
	return RuleDeniedGlobal
}

func reasonOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sphinxTranslators are the functions Sphinx's lazy translation proxies
// hold: _lazy_translate(catalog, namespace, message) looks the message
// up in the translator registered for the catalog and namespace, or a
// NullTranslations (Sphinx 2 to 6), and mygettext(message) calls the
// default translator on it (Sphinx 1.x).
var sphinxTranslators = map[string]bool{
	"sphinx.locale._lazy_translate": true,
	"sphinx.locale.mygettext":       true,
}

// sphinxProxy reports whether o, an instance of sphinx.locale.
// _TranslationProxy, is built the way Sphinx pickles one: NEWOBJ with
// __getnewargs__'s (function, *strings) and a BUILD state of
// __getstate__'s (function, (strings)), the function one of
// sphinxTranslators (Sphinx up to 6), or NEWOBJ with no arguments and a
// state of the three strings catalogue, namespace and message (Sphinx 7).
// Built only once: a second BUILD poisons the holder (poisonTransformer).
func sphinxProxy(o Value) bool {
	if o.nkept() != 2 {
		return false
	}
	args := o.at(1)
	if args.kind != KindTuple || !kept(args) {
		return false
	}
	st, built := o.State()
	if args.nkept() == 0 {
		return !built || st.kind == KindTuple && kept(st) && st.nkept() == 3 && allStrings(st, 0)
	}
	if !sphinxTranslator(args.at(0)) || args.nkept() < 2 || !allStrings(args, 1) {
		return false
	}
	if !built {
		return true
	}
	return st.kind == KindTuple && kept(st) && st.nkept() == 2 && sphinxTranslator(st.at(0)) &&
		st.at(1).kind == KindTuple && kept(st.at(1)) && allStrings(st.at(1), 0)
}

func sphinxTranslator(v Value) bool {
	return v.kind == KindGlobal && !v.gobj().dynamic && sphinxTranslators[v.gobj().module+"."+v.gobj().name]
}

// allStrings reports whether the elements of the kept tuple v from the
// i-th on are constant strings.
func allStrings(v Value, i int) bool {
	for ; i < v.nkept(); i++ {
		if e := v.at(i); e.kind != KindStr || e.obj() != nil {
			return false
		}
	}
	return true
}

// Package pickle is a static emulator of Python's pickle machine
// (protocols 0 to 5) and the analyzer for raw pickle files.
//
// The machine runs every opcode over a real stack, mark stack and memo of
// small symbolic values, in one streaming pass: it normalises every global
// the way CPython's find_class would, judges it with package
// pickle/globals (allowlist first), follows calls, attribute overwrites,
// dynamic imports, frames and nested pickles, and reports findings under
// rules MG101–MG116. Other analyzers (PyTorch, joblib, NumPy) reuse it
// through Scan.
//
// It never imports, calls or executes anything from the file, and never
// allocates by a length read from the file: long str and bytes arguments
// are read through, not kept.
package pickle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

func init() {
	formats.Register(formats.Pickle, formats.AnalyzerFunc(analyze))
	formats.RegisterProbe(formats.Pickle, probe)
}

// legacyTorchMagic is the first pickle of a legacy (non-zip) torch.save
// file: the integer 0x1950a86a20f9469cfc6c, little-endian.
const legacyTorchMagic = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

// legacyTorchPickles is how many pickles a legacy torch file stacks before
// its raw storage bytes: magic, protocol version, sys info, data, keys.
const legacyTorchPickles = 5

// analyze scans a raw pickle file: every stacked pickle in it, then
// whatever trails them.
func analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	rc, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: fmt.Errorf("open %s: %w", in.Name, err)}
	}
	defer rc.Close()
	opt := Options{Multiple: true, Source: sourceOf(in)}
	torch := legacyTorch(new(bool))
	var count Value
	var member tarMember
	st := NewStream(rc, 0)
	firstEnd := int64(-1)
	opt.Hooks.AfterStream = func(i int, v Value) bool {
		switch i {
		case 0:
			count = v
			firstEnd = st.Offset()
		case 1:
			if _, ok := count.Int(); ok && count.kind == KindInt {
				member, _ = tarRecord(v)
			}
		}
		return member == notTarMember && torch(i, v)
	}
	joblib := JoblibArrays(ctx, s)
	wrappers := 0
	outOfBand := false
	opt.Hooks.OnBuild = func(st *Stream, obj, state Value) (Value, error) {
		at := st.Offset()
		v, err := joblib(st, obj, state)
		if v.kind != kindAbsent {
			wrappers++
		}
		outOfBand = outOfBand || v.kind != kindAbsent || st.Offset() != at
		return v, err
	}
	tee := &teeScope{Scope: s, seen: map[string]bool{}}
	res, err := Scan(ctx, st, tee, opt)
	if firstEnd >= 0 && !outOfBand {
		// The first pickle was read as pickle.load reads it: what it
		// loads by persistent ID is what torch.load's unpickler of this
		// file asks for, kept for the layouts of its tree.
		formats.Keep(s, KeptPersistentIDs, func() any { return firstPersistentIDs(res.PersistentIDs, firstEnd) })
	}
	if wrappers > 0 {
		// pickle.load reads the bytes joblib takes as array data as
		// opcodes: what that reading imports or calls counts too.
		plainReading(ctx, in, &plainScope{teeScope: tee})
	}
	if err != nil {
		return fmt.Errorf("scan pickle %s: %w", in.Name, err)
	}
	if member == notTarMember {
		return nil
	}
	if wrappers > 0 {
		// legacy_load reads the members with plain pickle.load.
		return fmt.Errorf("scan pickle %s: a legacy torch tar member holding joblib array wrappers", in.Name)
	}
	if err := readTarMember(ctx, st, s, opt.Source, member, count.n, res.Values[1]); err != nil {
		return fmt.Errorf("scan pickle %s: %w", in.Name, err)
	}
	return nil
}

// plainReading scans in as plain pickle.load reads it, without joblib's
// array reading, reporting through s; its errors are expected (array
// bytes are rarely opcodes) and dropped.
func plainReading(ctx context.Context, in *formats.Input, s formats.Scope) {
	rc, err := in.Open()
	if err != nil {
		return
	}
	defer rc.Close()
	Scan(ctx, rc, s, Options{Multiple: true, Source: sourceOf(in)})
}

// teeScope remembers the findings reported through it.
type teeScope struct {
	formats.Scope
	seen map[string]bool
}

func findingKey(f formats.Finding) string {
	if g := f.Details["global"]; g != "" {
		return f.Rule + " " + g
	}
	return f.Rule + " " + f.Message
}

func (t *teeScope) Report(f formats.Finding) {
	t.seen[findingKey(f)] = true
	t.Scope.Report(f)
}

// plainScope passes on, from a second reading of the same bytes, the
// findings about imports and calls that the first reading did not make.
type plainScope struct{ *teeScope }

// callRules are the findings about what a reading imports or calls by
// name. The plain reading runs through array bytes, where a STACK_GLOBAL on
// operands that are not strings, a call of a computed object or an EXT
// code turn up by chance in float data; CPython raises at each of them
// (STACK_GLOBAL requires str, nothing was imported), so only imports of
// named globals count from that reading. Measured on real joblib files
// written by joblib < 0.12 (no alignment padding), which otherwise failed
// the gate with critical MG104/MG112.
var callRules = map[string]bool{RuleUnknownGlobal: true, RuleDeniedGlobal: true, RuleRiskyGlobal: true,
	RuleNestedPickle: true, RuleGlobalMutation: true, RuleMisusedGlobal: true, RuleIntrospection: true,
	RuleUnvouchedDunder: true}

func (p *plainScope) Report(f formats.Finding) {
	if !callRules[f.Rule] || p.seen[findingKey(f)] {
		return
	}
	if f.Rule == RuleUnknownGlobal && f.Severity == formats.Medium && globals.ProjectModule(f.Details["module"]) {
		// joblib writes an object array as a pickle of its own, whose
		// MEMOIZE slots pickle.load numbers after the dump's: its GETs
		// then fetch the dump's strings, and pickle.load imports modules
		// named after them (LabelEncoder.dtype). It takes both the wrong
		// loader and a module of that name on the host, which no known
		// library provides, for the call to run.
		f.Severity = formats.Low
	}
	p.teeScope.Report(f.With("reading", "pickle.load, which reads joblib array bytes as opcodes"))
}

// legacyTorch returns an AfterStream hook that ends the scan after a
// legacy torch.save file's five pickles (the bytes after them are raw
// tensor storage, which the PyTorch analyzer checks against the keys) and
// sets *seen when the input is one.
func legacyTorch(seen *bool) func(int, Value) bool {
	return func(i int, v Value) bool {
		if i == 0 && v.kind == KindBigInt && v.chars() == legacyTorchMagic {
			*seen = true
		}
		return !*seen || i+1 < legacyTorchPickles
	}
}

// sourceOf gives random access to in for re-reading nested payloads: the
// input's own when it has one, otherwise a re-opening reader, which is
// slow but only used for the rare long nested payload.
func sourceOf(in *formats.Input) io.ReaderAt {
	if in.RandomAccess() {
		if ra, _, err := in.ReaderAt(0); err == nil {
			return ra
		}
	}
	return reopener{in}
}

type reopener struct{ in *formats.Input }

func (r reopener) ReadAt(p []byte, off int64) (int, error) {
	rc, err := r.in.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, off); err != nil {
		return 0, err
	}
	return io.ReadFull(rc, p)
}

// probeOps is the opcode budget of the sniffing probe.
const probeOps = 4096

// probeStart lists the bytes a protocol 0 or 1 pickle can begin with.
var probeStart = [256]bool{
	opMARK: true, opEMPTYLIST: true, opEMPTYDICT: true, opEMPTYTUPLE: true, opGLOBAL: true, opINT: true,
	opLONG: true, opFLOAT: true, opSTRING: true, opUNICODE: true, opNONE: true, opBININT1: true, opBININT: true,
	opBININT2: true, opBINFLOAT: true, opBINUNICODE: true, opSHORTBINSTRING: true, opBINSTRING: true,
	opBINBYTES: true, opSHORTBINBYTES: true, opPERSID: true,
	// Protocol 2+ opcodes without a PROTO: loaders accept them, crafted
	// files use them.
	opSHORTBINUNICODE: true, opBINUNICODE8: true, opBINBYTES8: true, opFRAME: true, opNEWTRUE: true, opNEWFALSE: true,
	opEMPTYSET: true, opLONG1: true, opLONG4: true, opBYTEARRAY8: true,
}

// probe recognises a pickle without a PROTO magic (protocols 0 and 1) by
// running the machine over the head of the file: it must reach STOP with
// exactly one value, or run out of head or budget with a plausible stack,
// after at least two opcodes, or break after importing a global. Text such
// as READMEs, JSON, Python source, CSV or vocabularies fails within a few
// bytes, before any GLOBAL.
func probe(h formats.Head) bool {
	p := h.Prefix
	if len(p) < 2 || !probeStart[p[0]] {
		return false
	}
	rec := discard()
	res := &Result{}
	opt := &Options{}
	m := newMachine(context.Background(), NewStream(bytes.NewReader(p), 0), rec, opt, res, &shared{})
	m.probe = true
	m.maxOps = probeOps
	m.probeSize = h.Size
	if h.Size < 0 {
		m.probeSize = math.MaxInt64
	} else if m.probeSize < int64(len(p)) {
		m.probeSize = int64(len(p))
	}
	_, err := m.run()
	switch {
	case err == nil:
		if len(m.stack) != 0 || len(m.marks) != 0 || m.ops < 2 {
			// pickle.load ignores what STOP leaves below the top (a joblib
			// object array's nested pickle ends so, read without joblib).
			return imports(m, p)
		}
		// A two-opcode pickle ("N.") must be the whole file: text such as
		// "N.B." starts with one.
		eof, _ := m.st.AtEOF()
		return m.ops > 2 || eof && int64(len(p)) == m.probeSize
	case errors.Is(err, errBudget):
		return plausible(m)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errBeyond):
		if int64(len(p)) < m.probeSize && !errors.Is(err, errBeyond) {
			// Out of head: the file continues. A long argument whose
			// declared length fits the file is a pickle's big string or
			// blob, which may hide what follows it.
			return m.longArg && len(m.stack) <= 16 || m.ops > 2 && plausible(m)
		}
		// A truncated pickle still runs every opcode before the cut, but
		// only matters when it imports something; a short one ("(imod\nfn\n"
		// then the end) counts when it imports the way a pickle does.
		return m.ops > 2 && m.lookups > 0 || imports(m, p)
	}
	// A pickle that breaks after a GLOBAL or STACK_GLOBAL (an invalid
	// opcode, a stack underflow): loaders import the global before they
	// fail, so the file is a (broken) pickle.
	return imports(m, p)
}

// imports reports whether the probe's run imported a global the way a
// pickle does. The probe only counts a GLOBAL whose lines are
// identifiers; a word list ("cat\ndog\nbird") parses so too, so all-text
// heads must also name a global the lists know.
func imports(m *machine, p []byte) bool {
	if m.lookups == 0 {
		return false
	}
	end := min(m.st.Offset(), int64(len(p)))
	if !isText(p[:end]) {
		return true
	}
	for _, o := range m.globals {
		if globals.Judge(o.gobj().module, o.gobj().name).Class != globals.Unknown {
			return true
		}
	}
	return callsGlobal(p[:end])
}

// callsGlobal reports whether the machine, reading p as a pickle, calls a
// global that is not on the allowlist before p ends or breaks: text such
// as "(cmod\nfn\no" is a payload, whatever else follows.
func callsGlobal(p []byte) bool {
	rec := &callRecorder{Discard: discard()}
	m := newMachine(context.Background(), NewStream(bytes.NewReader(p), 0), rec, &Options{}, &Result{}, &shared{})
	m.maxOps = probeOps
	m.run()
	return rec.called
}

// callRecorder notes a finding about a global the pickle calls.
type callRecorder struct {
	formats.Discard
	called bool
}

func (c *callRecorder) Report(f formats.Finding) {
	c.called = c.called || f.Details["call"] != ""
}

// isText reports whether b is UTF-8 without control bytes other than
// tab, newline and carriage return.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// plausible tells a pickle cut short from a run of lines that happen to
// parse as opcodes (every line of some text files starts with P, V or I):
// a pickle builds structures, so something has consumed stack values or
// imported a global, and the stack is shallow unless a MARK is open.
func plausible(m *machine) bool {
	return (m.consumed || m.lookups > 0) && (len(m.marks) > 0 || len(m.stack) <= 16)
}

// discard is the Scope of the probe and of other readings whose findings
// are not kept, with the default limits.
func discard() formats.Discard { return formats.Discard{Lim: formats.DefaultLimits()} }

// Runs reports whether in, read from its first byte as pickle.load reads
// it, imports a global the lists know or calls a global before it stops
// or breaks, or runs into a cap (then nothing vouches for it). The
// scanner asks it of a file identified as inert (text, a GIF image): the
// sniffing probe reads only the head, under an opcode budget, so a run
// of harmless opcodes ("NNNN...") can push a payload beyond what it
// sees, while torch.load or pickle.load on that file runs it.
func Runs(ctx context.Context, in *formats.Input) (bool, error) {
	if in.Size >= 0 && in.Size < 2 {
		return false, nil
	}
	rc, err := in.Open()
	if err != nil {
		return false, &formats.ReadError{Err: fmt.Errorf("open %s: %w", in.Name, err)}
	}
	defer rc.Close()
	rec := &callRecorder{Discard: discard()}
	m := newMachine(ctx, NewStream(rc, 0), rec, &Options{}, &Result{}, &shared{})
	_, err = m.run()
	if cerr := ctx.Err(); cerr != nil {
		return false, cerr
	}
	if errors.As(err, new(*formats.LimitError)) {
		return true, nil
	}
	if m.lookups == 0 {
		return false, nil
	}
	for _, o := range m.globals {
		if globals.Judge(o.gobj().module, o.gobj().name).Class != globals.Unknown {
			return true, nil
		}
	}
	return rec.called, nil
}

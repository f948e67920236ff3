package pickle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Options configure Scan. The zero value reads one pickle.
type Options struct {
	// Multiple reads further pickles after each STOP until the input ends,
	// the way joblib and legacy PyTorch files stack them. Bytes after the
	// last pickle that do not form one are reported (MG108). Without it
	// Scan stops at the first STOP and leaves the rest unread.
	Multiple bool
	// MaxStreams stops after this many pickles (0: Limits.Pickles).
	MaxStreams int
	// Offset is the input offset of r's first byte; finding offsets and
	// Result offsets are input offsets.
	Offset int64
	// Source, when set, is random access to the same input (same offsets),
	// used to re-read payloads too long to keep when they turn out to be
	// nested pickles. Without it such payloads are reported unscanned.
	Source io.ReaderAt
	// MaxItems is how many elements of each container are kept (0: 64).
	MaxItems int
	// Hooks let a caller act on the machine as it runs.
	Hooks Hooks
	// tableBytes, for tests, replaces maxTableBytes.
	tableBytes int64
}

// Hooks are called by the machine; a hook's error stops the scan.
type Hooks struct {
	// OnBuild runs after every BUILD, with the object built (the stack top)
	// and the state applied. It may consume bytes that a loader reads out of
	// band right after the BUILD (joblib's array data) from s. A returned
	// Value other than the zero Value replaces the object on the stack, as
	// joblib's load_build replaces its wrappers with arrays.
	OnBuild func(s *Stream, obj, state Value) (Value, error)
	// OnPersistentID runs for every PERSID and BINPERSID. When it is set,
	// Result.PersistentIDs is left empty.
	OnPersistentID func(offset int64, pid Value) error
	// PersistentLoad, when it returns ok, gives the value the loader's
	// persistent_load returns for pid (legacy torch.save returns the class
	// itself for a ("module", class, ...) ID), so the calls made on it are
	// judged as calls of that value.
	PersistentLoad func(pid Value) (Value, bool)
	// AfterStream runs after each complete pickle with its index and the
	// value its STOP returned; returning false ends the scan there.
	AfterStream func(index int, v Value) bool
	// OnCall runs for every call the stream makes (REDUCE, NEWOBJ,
	// NEWOBJ_EX, INST, OBJ), with the call: its Callable and Args.
	OnCall func(call Value)
	// OnItems runs for every APPEND, APPENDS, SETITEM, SETITEMS and
	// ADDITEMS with the object they add to, which is not always a list,
	// dict or set: the loader calls the object's append, extend,
	// __setitem__ or add.
	OnItems func(target Value)
}

// Result is what Scan learnt about the input. It is filled as far as the
// scan got, also when Scan returns an error.
type Result struct {
	// Protocol is the first pickle's protocol (its PROTO, or 0).
	Protocol int
	// Streams counts the complete pickles read.
	Streams int
	// End is the input offset just after the last complete pickle.
	End int64
	// Values holds what each complete pickle's STOP returned.
	Values []Value
	// Globals lists each distinct global of each pickle, normalised, with
	// its verdict, in order of first use.
	Globals []GlobalRef
	// PersistentIDs lists every persistent ID (PyTorch storages) unless
	// Hooks.OnPersistentID consumed them.
	PersistentIDs []PersistentID
}

// GlobalRef is one distinct global a pickle imports.
type GlobalRef struct {
	Module, Name string // after compat mapping; Name may be dotted
	Offset       int64  // the opcode of its first use
	Stream       int    // which pickle of the input
	Verdict      globals.Verdict
}

// PersistentID is the argument of a PERSID or BINPERSID opcode.
type PersistentID struct {
	Offset int64
	ID     Value
}

// nestedCap bounds the bytes of nested payloads read per top-level Scan:
// the pickles parsed (a legacy torch.save stream's raw storage bytes after
// its five pickles are not read) and the archives handed to the engine.
const nestedCap = 64 << 20

// maxNesting bounds how deep nested pickles are followed.
const maxNesting = 4

// Scan runs the pickle machine over r, reporting findings to s. It never
// executes or imports anything. The error is non-nil when the input could
// not be read to the end of its pickle(s): a malformed pickle (*Error), a
// limit (*formats.LimitError), a read failure or a cancellation; findings
// reported before it stand. When r is a *Stream (as hooks receive), the
// scan reads on from it and Options.Offset is not used.
func Scan(ctx context.Context, r io.Reader, s formats.Scope, opt Options) (*Result, error) {
	res := &Result{}
	err := scan(ctx, r, s, &opt, res, &shared{})
	return res, err
}

func scan(ctx context.Context, r io.Reader, s formats.Scope, opt *Options, res *Result, sh *shared) error {
	st, ok := r.(*Stream)
	if !ok {
		st = NewStream(r, opt.Offset)
	}
	m := newMachine(ctx, st, s, opt, res, sh)
	lim := m.lim
	for i := 0; ; i++ {
		if opt.MaxStreams > 0 && i >= opt.MaxStreams {
			return nil
		}
		start := st.Offset()
		if i > 0 {
			if !opt.Multiple {
				return nil
			}
			if end, err := m.trailingPadding(start); end || err != nil {
				return err
			}
		}
		sh.pickles++
		if lim.Pickles > 0 && sh.pickles > lim.Pickles {
			return &Error{Offset: start, Opcode: "-", Err: &formats.LimitError{Limit: "pickle-streams", Max: int64(lim.Pickles)}}
		}
		m.stream = i
		v, err := m.run()
		if i == 0 {
			res.Protocol = m.proto
		}
		if err != nil {
			if i > 0 && isMalformed(err) {
				m.trailing(start, err)
				return nil
			}
			return err
		}
		res.Streams++
		res.End = st.Offset()
		v = m.keep(v)
		if m.kept.full {
			return &Error{Offset: res.End, Opcode: "STOP", Err: m.kept.limitError()}
		}
		res.Values = append(res.Values, v)
		if h := opt.Hooks.AfterStream; h != nil && !h(i, v) {
			return nil
		}
	}
}

// isMalformed reports whether err is about the bytes, not a limit, a
// cancellation or a read failure.
func isMalformed(err error) bool {
	return formats.Reason(err) == "parse-error"
}

// trailingPadding looks at the bytes after a pickle: it reports end when
// there are none or they are only padding (reported low).
func (m *machine) trailingPadding(start int64) (end bool, err error) {
	p := m.st.peek(4096)
	if len(p) == 0 {
		eof, err := m.st.AtEOF()
		if err != nil {
			return true, err
		}
		return eof, nil
	}
	if len(p) == 4096 || len(bytes.Trim(p, "\x00 \t\r\n")) != 0 {
		return false, nil
	}
	n := len(p)
	if err := m.st.Discard(int64(n)); err != nil {
		return true, err
	}
	if eof, err := m.st.AtEOF(); err != nil || !eof {
		return err != nil, err
	}
	m.scope.Report(formats.NewFinding(RuleTrailingData, start, "%d bytes of padding follow the pickle", n).
		At(formats.Low).With("bytes", strconv.Itoa(n)))
	return true, nil
}

// trailing reports bytes after a pickle that did not parse as another.
func (m *machine) trailing(start int64, err error) {
	f := formats.NewFinding(RuleTrailingData, start, "data after the pickle at offset %d is not a pickle: %v", start, err)
	if m.ops > 1 {
		f = formats.NewFinding(RuleTrailingData, start,
			"a further pickle starts at offset %d but is broken: %v", start, err)
	}
	m.scope.Report(f.With("error", err.Error()))
}

// nested scans the payload a nested loader (pickle.loads, ...) is called
// with, when it is known from the file. It reports whether the payload was
// a complete legacy torch.save stream, which is what torch tensors pickled
// with plain pickle embed (torch.storage._load_from_bytes), or a zip
// archive the engine scanned as a file of its own (torch.save's format).
func (m *machine) nested(off int64, fn, args Value) (torchStream bool) {
	arg, _ := args.Index(0)
	return m.nestedPayload(off, fn.String(), arg)
}

// nestedPayload scans arg, the bytes loader unpickles, as nested does.
func (m *machine) nestedPayload(off int64, loader string, arg Value) (torchStream bool) {
	ra, n, why := m.nestedSource(arg)
	if ra == nil || m.sh.depth >= maxNesting || m.sh.nestedBytes >= nestedCap {
		if m.capped("nested") {
			return false
		}
	}
	if ra == nil {
		m.report(formats.NewFinding(RuleNestedPickle, off, "%s is called on a payload that cannot be scanned: %s", loader, why).
			With("loader", loader).With("argument", arg.String()))
		return false
	}
	if m.sh.depth >= maxNesting {
		m.report(formats.NewFinding(RuleNestedPickle, off, "%s is called on a pickle nested more than %d deep", loader, maxNesting).
			With("loader", loader))
		return false
	}
	if m.sh.nestedBytes >= nestedCap {
		m.report(formats.NewFinding(RuleNestedPickle, off, "%s is called on a %d-byte payload beyond the nested-scan budget", loader, n).
			With("loader", loader))
		return false
	}
	head := make([]byte, 4)
	k, _ := ra.ReadAt(head, 0)
	if bytes.HasPrefix(head[:k], []byte("PK\x03\x04")) {
		// torch.load on bytes: a zip archive, which the engine dispatches
		// and judges as a file of its own, findings and all, as a legacy
		// stream's are judged here.
		m.sh.nestedBytes += n
		name := fmt.Sprintf("nested@%d", off)
		m.report(formats.NewFinding(RuleNestedPickle, off, "%s is called on an embedded %d-byte archive, scanned as %s", loader, n, name).
			At(formats.Info).With("loader", loader))
		if err := m.scope.Scan(m.ctx, formats.NewInput(name, ra, n)); err != nil {
			m.fatal = err
			return false
		}
		return true
	}
	m.sh.depth++
	ns := &nestedScope{Scope: m.scope, off: off, loader: loader}
	// Every pickle in the payload is read: torch.load reads the five of a
	// legacy stream, and any more are at least suspicious.
	opt := &Options{Source: ra, MaxItems: m.opt.MaxItems, Multiple: true}
	opt.Hooks.AfterStream = legacyTorch(&torchStream)
	// torch.load (torch.storage._load_from_bytes, skorch's nets) loads a
	// legacy stream's ("module", class, file, source) IDs as the class; a
	// plain pickle.loads refuses any persistent ID, so judging the class
	// there reports no less.
	opt.Hooks.PersistentLoad = legacyModuleClass
	res := &Result{}
	err := scan(m.ctx, io.NewSectionReader(ra, 0, n), ns, opt, res, m.sh)
	m.sh.depth--
	if err != nil {
		m.sh.nestedBytes += n
	} else {
		m.sh.nestedBytes += res.End
	}
	if err != nil && !isMalformed(err) {
		m.fatal = err
		return false
	}
	torchStream = torchStream && err == nil && res.Streams == legacyTorchPickles
	what := "pickle"
	if torchStream {
		what = "legacy torch.save stream"
	}
	f := formats.NewFinding(RuleNestedPickle, off, "%s is called on an embedded %d-byte %s, which was scanned", loader, n, what).
		At(formats.Info)
	if err != nil {
		f = formats.NewFinding(RuleNestedPickle, off, "%s is called on an embedded %d-byte pickle that is malformed: %v", loader, n, err)
	}
	m.report(f.With("loader", loader).With("bytes", strconv.FormatInt(n, 10)))
	return torchStream
}

// nestedSource returns the bytes a nested loader receives, or why they
// are unknown.
func (m *machine) nestedSource(v Value) (io.ReaderAt, int64, string) {
	switch v.kind {
	case KindBytes, KindStr:
		if v.obj() == nil {
			return bytes.NewReader([]byte(v.chars())), v.n, ""
		}
		if v.obj().enc == encRaw {
			if m.opt.Source == nil {
				return nil, 0, "payload too long to keep and the input is not re-readable"
			}
			return io.NewSectionReader(m.opt.Source, v.obj().off, v.obj().count), v.obj().count, ""
		}
		b, why := m.textOf(v)
		if b == nil {
			return nil, 0, why
		}
		return bytes.NewReader(b), int64(len(b)), ""
	case KindCall:
		// Protocols < 3 write bytes as _codecs.encode(str, "latin1").
		if mod, name, ok := v.Callable().Global(); ok && mod == "_codecs" && name == "encode" {
			s, _ := v.Args().Index(0)
			enc, _ := v.Args().Index(1)
			text, why := m.textOf(s)
			if text == nil {
				return nil, 0, why
			}
			e, _ := enc.Text()
			switch e {
			case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "latin_1":
				b, ok := latin1(string(text))
				if !ok {
					return nil, 0, "text does not encode to latin-1"
				}
				return bytes.NewReader(b), int64(len(b)), ""
			case "", "utf-8", "utf8", "ascii":
				return bytes.NewReader(text), int64(len(text)), ""
			}
			return nil, 0, "encoding " + strconv.Quote(e) + " not supported"
		}
	}
	return nil, 0, "the payload is computed when the file is loaded (" + v.String() + ")"
}

// textOf returns the UTF-8 content of a str or bytes value, re-reading and
// decoding it from Options.Source when it was too long to keep.
func (m *machine) textOf(v Value) ([]byte, string) {
	if v.kind != KindStr && v.kind != KindBytes {
		return nil, "not a constant string"
	}
	if v.obj() == nil {
		return []byte(v.chars()), ""
	}
	if m.opt.Source == nil {
		return nil, "payload too long to keep and the input is not re-readable"
	}
	if m.sh.nestedBytes+v.obj().count > nestedCap {
		return nil, "payload beyond the nested-scan budget"
	}
	b := make([]byte, v.obj().count)
	if _, err := m.opt.Source.ReadAt(b, v.obj().off); err != nil && !errors.Is(err, io.EOF) {
		return nil, "re-reading the payload failed: " + err.Error()
	}
	var err error
	switch v.obj().enc {
	case encString:
		b, err = unquoteString(b)
	case encUnicode:
		b, err = rawUnicodeEscape(b)
	}
	if err != nil {
		return nil, err.Error()
	}
	return b, ""
}

// nestedScope locates a nested pickle's findings at the call that loads
// it, keeping the offset inside the payload as a detail.
type nestedScope struct {
	formats.Scope
	off    int64
	loader string
}

func (n *nestedScope) Report(f formats.Finding) {
	inner := f.Offset
	f.Message = "in the pickle passed to " + n.loader + ": " + f.Message
	f.Offset = n.off
	n.Scope.Report(f.With("nested_offset", strconv.FormatInt(inner, 10)).With("nested_loader", n.loader))
}

// legacyModuleClass is legacy torch.load's persistent_load for a saved
// module: ("module", class, source file, source) loads as the class.
func legacyModuleClass(pid Value) (Value, bool) {
	tag, _ := pid.Index(0)
	if t, _ := tag.Text(); t != "module" || pid.kind != KindTuple {
		return Value{}, false
	}
	class, _ := pid.Index(1)
	return class, class.kind == KindGlobal
}

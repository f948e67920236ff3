// Package executorch analyzes ExecuTorch programs (.pte): a FlatBuffer
// with file identifier "ET12", optionally followed by data segments that
// an extended header ("eh00") locates. It checks the header and every
// segment against the file, the operators the program calls (ExecuTorch's
// own kernels pass; a known project's kernel library is low; an unknown
// namespace needs a host-registered native kernel and is medium), the
// delegates' backend ids, and the indices instructions use; delegate
// payloads are handed back to the registry as members.
//
// The .ptd files of named tensors a program may load (FlatTensor, "FT01")
// are identified too and their header, segments and names checked.
//
// The program is walked like the FlatBuffers verifier would, every offset
// checked; tensor data is never read and nothing is executed.
package executorch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Format is the name Sniff gives an ExecuTorch program.
const Format = formats.ExecuTorch

// Caps on the walk.
const (
	maxTables   = 10_000_000
	maxFindings = 200
	// headBytes is how much of the head the runtime reads to find the
	// extended header (ExtendedHeader::kNumHeadBytes).
	headBytes = 64
)

func init() {
	formats.Register(Format, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(Format, func(h formats.Head) bool { return isPTE(h.Prefix, h.Size) })
}

// isPTE accepts a FlatBuffer whose file identifier is "ET" and two digits
// (ET12 since ExecuTorch 0.1) and whose root table offset lies in the file.
func isPTE(p []byte, size int64) bool {
	if len(p) < 16 || p[4] != 'E' || p[5] != 'T' || p[6] < '0' || p[6] > '9' || p[7] < '0' || p[7] > '9' {
		return false
	}
	root := int64(binary.LittleEndian.Uint32(p))
	return root >= 8 && root%4 == 0 && (size < 0 || root+4 <= size)
}

// Header is the extended header, or the whole file as the program when
// there is none.
type Header struct {
	Present                  bool
	ProgramSize, SegmentBase uint64
	SegmentDataSize          uint64
}

// Program is what Walk learned about a .pte.
type Program struct {
	Header    Header
	Plans     []string
	Operators []string
	Delegates []string
	Segments  int
}

// Analyze reads one .pte.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("executorch %s: %w", in.Name, err)
	}
	if _, err := Walk(ctx, ra, size, s.Limits().Buffer, s); err != nil {
		return fmt.Errorf("executorch %s: %w", in.Name, err)
	}
	return nil
}

type walker struct {
	ctx  context.Context
	ra   io.ReaderAt
	size int64
	f    *fb
	prog []byte // the program's bytes, which f reads
	s    formats.Scope
	p    *Program
	n    int
	// segments are the data segments' absolute offsets and sizes, or
	// {-1, -1} for one outside the file.
	segments [][2]int64
	inline   [][2]int // inline delegate data: start and length in prog
}

func (w *walker) emit(f formats.Finding) {
	if w.n < maxFindings {
		w.s.Report(f)
	}
	w.n++
}

// Walk reads the program in the first size bytes of ra, holding at most
// limit bytes of it, and reports through s; delegate payloads go to
// s.Scan.
func Walk(ctx context.Context, ra io.ReaderAt, size, limit int64, s formats.Scope) (*Program, error) {
	w := &walker{ctx: ctx, ra: ra, size: size, s: s, p: &Program{}}
	if err := w.header(); err != nil {
		return w.p, err
	}
	if int64(w.p.Header.ProgramSize) > limit {
		return w.p, &formats.LimitError{Limit: "executorch-program-bytes", Max: limit}
	}
	b, err := readProgram(ra, int64(w.p.Header.ProgramSize))
	if err != nil {
		return w.p, err
	}
	w.prog, w.f = b, newFB(b)
	err = w.program()
	if errors.Is(err, errBounds) {
		// The bytes were identified as a program: a reference out of
		// bounds is a finding about it, which the runtime's verifier
		// would reject.
		w.emit(formats.NewFinding(RuleStructure, formats.NoOffset, "%v", err))
		err = nil
	}
	if w.n > maxFindings {
		s.Report(formats.NewFinding(RuleStructure, formats.NoOffset, "%d more findings not listed", w.n-maxFindings).At(formats.Info))
	}
	return w.p, err
}

func (w *walker) header() error {
	h := &w.p.Header
	h.ProgramSize = uint64(w.size)
	if w.size < headBytes {
		return nil
	}
	var head [headBytes]byte
	if _, err := w.ra.ReadAt(head[:], 0); err != nil && err != io.EOF {
		return &formats.ReadError{Err: err}
	}
	if !bytes.Equal(head[8:12], []byte("eh00")) {
		return nil
	}
	h.Present = true
	length := binary.LittleEndian.Uint32(head[12:])
	if length < 24 {
		w.emit(formats.NewFinding(RuleStructure, 8, "extended header length %d is under the 24 bytes the runtime requires", length))
		h.Present = false
		return nil
	}
	h.ProgramSize = binary.LittleEndian.Uint64(head[16:])
	h.SegmentBase = binary.LittleEndian.Uint64(head[24:])
	if length >= 32 {
		h.SegmentDataSize = binary.LittleEndian.Uint64(head[32:])
	}
	size := uint64(w.size)
	switch {
	case h.ProgramSize < 16 || h.ProgramSize > size:
		w.emit(formats.NewFinding(RuleSegment, 16, "extended header gives a program of %d bytes in a file of %d", h.ProgramSize, size))
		h.ProgramSize = size
	case h.SegmentBase != 0 && (h.SegmentBase < h.ProgramSize || h.SegmentBase > size):
		w.emit(formats.NewFinding(RuleSegment, 24, "extended header puts segments at %d, outside %d..%d", h.SegmentBase, h.ProgramSize, size))
	case h.SegmentDataSize > size-min(h.SegmentBase, size):
		w.emit(formats.NewFinding(RuleSegment, 32, "extended header gives %d bytes of segments from %d in a file of %d", h.SegmentDataSize, h.SegmentBase, size))
	}
	return nil
}

func (w *walker) program() error {
	f := w.f
	root, err := f.U32(0)
	if err != nil {
		return err
	}
	prog, err := f.Table(int(root))
	if err != nil {
		return err
	}
	if err := w.segmentTable(prog); err != nil {
		return err
	}
	inline, err := f.Tables(prog, 3, maxTables)
	if err != nil {
		return err
	}
	for _, t := range inline {
		start, n, err := f.Vector(t, 0, 1)
		if err != nil {
			return err
		}
		w.inline = append(w.inline, [2]int{start, n})
	}
	plans, err := f.Tables(prog, 1, maxTables)
	if err != nil {
		return err
	}
	for _, plan := range plans {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if err := w.plan(plan); err != nil {
			return err
		}
	}
	if err := w.constants(prog); err != nil {
		return err
	}
	named, err := f.Tables(prog, 7, maxTables)
	if err != nil {
		return err
	}
	for _, t := range named {
		idx, err := f.Scalar(t, 1, 4)
		if err != nil {
			return err
		}
		if idx >= uint64(len(w.segments)) {
			key, _ := f.Str(t, 0)
			w.emit(formats.NewFinding(RuleStructure, int64(t.Pos()), "named data %s refers to segment %d of %d", formats.DisplayName(key), idx, len(w.segments)))
		}
	}
	return nil
}

func (w *walker) segmentTable(prog table) error {
	segs, err := w.f.Tables(prog, 4, maxTables)
	if err != nil {
		return err
	}
	w.p.Segments = len(segs)
	h := w.p.Header
	for i, t := range segs {
		off, err := w.f.Scalar(t, 0, 8)
		if err != nil {
			return err
		}
		n, err := w.f.Scalar(t, 1, 8)
		if err != nil {
			return err
		}
		size := uint64(w.size)
		base := h.SegmentBase
		if !h.Present && n > 0 {
			// Exporters write an empty constant segment into programs
			// without a header; one with bytes cannot be located.
			w.emit(formats.NewFinding(RuleStructure, int64(t.Pos()), "segment %d has %d bytes but the file has no extended header to locate it", i, n))
			w.segments = append(w.segments, [2]int64{-1, -1})
			continue
		}
		if base > size || off > size-base || n > size-base-off {
			w.emit(formats.NewFinding(RuleSegment, int64(t.Pos()), "segment %d of %d bytes at %d (after the segment base %d) reaches past the end of the file (%d bytes)", i, n, off, base, size))
			w.segments = append(w.segments, [2]int64{-1, -1})
			continue
		}
		w.segments = append(w.segments, [2]int64{int64(base + off), int64(n)})
	}
	return nil
}

func (w *walker) constants(prog table) error {
	p, err := w.f.Ref(prog, 5)
	if err != nil || p == 0 {
		return err
	}
	t, err := w.f.Table(p)
	if err != nil {
		return err
	}
	idx, err := w.f.Scalar(t, 0, 4)
	if err != nil {
		return err
	}
	start, n, err := w.f.Vector(t, 1, 8)
	if err != nil || n == 0 {
		return err
	}
	if idx >= uint64(len(w.segments)) {
		w.emit(formats.NewFinding(RuleStructure, int64(t.Pos()), "constants are in segment %d of %d", idx, len(w.segments)))
		return nil
	}
	seg := w.segments[idx]
	if seg[0] < 0 {
		return nil
	}
	for k := range n {
		if off := binary.LittleEndian.Uint64(w.prog[start+8*k:]); off > uint64(seg[1]) {
			w.emit(formats.NewFinding(RuleSegment, int64(start+8*k), "constant %d at offset %d lies past the end of its segment (%d bytes)", k, off, seg[1]))
		}
	}
	return nil
}

func (w *walker) plan(plan table) error {
	f := w.f
	name, err := f.Str(plan, 0)
	if err != nil {
		return err
	}
	w.p.Plans = append(w.p.Plans, name)
	ops, err := f.Tables(plan, 6, maxTables)
	if err != nil {
		return err
	}
	for _, op := range ops {
		n, err := f.Str(op, 0)
		if err != nil {
			return err
		}
		w.p.Operators = append(w.p.Operators, n)
		w.operator(op.Pos(), n)
	}
	dels, err := f.Tables(plan, 7, maxTables)
	if err != nil {
		return err
	}
	for i, d := range dels {
		if err := w.delegate(name, i, d); err != nil {
			return err
		}
	}
	chains, err := f.Tables(plan, 5, maxTables)
	if err != nil {
		return err
	}
	for _, c := range chains {
		instrs, err := f.Tables(c, 2, maxTables)
		if err != nil {
			return err
		}
		for _, in := range instrs {
			kind, err := f.Scalar(in, 0, 1)
			if err != nil {
				return err
			}
			if kind != 1 && kind != 2 {
				continue
			}
			p, err := f.Ref(in, 1)
			if err != nil || p == 0 {
				return err
			}
			call, err := f.Table(p)
			if err != nil {
				return err
			}
			idx, err := f.Scalar(call, 0, 4)
			if err != nil {
				return err
			}
			i, have, what := int32(idx), len(ops), "operator"
			if kind == 2 {
				have, what = len(dels), "delegate"
			}
			if i < 0 || int(i) >= have {
				w.emit(formats.NewFinding(RuleStructure, int64(call.Pos()), "an instruction of plan %s calls %s %d of %d", formats.DisplayName(name), what, i, have))
			}
		}
	}
	return nil
}

func (w *walker) operator(at int, name string) {
	ns, _, ok := strings.Cut(name, "::")
	if !ok {
		ns = ""
	}
	v := vendors.Lookup(ns)
	switch v.Kind {
	case "runtime":
	case "library":
		w.emit(formats.NewFinding(RuleVendorOp, int64(at), "operator %s needs the %s kernel library", formats.DisplayName(name), v.Name).
			With("operator", name).With("vendor", v.Name))
	default:
		w.emit(formats.NewFinding(RuleUnknownOp, int64(at), "operator %s is in no known kernel library: the host must register a native kernel for it", formats.DisplayName(name)).
			With("operator", name))
	}
}

func (w *walker) delegate(plan string, i int, d table) error {
	f := w.f
	id, err := f.Str(d, 0)
	if err != nil {
		return err
	}
	w.p.Delegates = append(w.p.Delegates, id)
	if v := vendors.Lookup(id); v.Kind == "backend" {
		w.emit(formats.NewFinding(RuleBackend, int64(d.Pos()), "plan %s delegates to %s", formats.DisplayName(plan), v.Name).With("backend", id))
	} else {
		w.emit(formats.NewFinding(RuleUnknownBackend, int64(d.Pos()), "plan %s delegates to backend %s, which no known ExecuTorch backend registers", formats.DisplayName(plan), formats.DisplayName(id)).With("backend", id))
	}
	p, err := f.Ref(d, 1)
	if err != nil || p == 0 {
		return err
	}
	ref, err := f.Table(p)
	if err != nil {
		return err
	}
	loc, err := f.Scalar(ref, 0, 1)
	if err != nil {
		return err
	}
	idx, err := f.Scalar(ref, 1, 4)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("delegates/%s-%d", strings.Map(safeRune, id), i)
	// The blob is the backend's own compiled program, which its native
	// runtime reads as data; scanned for anything it embeds, it needs no
	// format of its own.
	formats.MarkData(w.s, name, "ExecuTorch "+formats.DisplayName(id)+" delegate blob")
	switch {
	case loc == 0 && idx < uint64(len(w.inline)):
		blob := w.inline[idx]
		data := w.prog[blob[0] : blob[0]+blob[1]]
		return w.s.Scan(w.ctx, formats.NewInput(name, bytes.NewReader(data), int64(len(data))))
	case loc == 1 && idx < uint64(len(w.segments)):
		seg := w.segments[idx]
		if seg[0] < 0 {
			return nil
		}
		return w.s.Scan(w.ctx, formats.NewInput(name, io.NewSectionReader(w.ra, seg[0], seg[1]), seg[1]))
	}
	w.emit(formats.NewFinding(RuleStructure, int64(ref.Pos()), "delegate %s refers to %s %d, which the program does not have", formats.DisplayName(id),
		map[bool]string{true: "inline data", false: "segment"}[loc == 0], idx))
	return nil
}

// safeRune keeps a member name made from a backend id printable and flat.
func safeRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
		return r
	}
	return '_'
}

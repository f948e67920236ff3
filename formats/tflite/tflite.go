// Package tflite analyzes TensorFlow Lite flatbuffers: it verifies every
// table, vector and string it follows against the file's bounds, lists
// custom operators, decodes Flex operators' NodeDefs and judges their ops
// like SavedModel ops, and checks buffer offsets and sizes.
//
// Tensor data is never read, and no interpreter is involved. A zip
// appended to the model (TFLite metadata's associated files) is found by
// the engine's sniff, which scans it as a zip reading of the same file;
// this package registers the appendix check (AssociatedFiles) that tells
// the zip analyzer when those bytes are the files the model's metadata
// carries rather than a second format.
package tflite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/tensorflow"
)

func init() {
	formats.Register(formats.TFLite, formats.AnalyzerFunc(Analyze))
}

// Caps on the tables walked.
const (
	MaxSubgraphs = 10_000
	MaxOperators = 10_000_000
	MaxBuffers   = 10_000_000
	maxOptions   = 16 << 20
	maxFindings  = 200
	// The flatbuffer itself is limited to 2 GiB by its 32-bit offsets.
	maxFlatbuffer = 2<<30 - 1
)

// Builtin operator codes. CUSTOM marks a host-registered kernel; codes
// above maxBuiltin are not in the schema this build knows.
const (
	builtinCustom = 32
	maxBuiltin    = 210
)

// Model is what Walk learned about a TFLite model.
type Model struct {
	Version   uint64
	Subgraphs int
	Operators int
	Buffers   int
	CustomOps []string
	// Metadata lists the model's metadata entries: a name and the index
	// of the buffer that holds the entry's bytes.
	Metadata   []Metadata
	Flatbuffer int // bytes reached by the flatbuffer's references
	// Extent is where the model's bytes end: the flatbuffer, or data
	// stored after it (buffers and custom options of models over 2 GB).
	Extent int64
	// Inputs and Outputs name the main subgraph's input and output
	// tensors, up to maxIO of each, for the model's facts.
	Inputs, Outputs []string
}

const maxIO = 64

// Metadata is one entry of the model's metadata table.
type Metadata struct {
	Name   string
	Buffer int
}

// Analyze reads one TFLite model.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("tflite %s: %w", in.Name, err)
	}
	if _, err := Walk(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("tflite %s: %w", in.Name, err)
	}
	return nil
}

type walker struct {
	ctx      context.Context
	ra       io.ReaderAt
	f        *fb
	size     int64
	report   func(formats.Finding)
	m        *Model
	reported int
	seen     map[string]bool
}

func (w *walker) emit(f formats.Finding) {
	if w.reported >= maxFindings && f.Severity < formats.Critical {
		return
	}
	w.reported++
	w.report(f)
}

// Walk verifies and judges the TFLite model in the first size bytes of ra.
func Walk(ctx context.Context, ra interface {
	ReadAt(p []byte, off int64) (int, error)
}, size int64, report func(formats.Finding)) (*Model, error) {
	w := &walker{ctx: ctx, ra: ra, size: size, report: report, m: &Model{}, seen: map[string]bool{}}
	w.f = newFB(ra, int(min(size, maxFlatbuffer)))
	root, err := w.f.U32(0)
	if err != nil {
		return w.m, fmt.Errorf("root offset: %w", err)
	}
	model, err := w.f.Table(int(root))
	if err != nil {
		return w.m, fmt.Errorf("model table: %w", err)
	}
	if w.m.Version, err = w.f.Scalar(model, 0, 4); err != nil {
		return w.m, fmt.Errorf("model version: %w", err)
	}
	codes, err := w.operatorCodes(model)
	if err != nil {
		return w.m, err
	}
	if err := w.subgraphs(model, codes); err != nil {
		return w.m, err
	}
	if err := w.buffers(model); err != nil {
		return w.m, err
	}
	if err := w.metadata(model); err != nil {
		return w.m, err
	}
	w.m.Flatbuffer = w.f.End
	w.m.Extent = max(w.m.Extent, int64(w.f.End))
	return w.m, nil
}

// opcode is one OperatorCode entry.
type opcode struct {
	builtin int64
	custom  string
}

func (w *walker) operatorCodes(model table) ([]opcode, error) {
	ts, err := w.f.Tables(model, 1, MaxOperators)
	if err != nil {
		return nil, fmt.Errorf("operator codes: %w", err)
	}
	out := make([]opcode, 0, len(ts))
	for i, t := range ts {
		dep, err := w.f.Scalar(t, 0, 1)
		if err != nil {
			return nil, fmt.Errorf("operator code %d: %w", i, err)
		}
		b, err := w.f.Scalar(t, 3, 4)
		if err != nil {
			return nil, fmt.Errorf("operator code %d: %w", i, err)
		}
		custom, err := w.f.Str(t, 1)
		if err != nil {
			return nil, fmt.Errorf("operator code %d custom code: %w", i, err)
		}
		// TFLite takes the larger of the deprecated byte and the int32
		// field, which older writers leave at 0.
		code := max(int64(int8(dep)), int64(int32(b)))
		out = append(out, opcode{builtin: code, custom: custom})
		if code < 0 || code > maxBuiltin {
			w.emit(formats.NewFinding(RuleUnknownBuiltin, int64(t.Pos()), "operator code %d has builtin code %d, unknown to this schema", i, code).
				With("builtin_code", strconv.FormatInt(code, 10)))
		}
		if code == builtinCustom && !strings.HasPrefix(custom, flexPrefix) {
			w.m.CustomOps = append(w.m.CustomOps, custom)
			switch info := lookupOp(custom); info.kind {
			case libraryOp:
				w.emit(formats.NewFinding(RuleVendorCustomOp, int64(t.Pos()), "custom operator %q needs %s's kernel library", custom, info.vendor).
					With("custom_code", custom).With("vendor", info.vendor))
			case unknownOp:
				w.emit(formats.NewFinding(RuleCustomOp, int64(t.Pos()), "custom operator %q needs a host-registered kernel", custom).
					With("custom_code", custom))
			}
		}
	}
	return out, nil
}

const flexPrefix = "Flex"

func (w *walker) subgraphs(model table, codes []opcode) error {
	sgs, err := w.f.Tables(model, 2, MaxSubgraphs)
	if err != nil {
		return fmt.Errorf("subgraphs: %w", err)
	}
	w.m.Subgraphs = len(sgs)
	if len(sgs) > 0 {
		w.m.Inputs, w.m.Outputs = w.io(sgs[0], 1), w.io(sgs[0], 2)
	}
	for si, sg := range sgs {
		ops, err := w.f.Tables(sg, 3, MaxOperators)
		if err != nil {
			return fmt.Errorf("subgraph %d operators: %w", si, err)
		}
		for oi, op := range ops {
			w.m.Operators++
			if w.m.Operators > MaxOperators {
				return &formats.LimitError{Limit: "tflite-operators", Max: MaxOperators}
			}
			if oi&1023 == 1023 {
				if err := w.ctx.Err(); err != nil {
					return err
				}
			}
			idx, err := w.f.Scalar(op, 0, 4)
			if err != nil {
				return fmt.Errorf("subgraph %d operator %d: %w", si, oi, err)
			}
			if idx >= uint64(len(codes)) {
				w.emit(formats.NewFinding(RuleStructure, int64(op.Pos()), "subgraph %d operator %d uses operator code %d of %d", si, oi, idx, len(codes)))
				continue
			}
			c := codes[idx]
			if c.builtin == builtinCustom && strings.HasPrefix(c.custom, flexPrefix) {
				if err := w.flex(op, c.custom); err != nil {
					return fmt.Errorf("subgraph %d operator %d: %w", si, oi, err)
				}
			}
		}
	}
	return nil
}

// io names the tensors listed in field (inputs 1, outputs 2) of subgraph
// sg. It judges nothing, leaves the flatbuffer's measured reach as the
// checks found it, and leaves out what it cannot read.
func (w *walker) io(sg table, field int) []string {
	end := w.f.End
	defer func() { w.f.End = end }()
	ts, nt, err := w.f.Vector(sg, 0, 4)
	if err != nil || ts == 0 {
		return nil
	}
	is, ni, err := w.f.Vector(sg, field, 4)
	if err != nil || is == 0 {
		return nil
	}
	var names []string
	for k := range min(ni, maxIO) {
		idx, err := w.f.U32(is + 4*k)
		if err != nil || int(idx) >= nt {
			continue
		}
		p := ts + 4*int(idx)
		o, err := w.f.U32(p)
		if err != nil {
			continue
		}
		t, err := w.f.Table(p + int(o))
		if err != nil {
			continue
		}
		if name, err := w.f.Str(t, 3); err == nil {
			names = append(names, name)
		}
	}
	return names
}

// customOptions returns an operator's custom options: the bytes at
// large_custom_options_offset when that field says they sit outside the
// flatbuffer (models over 2 GB), as the interpreter reads them, or the
// custom_options vector.
func (w *walker) customOptions(op table) ([]byte, error) {
	off, err := w.f.Scalar(op, 9, 8)
	if err != nil {
		return nil, err
	}
	if off <= 1 {
		return w.f.Blob(op, 5, maxOptions)
	}
	size, err := w.f.Scalar(op, 10, 8)
	if err != nil {
		return nil, err
	}
	if off > uint64(w.size) || size > uint64(w.size)-off {
		// The interpreter refuses the model: the options are out of bounds.
		return nil, fmt.Errorf("large custom options %d+%d beyond the %d-byte file: %w", off, size, w.size, errBounds)
	}
	if size > maxOptions {
		return nil, &formats.LimitError{Limit: "tflite-blob-bytes", Max: maxOptions}
	}
	w.m.Extent = max(w.m.Extent, int64(off+size))
	out := make([]byte, size)
	if _, err := w.ra.ReadAt(out, int64(off)); err != nil && !(errors.Is(err, io.EOF) && off+size == uint64(w.size)) {
		return nil, &formats.ReadError{Err: err}
	}
	return out, nil
}

// flex decodes a Flex operator's NodeDef and judges its op.
func (w *walker) flex(op table, custom string) error {
	opts, err := w.customOptions(op)
	if err != nil {
		return fmt.Errorf("custom options: %w", err)
	}
	name := strings.TrimPrefix(custom, flexPrefix)
	strs, ferr := flexStrings(opts)
	judged := false
	if ferr == nil && len(strs) >= 2 {
		var findings []formats.Finding
		tfOp, err := tensorflow.JudgeNodeDef(w.ctx, strs[1], int64(op.Pos()), func(f formats.Finding) { findings = append(findings, f) })
		if err == nil {
			judged = true
			for _, f := range findings {
				w.emit(formats.NewFinding(RuleFlexOp, int64(op.Pos()), "Flex operator %s: %s", custom, f.Message).At(max(f.Severity, formats.Low)).
					With("op", tfOp).With("custom_code", custom).With("tf_rule", f.Rule))
			}
			if len(findings) == 0 && !w.seen["flex\x00"+tfOp] {
				w.seen["flex\x00"+tfOp] = true
				w.emit(flexFinding(int64(op.Pos()), custom, tfOp))
			}
			if tfOp != name {
				w.emit(formats.NewFinding(RuleFlexMismatch, int64(op.Pos()), "Flex operator %s carries a NodeDef for op %q", custom, tfOp).
					With("op", tfOp).With("custom_code", custom))
			}
			name = tfOp
		}
	}
	if !judged {
		w.emit(formats.NewFinding(RuleFlexMismatch, int64(op.Pos()), "Flex operator %s has custom options that are not a NodeDef", custom).
			With("custom_code", custom))
		if f := flexFinding(int64(op.Pos()), custom, name); f.Severity >= formats.Medium {
			w.emit(f)
		} else if _, sev := tensorflow.ClassifyOp(name); sev >= formats.Medium {
			w.emit(f.At(sev))
		}
	}
	if !w.seen[name] {
		w.seen[name] = true
		w.m.CustomOps = append(w.m.CustomOps, custom)
	}
	return nil
}

// flexFinding reports a Flex op that no TensorFlow rule flagged: low,
// except for checkpoint ops, which in a SavedModel restore the model's own
// variables but in a TFLite model, which has no checkpoint, only read and
// write the files their inputs name.
func flexFinding(at int64, custom, tfOp string) formats.Finding {
	f := formats.NewFinding(RuleFlexOp, at, "Flex operator %s runs TensorFlow op %s", custom, tfOp).
		With("op", tfOp).With("custom_code", custom)
	if c, _ := tensorflow.ClassifyOp(tfOp); c == tensorflow.Checkpoint {
		f.Message += ", which reads or writes the files its inputs name"
		f = f.At(formats.High)
	}
	return f
}

func (w *walker) buffers(model table) error {
	bufs, err := w.f.Tables(model, 4, MaxBuffers)
	if err != nil {
		return fmt.Errorf("buffers: %w", err)
	}
	w.m.Buffers = len(bufs)
	type span struct{ off, end uint64 }
	var spans []span
	for i, b := range bufs {
		if i&1023 == 1023 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		if _, _, err := w.f.Vector(b, 0, 1); err != nil {
			return fmt.Errorf("buffer %d data: %w", i, err)
		}
		off, err := w.f.Scalar(b, 1, 8)
		if err != nil {
			return fmt.Errorf("buffer %d offset: %w", i, err)
		}
		size, err := w.f.Scalar(b, 2, 8)
		if err != nil {
			return fmt.Errorf("buffer %d size: %w", i, err)
		}
		// offset 1 is the schema's marker for "no data"; real data
		// starts after the flatbuffer.
		if off <= 1 {
			continue
		}
		if off > uint64(w.size) || size > uint64(w.size)-off {
			w.emit(formats.NewFinding(RuleBufferRange, int64(b.Pos()), "buffer %d range %d+%d is beyond the %d-byte file", i, off, size, w.size).
				With("buffer", strconv.Itoa(i)))
			continue
		}
		w.m.Extent = max(w.m.Extent, int64(off+size))
		for _, sp := range spans {
			if off < sp.end && sp.off < off+size {
				w.emit(formats.NewFinding(RuleBufferRange, int64(b.Pos()), "buffer %d range %d+%d overlaps another buffer", i, off, size).
					With("buffer", strconv.Itoa(i)))
				break
			}
		}
		if len(spans) < 10_000 {
			spans = append(spans, span{off, off + size})
		}
	}
	return nil
}

// metadata reads the model's metadata table (name and buffer index of
// each entry); the buffers themselves were checked by buffers.
func (w *walker) metadata(model table) error {
	ts, err := w.f.Tables(model, 6, MaxBuffers)
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	for i, t := range ts {
		name, err := w.f.Str(t, 0)
		if err != nil {
			return fmt.Errorf("metadata %d name: %w", i, err)
		}
		b, err := w.f.Scalar(t, 1, 4)
		if err != nil {
			return fmt.Errorf("metadata %d buffer: %w", i, err)
		}
		// An index past the buffers names no bytes; readers that look
		// the entry up find nothing.
		if b < uint64(w.m.Buffers) && len(w.m.Metadata) < maxFindings {
			w.m.Metadata = append(w.m.Metadata, Metadata{Name: name, Buffer: int(b)})
		}
	}
	return nil
}

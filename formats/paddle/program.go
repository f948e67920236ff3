// Package paddle analyzes PaddlePaddle's static-graph files: programs
// (.pdmodel, the older __model__: a ProgramDesc protobuf of blocks, vars
// and operators) and combined parameters (.pdiparams: a sequence of
// serialized LoDTensors). It walks every protobuf field within bounds,
// reports operators that run Python callables, touch files or open
// network connections, and checks every tensor record of a parameters
// file against the bytes present.
//
// Nothing is executed. .pdparams and .pdopt files (paddle.save) are
// pickles of NumPy arrays and analyzed by the pickle analyzer.
package paddle

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.PaddleProgram, formats.AnalyzerFunc(AnalyzeProgram))
	formats.RegisterProbe(formats.PaddleProgram, ProbeProgram)
	formats.Register(formats.PaddleParams, formats.AnalyzerFunc(AnalyzeParams))
	formats.RegisterProbe(formats.PaddleParams, ProbeParams)
}

// Caps.
const (
	maxProgram  = 512 << 20
	maxFindings = 200
)

// Operator classes by what running them can do (Paddle's operators
// directory: py_func_op, save/load ops, the distributed and collective
// operators that open sockets).
var (
	pythonOps = map[string]bool{"py_func": true}
	fileOps   = map[string]bool{"save": true, "load": true, "save_combine": true, "load_combine": true,
		"sparse_tensor_load": true, "recv_save": true}
	networkOps = map[string]bool{"checkpoint_notify": true, "send": true, "recv": true, "listen_and_serv": true, "send_barrier": true,
		"fetch_barrier": true, "prefetch": true, "gen_nccl_id": true, "c_gen_nccl_id": true,
		"gen_bkcl_id": true, "c_gen_bkcl_id": true, "c_gen_xccl_id": true, "send_and_recv": true,
		"distributed_lookup_table": true, "distributed_push_sparse": true, "heter_listen_and_serv": true,
		"lookup_sparse_table_read": true, "ref_by_trainer_id": true}
)

// programHead is how every ProgramDesc Paddle writes begins: blocks[0]
// with idx 0 and parent_idx -1 (an int32 varint of ten bytes).
var programHead = []byte("\x08\x00\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")

// ProbeProgram identifies a ProgramDesc: field 1 (blocks) whose length
// fits the file, holding block 0 with no parent.
func ProbeProgram(h formats.Head) bool {
	p := h.Prefix
	if len(p) < 2 || p[0] != 0x0a {
		return false
	}
	n, k := protowire.ConsumeVarint(p[1:])
	if k < 0 || h.Size >= 0 && n > uint64(h.Size-1-int64(k)) {
		return false
	}
	return bytes.HasPrefix(p[1+k:], programHead)
}

// AnalyzeProgram reads one ProgramDesc.
func AnalyzeProgram(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("paddle program %s: %w", in.Name, err)
	}
	if size > maxProgram {
		return fmt.Errorf("paddle program %s: %w", in.Name, &formats.LimitError{Limit: "paddle-program-bytes", Max: maxProgram})
	}
	b := make([]byte, size)
	if _, err := ra.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("paddle program %s: %w", in.Name, err)
	}
	if err := WalkProgram(ctx, b, s.Report); err != nil {
		return fmt.Errorf("paddle program %s: %w", in.Name, err)
	}
	return nil
}

// field is one protobuf field: its number, wire type, value bytes (for
// length-delimited fields), varint value, and offset in the file.
type field struct {
	num protowire.Number
	typ protowire.Type
	b   []byte
	v   uint64
	at  int
}

// fields parses the message b (at offset base of the file) into fields,
// failing on any malformed tag or length.
func fields(b []byte, base int, fn func(f field) error) error {
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return fmt.Errorf("byte %d: %w", base+off, protowire.ParseError(n))
		}
		f := field{num: num, typ: typ, at: base + off}
		off += n
		var m int
		switch typ {
		case protowire.VarintType:
			f.v, m = protowire.ConsumeVarint(b[off:])
		case protowire.BytesType:
			f.b, m = protowire.ConsumeBytes(b[off:])
			if m > 0 {
				f.at = base + off + m - len(f.b)
			}
		default:
			m = protowire.ConsumeFieldValue(num, typ, b[off:])
		}
		if m < 0 {
			return fmt.Errorf("byte %d: field %d: %w", base+off, num, protowire.ParseError(m))
		}
		off += m
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

type programWalker struct {
	ctx      context.Context
	report   func(formats.Finding)
	found    int
	blocks   int
	blockRef []blockRef
	ops      int
}

type blockRef struct {
	op  string
	idx int64
	at  int
}

func (w *programWalker) add(f formats.Finding) {
	if w.found < maxFindings {
		w.report(f)
	}
	w.found++
}

// WalkProgram checks a serialized ProgramDesc and reports what its
// operators can do.
func WalkProgram(ctx context.Context, b []byte, report func(formats.Finding)) error {
	w := &programWalker{ctx: ctx, report: report}
	err := fields(b, 0, func(f field) error {
		if f.num != 1 {
			return nil
		}
		if f.typ != protowire.BytesType {
			return fmt.Errorf("byte %d: blocks field of wire type %d", f.at, f.typ)
		}
		w.blocks++
		return fields(f.b, f.at, w.blockField)
	})
	if err != nil {
		return err
	}
	if w.blocks == 0 {
		return fmt.Errorf("program has no blocks")
	}
	for _, r := range w.blockRef {
		if r.idx < 0 || r.idx >= int64(w.blocks) {
			w.add(formats.NewFinding(RuleStructure, int64(r.at),
				"operator %s refers to block %d of a program of %d blocks", r.op, r.idx, w.blocks).With("op", r.op))
		}
	}
	return nil
}

// blockField reads one field of a BlockDesc: its operators (4) are judged.
func (w *programWalker) blockField(f field) error {
	if f.num != 4 || f.typ != protowire.BytesType {
		return nil
	}
	if w.ops++; w.ops&0xff == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	var typ string
	var typeAt int
	attrs := map[string]string{}
	var refs []blockRef
	err := fields(f.b, f.at, func(g field) error {
		switch {
		case g.num == 3 && g.typ == protowire.BytesType:
			typ, typeAt = string(g.b), g.at
		case g.num == 4 && g.typ == protowire.BytesType:
			return w.attr(g, attrs, &refs)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range refs {
		refs[i].op = typ
	}
	w.blockRef = append(w.blockRef, refs...)
	switch {
	case pythonOps[typ]:
		w.add(formats.NewFinding(RulePyFunc, int64(typeAt),
			"operator %s calls the Python function registered as callable %s", typ, orNone(attrs["forward_callable_id"])).
			With("op", typ))
	case fileOps[typ]:
		w.add(formats.NewFinding(RuleFileOp, int64(typeAt),
			"operator %s reads or writes %q", typ, attrs["file_path"]).With("op", typ).With("file_path", attrs["file_path"]))
	case networkOps[typ]:
		w.add(formats.NewFinding(RuleNetworkOp, int64(typeAt),
			"operator %s connects to or listens on the network (%s)", typ, endpoints(attrs)).
			With("op", typ))
	}
	return nil
}

// endpoints names the addresses a network operator's attributes hold.
func endpoints(attrs map[string]string) string {
	var eps []string
	for _, k := range []string{"endpoint", "endpoints", "epmap", "other_endpoints"} {
		if attrs[k] != "" {
			eps = append(eps, attrs[k])
		}
	}
	return orNone(strings.Join(eps, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "none named"
	}
	return s
}

// attr reads an OpDesc.Attr: name (1), i (3), s (5), strings (8),
// block_idx (12), blocks_idx (14); the rest is checked for wire format
// only.
func (w *programWalker) attr(f field, attrs map[string]string, refs *[]blockRef) error {
	var name, val string
	var blocks []blockRef
	err := fields(f.b, f.at, func(g field) error {
		switch {
		case g.num == 1 && g.typ == protowire.BytesType:
			name = string(g.b)
		case g.num == 3 && g.typ == protowire.VarintType:
			val = fmt.Sprint(int32(g.v))
		case (g.num == 5 || g.num == 8) && g.typ == protowire.BytesType:
			if val != "" {
				val += ","
			}
			val += string(g.b)
		case g.num == 12 && g.typ == protowire.VarintType:
			blocks = append(blocks, blockRef{idx: int64(int32(g.v)), at: g.at})
		case g.num == 14 && g.typ == protowire.VarintType:
			blocks = append(blocks, blockRef{idx: int64(int32(g.v)), at: g.at})
		case g.num == 14 && g.typ == protowire.BytesType:
			for p := g.b; len(p) > 0; {
				v, n := protowire.ConsumeVarint(p)
				if n < 0 {
					return fmt.Errorf("byte %d: blocks_idx: %w", g.at, protowire.ParseError(n))
				}
				blocks = append(blocks, blockRef{idx: int64(int32(v)), at: g.at})
				p = p[n:]
			}
		}
		return nil
	})
	if len(val) > 1024 {
		val = val[:1024]
	}
	attrs[name] = val
	*refs = append(*refs, blocks...)
	return err
}

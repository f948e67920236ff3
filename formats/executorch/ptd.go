package executorch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// A .ptd file holds named tensors a program loads by key
// (extension/flat_tensor): a FlatBuffer with file identifier "FT01", a
// header "FH01" written into it at offset 8, and segments of tensor data
// after it. It carries no operators or code; only its structure is
// checked.

func init() {
	formats.Register(formats.ExecuTorchData, formats.AnalyzerFunc(AnalyzeData))
	formats.RegisterProbe(formats.ExecuTorchData, func(h formats.Head) bool { return isPTD(h.Prefix, h.Size) })
}

// ptdHeaderLength is the header the runtime requires: magic, length and
// four 64-bit fields (FlatTensorHeader::Parse).
const ptdHeaderLength = 40

func isPTD(p []byte, size int64) bool {
	if len(p) < 16 || !bytes.Equal(p[4:8], []byte("FT01")) {
		return false
	}
	root := int64(binary.LittleEndian.Uint32(p))
	return root >= 8 && root%4 == 0 && (size < 0 || root+4 <= size)
}

// AnalyzeData reads one .ptd.
func AnalyzeData(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("executorch data %s: %w", in.Name, err)
	}
	if err := WalkData(ctx, ra, size, s.Limits().Buffer, s.Report); err != nil {
		return fmt.Errorf("executorch data %s: %w", in.Name, err)
	}
	return nil
}

// WalkData checks a .ptd's header, segments and named tensors, holding at
// most limit bytes of its FlatBuffer.
func WalkData(ctx context.Context, ra io.ReaderAt, size, limit int64, report func(formats.Finding)) error {
	var head [headBytes]byte
	if size < headBytes {
		report(formats.NewFinding(RuleStructure, 0, "%d bytes: too short for the flat tensor header", size))
		return nil
	}
	if _, err := ra.ReadAt(head[:], 0); err != nil && !errors.Is(err, io.EOF) {
		return &formats.ReadError{Err: err}
	}
	if !bytes.Equal(head[8:12], []byte("FH01")) || binary.LittleEndian.Uint32(head[12:]) < ptdHeaderLength {
		report(formats.NewFinding(RuleStructure, 8, "no valid flat tensor header (FH01) at offset 8: the runtime rejects the file"))
		return nil
	}
	fbOff, fbSize := binary.LittleEndian.Uint64(head[16:]), binary.LittleEndian.Uint64(head[24:])
	base, data := binary.LittleEndian.Uint64(head[32:]), binary.LittleEndian.Uint64(head[40:])
	usize := uint64(size)
	if fbOff > usize || fbSize > usize-fbOff || fbOff+fbSize < 16 {
		report(formats.NewFinding(RuleSegment, 16, "flat tensor header gives a FlatBuffer of %d bytes at %d in a file of %d", fbSize, fbOff, usize))
		return nil
	}
	if base > usize || data > usize-base {
		report(formats.NewFinding(RuleSegment, 32, "flat tensor header gives %d bytes of segments from %d in a file of %d", data, base, usize))
	}
	n := int64(fbOff + fbSize)
	if n > limit {
		return &formats.LimitError{Limit: "executorch-program-bytes", Max: limit}
	}
	b, err := readProgram(ra, n)
	if err != nil {
		return err
	}
	err = walkFlatTensor(ctx, newFB(b), base, usize, report)
	if errors.Is(err, errBounds) {
		report(formats.NewFinding(RuleStructure, formats.NoOffset, "%v", err))
		err = nil
	}
	return err
}

func walkFlatTensor(ctx context.Context, f *fb, base, size uint64, report func(formats.Finding)) error {
	root, err := f.U32(0)
	if err != nil {
		return err
	}
	t, err := f.Table(int(root))
	if err != nil {
		return err
	}
	segs, err := f.Tables(t, 1, maxTables)
	if err != nil {
		return err
	}
	findings := 0
	emit := func(fd formats.Finding) {
		if findings++; findings <= maxFindings {
			report(fd)
		}
	}
	for i, sg := range segs {
		off, err := f.Scalar(sg, 0, 8)
		if err != nil {
			return err
		}
		n, err := f.Scalar(sg, 1, 8)
		if err != nil {
			return err
		}
		if base > size || off > size-base || n > size-base-off {
			emit(formats.NewFinding(RuleSegment, int64(sg.Pos()), "segment %d of %d bytes at %d (after the segment base %d) reaches past the end of the file (%d bytes)", i, n, off, base, size))
		}
	}
	named, err := f.Tables(t, 2, maxTables)
	if err != nil {
		return err
	}
	for k, nd := range named {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		idx, err := f.Scalar(nd, 1, 4)
		if err != nil {
			return err
		}
		if idx >= uint64(len(segs)) {
			key, _ := f.Str(nd, 0)
			emit(formats.NewFinding(RuleStructure, int64(nd.Pos()), "named tensor %s refers to segment %d of %d", formats.DisplayName(key), idx, len(segs)))
		}
	}
	return nil
}

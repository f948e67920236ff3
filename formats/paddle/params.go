package paddle

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// Caps on a parameters file's records.
const (
	maxLoDLevels = 16
	maxDescSize  = 1 << 16
	maxDims      = 64
	maxTensors   = 1 << 24
)

// dtypeSize gives the element size of VarType.Type values a TensorDesc
// may hold (framework.proto: BOOL 0 ... FP8_E5M2 33).
var dtypeSize = map[uint64]uint64{0: 1, 1: 2, 2: 4, 3: 8, 4: 2, 5: 4, 6: 8, 19: 8, 20: 1, 21: 1, 22: 2, 23: 8, 24: 16, 32: 1, 33: 1}

// ProbeParams identifies a combined parameters file by its first tensor
// record: version 0, a short LoD, tensor version 0 and a TensorDesc with a
// known data type.
func ProbeParams(h formats.Head) bool {
	r := &paramReader{ra: byteReaderAt(h.Prefix), size: int64(len(h.Prefix))}
	if h.Size >= 0 && h.Size < r.size {
		return false
	}
	_, err := r.header()
	return err == nil
}

type byteReaderAt []byte

func (b byteReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// AnalyzeParams walks every tensor record of a combined parameters file.
func AnalyzeParams(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("paddle params %s: %w", in.Name, err)
	}
	if _, err := WalkParams(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("paddle params %s: %w", in.Name, err)
	}
	return nil
}

type paramReader struct {
	ra   io.ReaderAt
	off  int64
	size int64
}

func (r *paramReader) read(n int64) ([]byte, error) {
	if n < 0 || n > r.size-r.off {
		return nil, fmt.Errorf("%d bytes at %d reach past the end of the file", n, r.off)
	}
	p := make([]byte, n)
	if _, err := r.ra.ReadAt(p, r.off); err != nil && err != io.EOF {
		return nil, err
	}
	r.off += n
	return p, nil
}

func (r *paramReader) u32() (uint32, error) {
	p, err := r.read(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(p), nil
}

func (r *paramReader) u64() (uint64, error) {
	p, err := r.read(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

// version reads a u32 version field, which Paddle writes as 0.
func (r *paramReader) version(what string) error {
	v, err := r.u32()
	if err != nil {
		return err
	}
	if v != 0 {
		return fmt.Errorf("%s version %d at %d, not 0", what, v, r.off-4)
	}
	return nil
}

// header reads one record up to its data (the LoDTensor version and LoD,
// the tensor version and TensorDesc) and returns the data's size.
func (r *paramReader) header() (uint64, error) {
	if err := r.version("LoDTensor"); err != nil {
		return 0, err
	}
	levels, err := r.u64()
	if err != nil {
		return 0, err
	}
	if levels > maxLoDLevels {
		return 0, fmt.Errorf("%d LoD levels at %d", levels, r.off-8)
	}
	for i := uint64(0); i < levels; i++ {
		n, err := r.u64()
		if err != nil {
			return 0, err
		}
		if n%8 != 0 || n > uint64(r.size-r.off) {
			return 0, fmt.Errorf("LoD level of %d bytes at %d", n, r.off-8)
		}
		r.off += int64(n)
	}
	if err := r.version("tensor"); err != nil {
		return 0, err
	}
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if n < 2 || n > maxDescSize {
		return 0, fmt.Errorf("tensor description of %d bytes at %d", int32(n), r.off-4)
	}
	desc, err := r.read(int64(n))
	if err != nil {
		return 0, err
	}
	return dataSize(desc)
}

// dataSize decodes a TensorDesc (data_type 1, dims 2) and returns the
// bytes its data occupies.
func dataSize(desc []byte) (uint64, error) {
	var elem uint64
	haveType := false
	numel := uint64(1)
	ndims := 0
	dim := func(v uint64) error {
		d := int64(v)
		if ndims++; ndims > maxDims || d < 0 {
			return fmt.Errorf("tensor dimension %d (of %d)", d, ndims)
		}
		if d != 0 && numel > math.MaxInt64/uint64(d) {
			return fmt.Errorf("tensor of more than 2^63 elements")
		}
		numel *= uint64(d)
		return nil
	}
	err := fields(desc, 0, func(f field) error {
		switch {
		case f.num == 1 && f.typ == protowire.VarintType:
			sz, ok := dtypeSize[f.v]
			if !ok {
				return fmt.Errorf("unknown tensor data type %d", f.v)
			}
			elem, haveType = sz, true
		case f.num == 2 && f.typ == protowire.VarintType:
			return dim(f.v)
		case f.num == 2 && f.typ == protowire.BytesType:
			for p := f.b; len(p) > 0; {
				v, n := protowire.ConsumeVarint(p)
				if n < 0 {
					return protowire.ParseError(n)
				}
				if err := dim(v); err != nil {
					return err
				}
				p = p[n:]
			}
		default:
			return fmt.Errorf("unexpected TensorDesc field %d", f.num)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !haveType {
		return 0, fmt.Errorf("tensor description without a data type")
	}
	if numel > math.MaxInt64/elem {
		return 0, fmt.Errorf("tensor of more than 2^63 bytes")
	}
	return numel * elem, nil
}

// WalkParams checks every record of a combined parameters file and
// returns how many tensors it holds.
func WalkParams(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) (int, error) {
	r := &paramReader{ra: ra, size: size}
	n := 0
	for r.off < size {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if n >= maxTensors {
			return n, &formats.LimitError{Limit: "paddle-tensors", Max: maxTensors}
		}
		start := r.off
		data, err := r.header()
		if err != nil {
			if n == 0 {
				return n, err
			}
			report(formats.NewFinding(RuleStructure, start,
				"bytes after tensor %d are not a tensor record (%v); Paddle's loader never reads them", n, err))
			return n, nil
		}
		if data > uint64(size-r.off) {
			report(formats.NewFinding(RuleStructure, start,
				"tensor %d claims %d bytes of data, %d remain in the file", n, data, size-r.off))
			return n, nil
		}
		r.off += int64(data)
		n++
	}
	return n, nil
}

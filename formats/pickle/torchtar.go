package pickle

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// PyTorch before 1.0 saved checkpoints as a tar with members sys_info,
// pickle, tensors and storages, and torch.load (1.13: _legacy_load's
// legacy_load) still reads that layout first. The storages and tensors
// members are not chains of pickles: after a pickle of the record count,
// each record is a pickle followed by raw bytes whose length the bytes
// themselves give. Read as a chain of pickles, those raw bytes can be
// shaped to swallow the next record's pickle; the machine reads them as
// legacy_load does instead. A member is recognised by its content — a
// count, then a record (key, location, torch.<T>Storage) or (key, storage
// key, torch.<T>Tensor) — whatever its name.

type tarMember uint8

const (
	notTarMember tarMember = iota
	tarStorages
	tarTensors
)

// storageElement is torch._utils._element_size of each legacy storage
// class's dtype (torch 1.13).
var storageElement = map[string]int64{
	"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
	"LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
	"BoolStorage": 1, "ComplexDoubleStorage": 16, "ComplexFloatStorage": 8,
	"QUInt8Storage": 1, "QInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
}

// tarRecord tells which member a record pickle's value belongs to.
func tarRecord(v Value) (tarMember, int64) {
	if v.kind != KindTuple || v.Len() != 3 {
		return notTarMember, 0
	}
	typ, _ := v.Index(2)
	mod, name, ok := typ.Global()
	if !ok || mod != "torch" && mod != "torch.cuda" {
		return notTarMember, 0
	}
	if size, ok := storageElement[name]; ok {
		return tarStorages, size
	}
	if strings.HasSuffix(name, "Tensor") {
		return tarTensors, 0
	}
	return notTarMember, 0
}

// readTarMember reads a storages or tensors member on from st, which is
// just past its first record pickle (first); count is the record count
// the member's first pickle gave.
func readTarMember(ctx context.Context, st *Stream, s formats.Scope, src io.ReaderAt, kind tarMember, count int64, first Value) error {
	if count < 1 {
		return fmt.Errorf("legacy torch tar member: record count %d", count)
	}
	rec := first
	for i := int64(0); i < count; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i > 0 {
			res, err := Scan(ctx, st, s, Options{Source: src})
			if err != nil {
				return fmt.Errorf("legacy torch tar record %d: %w", i, err)
			}
			rec = res.Values[0]
		}
		k, elsize := tarRecord(rec)
		if k != kind {
			// legacy_load fails on this record (unpacking, or the type's
			// dtype); nothing after it is read.
			return fmt.Errorf("legacy torch tar record %d at offset %d is %s", i, st.Offset(), rec)
		}
		var err error
		if kind == tarStorages {
			err = storageRecord(st, elsize)
		} else {
			err = tensorRecord(st)
		}
		if err != nil {
			return fmt.Errorf("legacy torch tar record %d: %w", i, err)
		}
	}
	if kind == tarStorages {
		// The storage views: a list of (view key, root key, offset, numel).
		if _, err := Scan(ctx, st, s, Options{Source: src}); err != nil {
			return fmt.Errorf("legacy torch tar storage views: %w", err)
		}
	}
	off := st.Offset()
	if eof, err := st.AtEOF(); err != nil || eof {
		return err
	}
	s.Report(formats.NewFinding(RuleTrailingData, off, "data after the last record of a legacy torch tar member, which torch.load never reads"))
	return nil
}

// storageRecord consumes what UntypedStorage._new_with_file reads: an
// int64 element count, then count elements of elsize bytes.
func storageRecord(st *Stream, elsize int64) error {
	var b [8]byte
	if _, err := io.ReadFull(st, b[:]); err != nil {
		return fmt.Errorf("storage size: %w", err)
	}
	n := int64(binary.LittleEndian.Uint64(b[:]))
	if n < 0 || n > math.MaxInt64/elsize {
		return fmt.Errorf("storage of %d elements", n)
	}
	if err := st.Discard(n * elsize); err != nil {
		return fmt.Errorf("storage of %d bytes: %w", n*elsize, err)
	}
	return nil
}

// tensorRecord consumes legacy_load's tensor metadata: int32 ndim, four
// bytes, ndim int64 sizes, ndim int64 strides, an int64 storage offset.
func tensorRecord(st *Stream) error {
	var b [4]byte
	if _, err := io.ReadFull(st, b[:]); err != nil {
		return fmt.Errorf("tensor ndim: %w", err)
	}
	ndim := int64(int32(binary.LittleEndian.Uint32(b[:])))
	if ndim < 0 {
		return fmt.Errorf("tensor of %d dimensions", ndim)
	}
	if err := st.Discard(4 + 16*ndim + 8); err != nil {
		return fmt.Errorf("tensor metadata: %w", err)
	}
	return nil
}

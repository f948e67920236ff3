package tensorflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.TFCheckpointIndex, formats.AnalyzerFunc(AnalyzeIndex))
}

// MaxIndex bounds the index file read into memory: an index holds one
// short protobuf per tensor, a few MiB for the largest models.
const MaxIndex = 1 << 30

// Bundle is what an index (tensor_bundle.proto) says about a checkpoint.
type Bundle struct {
	NumShards  int32
	Endianness uint64
	Entries    []Entry
	// Valid is false when the index is damaged: its entries are then not
	// a reading TensorFlow would make.
	Valid bool
	// TensorSlices marks a V1 checkpoint (TensorSliceWriter, TF before
	// 1.0 and TF-slim's model zoo): the same table format, holding
	// SavedTensorSlices with the tensor data inline and no data shards.
	TensorSlices bool
	Slices       int // entries of a V1 checkpoint
}

// Entry is one BundleEntryProto: a tensor, or a partitioned tensor whose
// slices are entries of their own.
type Entry struct {
	Key      string
	DType    uint64
	Elements int64 // -1 when the shape is invalid
	ShardID  int64
	Offset   int64
	Size     int64
	CRC32C   uint32
	Slices   int
	At       int64 // offset of the entry in the index, or -1
}

// Stored reports whether the entry's bytes are in a data shard (an entry
// with slices describes a partitioned tensor and stores nothing itself).
func (e *Entry) Stored() bool { return e.Slices == 0 }

// DataType values of types.proto that a checkpoint can hold, with their
// width in bytes (0: variable length).
const (
	dtInvalid  = 0
	dtString   = 7
	dtResource = 20
	dtVariant  = 21
)

var dtypeWidth = map[uint64]int64{
	1: 4, 2: 8, 3: 4, 4: 1, 5: 2, 6: 1, 8: 8, 9: 8, 10: 1, 11: 1, 12: 1, 13: 4, 14: 2, 15: 2,
	16: 2, 17: 2, 18: 16, 19: 2, 22: 4, 23: 8, 24: 1, 25: 1, 26: 1, 27: 1, 28: 1,
}

// AnalyzeIndex reads one tensor-bundle index (variables.index,
// model.ckpt-N.index). The data shards beside it are checked by the
// "tensorflow-checkpoint" layout.
func AnalyzeIndex(ctx context.Context, in *formats.Input, s formats.Scope) error {
	data, err := readAll(in, min(s.Limits().Buffer, MaxIndex))
	if err != nil {
		return fmt.Errorf("checkpoint index %s: %w", in.Name, err)
	}
	if !strings.HasSuffix(in.Name, ".index") {
		if n, ok, err := plainTable(ctx, data); err != nil {
			return fmt.Errorf("table %s: %w", in.Name, err)
		} else if ok {
			s.Report(formats.NewFinding(RuleLevelDB, 0, "a LevelDB table of %d entries whose first key is not a checkpoint header: key/value data TensorFlow never opens as an index (not named .index)", n))
			return nil
		}
	}
	if _, err := ReadBundle(ctx, data, s.Report); err != nil {
		return fmt.Errorf("checkpoint index %s: %w", in.Name, err)
	}
	return nil
}

// plainTable reports whether data is a well-formed table (every block's
// checksum verified, keys in order) whose first key is not the empty key
// a tensor bundle's header has, and how many entries it holds. A damaged
// table, or one that may be a bundle, is left to ReadBundle.
func plainTable(ctx context.Context, data []byte) (int, bool, error) {
	n := 0
	err := readTable(ctx, data, func(key, _ []byte, _ int64) error {
		if n == 0 && len(key) == 0 {
			return errBundle
		}
		n++
		return nil
	})
	var p *tableProblem
	switch {
	case errors.Is(err, errBundle), errors.As(err, &p):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return n, n > 0, nil
}

var errBundle = errors.New("first key is a bundle header")

// ReadBundle reads a tensor-bundle index and reports what TensorFlow's
// BundleReader would reject or read inconsistently. It returns an error
// only for a limit or a cancellation.
func ReadBundle(ctx context.Context, data []byte, report func(formats.Finding)) (*Bundle, error) {
	b := &Bundle{}
	header := false
	invalid := func(at int64, format string, args ...any) {
		report(formats.NewFinding(RuleIndexInvalid, at, format, args...))
	}
	err := readTable(ctx, data, func(key, val []byte, at int64) error {
		if !header {
			header = true
			if len(key) != 0 {
				return problem(at, "first key is %q, not the bundle header", clip(string(key)))
			}
			if len(val) > 0 && val[0] == 0x0a {
				// SavedTensorSlices{meta}: a BundleHeaderProto opens with
				// num_shards, a varint.
				b.TensorSlices = true
				return nil
			}
			return b.header(val, at)
		}
		if b.TensorSlices {
			b.Slices++
			return nil
		}
		e, err := parseEntry(key, val, at)
		if err != nil {
			return err
		}
		b.Entries = append(b.Entries, e)
		return nil
	})
	var p *tableProblem
	switch {
	case errors.As(err, &p):
		invalid(p.at, "checkpoint index: %s", p.msg)
		return b, nil
	case err != nil:
		return b, err
	case !header:
		invalid(0, "checkpoint index has no header entry")
		return b, nil
	}
	b.Valid = true
	if !b.TensorSlices {
		b.check(report)
	}
	return b, nil
}

func (b *Bundle) header(val []byte, at int64) error {
	var version []byte
	err := each(val, at, func(f fld) error {
		switch {
		case f.num == 1 && f.typ == protowire.VarintType:
			b.NumShards = int32(f.v)
		case f.num == 2 && f.typ == protowire.VarintType:
			b.Endianness = f.v
		case f.num == 3 && f.typ == protowire.BytesType:
			version = f.val
		}
		return nil
	})
	if err != nil {
		return problem(at, "bundle header does not parse: %v", err)
	}
	if b.Endianness > 1 {
		return problem(at, "bundle header: unknown endianness %d", b.Endianness)
	}
	// CheckVersions against kTensorBundleVersion 1: a min_consumer above 1
	// or 1 among the bad consumers makes TensorFlow refuse the checkpoint.
	var minConsumer uint64
	bad := false
	err = each(version, at, func(f fld) error {
		switch {
		case f.num == 2 && f.typ == protowire.VarintType:
			minConsumer = f.v
		case f.num == 3 && f.typ == protowire.VarintType:
			bad = bad || f.v == 1
		case f.num == 3 && f.typ == protowire.BytesType:
			for p := f.val; len(p) > 0; {
				v, n := protowire.ConsumeVarint(p)
				if n < 0 {
					return errMalformed
				}
				bad, p = bad || v == 1, p[n:]
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return problem(at, "bundle header version does not parse: %v", err)
	case int32(minConsumer) > 1 || bad:
		return problem(at, "bundle header requires a newer reader (min_consumer %d)", minConsumer)
	}
	return nil
}

func parseEntry(key, val []byte, at int64) (Entry, error) {
	e := Entry{Key: string(key), At: at, Elements: 1}
	var shape []byte
	err := each(val, max(at, 0), func(f fld) error {
		switch {
		case f.num == 1 && f.typ == protowire.VarintType:
			e.DType = f.v
		case f.num == 2 && f.typ == protowire.BytesType:
			shape = f.val
		case f.num == 3 && f.typ == protowire.VarintType:
			e.ShardID = int64(int32(f.v))
		case f.num == 4 && f.typ == protowire.VarintType:
			e.Offset = int64(f.v)
		case f.num == 5 && f.typ == protowire.VarintType:
			e.Size = int64(f.v)
		case f.num == 6 && f.typ == protowire.Fixed32Type:
			e.CRC32C = uint32(f.v)
		case f.num == 7 && f.typ == protowire.BytesType:
			e.Slices++
		}
		return nil
	})
	if err != nil {
		return e, problem(at, "entry %q does not parse: %v", clip(e.Key), err)
	}
	e.Elements = elements(shape)
	return e, nil
}

// elements returns the element count of a TensorShapeProto, or -1 when
// TensorShape::IsValid rejects it (unknown rank, a negative dimension,
// more than 254 dimensions, an overflowing count).
func elements(shape []byte) int64 {
	n, dims := int64(1), 0
	err := each(shape, 0, func(f fld) error {
		switch {
		case f.num == 3 && f.typ == protowire.VarintType && f.v != 0:
			return errMalformed
		case f.num == 2 && f.typ == protowire.BytesType:
			dims++
			var size int64
			if err := each(f.val, 0, func(g fld) error {
				if g.num == 1 && g.typ == protowire.VarintType {
					size = int64(g.v)
				}
				return nil
			}); err != nil {
				return err
			}
			hi, lo := bits.Mul64(uint64(n), uint64(max(size, 0)))
			if size < 0 || hi != 0 || lo > math.MaxInt64 {
				return errMalformed
			}
			n = int64(lo)
		}
		return nil
	})
	if err != nil || dims > 254 {
		return -1
	}
	return n
}

// check judges each entry on its own and against the others, the way
// BundleReader::GetValue would when the tensor is restored.
func (b *Bundle) check(report func(formats.Finding)) {
	bad := func(e *Entry, rule, format string, args ...any) {
		report(formats.NewFinding(rule, e.At, "tensor %q: "+format, append([]any{clip(e.Key)}, args...)...).With("tensor", clip(e.Key)))
	}
	variants := 0
	for i := range b.Entries {
		e := &b.Entries[i]
		if e.Elements < 0 {
			bad(e, RuleIndexInvalid, "invalid shape")
			continue
		}
		if !e.Stored() {
			continue
		}
		w, known := dtypeWidth[e.DType]
		switch {
		case e.DType == dtInvalid, e.DType == dtResource, e.DType > 100:
			// GetValue reads these through the string path, whose CHECK
			// aborts the process.
			bad(e, RuleIndexInvalid, "data type %d cannot be restored (TensorFlow aborts on it)", e.DType)
		case e.DType == dtVariant:
			variants++
		case e.DType == dtString && e.Size < e.Elements:
			bad(e, RuleDataRange, "%d bytes cannot hold %d strings", e.Size, e.Elements)
		case known:
			hi, lo := bits.Mul64(uint64(e.Elements), uint64(w))
			if hi != 0 || lo != uint64(e.Size) {
				bad(e, RuleDataRange, "size %d does not match its shape (%d elements of %d bytes)", e.Size, e.Elements, w)
			}
		}
		switch {
		case e.ShardID < 0 || e.ShardID >= int64(b.NumShards):
			bad(e, RuleDataRange, "shard %d of a checkpoint of %d shards", e.ShardID, b.NumShards)
		case e.Offset < 0 || e.Size < 0 || e.Offset > math.MaxInt64-e.Size:
			bad(e, RuleDataRange, "byte range %d+%d is invalid", e.Offset, e.Size)
		}
	}
	if variants > 0 {
		report(formats.NewFinding(RuleVariant, formats.NoOffset,
			"checkpoint holds variant tensors (%d), decoded by C++ decoders registered in the loading process", variants))
	}
	b.checkOverlaps(report)
}

// checkOverlaps reports stored tensors that share bytes: TensorFlow's
// writer never does that, so two tensors read from the same bytes mean the
// index was edited.
func (b *Bundle) checkOverlaps(report func(formats.Finding)) {
	var stored []*Entry
	for i := range b.Entries {
		e := &b.Entries[i]
		if e.Stored() && e.Size > 0 && e.Offset >= 0 && e.Offset <= math.MaxInt64-e.Size {
			stored = append(stored, e)
		}
	}
	slices.SortFunc(stored, func(x, y *Entry) int {
		return cmp.Or(cmp.Compare(x.ShardID, y.ShardID), cmp.Compare(x.Offset, y.Offset))
	})
	reported := 0
	var reach *Entry // the entry reaching furthest in the shard so far
	for _, e := range stored {
		if reach == nil || reach.ShardID != e.ShardID {
			reach = e
			continue
		}
		if end := reach.Offset + reach.Size; e.Offset < end && reported < 20 {
			reported++
			report(formats.NewFinding(RuleOverlap, e.At, "tensors %q and %q share bytes %d-%d of shard %d",
				clip(reach.Key), clip(e.Key), e.Offset, min(end, e.Offset+e.Size), e.ShardID).
				With("tensor", clip(e.Key)).With("other", clip(reach.Key)))
		}
		if e.Offset+e.Size > reach.Offset+reach.Size {
			reach = e
		}
	}
}

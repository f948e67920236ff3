package tflite

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.RegisterAppendix(formats.TFLite, AssociatedFiles)
}

// metadataName is the metadata entry tflite-support writes its
// ModelMetadata FlatBuffer under; metadataID is that FlatBuffer's
// identifier.
const (
	metadataName = "TFLITE_METADATA"
	metadataID   = "M001"
	// maxGap is the padding a FlatBuffer builder may leave after the
	// last object it reaches (a string's NUL, force_align: 16).
	maxGap = 16
	// maxAssociated caps the associated-file names collected.
	maxAssociated = 10_000
)

// AssociatedFiles is the TFLite appendix check. tflite-support's
// MetadataPopulator writes the model FlatBuffer with a TFLITE_METADATA
// entry whose buffer holds a ModelMetadata FlatBuffer, then appends the
// associated files it records as a zip (Python's zipfile in append mode).
// The check accepts a zip starting at start when the model verifies within
// the first start bytes (so every table, vector and buffer the walk
// follows ends before the zip), its data ends at most maxGap bytes before
// the zip, and it carries that metadata; it lists the
// members the metadata does not record, which the populator packs with a
// warning.
func AssociatedFiles(ctx context.Context, ra io.ReaderAt, start int64, names []string) (*formats.Appendix, error) {
	var id [8]byte
	if start < int64(len(id)) {
		return nil, nil
	}
	if _, err := ra.ReadAt(id[:], 0); err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	if string(id[4:]) != "TFL3" {
		return nil, nil
	}
	var out []formats.Finding
	m, err := Walk(ctx, ra, start, func(f formats.Finding) { out = append(out, f) })
	if err != nil {
		return nil, err
	}
	for _, f := range out {
		if f.Rule == RuleBufferRange {
			// A buffer reaching into the zip: the model is not confined
			// to the bytes before it.
			return nil, nil
		}
	}
	if start-m.Extent > maxGap {
		// Bytes no reference reaches lie between the model and the zip:
		// not what the populator writes.
		return nil, nil
	}
	recorded, err := recordedFiles(ctx, ra, start, m)
	if err != nil || recorded == nil {
		return nil, err
	}
	a := &formats.Appendix{Note: fmt.Sprintf("zip of %d associated files appended to the TFLite model's %d-byte FlatBuffer, which carries %s", len(names), start, metadataName)}
	for _, n := range names {
		if !recorded[n] {
			a.Unlisted = append(a.Unlisted, n)
		}
	}
	return a, nil
}

// recordedFiles reads the ModelMetadata FlatBuffer of the model's
// TFLITE_METADATA entry and returns the associated-file names it records,
// everywhere tflite-support's populator looks for them; nil when the model
// has no such metadata.
func recordedFiles(ctx context.Context, ra io.ReaderAt, size int64, m *Model) (map[string]bool, error) {
	f := newFB(ra, int(min(size, maxFlatbuffer)))
	root, err := f.U32(0)
	if err != nil {
		return nil, err
	}
	model, err := f.Table(int(root))
	if err != nil {
		return nil, err
	}
	for _, md := range m.Metadata {
		if md.Name != metadataName {
			continue
		}
		buf, err := elem(f, model, 4, md.Buffer)
		if err != nil {
			return nil, fmt.Errorf("metadata buffer: %w", err)
		}
		start, n, err := f.Vector(buf, 0, 1)
		if err != nil {
			return nil, fmt.Errorf("metadata buffer: %w", err)
		}
		if start == 0 {
			// Data stored after the flatbuffer; Walk checked the range
			// lies within size.
			off, err := f.Scalar(buf, 1, 8)
			if err != nil {
				return nil, err
			}
			sz, err := f.Scalar(buf, 2, 8)
			if err != nil {
				return nil, err
			}
			if off <= 1 || off > uint64(size) || sz > uint64(size)-off {
				return nil, nil
			}
			return associatedNames(ctx, io.NewSectionReader(ra, int64(off), int64(sz)), int(sz))
		}
		return associatedNames(ctx, io.NewSectionReader(ra, int64(start), int64(n)), n)
	}
	return nil, nil
}

// Fields of the metadata schema (tensorflow_lite_support/metadata/
// metadata_schema.fbs) that hold associated files, as vtable slots.
const (
	modelMetaSubgraphs  = 3
	modelMetaFiles      = 6
	subgraphInputs      = 2
	subgraphOutputs     = 3
	subgraphFiles       = 4
	subgraphInputUnits  = 5
	subgraphOutputUnits = 6
	tensorUnits         = 4
	tensorFiles         = 6
	// ProcessUnitOptions union members that name files.
	unitBert          = 4
	unitSentencePiece = 5
	unitRegex         = 6
)

// associatedNames walks a ModelMetadata FlatBuffer of n bytes.
func associatedNames(ctx context.Context, ra io.ReaderAt, n int) (map[string]bool, error) {
	f := newFB(ra, n)
	var id [4]byte
	if n < 8 {
		return nil, nil
	}
	if _, err := ra.ReadAt(id[:], 4); err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	if string(id[:]) != metadataID {
		return nil, nil
	}
	root, err := f.U32(0)
	if err != nil {
		return nil, err
	}
	meta, err := f.Table(int(root))
	if err != nil {
		return nil, err
	}
	c := &collector{f: f, names: map[string]bool{}}
	c.files(meta, modelMetaFiles)
	sgs, err := f.Tables(meta, modelMetaSubgraphs, maxAssociated)
	if err != nil {
		return nil, err
	}
	for _, sg := range sgs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.files(sg, subgraphFiles)
		for _, field := range []int{subgraphInputs, subgraphOutputs} {
			ts, err := f.Tables(sg, field, maxAssociated)
			c.fail(err)
			for _, t := range ts {
				c.files(t, tensorFiles)
				c.units(t, tensorUnits)
			}
		}
		c.units(sg, subgraphInputUnits)
		c.units(sg, subgraphOutputUnits)
	}
	if c.err != nil {
		return nil, c.err
	}
	return c.names, nil
}

// collector gathers associated-file names, keeping the first error.
type collector struct {
	f     *fb
	names map[string]bool
	err   error
}

func (c *collector) fail(err error) {
	if err != nil && c.err == nil {
		c.err = err
	}
}

// files adds the names of the [AssociatedFile] vector in field i of t.
func (c *collector) files(t table, i int) {
	ts, err := c.f.Tables(t, i, maxAssociated)
	c.fail(err)
	for _, af := range ts {
		name, err := c.f.Str(af, 0)
		c.fail(err)
		if len(c.names) >= maxAssociated {
			c.fail(&formats.LimitError{Limit: "tflite-associated-files", Max: maxAssociated})
			return
		}
		c.names[name] = true
	}
}

// units adds the files named by the tokenizer options of the
// [ProcessUnit] vector in field i of t.
func (c *collector) units(t table, i int) {
	ts, err := c.f.Tables(t, i, maxAssociated)
	c.fail(err)
	for _, u := range ts {
		kind, err := c.f.Scalar(u, 0, 1)
		c.fail(err)
		var fields []int
		switch kind {
		case unitBert:
			fields = []int{0}
		case unitSentencePiece:
			fields = []int{0, 1}
		case unitRegex:
			fields = []int{1}
		default:
			continue
		}
		p, err := c.f.Ref(u, 1)
		c.fail(err)
		if p == 0 || err != nil {
			continue
		}
		opts, err := c.f.Table(p)
		if err != nil {
			c.fail(err)
			continue
		}
		for _, fi := range fields {
			c.files(opts, fi)
		}
	}
}

var errNoElement = errors.New("vector index out of range")

// elem returns table k of the table vector in field i of t.
func elem(f *fb, t table, i, k int) (table, error) {
	start, n, err := f.Vector(t, i, 4)
	if err != nil {
		return table{}, err
	}
	if start == 0 || k < 0 || k >= n {
		return table{}, errNoElement
	}
	return f.Elem(start, k)
}

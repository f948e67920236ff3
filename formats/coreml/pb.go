package coreml

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// errStructure marks protobuf bytes that do not parse.
var errStructure = errors.New("malformed protobuf")

// pb reads protobuf messages in place through an io.ReaderAt: a field's
// tag and length are read, its bytes are not unless asked for, so weights
// embedded in a model are skipped, never held.
type pb struct {
	ctx    context.Context
	ra     io.ReaderAt
	size   int64
	fields int
	buf    [2 * binary64]byte
}

const binary64 = 10 // the longest varint

// field is one field of a message: its number and wire type, where its
// tag starts, its value for varints and where its bytes lie for
// length-delimited fields.
type field struct {
	num        protowire.Number
	typ        protowire.Type
	at         int64
	val        uint64
	start, end int64
}

// each calls fn for every field of the message in [start, end).
func (p *pb) each(start, end int64, fn func(f field) error) error {
	for off := start; off < end; {
		if p.fields++; p.fields > MaxFields {
			return &formats.LimitError{Limit: "coreml-fields", Max: MaxFields}
		}
		if p.fields%4096 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		f, next, err := p.field(off, end)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		off = next
	}
	return nil
}

func (p *pb) field(off, end int64) (field, int64, error) {
	b, err := p.peek(off, end)
	if err != nil {
		return field{}, 0, err
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, fmt.Errorf("tag at %d: %w", off, errStructure)
	}
	f := field{num: num, typ: typ, at: off}
	b = b[n:]
	pos := off + int64(n)
	switch typ {
	case protowire.VarintType:
		v, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return f, 0, fmt.Errorf("field %d at %d: %w", num, off, errStructure)
		}
		f.val = v
		return f, pos + int64(m), nil
	case protowire.Fixed32Type:
		pos += 4
	case protowire.Fixed64Type:
		pos += 8
	case protowire.BytesType:
		l, m := protowire.ConsumeVarint(b)
		if m < 0 || l > uint64(end-pos-int64(m)) {
			return f, 0, fmt.Errorf("field %d at %d: length beyond its message: %w", num, off, errStructure)
		}
		f.start = pos + int64(m)
		f.end = f.start + int64(l)
		return f, f.end, nil
	default:
		return f, 0, fmt.Errorf("field %d at %d: wire type %d: %w", num, off, typ, errStructure)
	}
	if pos > end {
		return f, 0, fmt.Errorf("field %d at %d: %w", num, off, errStructure)
	}
	return f, pos, nil
}

// peek returns up to 20 bytes at off, fewer at the end of the message.
func (p *pb) peek(off, end int64) ([]byte, error) {
	n := min(int64(len(p.buf)), end-off)
	b := p.buf[:n]
	if _, err := p.ra.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && off+n == p.size) {
		return nil, &formats.ReadError{Err: err}
	}
	return b, nil
}

// str reads a string field's bytes, up to maxString.
func (p *pb) str(f field) (string, error) {
	if f.typ != protowire.BytesType {
		return "", fmt.Errorf("field %d at %d is not a string: %w", f.num, f.at, errStructure)
	}
	n := f.end - f.start
	if n > maxString {
		return "", &formats.LimitError{Limit: "coreml-string-bytes", Max: maxString}
	}
	b := make([]byte, n)
	if _, err := p.ra.ReadAt(b, f.start); err != nil && !(errors.Is(err, io.EOF) && f.end == p.size) {
		return "", &formats.ReadError{Err: err}
	}
	return string(b), nil
}

// sub calls fn for every field of the message in field f, which must be
// length-delimited.
func (p *pb) sub(f field, fn func(field) error) error {
	if f.typ != protowire.BytesType {
		return fmt.Errorf("field %d at %d is not a message: %w", f.num, f.at, errStructure)
	}
	return p.each(f.start, f.end, fn)
}

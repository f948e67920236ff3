package onnx

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// errMalformed marks bytes that are not a valid protobuf encoding.
var errMalformed = errors.New("malformed protobuf")

// window is how much of the file the cursor buffers. Fields larger than
// this (tensor data) are skipped by seeking, never read.
const window = 64 << 10

// cursor reads protobuf fields from an io.ReaderAt through a small window,
// so that a multi-gigabyte model is walked with flat memory.
type cursor struct {
	ra     io.ReaderAt
	size   int64
	pos    int64
	buf    []byte
	bufOff int64
	reads  int
}

func newCursor(ra io.ReaderAt, size int64) *cursor {
	return &cursor{ra: ra, size: size, buf: make([]byte, 0, window)}
}

// peek returns the buffered bytes from pos on, at least min(n, size-pos) of
// them (n must not exceed window).
func (c *cursor) peek(n int) ([]byte, error) {
	rel := c.pos - c.bufOff
	if rel >= 0 && rel <= int64(len(c.buf)) && int64(len(c.buf))-rel >= int64(min(int64(n), c.size-c.pos)) {
		return c.buf[rel:], nil
	}
	want := min(int64(window), c.size-c.pos)
	c.buf = c.buf[:want]
	c.bufOff = c.pos
	c.reads++
	got, err := c.ra.ReadAt(c.buf, c.pos)
	if int64(got) < want {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		c.buf = c.buf[:0]
		return nil, &formats.ReadError{Err: fmt.Errorf("at offset %d: %w", c.pos, err)}
	}
	return c.buf, nil
}

func (c *cursor) varint() (uint64, error) {
	b, err := c.peek(binaryMaxVarint)
	if err != nil {
		return 0, err
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, fmt.Errorf("varint at offset %d: %w", c.pos, errMalformed)
	}
	c.pos += int64(n)
	return v, nil
}

const binaryMaxVarint = 10

// read returns the next n bytes (n ≤ window). The slice is valid until
// the next call on the cursor.
func (c *cursor) read(n int) ([]byte, error) {
	b, err := c.peek(n)
	if err != nil {
		return nil, err
	}
	c.pos += int64(n)
	return b[:n], nil
}

// field is one protobuf field as the walker meets it.
type field struct {
	Num   protowire.Number
	Type  protowire.Type
	Val   uint64 // varint and fixed values
	Start int64  // offset of the value (after tag and length)
	End   int64  // offset just past the value
}

// walk visits the fields of the message occupying [c.pos, end). After fn
// returns, the cursor is moved past the field whatever fn did with it.
func (c *cursor) walk(ctx context.Context, end int64, fn func(f field) error) error {
	for n := 0; c.pos < end; n++ {
		if n&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tagAt := c.pos
		tag, err := c.varint()
		if err != nil {
			return err
		}
		num, typ := protowire.DecodeTag(tag)
		if num < protowire.MinValidNumber || num > protowire.MaxValidNumber {
			return fmt.Errorf("field number %d at offset %d: %w", num, tagAt, errMalformed)
		}
		f := field{Num: num, Type: typ, Start: c.pos}
		switch typ {
		case protowire.VarintType:
			if f.Val, err = c.varint(); err != nil {
				return err
			}
		case protowire.Fixed32Type, protowire.Fixed64Type:
			w := 4
			if typ == protowire.Fixed64Type {
				w = 8
			}
			if end-c.pos < int64(w) {
				return fmt.Errorf("fixed field at offset %d runs past its message: %w", tagAt, errMalformed)
			}
			b, err := c.read(w)
			if err != nil {
				return err
			}
			for i := w - 1; i >= 0; i-- {
				f.Val = f.Val<<8 | uint64(b[i])
			}
		case protowire.BytesType:
			l, err := c.varint()
			if err != nil {
				return err
			}
			if l > uint64(end-c.pos) {
				return fmt.Errorf("field %d at offset %d declares %d bytes, %d remain: %w", num, tagAt, l, end-c.pos, errMalformed)
			}
			f.Start = c.pos
			c.pos += int64(l)
		default:
			// Groups are deprecated and no ONNX or TensorFlow message uses
			// them; the reference parsers would still accept them, so a
			// file relying on them is treated as unreadable.
			return fmt.Errorf("wire type %d at offset %d: %w", typ, tagAt, errMalformed)
		}
		f.End = c.pos
		if c.pos > end {
			return fmt.Errorf("field %d at offset %d runs past its message: %w", num, tagAt, errMalformed)
		}
		if err := fn(f); err != nil {
			return err
		}
		c.pos = f.End
	}
	return nil
}

// enter runs walk over the sub-message f.
func (c *cursor) enter(ctx context.Context, f field, fn func(f field) error) error {
	if f.Type != protowire.BytesType {
		return fmt.Errorf("field %d at offset %d: want a message, have wire type %d: %w", f.Num, f.Start, f.Type, errMalformed)
	}
	c.pos = f.Start
	return c.walk(ctx, f.End, fn)
}

// str returns up to max bytes of the length-delimited field f, and whether
// it was cut.
func (c *cursor) str(f field, max int) (string, bool, error) {
	if f.Type != protowire.BytesType {
		return "", false, fmt.Errorf("field %d at offset %d: want bytes, have wire type %d: %w", f.Num, f.Start, f.Type, errMalformed)
	}
	n := f.End - f.Start
	cut := n > int64(max)
	n = min(n, int64(max))
	c.pos = f.Start
	b, err := c.read(int(n))
	if err != nil {
		return "", false, err
	}
	return string(b), cut, nil
}

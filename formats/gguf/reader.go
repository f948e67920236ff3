package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// errTruncated marks a length or count that reaches past the end of file.
var errTruncated = errors.New("truncated")

// reader reads the GGUF header sequentially from a ReaderAt, tracking the
// file offset so that every length can be checked against the bytes that
// remain, and seeking over large skipped values instead of reading them.
type reader struct {
	ra    io.ReaderAt
	size  int64
	pos   int64
	br    *bufio.Reader
	order binary.ByteOrder
	buf   [8]byte
	// read counts the bytes fetched from ra, for benchmarks.
	read int64
}

const bufSize = 64 << 10

func newReader(ra io.ReaderAt, size int64) *reader {
	r := &reader{ra: ra, size: size, order: binary.LittleEndian}
	r.seek(0)
	return r
}

func (r *reader) seek(pos int64) {
	r.pos = pos
	r.br = bufio.NewReaderSize(&countingReader{io.NewSectionReader(r.ra, pos, r.size-pos), &r.read}, bufSize)
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

func (r *reader) remaining() uint64 { return uint64(r.size - r.pos) }

// need fails when n bytes are not left in the file.
func (r *reader) need(n uint64, what string) error {
	if n > r.remaining() {
		return fmt.Errorf("%s: %d bytes at offset %d, %d left: %w", what, n, r.pos, r.remaining(), errTruncated)
	}
	return nil
}

func (r *reader) full(p []byte) error {
	n, err := io.ReadFull(r.br, p)
	r.pos += int64(n)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("read at offset %d: %w", r.pos, errTruncated)
		}
		return &formats.ReadError{Err: err}
	}
	return nil
}

func (r *reader) fixed(n int, what string) ([]byte, error) {
	if err := r.need(uint64(n), what); err != nil {
		return nil, err
	}
	b := r.buf[:n]
	return b, r.full(b)
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.fixed(4, what)
	if err != nil {
		return 0, err
	}
	return r.order.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.fixed(8, what)
	if err != nil {
		return 0, err
	}
	return r.order.Uint64(b), nil
}

// scalar reads a fixed-size value as an unsigned number of its width.
func (r *reader) scalar(size uint64, what string) (uint64, error) {
	b, err := r.fixed(int(size), what)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(r.order.Uint16(b)), nil
	case 4:
		return uint64(r.order.Uint32(b)), nil
	}
	return r.order.Uint64(b), nil
}

// skip moves n bytes forward, which must remain in the file.
func (r *reader) skip(n uint64, what string) error {
	if err := r.need(n, what); err != nil {
		return err
	}
	if n <= uint64(r.br.Buffered()) {
		d, err := r.br.Discard(int(n))
		r.pos += int64(d)
		return err
	}
	r.seek(r.pos + int64(n))
	return nil
}

// bytes reads n bytes, into scratch when they fit (the result is then only
// valid until scratch is reused).
func (r *reader) bytes(n uint64, scratch []byte, what string) ([]byte, error) {
	if err := r.need(n, what); err != nil {
		return nil, err
	}
	var b []byte
	if n <= uint64(cap(scratch)) {
		b = scratch[:n]
	} else {
		b = make([]byte, n)
	}
	return b, r.full(b)
}

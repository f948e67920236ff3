package formats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Input is one file, or one member of a container, handed to an analyzer.
// It can be read from the start any number of times; it is random access
// when its origin is (a local file, a stored zip member) and a re-openable
// stream otherwise (a deflated member, a decompressed wrapper).
type Input struct {
	// Name is the file's path inside its parent container, or its path
	// relative to the scan root at the top level. Only its extension is a
	// hint; analyzers decide by content.
	Name string
	// Size is the number of bytes, or -1 when the origin does not say
	// (a compressed stream).
	Size int64
	// Packed is the number of bytes the input occupies in its container
	// before decompression, or 0 when it is not compressed. The engine
	// checks the decompression ratio against it.
	Packed int64

	ra   io.ReaderAt
	open func() (io.ReadCloser, error)
}

// NewInput returns an Input over the first size bytes of ra.
func NewInput(name string, ra io.ReaderAt, size int64) *Input {
	return &Input{Name: name, Size: size, ra: ra}
}

// NewStreamInput returns an Input whose bytes come from open, which must
// return a fresh reader positioned at the start each time it is called.
// size is -1 when unknown; packed is the compressed size, or 0.
func NewStreamInput(name string, size, packed int64, open func() (io.ReadCloser, error)) *Input {
	return &Input{Name: name, Size: size, Packed: packed, open: open}
}

// Open returns a reader over the input from its first byte.
func (in *Input) Open() (io.ReadCloser, error) {
	if in.ra != nil {
		return io.NopCloser(io.NewSectionReader(in.ra, 0, in.Size)), nil
	}
	return in.open()
}

// RandomAccess reports whether ReaderAt is free (no materialization).
func (in *Input) RandomAccess() bool { return in.ra != nil }

// ErrTooLargeToBuffer is returned by ReaderAt for a stream too large to hold
// in memory for random access.
var ErrTooLargeToBuffer = errors.New("stream too large to buffer for random access")

// ReaderAt returns random access to the input. A stream input is read into
// memory once, up to max bytes; a larger one gives a LimitError.
func (in *Input) ReaderAt(max int64) (io.ReaderAt, int64, error) {
	if in.ra != nil {
		return in.ra, in.Size, nil
	}
	rc, err := in.open()
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if in.Size > 0 && in.Size <= max {
		buf.Grow(int(in.Size))
	}
	n, err := io.Copy(&buf, io.LimitReader(rc, max+1))
	if err != nil {
		return nil, 0, fmt.Errorf("buffer %s: %w", in.Name, err)
	}
	if n > max {
		return nil, 0, &LimitError{Limit: "buffered-member-bytes", Max: max}
	}
	in.ra, in.Size = bytes.NewReader(buf.Bytes()), n
	return in.ra, n, nil
}

package tflite

import (
	"errors"
	"io"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/internal/flatbuf"
)

// errBounds marks a flatbuffer offset or length outside the file.
var errBounds = flatbuf.ErrBounds

// fb reads flatbuffer tables through a small page cache over an
// io.ReaderAt; tensor data is never read. Its End tracks the highest
// byte any reference reached.
type fb = flatbuf.Reader

type table = flatbuf.Table

const (
	pageSize  = 4096
	maxPages  = 1024
	maxString = 1 << 20
	// maxRead caps one read: the largest blob a caller asks for (a Flex
	// NodeDef carrying a SentencePiece model, say).
	maxRead = maxOptions
)

func newFB(ra io.ReaderAt, size int) *fb {
	f := flatbuf.New(&pager{ra: ra, size: size, pages: map[int][]byte{}}, size)
	f.Name, f.MaxString = "tflite", maxString
	return f
}

// pager serves the reader's bytes from pages of the file.
type pager struct {
	ra    io.ReaderAt
	size  int
	pages map[int][]byte
}

// Bytes returns n bytes at off, which the reader checked lie in the file;
// n is at most maxRead.
func (p *pager) Bytes(off, n int) ([]byte, error) {
	if n > maxRead {
		return nil, &formats.LimitError{Limit: "tflite-blob-bytes", Max: maxRead}
	}
	first, last := off/pageSize, (off+n-1)/pageSize
	if first == last {
		pg, err := p.page(first)
		if err != nil {
			return nil, err
		}
		return pg[off-first*pageSize : off-first*pageSize+n], nil
	}
	out := make([]byte, n)
	if _, err := p.ra.ReadAt(out, int64(off)); err != nil && !(errors.Is(err, io.EOF) && off+n == p.size) {
		return nil, &formats.ReadError{Err: err}
	}
	return out, nil
}

func (p *pager) page(i int) ([]byte, error) {
	if pg, ok := p.pages[i]; ok {
		return pg, nil
	}
	if len(p.pages) >= maxPages {
		clear(p.pages)
	}
	pg := make([]byte, min(pageSize, p.size-i*pageSize))
	if _, err := p.ra.ReadAt(pg, int64(i*pageSize)); err != nil && !(errors.Is(err, io.EOF) && i*pageSize+len(pg) == p.size) {
		return nil, &formats.ReadError{Err: err}
	}
	p.pages[i] = pg
	return pg, nil
}

// Package remote gives random access to a file that lives behind a network
// origin (an HTTP server, an OCI registry, an object store) through ranged
// reads: small reads are served from a few cached windows, sequential
// reads from one streaming body whose requested span grows while the
// reader keeps going (or, when allowed, from chunks fetched over several
// connections at once and yielded in order), and jumps from a fresh
// ranged request. Every fetch
// covers whole blocks, and a block an origin serves two ways fails the
// file, so whatever an analyzer reads ahead is what the hash covers. It also holds
// the HTTP client rules every fetcher shares (credentials only to the
// origin host, bounded redirects and retries). It never writes to disk and
// never interprets the bytes it serves.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Opener returns a body holding the bytes [off, off+n) of a file. A body
// that ends early is a short read, reported as an error by ReaderAt.
type Opener func(ctx context.Context, off, n int64) (io.ReadCloser, error)

const (
	// windowSize is the least a small random read fetches: it covers a
	// safetensors or GGUF header, a zip end record and central directory
	// of a few hundred members, in one round trip.
	windowSize = 64 << 10
	// maxWindows small windows are kept; headers sit at both ends of a file.
	maxWindows = 8
	// firstSpan and maxSpan bound a streaming request: it starts small so a
	// reader that stops early leaves little in flight, and doubles while
	// reads stay sequential.
	firstSpan = 256 << 10
	maxSpan   = 64 << 20
	// skipMax is the largest forward gap read and discarded from an open
	// body rather than answered by a new request.
	skipMax = 256 << 10
)

// ReaderAt is random access to one remote file of known size. It is safe
// for concurrent use; reads are serialized.
type ReaderAt struct {
	ctx  context.Context
	open Opener
	size int64

	mu      sync.Mutex
	body    io.ReadCloser
	pos     int64 // next byte body yields
	end     int64 // body ends here
	lastEnd int64 // end of the last network fetch, to spot sequential reads
	span    int64
	windows []window
	fetched int64
	closed  bool
	blk     *blocks
	// conns > 1 lets a long sequential read go parallel; parFetched
	// counts what parallel streams requested.
	conns      int
	budget     *Budget
	chunk      int64
	parFetched atomic.Int64
	backoff    time.Duration
	// err is sticky: once an origin served a block two ways, or a block
	// was served but could not be checked, nothing more is read.
	err error
}

type window struct {
	off int64
	b   []byte
}

// NewReaderAt returns random access to the size bytes open serves. ctx
// bounds every request made on the reader's behalf.
func NewReaderAt(ctx context.Context, size int64, open Opener) *ReaderAt {
	return &ReaderAt{ctx: ctx, open: open, size: size, lastEnd: -1, blk: newBlocks(size), conns: 1, chunk: parallelChunk, backoff: 100 * time.Millisecond}
}

// Parallel lets a long sequential read of the file (a hashing pass) fetch
// it over up to conns connections at once, in chunks of ranged requests
// reassembled in order; conns <= 1 keeps one connection. The chunks it
// holds come from budget, shared with other files' readers (nil: its
// own). It returns r and must be called before the first read.
func (r *ReaderAt) Parallel(conns int, budget *Budget) *ReaderAt {
	r.conns, r.budget = max(conns, 1), budget
	return r
}

// Size is the file's size.
func (r *ReaderAt) Size() int64 { return r.size }

// Fetched is how many bytes have been read from the origin so far.
func (r *ReaderAt) Fetched() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fetched + r.parFetched.Load()
}

// ErrShortBody is returned when the origin ends a body before the bytes it
// was asked for.
var ErrShortBody = errors.New("origin sent fewer bytes than the file's stated size")

// ReadAt implements io.ReaderAt.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	var eof error
	if rem := r.size - off; int64(len(p)) > rem {
		p, eof = p[:rem], io.EOF
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errors.New("read from a closed remote file")
	}
	if r.err != nil {
		return 0, r.err
	}
	n := 0
	for n < len(p) {
		if err := r.ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.readSome(p[n:], off+int64(n))
		n += m
		if errors.Is(err, errRangeIgnored) {
			// Chunks end at block boundaries, so no block was left half
			// served: the rest comes over one connection.
			r.conns = 1
			continue
		}
		if errors.Is(err, ErrInconsistent) {
			r.err = err
		}
		if r.err != nil {
			return n, r.err
		}
		if err != nil {
			return n, err
		}
	}
	return n, eof
}

// readSome serves a prefix of p from a window, the open body, or a new
// request.
func (r *ReaderAt) readSome(p []byte, off int64) (int, error) {
	for i := len(r.windows) - 1; i >= 0; i-- {
		w := r.windows[i]
		if off >= w.off && off < w.off+int64(len(w.b)) {
			return copy(p, w.b[off-w.off:]), nil
		}
	}
	if r.body != nil && off >= r.pos && off < r.end && off-r.pos <= skipMax {
		return r.readBody(p, off)
	}
	if int64(len(p)) >= firstSpan || off == r.lastEnd {
		if err := r.openBody(off, int64(len(p))); err != nil {
			return 0, err
		}
		return r.readBody(p, off)
	}
	return r.readWindow(p, off)
}

func (r *ReaderAt) readBody(p []byte, off int64) (int, error) {
	if gap := off - r.pos; gap > 0 {
		k, err := io.CopyN(io.Discard, r.body, gap)
		r.pos += k
		if err != nil {
			r.closeBody()
			return 0, r.shortErr(err)
		}
	}
	m := min(int64(len(p)), r.end-r.pos)
	k, err := io.ReadFull(r.body, p[:m])
	r.pos += int64(k)
	if err != nil {
		r.closeBody()
		return k, r.shortErr(err)
	}
	if r.pos == r.end {
		r.closeBody()
	}
	return k, nil
}

func (r *ReaderAt) shortErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (body ended at byte %d of %d)", ErrShortBody, r.pos, r.size)
	}
	return err
}

func (r *ReaderAt) openBody(off, want int64) error {
	r.closeBody()
	if off == r.lastEnd && r.span > 0 {
		r.span = min(2*r.span, maxSpan)
	} else {
		r.span = firstSpan
	}
	chunk := max(r.chunk, r.blk.bs)
	if r.conns > 1 && max(r.span, want) >= parallelFrom && r.size-off >= 2*chunk {
		// A stream this long is read to the file's end (the hashing
		// pass): fetch the rest of the file in chunks over several
		// connections, a bounded number ahead of the reader.
		start := off / r.blk.bs * r.blk.bs
		body := newParallelBody(r.ctx, r.open, start, r.size, chunk, r.conns, r.budget, &r.parFetched, r.backoff)
		r.body = &checkedBody{rc: body, b: r.blk, off: start, h: r.blk.mac()}
		r.pos, r.end, r.lastEnd = start, r.size, r.size
		return nil
	}
	start, end := r.blk.align(off, min(off+r.span, r.size))
	for _, w := range r.windows {
		// A window already holds what follows (a tail read before the
		// body): the stream stops where it starts, so no byte is
		// fetched twice. Windows start on a block boundary.
		if w.off > off && w.off < end {
			end = w.off
		}
	}
	n := end - start
	body, err := r.open(r.ctx, start, n)
	if err != nil {
		return err
	}
	if n >= aheadFrom {
		body = newReadAhead(body)
	}
	r.body = &checkedBody{rc: body, b: r.blk, off: start, h: r.blk.mac()}
	r.pos, r.end, r.lastEnd = start, end, end
	r.fetched += n
	return nil
}

func (r *ReaderAt) readWindow(p []byte, off int64) (int, error) {
	r.closeBody()
	start := off / r.blk.bs * r.blk.bs
	start, end := r.blk.align(off, max(off+int64(len(p)), start+windowSize))
	n := end - start
	body, err := r.open(r.ctx, start, n)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(body, b)
	r.fetched += n
	if err != nil {
		r.pos = start + int64(k)
		return 0, r.shortErr(err)
	}
	if err := r.blk.checkAll(start, b); err != nil {
		return 0, err
	}
	if len(r.windows) == maxWindows {
		r.windows = append(r.windows[:0], r.windows[1:]...)
	}
	r.windows = append(r.windows, window{off: start, b: b})
	r.lastEnd = end
	return copy(p, b[off-start:]), nil
}

// closeBody closes the open body after reading the rest of its current
// block, so every block it served part of gets checked.
func (r *ReaderAt) closeBody() {
	if r.body == nil {
		return
	}
	if rest := r.blk.blockEnd(r.pos) - r.pos; r.pos < r.end && r.pos%r.blk.bs != 0 && !r.closed {
		if _, err := io.CopyN(io.Discard, r.body, rest); err != nil && r.err == nil {
			r.err = fmt.Errorf("check bytes %d-%d already served: %w", r.pos/r.blk.bs*r.blk.bs, r.pos+rest-1, r.shortErr(err))
		}
	}
	r.body.Close()
	r.body = nil
}

// Close releases the open body and the cached windows.
func (r *ReaderAt) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.closeBody()
	r.windows = nil
	return nil
}

// MaxFileSize is the largest size a remote file may state (4 TiB); a
// larger one is a lie or a denial of service.
const MaxFileSize = 4 << 40

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

const (
	// parallelChunk is the span of one ranged request of a parallel
	// stream: large enough that request latency is small against its
	// transfer, small enough that connections × parallelChunk bytes in
	// memory stay modest (64 MiB at eight connections).
	parallelChunk = 8 << 20
	// parallelFrom is the least a sequential reader must have asked for
	// (one read, or one doubled span) before its stream goes parallel:
	// a reader that stops early fetches little.
	parallelFrom = 1 << 20
	// chunkAttempts bounds the requests made for one chunk.
	chunkAttempts = 4
)

// errRangeIgnored is a chunk of a parallel stream answered with the whole
// file (200) instead of its range: fetching every chunk that way would
// download the file's prefix once per chunk, so the stream falls back to
// one connection.
var errRangeIgnored = errors.New("the origin ignores Range")

// wholeBody is the body of a 200 answer to a range request: the file from
// its start, skipped to the range at the first read. A parallel stream
// refuses it before reading.
type wholeBody struct {
	body    io.ReadCloser
	skip, n int64
	url     string
}

func (w *wholeBody) Read(p []byte) (int, error) {
	if w.skip > 0 {
		if _, err := io.CopyN(io.Discard, w.body, w.skip); err != nil {
			return 0, fmt.Errorf("GET %s: skip to byte %d of a server that ignores Range: %w", w.url, w.skip, ErrShortBody)
		}
		w.skip = 0
	}
	if w.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), w.n)]
	k, err := w.body.Read(p)
	w.n -= int64(k)
	return k, err
}

func (w *wholeBody) Close() error { return w.body.Close() }

// Budget bounds the chunk buffers that the parallel streams of several
// files hold together. A Source shares one among its files, so the memory
// a scan holds stays the budget's chunks × 8 MiB however many files it
// reads at once.
type Budget struct{ bufs chan []byte }

// SourceBudget is the budget a Source shares among its files: two files
// at full speed over conns connections each.
func SourceBudget(conns int) *Budget { return NewBudget(2 * (conns + 1)) }

// NewBudget returns a budget of chunks buffers.
func NewBudget(chunks int) *Budget {
	b := &Budget{bufs: make(chan []byte, max(chunks, 1))}
	for range cap(b.bufs) {
		b.bufs <- nil
	}
	return b
}

// get takes a buffer of n bytes, allocating it on first use.
func (b *Budget) get(ctx context.Context, n int64) ([]byte, bool) {
	select {
	case buf := <-b.bufs:
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		return buf[:n], true
	case <-ctx.Done():
		return nil, false
	}
}

// put gives a buffer back; every buffer put was got, so it never blocks.
func (b *Budget) put(buf []byte) { b.bufs <- buf }

// parallelBody streams the bytes [off, end) of a file by fetching chunks
// of it over up to conns concurrent ranged requests, and yields them in
// order. At most conns chunks are being fetched, and conns+1 held in all
// (the one being read included); their buffers come from a Budget. A
// chunk whose request fails, or whose body ends early, is fetched again a
// bounded number of times; every chunk is read in full before any of its
// bytes is yielded, so a failed attempt never yields bytes.
type parallelBody struct {
	cancel context.CancelFunc
	order  chan chan chunkResult // result of each chunk, in file order
	budget *Budget
	held   chan struct{} // a token per chunk held
	fetch  chan struct{} // a token per fetch in flight
	cur    []byte        // the rest of the chunk being yielded
	buf    []byte        // the buffer cur lies in
	err    error
	wg     sync.WaitGroup
}

type chunkResult struct {
	b   []byte
	err error
}

// newParallelBody starts fetching; fetched counts the bytes requested.
// backoff is the first wait before a chunk is fetched again; it doubles.
func newParallelBody(ctx context.Context, open Opener, off, end, chunk int64, conns int, budget *Budget, fetched *atomic.Int64, backoff time.Duration) *parallelBody {
	ctx, cancel := context.WithCancel(ctx)
	if budget == nil {
		budget = NewBudget(conns + 1)
	}
	pb := &parallelBody{
		cancel: cancel,
		order:  make(chan chan chunkResult, conns+1),
		budget: budget,
		held:   make(chan struct{}, conns+1),
		fetch:  make(chan struct{}, conns),
	}
	pb.wg.Add(1)
	go pb.dispatch(ctx, open, off, end, chunk, fetched, backoff)
	return pb
}

// dispatch starts one fetch per chunk as buffers come free. The order
// queue holds conns+1 results, as many as chunks held, so sending on it
// never blocks.
func (pb *parallelBody) dispatch(ctx context.Context, open Opener, off, end, chunk int64, fetched *atomic.Int64, backoff time.Duration) {
	defer pb.wg.Done()
	defer close(pb.order)
	for ; off < end; off += chunk {
		select {
		case pb.held <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case pb.fetch <- struct{}{}:
		case <-ctx.Done():
			<-pb.held
			return
		}
		n := min(chunk, end-off)
		buf, ok := pb.budget.get(ctx, n)
		if !ok {
			<-pb.fetch
			<-pb.held
			return
		}
		res := make(chan chunkResult, 1)
		pb.order <- res
		fetched.Add(n)
		pb.wg.Add(1)
		go func(off int64, b []byte) {
			defer pb.wg.Done()
			err := fetchChunk(ctx, open, off, b, backoff)
			<-pb.fetch
			res <- chunkResult{b: b, err: err}
		}(off, buf)
	}
}

// fetchChunk fills b with the bytes at off, retrying a failed attempt.
func fetchChunk(ctx context.Context, open Opener, off int64, b []byte, wait time.Duration) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = fetchOnce(ctx, open, off, b)
		if err == nil || ctx.Err() != nil || errors.Is(err, errRangeIgnored) || errors.Is(err, ErrInconsistent) {
			return err
		}
		if attempt == chunkAttempts {
			return fmt.Errorf("bytes %d-%d, %d attempts: %w", off, off+int64(len(b))-1, attempt, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait *= 2
	}
}

func fetchOnce(ctx context.Context, open Opener, off int64, b []byte) error {
	body, err := open(ctx, off, int64(len(b)))
	if err != nil {
		return err
	}
	defer body.Close()
	if _, ok := body.(*wholeBody); ok && off > 0 {
		return errRangeIgnored
	}
	if _, err := io.ReadFull(body, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w (a chunk at byte %d)", ErrShortBody, off)
		}
		return err
	}
	return nil
}

// Read yields the stream's bytes; an error is returned only at a chunk
// boundary.
func (pb *parallelBody) Read(p []byte) (int, error) {
	for len(pb.cur) == 0 {
		if pb.err != nil {
			return 0, pb.err
		}
		if pb.buf != nil {
			pb.release(pb.buf)
			pb.buf = nil
		}
		res, ok := <-pb.order
		if !ok {
			pb.err = io.EOF
			continue
		}
		r := <-res
		if r.err != nil {
			pb.err = r.err
			pb.release(r.b)
			continue
		}
		pb.cur, pb.buf = r.b, r.b
	}
	n := copy(p, pb.cur)
	pb.cur = pb.cur[n:]
	return n, nil
}

func (pb *parallelBody) release(b []byte) {
	pb.budget.put(b)
	<-pb.held
}

// Close cancels the fetches in flight, waits for them to stop and gives
// every buffer back to the budget.
func (pb *parallelBody) Close() error {
	pb.cancel()
	pb.wg.Wait()
	if pb.buf != nil {
		pb.release(pb.buf)
		pb.buf, pb.cur = nil, nil
	}
	for res := range pb.order {
		pb.release((<-res).b)
	}
	if pb.err == nil {
		pb.err = errors.New("read from a closed parallel stream")
	}
	return nil
}

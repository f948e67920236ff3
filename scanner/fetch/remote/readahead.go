package remote

import (
	"errors"
	"io"
)

const (
	// aheadChunk and aheadChunks size the read-ahead of a streaming body:
	// while the scan hashes one chunk the next ones arrive.
	aheadChunk  = 1 << 20
	aheadChunks = 4
	// aheadFrom is the span from which a body is read ahead; a shorter
	// one belongs to a reader that may stop soon.
	aheadFrom = 4 << 20
)

// readAhead reads a body in a goroutine, a few chunks ahead of its
// consumer, so network transfer overlaps hashing and analysis.
type readAhead struct {
	rc   io.ReadCloser
	ch   chan aheadResult
	stop chan struct{}
	cur  []byte
	err  error
}

type aheadResult struct {
	b   []byte
	err error
}

func newReadAhead(rc io.ReadCloser) *readAhead {
	ra := &readAhead{rc: rc, ch: make(chan aheadResult, aheadChunks), stop: make(chan struct{})}
	go ra.fill()
	return ra
}

func (ra *readAhead) fill() {
	defer close(ra.ch)
	for {
		b := make([]byte, aheadChunk)
		n, err := io.ReadFull(ra.rc, b)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		select {
		case ra.ch <- aheadResult{b: b[:n], err: err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		r, ok := <-ra.ch
		if !ok {
			return 0, io.EOF
		}
		ra.cur, ra.err = r.b, r.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine and closes the body, which unblocks a read
// in progress.
func (ra *readAhead) Close() error {
	close(ra.stop)
	return ra.rc.Close()
}

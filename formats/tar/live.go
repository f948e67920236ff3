package tar

import (
	"io"
	"sync"

	"github.com/modelgate/modelgate/formats"
)

// replayMax is how much of a streamed member is kept for replay, so that
// the usual pattern — the engine reads the head to sniff, then one analyzer
// reads the member through — costs one pass over the archive.
const replayMax = formats.HeadSize

// liveMember is a member of a streamed tar while the tar reader sits on
// it. Readers share the live stream and its replay buffer; a reader that
// can no longer be served from them (the stream moved past the buffer, or
// the walk moved on to the next entry) re-reads the archive from the start.
type liveMember struct {
	mu      sync.Mutex
	tr      io.Reader
	buf     []byte
	pos     int64 // bytes taken from tr
	retired bool
	rewalk  func() (io.ReadCloser, error)
}

func (m *liveMember) open() (io.ReadCloser, error) {
	m.mu.Lock()
	fresh := !m.retired && m.pos == int64(len(m.buf))
	m.mu.Unlock()
	if !fresh {
		return m.rewalk()
	}
	return &replay{m: m}, nil
}

// retire detaches the member from the tar reader before the walk moves on.
func (m *liveMember) retire() {
	m.mu.Lock()
	m.retired, m.tr = true, nil
	m.mu.Unlock()
}

type replay struct {
	m        *liveMember
	off      int64
	fallback io.ReadCloser
}

func (r *replay) Read(p []byte) (int, error) {
	if r.fallback != nil {
		return r.fallback.Read(p)
	}
	m := r.m
	m.mu.Lock()
	if r.off < int64(len(m.buf)) {
		n := copy(p, m.buf[r.off:])
		r.off += int64(n)
		m.mu.Unlock()
		return n, nil
	}
	if r.off == m.pos && !m.retired {
		n, err := m.tr.Read(p)
		if room := replayMax - len(m.buf); room > 0 && m.pos == int64(len(m.buf)) {
			m.buf = append(m.buf, p[:min(n, room)]...)
		}
		m.pos += int64(n)
		r.off += int64(n)
		m.mu.Unlock()
		return n, err
	}
	m.mu.Unlock()
	rc, err := m.rewalk()
	if err != nil {
		return 0, err
	}
	if _, err := io.CopyN(io.Discard, rc, r.off); err != nil {
		rc.Close()
		return 0, err
	}
	r.fallback = rc
	return rc.Read(p)
}

func (r *replay) Close() error {
	if r.fallback != nil {
		return r.fallback.Close()
	}
	return nil
}

package scanner

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sync"
)

// hashingReaderAt hashes a file in the same pass the analyzers read it:
// every read that reaches the hashed frontier moves it forward, so an
// analyzer that streams the file hashes it as a side effect, and Sum only
// reads the part no analyzer needed (the tensor data behind a header).
type hashingReaderAt struct {
	ra   io.ReaderAt
	size int64

	mu       sync.Mutex
	h        hash.Hash
	frontier int64
}

func newHashingReaderAt(ra io.ReaderAt, size int64) *hashingReaderAt {
	return &hashingReaderAt{ra: ra, size: size, h: sha256.New()}
}

// maxGap is the most a read may land beyond the hashed frontier for the
// bytes between to be read and hashed then. A zip's local headers, read
// once when the archive is opened, lie between the entries its analyzer
// reads in order; without this, hashing would stop at the first of them
// and Sum would read every entry after it a second time.
const maxGap = 4 << 10

func (r *hashingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.ra.ReadAt(p, off)
	r.mu.Lock()
	if gap := off - r.frontier; gap > 0 && gap <= maxGap && n > 0 {
		buf := make([]byte, gap)
		if m, _ := r.ra.ReadAt(buf, r.frontier); m == len(buf) {
			r.h.Write(buf)
			r.frontier = off
		}
	}
	if off <= r.frontier && off+int64(n) > r.frontier {
		r.h.Write(p[r.frontier-off : n])
		r.frontier = off + int64(n)
	}
	r.mu.Unlock()
	return n, err
}

// Sum reads whatever the analyzers left unread and returns the hex SHA-256
// of the whole file.
func (r *hashingReaderAt) Sum() (string, error) {
	buf := make([]byte, 1<<20)
	for {
		r.mu.Lock()
		off := r.frontier
		r.mu.Unlock()
		if off >= r.size {
			break
		}
		n := min(int64(len(buf)), r.size-off)
		if _, err := r.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			return "", err
		}
		r.mu.Lock()
		stuck := r.frontier == off
		r.mu.Unlock()
		if stuck {
			return "", io.ErrUnexpectedEOF
		}
	}
	return hex.EncodeToString(r.h.Sum(nil)), nil
}

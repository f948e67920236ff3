package remote

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

// An origin may answer two requests for the same bytes differently: a
// range that an analyzer reads ahead and the sequential stream the scan
// hashes could then disagree, and the analyzers would have judged bytes
// the digest does not cover. A ReaderAt therefore fetches whole blocks
// only, remembers a keyed tag of every block it has served, and fails
// every read from the first block an origin serves differently.

// ErrInconsistent is returned once the origin has served two different
// contents for the same block of a file.
var ErrInconsistent = errors.New("origin served different bytes for the same range of the file")

const (
	// minBlock is the least block size; it equals windowSize so a window
	// is one block.
	minBlock = windowSize
	// maxBlocks bounds the tag table (8 bytes a block): files over
	// minBlock*maxBlocks get larger blocks.
	maxBlocks = 1 << 20
)

// blocks holds the tags of the blocks served so far.
type blocks struct {
	size int64
	bs   int64
	key  []byte
	tags []uint64 // 0 means not seen yet
}

func newBlocks(size int64) *blocks {
	bs := int64(minBlock)
	for size/bs >= maxBlocks {
		bs *= 2
	}
	key := make([]byte, 32)
	// A key the origin cannot know makes a 64-bit tag unforgeable:
	// with SHA-256 unkeyed and truncated, two colliding blocks would be
	// cheap to make.
	rand.Read(key)
	return &blocks{size: size, bs: bs, key: key}
}

// align returns the block-aligned range covering [off, end).
func (b *blocks) align(off, end int64) (int64, int64) {
	s := off / b.bs * b.bs
	e := min((end+b.bs-1)/b.bs*b.bs, b.size)
	return s, e
}

// blockEnd is the end of the block holding off.
func (b *blocks) blockEnd(off int64) int64 { return min(off/b.bs*b.bs+b.bs, b.size) }

// check tags the block starting at off, whose bytes a hash has summed,
// against the tag of its first fetch.
func (b *blocks) check(off int64, h hash.Hash) error {
	t := binary.BigEndian.Uint64(h.Sum(nil)) | 1
	i := off / b.bs
	if b.tags == nil {
		b.tags = make([]uint64, (b.size+b.bs-1)/b.bs)
	}
	switch b.tags[i] {
	case 0:
		b.tags[i] = t
	case t:
	default:
		return fmt.Errorf("%w (bytes %d-%d)", ErrInconsistent, off, b.blockEnd(off)-1)
	}
	return nil
}

func (b *blocks) mac() hash.Hash { return hmac.New(sha256.New, b.key) }

// checkAll tags the whole blocks of buf, which starts at a block boundary.
func (b *blocks) checkAll(off int64, buf []byte) error {
	for len(buf) > 0 {
		n := b.blockEnd(off) - off
		h := b.mac()
		h.Write(buf[:n])
		if err := b.check(off, h); err != nil {
			return err
		}
		off, buf = off+n, buf[n:]
	}
	return nil
}

// checkedBody tags the blocks of a body that starts at a block boundary
// as they stream through it.
type checkedBody struct {
	rc  io.ReadCloser
	b   *blocks
	off int64 // next byte
	h   hash.Hash
}

func (c *checkedBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	for q := p[:n]; len(q) > 0; {
		k := min(int64(len(q)), c.b.blockEnd(c.off)-c.off)
		c.h.Write(q[:k])
		c.off += k
		q = q[k:]
		if start := (c.off - 1) / c.b.bs * c.b.bs; c.off == c.b.blockEnd(start) {
			if cerr := c.b.check(start, c.h); cerr != nil {
				return n, cerr
			}
			c.h = c.b.mac()
		}
	}
	return n, err
}

func (c *checkedBody) Close() error { return c.rc.Close() }

package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// Keep returns src with every file copied under dir as it is read, in the
// same pass, so a kept file costs no second download. A file is kept only
// when every byte was read (the rest is read at Close when the scan did
// not need it) and, if its origin states a sha256, the bytes match it.
// Writes go through an os.Root: a path that would leave dir (../, an
// absolute name, a symbolic link planted in dir) is never written.
func Keep(src Source, dir string) Source { return &keepSource{src: src, dir: dir} }

type keepSource struct {
	src Source
	dir string
}

func (k *keepSource) Pinned() string { return PinnedRef(k.src) }

func (k *keepSource) Walk(ctx context.Context, fn func(File) error) error {
	return k.src.Walk(ctx, func(f File) error {
		if f.Open == nil {
			return fn(f)
		}
		open, rel, size, digest := f.Open, f.Rel, f.Size, f.Digest
		f.Open = func(ctx context.Context) (ReaderAtCloser, error) {
			rc, err := open(ctx)
			if err != nil {
				return nil, err
			}
			return &keepFile{ra: rc, size: size, rel: rel, digest: digest, dir: k.dir, h: sha256.New()}, nil
		}
		return fn(f)
	})
}

type keepFile struct {
	ra     ReaderAtCloser
	size   int64
	rel    string
	digest string
	dir    string

	mu       sync.Mutex
	h        hash.Hash
	tmp      *os.File
	root     *os.Root
	tmpName  string
	frontier int64
	failed   bool
}

func (k *keepFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := k.ra.ReadAt(p, off)
	k.mu.Lock()
	defer k.mu.Unlock()
	if off <= k.frontier && off+int64(n) > k.frontier {
		k.write(p[k.frontier-off : n])
	}
	return n, err
}

// write appends b at the frontier; a failure only means the file is not
// kept, never that the scan fails.
func (k *keepFile) write(b []byte) {
	k.frontier += int64(len(b))
	if k.failed {
		return
	}
	if k.tmp == nil && !k.create() {
		return
	}
	k.h.Write(b)
	if _, err := k.tmp.Write(b); err != nil {
		k.failed = true
	}
}

func (k *keepFile) create() bool {
	name := filepath.FromSlash(k.rel)
	if !filepath.IsLocal(name) || strings.ContainsRune(k.rel, '\\') {
		k.failed = true
		return false
	}
	if err := os.MkdirAll(k.dir, 0o755); err != nil {
		k.failed = true
		return false
	}
	root, err := os.OpenRoot(k.dir)
	if err != nil {
		k.failed = true
		return false
	}
	if d := path.Dir(k.rel); d != "." {
		if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			root.Close()
			k.failed = true
			return false
		}
	}
	k.tmpName = name + ".modelgate-partial"
	f, err := root.OpenFile(k.tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		root.Close()
		k.failed = true
		return false
	}
	k.root, k.tmp = root, f
	return true
}

// Close reads what the scan left unread, then keeps the file if it is
// whole and matches its stated digest.
func (k *keepFile) Close() error {
	err := k.finish()
	return errors.Join(err, k.ra.Close())
}

func (k *keepFile) finish() error {
	buf := make([]byte, 1<<20)
	for {
		k.mu.Lock()
		off, failed := k.frontier, k.failed
		k.mu.Unlock()
		if failed || off >= k.size {
			break
		}
		n := min(int64(len(buf)), k.size-off)
		if _, err := k.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			k.mu.Lock()
			k.failed = true
			k.mu.Unlock()
			break
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tmp == nil {
		if k.size == 0 && !k.failed && k.create() {
			return k.commit()
		}
		return nil
	}
	return k.commit()
}

func (k *keepFile) commit() error {
	defer k.root.Close()
	err := k.tmp.Close()
	sum := "sha256:" + hex.EncodeToString(k.h.Sum(nil))
	switch {
	case err != nil || k.failed || k.frontier != k.size:
		k.root.Remove(k.tmpName)
		return fmt.Errorf("keep %s: not kept: the file could not be read in full", k.rel)
	case strings.HasPrefix(k.digest, "sha256:") && k.digest != sum:
		k.root.Remove(k.tmpName)
		return fmt.Errorf("keep %s: not kept: content is %s, origin states %s", k.rel, sum, k.digest)
	}
	if err := k.root.Rename(k.tmpName, filepath.FromSlash(k.rel)); err != nil {
		k.root.Remove(k.tmpName)
		return fmt.Errorf("keep %s: %w", k.rel, err)
	}
	return nil
}

package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Local is a file or directory on the local filesystem.
//
// Links are followed only inside the target, to a file or to a directory
// (each directory is walked once, so a walk cannot loop); a Hugging Face
// cache snapshot may also link into its repository's blobs. Every entry
// the walk meets is listed: one it cannot or will not read (a dangling
// link, a link that leaves the target or loops, a FIFO, a device, a
// socket, an unreadable directory) is a File with Err set, so the scan
// reports it inconclusive and goes on. Version-control metadata (.git) is
// not part of a model: it is listed as skipped, not walked.
type Local struct{ root string }

// NewLocal returns the Source for path, which must exist. The path is
// cleaned once here, so report paths and the paths opened agree.
func NewLocal(path string) (*Local, error) {
	path = filepath.Clean(path)
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such file or directory", path)
		}
		return nil, err
	}
	return &Local{root: path}, nil
}

// Root is the cleaned path of the target.
func (l *Local) Root() string { return l.root }

// NotReadError says why a Source lists an entry without reading it: what
// it is (a FIFO, a device) or where it leads (out of the target, around a
// loop) makes its bytes no part of the artifact.
type NotReadError struct{ Why string }

func (e *NotReadError) Error() string { return e.Why }

func notRead(format string, args ...any) error {
	return &NotReadError{Why: fmt.Sprintf(format, args...)}
}

// Walk implements Source.
func (l *Local) Walk(ctx context.Context, fn func(File) error) error {
	info, err := os.Stat(l.root)
	if err != nil {
		return fn(File{Path: l.root, Rel: filepath.Base(l.root), Err: err})
	}
	if !info.IsDir() {
		return fn(localFile(l.root, filepath.Base(l.root), info))
	}
	resolved, err := realPath(l.root)
	if err != nil {
		return err
	}
	w := &localWalk{fn: fn, bounds: []string{resolved}, seen: map[fileKey]string{}}
	if blobs := hfCacheBlobs(resolved); blobs != "" {
		w.bounds = append(w.bounds, blobs)
	}
	w.seen[keyOf(l.root, info)] = l.root
	return w.dir(ctx, l.root, "", []fileKey{keyOf(l.root, info)})
}

type localWalk struct {
	fn     func(File) error
	bounds []string           // real paths (links resolved) a link may lead under
	seen   map[fileKey]string // directories walked, to the path they were walked as
}

// dir walks directory p (rel inside the target); anc are the directories
// from the root down to p, which a link back into would loop.
func (w *localWalk) dir(ctx context.Context, p, rel string, anc []fileKey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		// Whatever was listed is still walked; the failure is one entry.
		if err := w.fn(File{Path: p, Rel: relOf(rel, p), Err: err}); err != nil {
			return err
		}
	}
	for _, e := range entries {
		ep, erel := filepath.Join(p, e.Name()), path.Join(rel, e.Name())
		if err := w.entry(ctx, e, ep, erel, anc); err != nil {
			return err
		}
	}
	return nil
}

func (w *localWalk) entry(ctx context.Context, e fs.DirEntry, p, rel string, anc []fileKey) error {
	if e.IsDir() && e.Name() == ".git" {
		return w.fn(File{Path: p, Rel: rel, Skip: "version-control metadata, not walked"})
	}
	var info fs.FileInfo
	var err error
	if e.Type()&fs.ModeSymlink != 0 {
		info, err = w.link(p)
	} else {
		info, err = e.Info()
	}
	if err != nil {
		return w.fn(File{Path: p, Rel: rel, Err: err})
	}
	if !info.IsDir() {
		return w.fn(localFile(p, rel, info))
	}
	key := keyOf(p, info)
	for _, a := range anc {
		if a == key {
			return w.fn(File{Path: p, Rel: rel, Err: notRead("link loops back to a directory that contains it")})
		}
	}
	if first, ok := w.seen[key]; ok {
		return w.fn(File{Path: p, Rel: rel, Skip: "same directory as " + first + ", walked there"})
	}
	w.seen[key] = p
	return w.dir(ctx, p, rel, append(anc[:len(anc):len(anc)], key))
}

// link resolves the symbolic link p: what it points at, when that is
// inside the target.
func (w *localWalk) link(p string) (fs.FileInfo, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	resolved, err := realPath(p)
	if err != nil {
		return nil, err
	}
	for _, b := range w.bounds {
		if r, err := filepath.Rel(b, resolved); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return info, nil
		}
	}
	return nil, notRead("link to %s leaves the target", resolved)
}

// realPath is p made absolute, with every link resolved.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// localFile is the File of p, whose (followed) metadata is info.
func localFile(p, rel string, info fs.FileInfo) File {
	if !info.Mode().IsRegular() {
		return File{Path: p, Rel: rel, Err: notRead("%s, not a regular file", kind(info.Mode()))}
	}
	return File{
		Path:  p,
		Rel:   rel,
		Size:  info.Size(),
		Local: true,
		Stamp: func() (string, error) {
			info, err := os.Stat(p)
			if err != nil {
				return "", err
			}
			return stampOf(info), nil
		},
		Open: func(context.Context) (ReaderAtCloser, error) { return openRegular(p) },
	}
}

// openRegular opens p, refusing anything that is no longer a regular file
// (it may have been swapped for a FIFO since the walk).
func openRegular(p string) (*os.File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, errors.Join(notRead("%s: not a regular file any more", p), err)
	}
	return f, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	}
	return "irregular file (" + m.Type().String() + ")"
}

func relOf(rel, p string) string {
	if rel == "" {
		return filepath.Base(p)
	}
	return rel
}

// hfCacheBlobs returns the blobs directory of the Hugging Face cache
// repository whose snapshot is root (.../models--org--name/snapshots/REV),
// or "": a snapshot's files are links into it.
func hfCacheBlobs(root string) string {
	snaps := filepath.Dir(root)
	repo := filepath.Dir(snaps)
	if filepath.Base(snaps) != "snapshots" || !strings.Contains(filepath.Base(repo), "--") {
		return ""
	}
	return filepath.Join(repo, "blobs")
}

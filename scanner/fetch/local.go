package fetch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Local is a file or directory on the local filesystem. Symbolic links to
// files are followed (a Hugging Face cache snapshot is made of them);
// links to directories are not, so a walk cannot loop. Version-control
// metadata (.git) is not part of a model and is not walked.
type Local struct{ root string }

// NewLocal returns the Source for path, which must exist.
func NewLocal(path string) (*Local, error) {
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such file or directory", path)
		}
		return nil, err
	}
	return &Local{root: path}, nil
}

// Walk implements Source.
func (l *Local) Walk(ctx context.Context, fn func(File) error) error {
	return filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != l.root {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil || rel == "." {
			rel = filepath.Base(p)
		}
		return fn(File{
			Path: p,
			Rel:  filepath.ToSlash(rel),
			Size: info.Size(),
			Open: func(context.Context) (ReaderAtCloser, error) { return os.Open(p) },
		})
	})
}

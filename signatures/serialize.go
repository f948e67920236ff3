package signatures

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// gitPaths are ignored at the top of a model directory by default, as the
// reference implementation does.
var gitPaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// ignoreSet is a set of relative paths; each also hides its subtree.
type ignoreSet map[string]bool

func newIgnoreSet(lists ...[]string) ignoreSet {
	s := ignoreSet{}
	for _, l := range lists {
		for _, p := range l {
			p = strings.Trim(filepath.ToSlash(filepath.Clean(p)), "/")
			if p != "" && p != "." {
				s[p] = true
			}
		}
	}
	return s
}

func (s ignoreSet) has(rel string) bool {
	for p := range s {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

func (s ignoreSet) list() []string {
	out := make([]string, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	return out
}

func newHash(name string) (hash.Hash, error) {
	switch name {
	case "sha256":
		return sha256.New(), nil
	case "blake2b":
		return blake2b.New512(nil)
	}
	return nil, fmt.Errorf("unsupported hash type %q", name)
}

// localFile is one regular file of a model tree.
type localFile struct {
	rel  string // slash-separated, relative to the model root ("." for a single-file model)
	path string // on disk
	size int64
}

// listModel walks a model file or directory and returns its files, minus
// the ignored ones, and the ignored files that exist (so a verifier can
// tell when an ignore list hides a model file).
func listModel(ctx context.Context, root string, s Serialization, ignore ignoreSet) (files, ignored []localFile, err error) {
	st, err := os.Lstat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("model path: %w", err)
	}
	if st.Mode().IsRegular() {
		return []localFile{{rel: ".", path: root, size: st.Size()}}, nil, nil
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("model path %s is neither a file nor a directory", root)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
		if werr != nil {
			return werr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("relative path of %s: %w", p, err)
		}
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", rel, err)
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			if ignore.has(rel) {
				return nil
			}
			if !s.AllowSymlinks {
				return fmt.Errorf("symbolic link %q in the model: the signature's serialization follows no links; "+
					"replace it with the file it points to, or leave it out with --ignore-paths %s", rel, rel)
			}
			if info, err = os.Stat(p); err != nil {
				return fmt.Errorf("follow symbolic link %q: %w", rel, err)
			}
			if !info.Mode().IsRegular() {
				return fmt.Errorf("symbolic link %q does not point to a regular file", rel)
			}
		}
		if info.IsDir() {
			if ignore.has(rel) {
				ignoredTree, err := regularFiles(p, rel)
				ignored = append(ignored, ignoredTree...)
				if err != nil {
					return err
				}
				return filepath.SkipDir
			}
			return nil
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%q is not a regular file", rel)
		}
		f := localFile{rel: rel, path: p, size: info.Size()}
		if ignore.has(rel) {
			ignored = append(ignored, f)
		} else {
			files = append(files, f)
		}
		if len(files)+len(ignored) > maxResources {
			return fmt.Errorf("model has more than %d files", maxResources)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, ignored, errors.New("the model has no file to sign or verify")
	}
	return files, ignored, nil
}

// regularFiles lists the regular files under an ignored directory.
func regularFiles(dir, relDir string) ([]localFile, error) {
	var out []localFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, localFile{rel: relDir + "/" + filepath.ToSlash(rel), path: p})
		}
		if len(out) > maxResources {
			return fmt.Errorf("ignored directory %s has more than %d files", relDir, maxResources)
		}
		return nil
	})
	return out, err
}

// hashFiles computes the resources of files under serialization s.
func hashFiles(ctx context.Context, files []localFile, s Serialization) (map[string]string, error) {
	out := make(map[string]string, len(files))
	buf := make([]byte, 1<<20)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch s.Method {
		case "files":
			d, err := hashRange(ctx, f.path, 0, -1, s.HashType, buf)
			if err != nil {
				return nil, err
			}
			out[f.rel] = d
		case "shards":
			// Zero-byte files produce no shard, as in the reference.
			for start := int64(0); start < f.size; start += s.ShardSize {
				end := min(start+s.ShardSize, f.size)
				d, err := hashRange(ctx, f.path, start, end-start, s.HashType, buf)
				if err != nil {
					return nil, err
				}
				out[fmt.Sprintf("%s:%d:%d", f.rel, start, end)] = d
			}
		default:
			return nil, fmt.Errorf("unknown serialization method %q", s.Method)
		}
	}
	return out, nil
}

// hashRange hashes n bytes of a file from off, or the rest of it when n < 0.
func hashRange(ctx context.Context, path string, off, n int64, hashType string, buf []byte) (string, error) {
	h, err := newHash(hashType)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open model file: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if n >= 0 {
		r = io.NewSectionReader(f, off, n)
	}
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		k, err := r.Read(buf)
		h.Write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

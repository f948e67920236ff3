package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
	"golang.org/x/text/unicode/norm"
)

// sourceTree is one target's files as a formats.Tree, for the layouts
// that check a model directory or repository as a whole.
type sourceTree struct {
	ctx   context.Context
	files []fetch.File
	byRel map[string]int
	// small holds, by file, the bytes of small files as their scan read
	// them, or nil.
	small [][]byte
	// dir, for a single local file scanned on its own, is the directory
	// holding it, and for a local directory, that directory: where
	// OpenSibling looks for files the walk did not list (a .git folder
	// is not walked, yet a loader reads what a model names in it).
	dir string

	mu     sync.Mutex
	opened []io.Closer
}

func newSourceTree(ctx context.Context, files []fetch.File, small [][]byte) *sourceTree {
	t := &sourceTree{ctx: ctx, files: files, byRel: make(map[string]int, len(files)), small: small}
	for i, f := range files {
		// An entry the walk could not or would not read is no file of
		// the layout; it is reported on its own.
		if f.Open != nil {
			t.byRel[f.Rel] = i
		}
	}
	return t
}

func (t *sourceTree) Names() []string {
	names := make([]string, 0, len(t.byRel))
	for _, f := range t.files {
		if _, ok := t.byRel[f.Rel]; ok {
			names = append(names, f.Rel)
		}
	}
	return names
}

func (t *sourceTree) Open(name string) (*formats.Input, error) {
	i, ok := t.byRel[name]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	f := t.files[i]
	if i < len(t.small) && t.small[i] != nil && int64(len(t.small[i])) == f.Size {
		return formats.NewInput(name, bytes.NewReader(t.small[i]), f.Size), nil
	}
	rc, err := f.Open(t.ctx)
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	t.mu.Lock()
	t.opened = append(t.opened, rc)
	t.mu.Unlock()
	return formats.NewInput(name, rc, f.Size), nil
}

// OpenSibling implements formats.SiblingOpener for a local target: name,
// relative to the file's directory or the target directory, must lead
// through real directories (no symlink, no "..") to a regular file. An
// entry that is not there under its name is looked for as loaders on
// macOS and Windows find it: the one differing only in case, Unicode
// normalization or trailing dots and spaces.
func (t *sourceTree) OpenSibling(name string) (*formats.Input, error) {
	if t.dir == "" || !fs.ValidPath(name) || name == "." {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	p := t.dir
	parts := strings.Split(name, "/")
	for i, part := range parts {
		dir := p
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			// A loader on a case-insensitive file system (macOS, Windows),
			// or on Windows, which drops trailing dots and spaces, opens
			// the entry that differs only so.
			if alt := foldEntry(dir, part); alt != "" {
				p = filepath.Join(dir, alt)
				fi, err = os.Lstat(p)
			}
		}
		if err != nil {
			return nil, err
		}
		last := i == len(parts)-1
		switch {
		case !last && !fi.IsDir():
			return nil, fmt.Errorf("%s: %s is not a directory", name, part)
		case last && !fi.Mode().IsRegular():
			return nil, fmt.Errorf("%s is not a regular file (mode %s)", name, fi.Mode().Type())
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	t.mu.Lock()
	t.opened = append(t.opened, f)
	t.mu.Unlock()
	return formats.NewInput(name, f, fi.Size()), nil
}

// maxFoldEntries bounds the directory read for an entry whose name
// differs only in case or trailing dots and spaces.
const maxFoldEntries = 100_000

// foldEntry returns the one entry of dir whose name equals name but for
// case, Unicode normalization and trailing dots and spaces, or "".
func foldEntry(dir, name string) string {
	f, err := os.Open(dir)
	if err != nil {
		return ""
	}
	defer f.Close()
	names, err := f.Readdirnames(maxFoldEntries)
	if err != nil && len(names) == 0 {
		return ""
	}
	want := norm.NFC.String(strings.TrimRight(name, ". "))
	found := ""
	for _, n := range names {
		if strings.EqualFold(norm.NFC.String(strings.TrimRight(n, ". ")), want) {
			if found != "" {
				return ""
			}
			found = n
		}
	}
	return found
}

// localRoot returns the directory a local directory target's files are
// in, or "" when any file it lists for reading is not local.
func localRoot(files []fetch.File) string {
	root := ""
	for _, f := range files {
		if f.Open == nil {
			continue
		}
		rel := filepath.FromSlash(f.Rel)
		if !f.Local || f.Rel == "" || !strings.HasSuffix(f.Path, string(filepath.Separator)+rel) {
			return ""
		}
		r := strings.TrimSuffix(f.Path, string(filepath.Separator)+rel)
		if root != "" && r != root {
			return ""
		}
		root = r
	}
	return root
}

func (t *sourceTree) close() {
	for _, c := range t.opened {
		c.Close()
	}
}

// scanTree runs the registered layouts over one target's files. Findings
// about one file join that file's result; the rest, and any error, make a
// result of their own for the target, which it returns (or nil).
func scanTree(ctx context.Context, name string, files []fetch.File, results []FileResult, small [][]byte, lim formats.Limits) *FileResult {
	if len(files) == 0 {
		return nil
	}
	t := newSourceTree(ctx, files, small)
	defer t.close()
	fs := &fileScan{limits: lim, root: name}
	// Members are joined to loc: a directory target's path, or the
	// directory part of a single-file target, whose one member is itself.
	loc := name
	single := len(files) == 1 && files[0].Path == name
	if single {
		loc = strings.TrimSuffix(name, files[0].Rel)
		if files[0].Local {
			t.dir = filepath.Dir(name)
		}
	} else {
		t.dir = localRoot(files)
	}
	matched, err := formats.AnalyzeLayouts(ctx, t, &scope{fs: fs, loc: loc, sep: "/"})
	if err != nil {
		fs.fail(name, err)
	}
	raiseProjectModules(t, results)
	extra := &FileResult{Path: name, Formats: matched, Findings: []formats.Finding{}}
	if single {
		// The target is that one file: what the layouts say about the
		// tree is said about it, and it is counted once.
		extra = &results[0]
		extra.Formats = append(extra.Formats, matched...)
	}
	// A file a layout parsed and checked (a chat template, a config, a
	// checkpoint's data shard, identified only by the index beside it) is
	// clean when nothing was found, not skipped as inert nor unsupported.
	for member := range fs.checked {
		if i, ok := t.byRel[member]; ok && (results[i].Outcome == Skipped || unidentified(&results[i])) {
			results[i].Outcome, results[i].Reason, results[i].Error, results[i].Unidentified = Clean, "", "", false
		}
	}
	// A file whose bytes matched nothing on their own but which a layout
	// identified as a model's data (raw tensor bytes that the model's
	// index or graph points into) is inert: its loader reads numbers.
	for member, what := range fs.data {
		if i, ok := t.byRel[member]; ok {
			r := &results[i]
			if r.Outcome == Inconclusive && r.Unidentified && r.Reason == "unsupported" && len(r.Findings) == 0 {
				r.Outcome, r.Reason, r.Error, r.Unidentified, r.Note = Skipped, "", "", false, InertNote+what
			}
		}
	}
	for _, f := range fs.findings {
		i, ok := t.byRel[f.Member]
		if !ok {
			if single && f.Member == "" {
				// About the tree, which is the file.
				f.Location = name
				if f.Offset >= 0 {
					f.Location = fmt.Sprintf("%s@%d", name, f.Offset)
				}
			}
			extra.Findings = append(extra.Findings, f)
			continue
		}
		r := &results[i]
		r.Findings = append(r.Findings, f)
		sortFindings(r.Findings)
		if r.Outcome == Clean || r.Outcome == Skipped {
			r.Outcome = Findings
		}
	}
	switch {
	case fs.err != nil && (!single || extra.Outcome != Inconclusive):
		extra.Outcome, extra.Reason, extra.Error = Inconclusive, formats.Reason(fs.err), fs.err.Error()
	case fs.err != nil:
		// The file's own failure came first and stays its reason.
	case len(extra.Findings) > 0 && extra.Outcome != Inconclusive:
		extra.Outcome = Findings
	case !single:
		return nil
	}
	sortFindings(extra.Findings)
	if single {
		return nil
	}
	return extra
}

// unidentified reports whether a file was inconclusive only because its
// bytes matched no format.
func unidentified(r *FileResult) bool {
	return r.Outcome == Inconclusive && r.Reason == "unsupported" && len(r.Formats) == 0 && len(r.Findings) == 0
}

// sortFindings orders findings most severe first, keeping the order in
// which they were found among equals.
func sortFindings(fs []formats.Finding) {
	slices.SortStableFunc(fs, func(a, b formats.Finding) int { return int(b.Severity) - int(a.Severity) })
}

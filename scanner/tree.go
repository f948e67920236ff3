package scanner

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// sourceTree is one target's files as a formats.Tree, for the layouts
// that check a model directory or repository as a whole.
type sourceTree struct {
	ctx   context.Context
	files []fetch.File
	byRel map[string]int

	mu     sync.Mutex
	opened []io.Closer
}

func newSourceTree(ctx context.Context, files []fetch.File) *sourceTree {
	t := &sourceTree{ctx: ctx, files: files, byRel: make(map[string]int, len(files))}
	for i, f := range files {
		t.byRel[f.Rel] = i
	}
	return t
}

func (t *sourceTree) Names() []string {
	names := make([]string, len(t.files))
	for i, f := range t.files {
		names[i] = f.Rel
	}
	return names
}

func (t *sourceTree) Open(name string) (*formats.Input, error) {
	i, ok := t.byRel[name]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	f := t.files[i]
	rc, err := f.Open(t.ctx)
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	t.mu.Lock()
	t.opened = append(t.opened, rc)
	t.mu.Unlock()
	return formats.NewInput(name, rc, f.Size), nil
}

func (t *sourceTree) close() {
	for _, c := range t.opened {
		c.Close()
	}
}

// scanTree runs the registered layouts over one target's files. Findings
// about one file join that file's result; the rest, and any error, make a
// result of their own for the target, which it returns (or nil).
func scanTree(ctx context.Context, name string, files []fetch.File, results []FileResult, lim formats.Limits) *FileResult {
	if len(files) == 0 {
		return nil
	}
	t := newSourceTree(ctx, files)
	defer t.close()
	fs := &fileScan{limits: lim, root: name}
	matched, err := formats.AnalyzeLayouts(ctx, t, &scope{fs: fs, loc: name, sep: "/"})
	if err != nil {
		fs.fail(name, err)
	}
	extra := &FileResult{Path: name, Formats: matched, Findings: []formats.Finding{}}
	// A file a layout parsed and checked (a chat template, a config) is
	// clean when nothing was found, not skipped as inert.
	for member := range fs.checked {
		if i, ok := t.byRel[member]; ok && results[i].Outcome == Skipped {
			results[i].Outcome = Clean
		}
	}
	for _, f := range fs.findings {
		i, ok := t.byRel[f.Member]
		if !ok {
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
	case fs.err != nil:
		extra.Outcome, extra.Reason, extra.Error = Inconclusive, formats.Reason(fs.err), fs.err.Error()
	case len(extra.Findings) > 0:
		extra.Outcome = Findings
	default:
		return nil
	}
	sortFindings(extra.Findings)
	return extra
}

// sortFindings orders findings most severe first, keeping the order in
// which they were found among equals.
func sortFindings(fs []formats.Finding) {
	slices.SortStableFunc(fs, func(a, b formats.Finding) int { return int(b.Severity) - int(a.Severity) })
}

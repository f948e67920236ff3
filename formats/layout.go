package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Tree is a set of named files that belong together: an archive's members
// or the files of a model directory or repository.
type Tree interface {
	// Names lists the files, slash-separated and relative to the tree's
	// root, in a stable order.
	Names() []string
	// Open returns one file of the tree by name.
	Open(name string) (*Input, error)
}

// Layout checks a Tree as a whole, where a file-by-file reading is not
// enough: a PyTorch checkpoint's storages against its pickle, a Keras
// archive's config, a TensorFlow SavedModel's graph, a Hugging Face
// repository's remote code and shard index. Every file of the tree is
// also analyzed on its own; a layout adds what only the whole shows.
type Layout interface {
	// Match reports, from the names alone, whether the tree has this
	// layout.
	Match(names []string) bool
	// AnalyzeTree checks the tree. A finding about one file of the tree
	// names it in Finding.Member.
	AnalyzeTree(ctx context.Context, t Tree, s Scope) error
}

var (
	layoutMu sync.RWMutex
	layouts  = map[string]Layout{}
)

// RegisterLayout makes l the layout registered under name.
func RegisterLayout(name string, l Layout) {
	layoutMu.Lock()
	defer layoutMu.Unlock()
	layouts[name] = l
}

// AnalyzeLayouts runs every registered layout that matches t, in name
// order, and returns the names of those that matched. Container analyzers
// call it with their members; the engine calls it for every target.
func AnalyzeLayouts(ctx context.Context, t Tree, s Scope) ([]string, error) {
	layoutMu.RLock()
	names := make([]string, 0, len(layouts))
	for n := range layouts {
		names = append(names, n)
	}
	layoutMu.RUnlock()
	slices.Sort(names)
	files := t.Names()
	var matched []string
	var errs []error
	for _, n := range names {
		layoutMu.RLock()
		l := layouts[n]
		layoutMu.RUnlock()
		if !l.Match(files) {
			continue
		}
		matched = append(matched, n)
		if err := l.AnalyzeTree(ctx, t, s); err != nil {
			errs = append(errs, fmt.Errorf("%s layout: %w", n, err))
		}
	}
	return matched, errors.Join(errs...)
}

// SiblingOpener is the Tree of one local file scanned on its own, whose
// neighbours on disk can still be looked at: a layout following a reference
// the file makes to a file beside it (an ONNX model's external data) opens
// that file through it rather than calling it absent. OpenSibling returns
// an error wrapping fs.ErrNotExist when there is no such file, and another
// error for anything but a regular file reached without symlinks.
type SiblingOpener interface {
	OpenSibling(name string) (*Input, error)
}

// DataLister is a Layout that names, before the files of a tree are
// analyzed one by one, the files its loader reads only as raw numbers and
// never parses: a PyTorch checkpoint's declared storages. A container does
// not hand them to the analyzers, as bytes of a storage that happen to
// read as a pickle are no pickle to the loader; it vouches for them as the
// model's data instead.
type DataLister interface {
	// DataFiles maps each such file of t to what it is. It returns nothing
	// when what declares them cannot be read (the engine reports that
	// file's error when it analyzes it).
	DataFiles(ctx context.Context, t Tree, s Scope) map[string]string
}

// DataFiles collects the data files of every registered layout of t that
// is a DataLister.
func DataFiles(ctx context.Context, t Tree, s Scope) map[string]string {
	layoutMu.RLock()
	var listers []Layout
	for _, l := range layouts {
		if _, ok := l.(DataLister); ok {
			listers = append(listers, l)
		}
	}
	layoutMu.RUnlock()
	if len(listers) == 0 {
		return nil
	}
	files := t.Names()
	out := map[string]string{}
	for _, l := range listers {
		if !l.Match(files) {
			continue
		}
		for name, what := range l.(DataLister).DataFiles(ctx, t, s) {
			out[name] = what
		}
	}
	return out
}

// DataDeclarer is a DataLister whose listing reads some of the tree's own
// files (a PyTorch checkpoint's data.pkl). A container analyzes those
// first, so that the listing can use what their analysis kept (Keeper)
// instead of parsing them a second time.
type DataDeclarer interface {
	// Declarers names the files of a tree of these names that DataFiles
	// reads.
	Declarers(names []string) []string
}

// Declarers collects the files that the DataListers of a tree of these
// names read to list its data files.
func Declarers(names []string) []string {
	layoutMu.RLock()
	defer layoutMu.RUnlock()
	var out []string
	for _, l := range layouts {
		if d, ok := l.(DataDeclarer); ok && l.Match(names) {
			out = append(out, d.Declarers(names)...)
		}
	}
	return out
}

// MatchLayouts names, in order, the registered layouts that a tree of
// these file names has, without analyzing anything.
func MatchLayouts(files []string) []string {
	layoutMu.RLock()
	defer layoutMu.RUnlock()
	var matched []string
	for n, l := range layouts {
		if l.Match(files) {
			matched = append(matched, n)
		}
	}
	slices.Sort(matched)
	return matched
}

// Checker is implemented by a Scope that records which files of a tree a
// layout parsed and checked as a whole (a chat template, a config whose
// code-bearing keys were read): such a file is clean when nothing was
// found in it, never skipped as inert text.
type Checker interface {
	Checked(member string)
}

// MarkChecked tells s, if it records such things, that the layout parsed
// and checked the tree's file member without error.
func MarkChecked(s Scope, member string) {
	if c, ok := s.(Checker); ok {
		c.Checked(member)
	}
}

// DataMarker is implemented by a Scope that records which files of a tree
// a layout identified as data a model it read loads as numbers: the
// shards a TensorFlow checkpoint index points into, the external data an
// ONNX graph names. Such a file matches no format on its own bytes; the
// layout's reading is what identifies it, so it is inert rather than
// unidentified.
type DataMarker interface {
	Data(member, what string)
}

// MarkData tells s, if it records such things, that the tree's file member
// is data of a model the layout read, described by what ("TensorFlow
// checkpoint shard of variables.index").
func MarkData(s Scope, member, what string) {
	if d, ok := s.(DataMarker); ok {
		d.Data(member, what)
	}
}

// ReadFile returns the bytes of the file name of t, at most max of them:
// a larger file is a LimitError under the name limit, never a silently
// truncated read.
func ReadFile(t Tree, name string, max int64, limit string) ([]byte, error) {
	in, err := t.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if in.Size > max {
		return nil, &LimitError{Limit: limit, Max: max}
	}
	rc, err := in.Open()
	if err != nil {
		return nil, &ReadError{Err: err}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, &ReadError{Err: err}
	}
	if int64(len(b)) > max {
		return nil, &LimitError{Limit: limit, Max: max}
	}
	return b, nil
}

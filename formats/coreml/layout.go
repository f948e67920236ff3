package coreml

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// pkgLayout is an .mlpackage: Manifest.json naming the items under Data/
// (the root model, usually com.apple.CoreML/model.mlmodel) and the weight
// files an ML program reads from beside its model ("@model_path").
type pkgLayout struct{}

const (
	manifestName = "Manifest.json"
	maxManifest  = 1 << 20
	// blobSentinel opens every blob's metadata in a weight file
	// (MILBlob/Blob/StorageFormat.hpp), whose records are 64 bytes.
	blobSentinel = 0xDEADBEEF
	blobMeta     = 64
)

// packages returns the directory prefixes ("" or "x.mlpackage/") of the
// packages in a tree.
func packages(names []string) []string {
	data := map[string]bool{}
	for _, n := range names {
		if i := strings.Index(n, "Data/"); i >= 0 && (i == 0 || n[i-1] == '/') {
			data[n[:i]] = true
		}
	}
	var out []string
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, manifestName); ok && (p == "" || strings.HasSuffix(p, "/")) && data[p] {
			out = append(out, p)
		}
	}
	return out
}

// Match implements formats.Layout.
func (pkgLayout) Match(names []string) bool { return len(packages(names)) > 0 }

// AnalyzeTree implements formats.Layout.
func (pkgLayout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	var errs []error
	for _, p := range packages(t.Names()) {
		if err := checkPackage(ctx, t, p, s); err != nil {
			errs = append(errs, fmt.Errorf("%s%s: %w", p, manifestName, err))
		}
	}
	return errors.Join(errs...)
}

type manifest struct {
	Items map[string]struct {
		Path string `json:"path"`
	} `json:"itemInfoEntries"`
	Root string `json:"rootModelIdentifier"`
}

func readAll(t formats.Tree, name string, limit int64) ([]byte, error) {
	in, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	rc, err := in.Open()
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	if int64(len(b)) > limit {
		return nil, &formats.LimitError{Limit: "coreml-manifest-bytes", Max: limit}
	}
	return b, nil
}

func checkPackage(ctx context.Context, t formats.Tree, prefix string, s formats.Scope) error {
	mname := prefix + manifestName
	b, err := readAll(t, mname, maxManifest)
	if err != nil {
		return err
	}
	var m manifest
	if json.Unmarshal(b, &m) != nil || m.Items == nil {
		// A Manifest.json of something else beside a Data directory.
		return nil
	}
	formats.MarkChecked(s, mname)
	have := map[string]bool{}
	for _, n := range t.Names() {
		have[n] = true
	}
	root := ""
	for id, it := range m.Items {
		if why, severe := formats.CheckMemberPath(it.Path); severe {
			s.Report(formats.NewFinding(RulePackage, formats.NoOffset, "manifest item %s has path %s, which %s",
				formats.DisplayName(id), formats.DisplayName(it.Path), why).With("path", it.Path).In(mname))
			continue
		}
		if id == m.Root {
			root = prefix + "Data/" + it.Path
		}
	}
	if root == "" || !have[root] {
		return nil
	}
	in, err := t.Open(root)
	if err != nil {
		return err
	}
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return err
	}
	model, err := Walk(ctx, ra, size, nil)
	if err != nil {
		// The model's own analysis reports why it could not be read.
		return nil
	}
	dir := root[:strings.LastIndex(root, "/")+1]
	for name, offs := range model.Weights {
		rel, ok := weightPath(name)
		if !ok {
			continue // reported by the model's own analysis
		}
		wname := dir + rel
		if !have[wname] {
			s.Report(formats.NewFinding(RuleStructure, formats.NoOffset, "the ML program reads weights from %s, which the package does not have", formats.DisplayName(rel)).
				With("file", name).In(root))
			continue
		}
		if err := checkBlobs(t, wname, offs, s); err != nil {
			return err
		}
	}
	return nil
}

// checkBlobs checks that every offset an ML program reads from a weight
// file is a blob record whose data lies inside the file.
func checkBlobs(t formats.Tree, name string, offs []uint64, s formats.Scope) error {
	in, err := t.Open(name)
	if err != nil {
		return err
	}
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return err
	}
	bad := 0
	var rec [blobMeta]byte
	for _, off := range offs {
		why := ""
		switch {
		case size < blobMeta || off > uint64(size-blobMeta):
			why = "past the end of the file"
		default:
			if _, err := ra.ReadAt(rec[:], int64(off)); err != nil && !errors.Is(err, io.EOF) {
				return &formats.ReadError{Err: err}
			}
			n, at := binary.LittleEndian.Uint64(rec[8:]), binary.LittleEndian.Uint64(rec[16:])
			switch {
			case binary.LittleEndian.Uint32(rec[:]) != blobSentinel:
				why = "not a blob record"
			case at > uint64(size) || n > uint64(size)-at:
				why = fmt.Sprintf("a blob whose %d bytes at %d reach past the end of the file", n, at)
			}
		}
		if why == "" {
			continue
		}
		if bad++; bad <= maxFindings {
			s.Report(formats.NewFinding(RuleStructure, formats.NoOffset, "the ML program reads weights at offset %d of this file: %s", off, why).In(name))
		}
	}
	formats.MarkChecked(s, name)
	return nil
}

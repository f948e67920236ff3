package onnx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func (w *walker) external(tensor string, entries [][2]string, at int64) {
	ref := ExternalRef{Tensor: tensor, Offset: -1, Length: -1, At: at}
	seen := map[string]bool{}
	bad := func(format string, args ...any) {
		w.emit(formats.NewFinding(RuleExternalKeys, at, "tensor %q: "+format, append([]any{tensor}, args...)...).With("tensor", tensor))
	}
	for _, e := range entries {
		k, v := e[0], e[1]
		if seen[k] {
			bad("duplicate external_data key %q", k)
		}
		seen[k] = true
		if hasMemMarker(v) || hasMemMarker(k) {
			w.emit(formats.NewFinding(RuleMemAddr, at, "tensor %q: external data names onnxruntime's in-memory address marker", tensor).
				With("tensor", tensor).With("location", clip(v)))
		}
		switch k {
		case "location":
			ref.Location = v
		case "offset", "length":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || strings.TrimSpace(v) != v || strings.HasPrefix(v, "+") {
				bad("external_data %s %q is not a non-negative decimal integer", k, clip(v))
				n = -1
			}
			if k == "offset" {
				ref.Offset = n
			} else {
				ref.Length = n
			}
		case "checksum":
		case "basepath":
			bad("external_data has a basepath entry %q, which loaders may join with the location", clip(v))
		default:
			bad("unknown external_data key %q", clip(k))
		}
	}
	if ref.Length == 0 {
		// onnx before 2026 tests `if info.length:` and reads to the end of
		// the file; later onnx reads nothing, onnxruntime the tensor's size.
		bad("external_data length 0: onnx reads from the offset to the end of the file, onnxruntime the tensor's size")
	}
	if ref.Location != "" && locationProblem(ref.Location) == "" && sanitized(ref.Location) != path.Clean(strings.ReplaceAll(ref.Location, `\`, "/")) {
		bad("external data location %q: onnx before 1.16 strips leading '.' and '/' and opens %q instead", clip(ref.Location), clip(sanitized(ref.Location)))
	}
	if ref.Offset > 0 && ref.Length > 0 && ref.Offset > math.MaxInt64-ref.Length {
		bad("external_data offset %d + length %d overflows", ref.Offset, ref.Length)
	}
	if ref.Location == "" {
		bad("external data has no location")
	} else if why := locationProblem(ref.Location); why != "" && !hasMemMarker(ref.Location) {
		w.emit(formats.NewFinding(RuleExternalPath, at, "tensor %q: external data location %q %s", tensor, clip(ref.Location), why).
			With("tensor", tensor).With("location", clip(ref.Location)))
	}
	if len(w.m.External) < MaxNodes {
		w.m.External = append(w.m.External, ref)
	}
}

// sanitized is the path onnx before 1.16 opened for a location:
// _sanitize_path's lstrip('/.').
func sanitized(loc string) string {
	return path.Clean(strings.TrimLeft(strings.ReplaceAll(loc, `\`, "/"), "/."))
}

// locationProblem says why an external-data location (or an EPContext
// engine path) may resolve outside the model's directory, or "".
func locationProblem(loc string) string {
	for _, r := range loc {
		if r < 0x20 || r == 0x7f {
			return "contains control characters"
		}
	}
	lower := strings.ToLower(loc)
	switch {
	case strings.HasPrefix(loc, `\\`) || strings.HasPrefix(loc, "//"):
		return "is a UNC or network path"
	case strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`):
		return "is absolute"
	case len(loc) >= 2 && loc[1] == ':' && (loc[0]|0x20 >= 'a' && loc[0]|0x20 <= 'z'):
		return "has a drive letter"
	case strings.Contains(lower, "://") || strings.HasPrefix(lower, "file:"):
		return "is a URL"
	case strings.HasPrefix(loc, "~"):
		return "refers to a home directory"
	case strings.HasPrefix(loc, "#"):
		return "uses the reserved '#' prefix"
	}
	for _, seg := range strings.Split(strings.ReplaceAll(loc, `\`, "/"), "/") {
		if seg == ".." {
			return "has a '..' segment"
		}
	}
	return ""
}

// layout checks external data against the files beside an ONNX model: a
// per-file analysis sees only the model's own bytes.
type layout struct{}

func init() { formats.RegisterLayout("onnx", layout{}) }

// Match implements formats.Layout: any tree with a .onnx file.
func (layout) Match(names []string) bool {
	for _, n := range names {
		if strings.HasSuffix(strings.ToLower(n), ".onnx") {
			return true
		}
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	var errs []error
	for _, n := range names {
		if !strings.HasSuffix(strings.ToLower(n), ".onnx") {
			continue
		}
		if err := checkTree(ctx, t, n, have, s); err != nil {
			errs = append(errs, err)
		}
		if err := markTestTensors(t, n, names, s); err != nil {
			errs = append(errs, fmt.Errorf("test tensors of %q: %w", n, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("onnx external data: %w", err)
	}
	return nil
}

func checkTree(ctx context.Context, t formats.Tree, name string, have map[string]bool, s formats.Scope) error {
	in, err := t.Open(name)
	if err != nil {
		return fmt.Errorf("open %q: %w", name, err)
	}
	if !isONNXInput(in) {
		return nil
	}
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("read %q: %w", name, err)
	}
	// Findings about the model's own bytes come from its per-file
	// analysis; here only the references matter.
	m, err := Walk(ctx, ra, size, func(formats.Finding) {})
	if err != nil {
		return fmt.Errorf("walk %q: %w", name, err)
	}
	dir := path.Dir(name)
	spans := map[string][]span{}
	for _, r := range m.External {
		if r.Location == "" || locationProblem(r.Location) != "" || hasMemMarker(r.Location) {
			continue
		}
		report := func(format string, args ...any) {
			s.Report(formats.NewFinding(RuleExternalFile, r.At, "tensor %q: "+format, append([]any{r.Tensor}, args...)...).
				With("tensor", r.Tensor).With("location", r.Location).In(name))
		}
		// Windows loaders read a backslash as a separator, POSIX ones as
		// part of the name: a location holding one names two files, and
		// each that is there is checked.
		targets := []string{path.Clean(path.Join(dir, strings.ReplaceAll(r.Location, `\`, "/")))}
		if strings.Contains(r.Location, `\`) {
			targets = append(targets, path.Clean(path.Join(dir, r.Location)))
		}
		absent := 0
		for _, target := range targets {
			var ext *formats.Input
			var err error
			if have[target] {
				ext, err = t.Open(target)
			} else {
				ext, err = openSibling(t, target)
			}
			switch {
			case errors.Is(err, fs.ErrNotExist) && !have[target]:
				absent++
				continue
			case err != nil:
				report("external data file %q cannot be opened as a regular file: %v", r.Location, err)
				continue
			}
			checkRange(s, spans, name, target, ext, r, report)
		}
		if absent == len(targets) {
			// An absent file holds no bytes a loader could be made to
			// read: onnx.load fails on the model. Only a file that is
			// there can be a symlink or too short, which stay high.
			s.Report(formats.NewFinding(RuleExternalFile, r.At,
				"tensor %q: external data file %q is not among the scanned files: its bytes were not checked, and the model cannot load without it (scan the model's directory)", r.Tensor, r.Location).
				At(formats.Low).With("tensor", r.Tensor).With("location", r.Location).With("absent", "true").In(name))
		}
	}
	return nil
}

// span is the range of an external data file one tensor reads.
type span struct {
	off, end int64
	tensor   string
}

// checkRange checks the range a tensor reads of an external data file
// that is there, against its size and the ranges other tensors read.
func checkRange(s formats.Scope, spans map[string][]span, name, target string, ext *formats.Input, r ExternalRef,
	report func(format string, args ...any)) {
	// The graph names the file and onnx reads its bytes as the tensor's
	// raw numbers, whether or not its size is known here (a compressed
	// archive member's is not).
	formats.MarkData(s, target, "ONNX external data of "+path.Base(name)+" (raw tensor bytes)")
	if ext.Size < 0 {
		return
	}
	off := max(r.Offset, 0)
	length := r.Length
	if length <= 0 { // absent or 0: onnx reads to the end of the file
		length = ext.Size - off
	}
	if off > ext.Size || length > ext.Size-off {
		report("external data range %d+%d is beyond the %d bytes of %q", off, length, ext.Size, r.Location)
		return
	}
	for _, o := range spans[target] {
		if off < o.end && o.off < off+length {
			report("external data range %d+%d overlaps tensor %q in %q", off, length, o.tensor, r.Location)
			break
		}
	}
	if len(spans[target]) < 100_000 {
		spans[target] = append(spans[target], span{off, off + length, r.Tensor})
	}
}

// openSibling opens a file beside a model scanned on its own, when the
// tree can (formats.SiblingOpener); otherwise the file is absent.
func openSibling(t formats.Tree, name string) (*formats.Input, error) {
	if o, ok := t.(formats.SiblingOpener); ok {
		return o.OpenSibling(name)
	}
	return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
}

func isONNXInput(in *formats.Input) bool {
	h, err := formats.ReadHead(in)
	if err != nil {
		return false
	}
	for _, f := range formats.Sniff(h) {
		if f == formats.ONNX {
			return true
		}
	}
	return false
}

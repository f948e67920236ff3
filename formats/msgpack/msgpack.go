// Package msgpack analyzes msgpack checkpoints: flax.serialization.to_bytes
// files and Orbax's msgpack "checkpoint" files, a single map of string
// keys whose array leaves are msgpack extensions (1: ndarray, 2: complex,
// 3: NumPy scalar) holding a (shape, dtype name, buffer) triple. It walks
// every item within the file's bounds, checks each array's dtype name
// against the plain dtypes Flax writes and its buffer against its shape,
// and rejects bytes after the top-level map.
//
// msgpack has no way to name code, and Flax's loader builds arrays with
// numpy.frombuffer; nothing is decoded into objects or executed here.
package msgpack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.Msgpack, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(formats.Msgpack, Probe)
}

// Caps.
const (
	maxDepth    = 64
	maxKey      = 256
	maxFindings = 100
)

// Flax's extension type codes (flax.serialization._MsgpackExtType).
const (
	extNDArray = 1
	extComplex = 2
	extScalar  = 3
)

// Probe identifies a checkpoint: a top-level map of string keys that
// parses up to an array leaf within the head or, for a file named
// "checkpoint" (Orbax), parses whole.
func Probe(h formats.Head) bool {
	p := h.Prefix
	if len(p) == 0 || !(p[0] >= 0x81 && p[0] <= 0x8f || p[0] == 0xde || p[0] == 0xdf) {
		return false
	}
	file := h.Size
	if file < int64(len(p)) {
		file = int64(len(p))
	}
	w := &walker{d: &dec{ra: bytes.NewReader(p), size: int64(len(p)), file: file}, ctx: context.Background(), probe: true}
	err := w.value(0, "")
	if w.arrays > 0 && (err == nil || err == errShort || err == errProbeDone) {
		return true
	}
	return err == nil && w.d.off == file && path.Base(h.Name) == "checkpoint"
}

var errProbeDone = fmt.Errorf("probe has seen an array leaf")

// Analyze reads one checkpoint.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("msgpack %s: %w", in.Name, err)
	}
	if err := Walk(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("msgpack %s: %w", in.Name, err)
	}
	return nil
}

// Walk checks a whole checkpoint.
func Walk(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) error {
	w := &walker{d: &dec{ra: ra, size: size, file: size}, ctx: ctx, report: report}
	it, err := w.d.head()
	if err != nil {
		return err
	}
	if it.kind != kMap {
		return fmt.Errorf("checkpoint is not a map")
	}
	w.d.off = 0
	if err := w.value(0, ""); err != nil {
		return err
	}
	if w.d.off != size {
		w.add(formats.NewFinding(RuleStructure, w.d.off,
			"%d bytes follow the checkpoint's top-level map; msgpack.unpackb rejects them as extra data", size-w.d.off))
	}
	return nil
}

type walker struct {
	d      *dec
	ctx    context.Context
	report func(formats.Finding)
	probe  bool
	found  int
	arrays int
	n      int
}

func (w *walker) add(f formats.Finding) {
	if w.found < maxFindings && w.report != nil {
		w.report(f)
	}
	w.found++
}

// value reads one item and everything in it; key is its path of map keys.
func (w *walker) value(depth int, key string) error {
	if w.n++; w.n&0xfff == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	it, err := w.d.head()
	if err != nil {
		return err
	}
	switch it.kind {
	case kStr, kBin:
		return w.d.skip(it.n)
	case kExt:
		return w.ext(it, key)
	case kMap, kArray:
		if depth >= maxDepth {
			return &formats.LimitError{Limit: "msgpack-nesting-depth", Max: maxDepth}
		}
		if it.n > uint64(w.d.file-w.d.off) {
			return fmt.Errorf("byte %d: %d elements cannot fit in the %d bytes left", it.at, it.n, w.d.file-w.d.off)
		}
		for i := uint64(0); i < it.n; i++ {
			sub := key
			if it.kind == kMap {
				k, err := w.d.head()
				if err != nil {
					return err
				}
				if k.kind != kStr {
					if w.probe && depth == 0 {
						return fmt.Errorf("top-level key is not a string")
					}
					if err := w.skipItem(k, depth+1); err != nil {
						return err
					}
				} else {
					name, err := w.d.text(k.n, maxKey)
					if err != nil {
						return err
					}
					sub = strings.TrimPrefix(key+"/"+name, "/")
				}
			}
			if err := w.value(depth+1, sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// skipItem finishes an item whose header has been read.
func (w *walker) skipItem(it item, depth int) error {
	switch it.kind {
	case kStr, kBin, kExt:
		return w.d.skip(it.n)
	case kMap, kArray:
		n := it.n
		if it.kind == kMap {
			n *= 2
		}
		if depth >= maxDepth {
			return &formats.LimitError{Limit: "msgpack-nesting-depth", Max: maxDepth}
		}
		for i := uint64(0); i < n; i++ {
			if err := w.value(depth+1, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// ext checks an extension: Flax's array leaves hold (shape, dtype,
// buffer), its complex numbers (real, imag); other codes are opaque data
// Flax's loader returns as they are.
func (w *walker) ext(it item, key string) error {
	start := w.d.off
	if it.n > uint64(w.d.file-start) {
		return fmt.Errorf("byte %d: extension of %d bytes reaches past the end of the file", it.at, it.n)
	}
	end := start + int64(it.n)
	switch it.ext {
	case extNDArray, extScalar:
		w.arrays++
		if w.probe {
			return errProbeDone
		}
		if err := w.array(it, key, end); err != nil {
			return err
		}
	case extComplex:
		if !w.probe {
			w.complex(it, key, end)
		}
	}
	w.d.off = end
	return nil
}

func (w *walker) bad(it item, key, format string, args ...any) {
	w.add(formats.NewFinding(RuleStructure, it.at, "array %s: "+format, append([]any{orRoot(key)}, args...)...).With("key", key))
}

func orRoot(k string) string {
	if k == "" {
		return "(top level)"
	}
	return k
}

// array checks an ndarray payload in [w.d.off, end).
func (w *walker) array(it item, key string, end int64) error {
	sub := &dec{ra: w.d.ra, size: end, file: end, off: w.d.off}
	tpl, err := sub.head()
	if err != nil || tpl.kind != kArray || tpl.n != 3 {
		w.bad(it, key, "payload is not a (shape, dtype, buffer) triple")
		return nil
	}
	shape, err := sub.head()
	if err != nil || shape.kind != kArray || shape.n > 64 {
		w.bad(it, key, "shape is not a short array")
		return nil
	}
	numel := uint64(1)
	for i := uint64(0); i < shape.n; i++ {
		d, err := sub.head()
		if err != nil || d.kind != kInt || d.i < 0 {
			w.bad(it, key, "shape holds something other than a dimension")
			return nil
		}
		if d.i != 0 && numel > math.MaxInt64/uint64(d.i) {
			numel = math.MaxInt64
		} else {
			numel *= uint64(d.i)
		}
	}
	dt, err := sub.head()
	if err != nil || dt.kind != kStr && dt.kind != kBin {
		w.bad(it, key, "dtype is not a name")
		return nil
	}
	name, err := sub.text(dt.n, maxKey)
	if err != nil {
		w.bad(it, key, "dtype name of %d bytes", dt.n)
		return nil
	}
	buf, err := sub.head()
	if err != nil || buf.kind != kBin && buf.kind != kStr {
		w.bad(it, key, "buffer is not bytes")
		return nil
	}
	if buf.n > uint64(end-sub.off) {
		w.bad(it, key, "buffer of %d bytes reaches past its extension", buf.n)
		return nil
	}
	if sub.off+int64(buf.n) != end {
		w.bad(it, key, "%d bytes follow the buffer inside its extension", end-sub.off-int64(buf.n))
	}
	size, ok := itemSize(name)
	if !ok {
		w.add(formats.NewFinding(RuleDtype, dt.at, "array %s has dtype %q, which is no plain NumPy dtype", orRoot(key), name).
			With("key", key).With("dtype", name))
		return nil
	}
	if numel > math.MaxInt64/uint64(size) || numel*uint64(size) != buf.n {
		w.bad(it, key, "%d bytes of data for %d elements of %s", buf.n, numel, name)
	}
	return nil
}

// complex checks a native complex: a pair of numbers.
func (w *walker) complex(it item, key string, end int64) {
	sub := &dec{ra: w.d.ra, size: end, file: end, off: w.d.off}
	pair, err := sub.head()
	if err != nil || pair.kind != kArray || pair.n != 2 {
		w.bad(it, key, "complex payload is not a (real, imag) pair")
		return
	}
	for i := 0; i < 2; i++ {
		if _, err := sub.head(); err != nil {
			w.bad(it, key, "complex payload is not a (real, imag) pair")
			return
		}
	}
	if sub.off != end {
		w.bad(it, key, "%d bytes follow the complex number inside its extension", end-sub.off)
	}
}

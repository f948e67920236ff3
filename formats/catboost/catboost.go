// Package catboost analyzes CatBoost binary models (.cbm): the "CBM1"
// descriptor, the size of the model core, the core flatbuffer
// (NCatBoostFbs::TModelCore: format version, trees, info map, part IDs)
// and the model parts after it (the static CTR provider's value tables).
// It verifies every flatbuffer offset it follows, checks each tree's
// splits and leaves against their arrays, delimits the parts, and notes
// user-defined objectives and metrics named in the stored training
// parameters.
//
// A .cbm file stores no code; nothing is loaded or executed here.
package catboost

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.CatBoost, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(formats.CatBoost, Probe)
}

const (
	magic         = "CBM1"
	coreVersion   = "FlabuffersModel_v1"
	ctrPartID     = "static_provider_v1"
	maxCore       = 1 << 31
	maxCtrTables  = 1 << 20
	maxTreeDepth  = 31
	maxUserLosses = 20
)

// Fields of TModelCore and TModelTrees (catboost/libs/model/flatbuffers/model.fbs).
const (
	coreFormatVersion = 0
	coreTrees         = 1
	coreInfoMap       = 2
	corePartIDs       = 3

	treesApproxDimension = 0
	treesSplits          = 1
	treesSizes           = 2
	treesStartOffsets    = 3
	treesLeafValues      = 8
	treesStepNodes       = 10
)

// Probe identifies a model by its descriptor and a core size that fits.
func Probe(h formats.Head) bool {
	p := h.Prefix
	if len(p) < 12 || string(p[:4]) != magic {
		return false
	}
	n := binary.LittleEndian.Uint32(p[4:])
	return n >= 8 && (h.Size < 0 || int64(n) <= h.Size-8)
}

// Analyze reads one model.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("catboost %s: %w", in.Name, err)
	}
	if err := Walk(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("catboost %s: %w", in.Name, err)
	}
	return nil
}

type walker struct {
	ra     io.ReaderAt
	size   int64
	off    int64
	report func(formats.Finding)
}

func (w *walker) read(n int64) ([]byte, error) {
	if n < 0 || n > w.size-w.off {
		return nil, fmt.Errorf("%d bytes at %d reach past the end of the file", n, w.off)
	}
	b := make([]byte, n)
	if _, err := w.ra.ReadAt(b, w.off); err != nil && err != io.EOF {
		return nil, err
	}
	w.off += n
	return b, nil
}

// loadSize reads CatBoost's SaveSize: a ui32, or 0xffffffff and a ui64.
func (w *walker) loadSize() (int64, error) {
	b, err := w.read(4)
	if err != nil {
		return 0, err
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n == 0xffffffff {
		if b, err = w.read(8); err != nil {
			return 0, err
		}
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(w.size) {
		return 0, fmt.Errorf("size %d at %d exceeds the file", n, w.off)
	}
	return int64(n), nil
}

func (w *walker) bad(off int64, format string, args ...any) {
	w.report(formats.NewFinding(RuleStructure, off, format, args...))
}

// Walk checks a whole model.
func Walk(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) error {
	w := &walker{ra: ra, size: size, report: report}
	head, err := w.read(4)
	if err != nil {
		return err
	}
	if string(head) != magic {
		return fmt.Errorf("no %s descriptor", magic)
	}
	n, err := w.loadSize()
	if err != nil {
		return err
	}
	if n > maxCore {
		return &formats.LimitError{Limit: "catboost-core-bytes", Max: maxCore}
	}
	coreAt := w.off
	core, err := w.read(n)
	if err != nil {
		return err
	}
	parts, err := w.core(core, coreAt)
	if err != nil {
		return fmt.Errorf("model core: %w", err)
	}
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case p == ctrPartID:
			if err := w.ctrPart(ctx); err != nil {
				return fmt.Errorf("part %s: %w", p, err)
			}
		case strings.Contains(p, "processing"):
			// The text and embedding processing collections are delimited
			// only by their own serializers; nothing after them can be
			// checked.
			return nil
		default:
			w.bad(coreAt, "model part %q is not one CatBoost writes; its loader rejects the model", p)
			return nil
		}
	}
	if w.off != size {
		w.bad(w.off, "%d bytes follow the model, which CatBoost never reads", size-w.off)
	}
	return nil
}

// ctrPart delimits the static CTR provider: a count, then as many value
// tables, each a size and a flatbuffer.
func (w *walker) ctrPart(ctx context.Context) error {
	n, err := w.loadSize()
	if err != nil {
		return err
	}
	if n > maxCtrTables {
		return fmt.Errorf("%d CTR tables", n)
	}
	for i := int64(0); i < n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		sz, err := w.loadSize()
		if err != nil {
			return err
		}
		at := w.off
		b, err := w.read(sz)
		if err != nil {
			return err
		}
		fb := newFbuf(b)
		root, err := fb.Deref(0)
		if err == nil {
			_, err = fb.Table(root)
		}
		if err != nil {
			w.bad(at, "CTR table %d is not a valid flatbuffer: %v", i, err)
		}
	}
	return nil
}

// core checks the model core and returns its part IDs.
func (w *walker) core(raw []byte, at int64) ([]string, error) {
	b := newFbuf(raw)
	root, err := b.Deref(0)
	if err != nil {
		return nil, err
	}
	t, err := b.Table(root)
	if err != nil {
		return nil, err
	}
	ver, err := b.Str(t, coreFormatVersion)
	if err != nil {
		return nil, err
	}
	if ver != coreVersion {
		w.bad(at, "core format %q is not one CatBoost reads", truncate(ver))
	}
	tp, err := b.Ref(t, coreTrees)
	if err != nil {
		return nil, err
	}
	if tp != 0 {
		trees, err := b.Table(tp)
		if err != nil {
			return nil, err
		}
		if err := w.trees(b, trees, at); err != nil {
			return nil, err
		}
	}
	info, err := b.Tables(t, coreInfoMap, anyTables)
	if err != nil {
		return nil, err
	}
	for _, kv := range info {
		k, err := b.Str(kv, 0)
		if err != nil {
			return nil, err
		}
		v, err := b.Str(kv, 1)
		if err != nil {
			return nil, err
		}
		if k == "params" {
			w.params(v, at)
		}
	}
	start, n, err := b.Vector(t, corePartIDs, 4)
	if err != nil {
		return nil, err
	}
	var parts []string
	for i := 0; i < n; i++ {
		sp, err := b.Deref(start + 4*i)
		if err != nil {
			return nil, err
		}
		ln, err := b.U32(sp)
		if err != nil || uint64(ln) > uint64(len(raw)-sp-4) {
			return nil, fmt.Errorf("part ID %d outside the core", i)
		}
		parts = append(parts, string(raw[sp+4:sp+4+int(ln)]))
	}
	return parts, nil
}

// trees checks every tree's splits and leaves against the arrays they
// index, as the evaluator trusts them.
func (w *walker) trees(b *fbuf, t table, at int64) error {
	_, nSplits, err := b.Vector(t, treesSplits, 4)
	if err != nil {
		return err
	}
	sizes, err := ints(b, t, treesSizes)
	if err != nil {
		return err
	}
	starts, err := ints(b, t, treesStartOffsets)
	if err != nil {
		return err
	}
	_, nLeaves, err := b.Vector(t, treesLeafValues, 8)
	if err != nil {
		return err
	}
	_, nSteps, err := b.Vector(t, treesStepNodes, 4)
	if err != nil {
		return err
	}
	dim := int64(1)
	if p, err := b.Field(t, treesApproxDimension); err != nil {
		return err
	} else if p != 0 {
		v, err := b.U32(p)
		if err != nil {
			return err
		}
		dim = int64(int32(v))
	}
	if dim < 1 || dim > 1<<20 {
		w.bad(at, "approx dimension %d", dim)
		return nil
	}
	if len(starts) != len(sizes) {
		w.bad(at, "%d tree sizes for %d tree start offsets", len(sizes), len(starts))
		return nil
	}
	oblivious := nSteps == 0
	limit := int64(nSplits)
	if !oblivious {
		limit = int64(nSteps)
	}
	var leaves int64
	for i, sz := range sizes {
		st := int64(starts[i])
		if sz < 0 || st < 0 || st+int64(sz) > limit || oblivious && sz > maxTreeDepth {
			w.bad(at, "tree %d (start %d, size %d) reaches outside its %d splits", i, st, sz, limit)
			return nil
		}
		if oblivious {
			leaves += (int64(1) << sz) * dim
		}
	}
	if oblivious && leaves != int64(nLeaves) {
		w.bad(at, "the trees have %d leaf values, the model stores %d", leaves, nLeaves)
	}
	return nil
}

// params notes user-defined losses and metrics named in the training
// parameters.
func (w *walker) params(v string, at int64) {
	var p struct {
		Loss    lossType `json:"loss_function"`
		Metrics struct {
			Objective lossType   `json:"objective_metric"`
			Eval      lossType   `json:"eval_metric"`
			Custom    []lossType `json:"custom_metrics"`
		} `json:"metrics"`
	}
	if json.NewDecoder(bytes.NewReader([]byte(v))).Decode(&p) != nil {
		return
	}
	seen := map[string]bool{}
	for _, l := range append([]lossType{p.Loss, p.Metrics.Objective, p.Metrics.Eval}, p.Metrics.Custom...) {
		if len(seen) >= maxUserLosses || !userDefined(l.Type) || seen[l.Type] {
			continue
		}
		seen[l.Type] = true
		w.report(formats.NewFinding(RuleUserLoss, at,
			"trained with the user-defined %s; its code is not in the model and applying the model does not need it", truncate(l.Type)).
			With("loss", truncate(l.Type)))
	}
}

type lossType struct {
	Type string `json:"type"`
}

func userDefined(t string) bool {
	return strings.HasPrefix(t, "PythonUserDefined") || strings.HasPrefix(t, "UserPerObj") || strings.HasPrefix(t, "UserQuerywise")
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

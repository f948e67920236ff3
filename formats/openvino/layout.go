package openvino

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// layout pairs an IR .xml with the .bin of the same name beside it, the
// file OpenVINO's read_model opens for the weights when given the .xml.
type layout struct{}

// pairs returns the .xml names of a tree that have a .bin beside them.
func pairs(names []string) []string {
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	var out []string
	for _, n := range names {
		if stem, ok := strings.CutSuffix(n, ".xml"); ok && have[stem+".bin"] {
			out = append(out, n)
		}
	}
	return out
}

// Match implements formats.Layout.
func (layout) Match(names []string) bool { return len(pairs(names)) > 0 }

// AnalyzeTree implements formats.Layout: every Const of an IR must lie
// inside its weights file, which is then known for what it is.
func (layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	var errs []error
	for _, x := range pairs(t.Names()) {
		bin := strings.TrimSuffix(x, ".xml") + ".bin"
		if err := checkPair(ctx, t, x, bin, s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", x, err))
		}
	}
	return errors.Join(errs...)
}

func checkPair(ctx context.Context, t formats.Tree, x, bin string, s formats.Scope) error {
	xin, err := t.Open(x)
	if err != nil {
		return err
	}
	h, err := formats.ReadHead(xin)
	if err != nil {
		return err
	}
	if !isIR(h.Prefix) {
		// An .xml and a .bin that are not an IR and its weights.
		return nil
	}
	rc, err := xin.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	m, err := Walk(ctx, rc, nil)
	if err != nil {
		// The .xml's own analysis reports why it could not be read.
		return nil
	}
	weights, err := t.Open(bin)
	if err != nil {
		return err
	}
	size := uint64(max(weights.Size, 0))
	bad := 0
	for _, c := range m.Consts {
		if c.Offset+c.Size <= size {
			continue
		}
		if bad++; bad <= maxFindings {
			s.Report(formats.NewFinding(RuleWeights, formats.NoOffset, "Const layer %s takes %d bytes at offset %d of %s, which has %d",
				formats.DisplayName(c.Layer), c.Size, c.Offset, path.Base(bin), size).
				With("layer", formats.DisplayName(c.Layer)).In(x))
		}
	}
	formats.MarkChecked(s, bin)
	return nil
}

// Package lightgbm analyzes LightGBM text models (Booster.save_model, the
// CLI's output_model): the "tree" header of key=value lines, the Tree=
// blocks, the feature importances and parameters sections, and the
// pandas_categorical trailer the Python package appends. It checks every
// tree against tree_sizes and its nodes against its own counts, parses the
// trailer as JSON, and reports objectives LightGBM does not register.
//
// A LightGBM model names no code; nothing is loaded or executed here.
package lightgbm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.LightGBM, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(formats.LightGBM, Probe)
}

// Caps.
const (
	maxLine     = 256 << 20
	maxFindings = 100
)

// objectives are the names LightGBM's ObjectiveFunction factory accepts
// when it loads a model (src/objective/objective_function.cpp), and
// "custom", which it accepts as no objective.
var objectives = map[string]bool{
	"regression": true, "regression_l1": true, "quantile": true, "huber": true, "fair": true,
	"poisson": true, "binary": true, "lambdarank": true, "rank_xendcg": true, "multiclass": true,
	"multiclassova": true, "cross_entropy": true, "cross_entropy_lambda": true, "mape": true,
	"gamma": true, "tweedie": true, "custom": true, "regression_l2": true,
}

// Probe identifies a text model by its first two lines.
func Probe(h formats.Head) bool {
	p := h.Prefix
	for _, head := range []string{"tree\nversion=v", "tree\r\nversion=v"} {
		if bytes.HasPrefix(p, []byte(head)) && len(p) > len(head) && p[len(head)] >= '1' && p[len(head)] <= '9' {
			return true
		}
	}
	return false
}

// Analyze reads one text model.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	rc, err := in.Open()
	if err != nil {
		return fmt.Errorf("lightgbm %s: %w", in.Name, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	sc.Split(splitLF)
	w := &walker{ctx: ctx, sc: sc, report: s.Report}
	if err := w.walk(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = &formats.LimitError{Limit: "lightgbm-line-bytes", Max: maxLine}
		}
		return fmt.Errorf("lightgbm %s: %w", in.Name, err)
	}
	return nil
}

type walker struct {
	ctx    context.Context
	sc     *bufio.Scanner
	report func(formats.Finding)
	off    int64 // offset of the current line
	next   int64 // offset of the line after it
	found  int
}

// splitLF splits at "\n" only, keeping a "\r" so that offsets count
// every byte (tree_sizes does).
func splitLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func (w *walker) line() (string, bool) {
	if !w.sc.Scan() {
		return "", false
	}
	w.off = w.next
	w.next += int64(len(w.sc.Bytes())) + 1
	return strings.TrimSuffix(w.sc.Text(), "\r"), true
}

func (w *walker) add(f formats.Finding) {
	if w.found < maxFindings {
		w.report(f)
	}
	w.found++
}

func (w *walker) bad(off int64, format string, args ...any) {
	w.add(formats.NewFinding(RuleStructure, off, format, args...))
}

func (w *walker) walk() error {
	l, ok := w.line()
	if !ok || l != "tree" {
		return fmt.Errorf("model does not start with %q", "tree")
	}
	header := map[string]string{}
	var l2 string
	for {
		if l2, ok = w.line(); !ok {
			return w.scanErr("the header")
		}
		if l2 == "" {
			continue
		}
		if strings.HasPrefix(l2, "Tree=") || l2 == "end of trees" {
			break
		}
		k, v, found := strings.Cut(l2, "=")
		if !found {
			// average_output is a bare key; anything else is no header line.
			if l2 != "average_output" {
				return fmt.Errorf("header line %q at byte %d is no key=value", truncate(l2), w.off)
			}
		}
		header[k] = v
		if k == "objective" {
			name, _, _ := strings.Cut(v, " ")
			if !objectives[name] {
				w.add(formats.NewFinding(RuleUnknownObjective, w.off,
					"objective %q is not built into LightGBM: the model loads only in a build that registers it", truncate(name)).
					With("objective", truncate(name)))
			}
		}
	}
	for _, k := range []string{"version", "num_class", "max_feature_idx"} {
		if _, ok := header[k]; !ok {
			return fmt.Errorf("header has no %s", k)
		}
	}
	var sizes []int64
	if ts, ok := header["tree_sizes"]; ok {
		for _, f := range strings.Fields(ts) {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("tree_sizes holds %q", truncate(f))
			}
			sizes = append(sizes, n)
		}
	}
	trees := 0
	l = l2
	for strings.HasPrefix(l, "Tree=") {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		start := w.off
		var err error
		if l, err = w.tree(trees); err != nil {
			return err
		}
		if trees < len(sizes) && sizes[trees] != w.off-start {
			w.bad(start, "tree %d is %d bytes, tree_sizes says %d", trees, w.off-start, sizes[trees])
		}
		trees++
	}
	if l != "end of trees" {
		w.bad(w.off, "the trees end with %q, not \"end of trees\"", truncate(l))
		return nil
	}
	if len(sizes) > 0 && len(sizes) != trees {
		w.bad(w.off, "tree_sizes lists %d trees, the model holds %d", len(sizes), trees)
	}
	return w.trailer()
}

// scanErr explains the end of input inside a section.
func (w *walker) scanErr(where string) error {
	if err := w.sc.Err(); err != nil {
		return err
	}
	return fmt.Errorf("model ends inside %s", where)
}

// tree reads one Tree= block up to the line that ends it (the next
// Tree= or "end of trees"), which it returns.
func (w *walker) tree(idx int) (string, error) {
	kv := map[string]string{}
	start := w.off
	for {
		l, ok := w.line()
		if !ok {
			return "", w.scanErr(fmt.Sprintf("tree %d", idx))
		}
		if strings.HasPrefix(l, "Tree=") || l == "end of trees" {
			w.checkTree(idx, start, kv)
			return l, nil
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			kv[k] = v
		}
	}
}

func ints(s string) ([]int64, bool) {
	var out []int64
	for _, f := range strings.Fields(s) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// checkTree checks a tree's node references against its leaf count, as
// LightGBM's Tree constructor trusts them.
func (w *walker) checkTree(idx int, off int64, kv map[string]string) {
	leaves, err := strconv.ParseInt(kv["num_leaves"], 10, 64)
	if err != nil || leaves < 1 {
		w.bad(off, "tree %d has num_leaves %q", idx, truncate(kv["num_leaves"]))
		return
	}
	if leaves == 1 {
		return
	}
	inner := leaves - 1
	for _, key := range []string{"left_child", "right_child"} {
		c, ok := ints(kv[key])
		if !ok || int64(len(c)) != inner {
			w.bad(off, "tree %d: %s does not list %d nodes", idx, key, inner)
			return
		}
		for _, v := range c {
			if v >= inner || v < 0 && ^v >= leaves {
				w.bad(off, "tree %d: %s refers to node %d of a tree of %d leaves", idx, key, v, leaves)
				return
			}
		}
	}
	if kv["num_cat"] != "" && kv["num_cat"] != "0" {
		nCat, err := strconv.ParseInt(kv["num_cat"], 10, 64)
		bounds, ok1 := ints(kv["cat_boundaries"])
		thr, ok2 := ints(kv["cat_threshold"])
		if err != nil || !ok1 || !ok2 || int64(len(bounds)) != nCat+1 {
			w.bad(off, "tree %d: cat_boundaries does not list %s categorical splits", idx, truncate(kv["num_cat"]))
			return
		}
		for i, b := range bounds {
			if b < 0 || b > int64(len(thr)) || i > 0 && b < bounds[i-1] {
				w.bad(off, "tree %d: cat_boundaries reach outside the %d cat_threshold words", idx, len(thr))
				return
			}
		}
	}
}

// trailer reads the feature importances, the parameters and the
// pandas_categorical line, whose JSON the Python package decodes.
func (w *walker) trailer() error {
	for {
		l, ok := w.line()
		if !ok {
			return w.sc.Err()
		}
		if l == "[objective: custom]" || l == "[objective: none]" {
			w.add(formats.NewFinding(RuleUserObjective, w.off,
				"trained with a user-defined objective (%s); the model stores no code for it", strings.Trim(l, "[]")))
		}
		if v, ok := strings.CutPrefix(l, "pandas_categorical:"); ok {
			if !json.Valid([]byte(v)) {
				w.bad(w.off, "pandas_categorical is not JSON; the Python package fails to load the model")
			}
		}
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

package xgboost

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

// Sizes of the structs the legacy binary format writes raw (XGBoost's
// LearnerModelParamLegacy, GBTreeModelParam, TreeParam, RegTree::Node,
// RTreeNodeStat, GBLinearModelParam); every field is 4 bytes wide except
// one int64 in GBTreeModelParam.
const (
	learnerParamSize = 136
	gbtreeParamSize  = 160
	treeParamSize    = 148
	nodeSize         = 20
	nodeStatSize     = 16
	linearParamSize  = 136
	maxTrees         = 1 << 24
	maxAttributes    = 1 << 16
)

// isBinaryModel accepts the learner header followed by a known-shaped
// objective name and a known booster name, after an optional "binf".
func isBinaryModel(p []byte) bool {
	p = bytes.TrimPrefix(p, []byte("binf"))
	if len(p) < learnerParamSize+8 {
		return false
	}
	extra := binary.LittleEndian.Uint32(p[12:])
	if extra > 1 {
		return false
	}
	obj, rest, ok := lenString(p[learnerParamSize:])
	if !ok || !objectiveShaped(obj) {
		return false
	}
	gbm, _, ok := lenString(rest)
	return ok && boosters[gbm]
}

// lenString reads a u64-length-prefixed string of at most 64 bytes.
func lenString(p []byte) (string, []byte, bool) {
	if len(p) < 8 {
		return "", nil, false
	}
	n := binary.LittleEndian.Uint64(p)
	if n == 0 || n > 64 || uint64(len(p)-8) < n {
		return "", nil, false
	}
	return string(p[8 : 8+n]), p[8+n:], true
}

// objectiveShaped accepts "kind:name" in the characters XGBoost's
// objective names use.
func objectiveShaped(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// binReader reads the legacy format at increasing offsets of a ReaderAt.
type binReader struct {
	ra   io.ReaderAt
	off  int64
	size int64
}

func (b *binReader) read(n int64) ([]byte, error) {
	if n < 0 || n > b.size-b.off {
		return nil, fmt.Errorf("%d bytes at %d reach past the end of the file (%d bytes)", n, b.off, b.size)
	}
	p := make([]byte, n)
	if _, err := b.ra.ReadAt(p, b.off); err != nil && err != io.EOF {
		return nil, err
	}
	b.off += n
	return p, nil
}

func (b *binReader) skip(n int64) error {
	if n < 0 || n > b.size-b.off {
		return fmt.Errorf("%d bytes at %d reach past the end of the file (%d bytes)", n, b.off, b.size)
	}
	b.off += n
	return nil
}

func (b *binReader) u64() (uint64, error) {
	p, err := b.read(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

// str reads a dmlc string: a u64 length and the bytes. Long strings are
// skipped and returned empty.
func (b *binReader) str() (string, error) {
	n, err := b.u64()
	if err != nil {
		return "", err
	}
	if n > uint64(b.size-b.off) {
		return "", fmt.Errorf("string of %d bytes at %d reaches past the end of the file", n, b.off)
	}
	if n > 1<<20 {
		return "", b.skip(int64(n))
	}
	p, err := b.read(int64(n))
	return string(p), err
}

// vector skips a dmlc vector of fixed-size elements: a u64 count and the
// elements.
func (b *binReader) vector(elem int64) error {
	n, err := b.u64()
	if err != nil {
		return err
	}
	if n > uint64(b.size-b.off)/uint64(elem) {
		return fmt.Errorf("vector of %d elements at %d reaches past the end of the file", n, b.off)
	}
	return b.skip(int64(n) * elem)
}

func walkBinary(ctx context.Context, in *formats.Input, buffer int64, c *checker) error {
	ra, size, err := in.ReaderAt(buffer)
	if err != nil {
		return err
	}
	b := &binReader{ra: ra, size: size}
	if head, err := b.read(4); err != nil {
		return err
	} else if string(head) != "binf" {
		b.off = 0
	}
	param, err := b.read(learnerParamSize)
	if err != nil {
		return err
	}
	extraAttrs := binary.LittleEndian.Uint32(param[12:]) != 0
	evalMetrics := binary.LittleEndian.Uint32(param[16:]) != 0
	major := binary.LittleEndian.Uint32(param[20:])
	off := b.off
	obj, err := b.str()
	if err != nil {
		return err
	}
	c.component("objective", obj, objectives[obj], off+8)
	off = b.off
	gbm, err := b.str()
	if err != nil {
		return err
	}
	switch gbm {
	case "gbtree", "dart":
		err = b.gbtree(ctx, gbm == "dart", c)
	case "gblinear":
		if err = b.skip(linearParamSize); err == nil {
			err = b.vector(4)
		}
	default:
		c.component("booster", gbm, false, off+8)
		// An unknown booster's data cannot be delimited.
		return fmt.Errorf("booster %q: its data layout is unknown", gbm)
	}
	if err != nil {
		return err
	}
	if extraAttrs {
		if err := b.attributes(c); err != nil {
			return err
		}
	}
	if evalMetrics && major < 1 && b.off < b.size {
		// XGBoost before 1.0 wrote the metric names as a vector of strings.
		n, err := b.u64()
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			off := b.off
			m, err := b.str()
			if err != nil {
				return err
			}
			c.component("metric", m, knownMetric(m), off+8)
		}
	}
	if b.off != b.size {
		c.add(formats.NewFinding(RuleStructure, b.off,
			"%d bytes follow the model, which XGBoost never reads", b.size-b.off))
	}
	return nil
}

// gbtree reads a tree ensemble and checks every node's children.
func (b *binReader) gbtree(ctx context.Context, dart bool, c *checker) error {
	param, err := b.read(gbtreeParamSize)
	if err != nil {
		return err
	}
	nTrees := int32(binary.LittleEndian.Uint32(param))
	if nTrees < 0 || nTrees > maxTrees {
		return fmt.Errorf("%d trees", nTrees)
	}
	for t := int32(0); t < nTrees; t++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := b.off
		tp, err := b.read(treeParamSize)
		if err != nil {
			return fmt.Errorf("tree %d: %w", t, err)
		}
		nNodes := int32(binary.LittleEndian.Uint32(tp[4:]))
		if leaf := binary.LittleEndian.Uint32(tp[20:]); leaf != 0 {
			return fmt.Errorf("tree %d: leaf vectors (size %d) are not supported", t, leaf)
		}
		if nNodes <= 0 || int64(nNodes) > (b.size-b.off)/(nodeSize+nodeStatSize) {
			c.add(formats.NewFinding(RuleStructure, start,
				"tree %d claims %d nodes, which do not fit in the file", t, nNodes).With("tree", fmt.Sprint(t)))
			return fmt.Errorf("tree %d: %d nodes", t, nNodes)
		}
		nodes, err := b.read(int64(nNodes) * nodeSize)
		if err != nil {
			return err
		}
		for i := int32(0); i < nNodes; i++ {
			n := nodes[i*nodeSize:]
			left := int32(binary.LittleEndian.Uint32(n[4:]))
			right := int32(binary.LittleEndian.Uint32(n[8:]))
			if left == -1 {
				continue
			}
			if left <= 0 || left >= nNodes || right <= 0 || right >= nNodes {
				c.add(formats.NewFinding(RuleStructure, b.off-int64(nNodes-i)*nodeSize,
					"tree %d node %d has children %d and %d outside its %d nodes", t, i, left, right, nNodes).
					With("tree", fmt.Sprint(t)))
				break
			}
		}
		if err := b.skip(int64(nNodes) * nodeStatSize); err != nil {
			return err
		}
	}
	if err := b.skip(4 * int64(nTrees)); err != nil {
		return err
	}
	if dart && nTrees != 0 {
		return b.vector(4)
	}
	return nil
}

// attributes reads the learner's attribute pairs and judges the objective
// configuration and metric names XGBoost 1.x keeps among them.
func (b *binReader) attributes(c *checker) error {
	n, err := b.u64()
	if err != nil {
		return err
	}
	if n > maxAttributes || n > uint64(b.size-b.off)/16 {
		return fmt.Errorf("%d attributes", n)
	}
	for i := uint64(0); i < n; i++ {
		k, err := b.str()
		if err != nil {
			return err
		}
		off := b.off
		v, err := b.str()
		if err != nil {
			return err
		}
		switch k {
		case "objective":
			var o struct {
				Name string `json:"name"`
			}
			if json.Unmarshal([]byte(v), &o) == nil && o.Name != "" {
				c.component("objective", o.Name, objectives[o.Name], off+8)
			}
		case "metrics":
			for _, m := range strings.Split(v, ";") {
				if m != "" {
					c.component("metric", m, knownMetric(m), off+8)
				}
			}
		}
	}
	return nil
}

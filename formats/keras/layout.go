package keras

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.RegisterLayout("keras", archive{})
	formats.RegisterLayout("keras-savedmodel", savedModelMeta{})
}

// archive is the layout of a Keras 3 .keras zip: config.json and
// metadata.json at the root, weights and assets beside them. The weights
// file is analyzed as a member on its own (HDF5 or NumPy).
type archive struct{}

// Match implements formats.Layout.
func (archive) Match(names []string) bool {
	var cfg, meta, weights bool
	for _, n := range names {
		cfg = cfg || n == "config.json"
		meta = meta || n == "metadata.json"
		weights = weights || !strings.Contains(n, "/") && (strings.HasSuffix(n, ".weights.h5") ||
			strings.HasSuffix(n, ".weights.npz") || strings.HasSuffix(n, ".weights.json"))
	}
	return cfg && meta && weights
}

// expected reports whether Keras writes a member of this name.
func expected(n string) bool {
	switch {
	case n == "config.json", n == "metadata.json", n == "model.weights.h5", n == "model.weights.npz",
		strings.HasPrefix(n, "assets/"), strings.HasSuffix(n, "/"):
		return true
	case !strings.Contains(n, "/") && (strings.HasSuffix(n, ".weights.h5") || strings.HasSuffix(n, ".weights.json")):
		return true
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (archive) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	var errs []error
	meta, err := readMember(t, "metadata.json", 1<<20)
	if err != nil {
		return fmt.Errorf("keras archive: %w", err)
	}
	var m struct {
		Version *string `json:"keras_version"`
	}
	if err := json.Unmarshal(meta, &m); err != nil || m.Version == nil {
		// A directory or zip that merely has files of these names (a
		// repository with its own config.json) is not a Keras archive.
		return nil
	}
	version := *m.Version
	for _, n := range t.Names() {
		if !expected(n) {
			s.Report(formats.NewFinding(RuleExtraMember, formats.NoOffset, "member %q is not part of a Keras archive", n).
				With("member", n).In(n))
		}
	}
	c := &Checker{Report: func(f formats.Finding) { s.Report(f.In("config.json")) }, At: formats.NoOffset, Version: version}
	if data, err := readMember(t, "config.json", MaxConfig); err != nil {
		errs = append(errs, err)
	} else if err := c.CheckJSON(data, "config.json"); err != nil {
		errs = append(errs, err)
	}
	if err := scanEmbedded(ctx, "config.json", c.Embedded, s); err != nil {
		errs = append(errs, err)
	}
	for _, n := range t.Names() {
		if strings.HasSuffix(n, ".weights.json") {
			if err := checkWeightMap(t, n, s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("keras archive: %w", err)
	}
	return nil
}

// checkWeightMap checks that every shard a sharded-weights index names is
// a plain file of the archive.
func checkWeightMap(t formats.Tree, name string, s formats.Scope) error {
	data, err := readMember(t, name, MaxConfig)
	if err != nil {
		return err
	}
	var idx struct {
		WeightMap map[string]any `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		s.Report(formats.NewFinding(RuleConfigInvalid, formats.NoOffset, "%s is not a weights index: %v", name, err).In(name))
		return nil
	}
	have := map[string]bool{}
	for _, n := range t.Names() {
		have[n] = true
	}
	seen := map[string]bool{}
	for _, v := range idx.WeightMap {
		var files []string
		switch x := v.(type) {
		case string:
			files = []string{x}
		case []any:
			for _, e := range x {
				if f, ok := e.(string); ok {
					files = append(files, f)
				}
			}
		}
		for _, f := range files {
			if seen[f] {
				continue
			}
			seen[f] = true
			if f != path.Base(f) || strings.ContainsAny(f, `\:`) || f == ".." || !have[f] {
				s.Report(formats.NewFinding(RuleWeightMap, formats.NoOffset, "%s names shard %q, which is not a file of the archive", name, f).
					With("shard", f).In(name))
			}
		}
	}
	return nil
}

func readMember(t formats.Tree, name string, limit int64) ([]byte, error) {
	in, err := t.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if in.Size > limit {
		return nil, &formats.LimitError{Limit: "keras-member-bytes", Max: limit}
	}
	rc, err := in.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, &formats.ReadError{Err: fmt.Errorf("read %s: %w", name, err)}
	}
	if int64(len(b)) > limit {
		return nil, &formats.LimitError{Limit: "keras-member-bytes", Max: limit}
	}
	return b, nil
}

// savedModelMeta reads keras_metadata.pb beside a SavedModel: tf.keras
// keeps each layer's config there, Lambda bytecode included.
type savedModelMeta struct{}

// Match implements formats.Layout.
func (savedModelMeta) Match(names []string) bool {
	for _, n := range names {
		if path.Base(n) == "keras_metadata.pb" {
			return true
		}
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (savedModelMeta) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	var errs []error
	for _, n := range t.Names() {
		if path.Base(n) != "keras_metadata.pb" {
			continue
		}
		data, err := readMember(t, n, 1<<30)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := CheckMetadata(ctx, data, func(f formats.Finding) { s.Report(f.In(n)) }); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		formats.MarkChecked(s, n)
	}
	return errors.Join(errs...)
}

// CheckMetadata judges a keras_metadata.pb (SavedMetadata): the JSON
// metadata of every saved object.
func CheckMetadata(ctx context.Context, data []byte, report func(formats.Finding)) error {
	off := 0
	for i := 0; off < len(data); i++ {
		if i&255 == 255 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		num, typ, n := protowire.ConsumeTag(data[off:])
		if n < 0 {
			return fmt.Errorf("tag at offset %d: malformed protobuf", off)
		}
		off += n
		m := protowire.ConsumeFieldValue(num, typ, data[off:])
		if m < 0 {
			return fmt.Errorf("field %d at offset %d: malformed protobuf", num, off)
		}
		if num == 1 && typ == protowire.BytesType {
			node, k := protowire.ConsumeBytes(data[off:])
			if err := checkSavedObject(node, int64(off+k-len(node)), report); err != nil {
				return err
			}
		}
		off += m
	}
	return nil
}

func checkSavedObject(node []byte, at int64, report func(formats.Finding)) error {
	for off := 0; off < len(node); {
		num, typ, n := protowire.ConsumeTag(node[off:])
		if n < 0 {
			return fmt.Errorf("saved object at offset %d: malformed protobuf", at)
		}
		off += n
		m := protowire.ConsumeFieldValue(num, typ, node[off:])
		if m < 0 {
			return fmt.Errorf("saved object at offset %d: malformed protobuf", at)
		}
		if num == 5 && typ == protowire.BytesType {
			meta, k := protowire.ConsumeBytes(node[off:])
			c := &Checker{Report: report, At: at + int64(off+k-len(meta))}
			if err := c.CheckJSON(meta, "layer metadata"); err != nil {
				return err
			}
		}
		off += m
	}
	return nil
}

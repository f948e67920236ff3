package tensorflow

import (
	"context"
	"path"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.RegisterLayout("tensorflow-savedmodel", companions{})
}

// companions checks the data-only protobufs TensorFlow writes beside a
// saved_model.pb: fingerprint.pb (FingerprintDef: hashes and a version)
// and debug/saved_model_debug_info.pb (GraphDebugInfo: source locations).
// No loader runs anything from them, but their bytes match no magic, so
// they are identified here, by name and a strict reading of their fields,
// and marked checked.
type companions struct{}

// maxCompanion bounds a companion file; debug info of a large model is a
// few MiB.
const maxCompanion = 256 << 20

// Match implements formats.Layout.
func (companions) Match(names []string) bool {
	for _, n := range names {
		if path.Base(n) == "saved_model.pb" {
			return true
		}
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (companions) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	for _, n := range names {
		if path.Base(n) != "saved_model.pb" {
			continue
		}
		dir := path.Dir(n)
		for _, c := range []struct {
			name  string
			valid func([]byte) bool
		}{
			{path.Join(dir, "fingerprint.pb"), isFingerprint},
			{path.Join(dir, "debug", "saved_model_debug_info.pb"), isDebugInfo},
		} {
			if !have[c.name] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			in, err := t.Open(c.name)
			if err != nil {
				continue
			}
			data, err := readAll(in, maxCompanion)
			if err == nil && c.valid(data) {
				formats.MarkChecked(s, c.name)
			}
		}
	}
	return nil
}

// isFingerprint accepts a FingerprintDef: five uint64 hashes (fields 1-5)
// and a VersionDef (field 6), nothing else.
func isFingerprint(b []byte) bool {
	return len(b) > 0 && each(b, 0, func(f fld) error {
		switch {
		case f.num >= 1 && f.num <= 5 && f.typ == protowire.VarintType:
		case f.num == 6 && f.typ == protowire.BytesType:
			return each(f.val, 0, func(g fld) error {
				if g.num < 1 || g.num > 3 || g.typ != protowire.VarintType && !(g.num == 3 && g.typ == protowire.BytesType) {
					return errMalformed
				}
				return nil
			})
		default:
			return errMalformed
		}
		return nil
	}) == nil
}

// isDebugInfo accepts a GraphDebugInfo: file names (1), traces keyed by
// name (2), frames and traces by id (4, 6) and trace ids by name (5), each
// length-delimited.
func isDebugInfo(b []byte) bool {
	return len(b) > 0 && each(b, 0, func(f fld) error {
		switch f.num {
		case 1, 2, 4, 5, 6:
			if f.typ == protowire.BytesType {
				return nil
			}
		}
		return errMalformed
	}) == nil
}

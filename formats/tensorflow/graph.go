package tensorflow

import (
	"context"
	"regexp"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.TFGraphDef, formats.AnalyzerFunc(AnalyzeGraphDef))
	formats.Register(formats.TFMetaGraph, formats.AnalyzerFunc(AnalyzeMetaGraph))
	formats.RegisterProbe(formats.TFGraphDef, func(h formats.Head) bool {
		return isGraphDef(h.Prefix, whole(h))
	})
	formats.RegisterProbe(formats.TFMetaGraph, func(h formats.Head) bool {
		return isMetaGraph(h.Prefix, whole(h))
	})
}

// AnalyzeGraphDef reads a serialized GraphDef: a frozen graph
// (tf.io.write_graph, freeze_graph), which tf.import_graph_def loads and a
// session then runs.
func AnalyzeGraphDef(ctx context.Context, in *formats.Input, s formats.Scope) error {
	return analyzeWith(ctx, in, s, "graphdef", func(data []byte) error {
		return WalkGraphDef(ctx, data, s.Report)
	})
}

// AnalyzeMetaGraph reads a serialized MetaGraphDef: a TF1 .meta file,
// which tf.train.import_meta_graph loads with its saver and collections.
func AnalyzeMetaGraph(ctx context.Context, in *formats.Input, s formats.Scope) error {
	return analyzeWith(ctx, in, s, "metagraph", func(data []byte) error {
		_, err := WalkMetaGraph(ctx, data, s.Report)
		return err
	})
}

// whole reports whether the head holds the whole file, so that a field
// running past its end is malformed rather than cut by the head.
func whole(h formats.Head) bool { return h.Size >= 0 && int64(len(h.Prefix)) >= h.Size }

// probeFields visits the fields of b for a probe. A length-delimited
// field cut by the end of a partial head is visited with its available
// bytes and cut set, and ends the walk. It returns false when b is not a
// protobuf message or fn refuses a field.
func probeFields(b []byte, complete bool, fn func(f fld, cut bool) bool) bool {
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 || num > 1000 {
			return false
		}
		off += n
		f := fld{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b[off:])
			if n < 0 {
				return !complete && len(b)-off < 10 && fn(f, true)
			}
		case protowire.BytesType:
			l, k := protowire.ConsumeVarint(b[off:])
			if k < 0 {
				return !complete && len(b)-off < 10 && fn(f, true)
			}
			if l > uint64(len(b)-off-k) {
				if complete {
					return false
				}
				f.val = b[off+k:]
				return fn(f, true)
			}
			f.val, n = b[off+k:off+k+int(l)], k+int(l)
		case protowire.Fixed32Type, protowire.Fixed64Type:
			n = protowire.ConsumeFieldValue(num, typ, b[off:])
			if n < 0 {
				return !complete && fn(f, true)
			}
		default:
			return false
		}
		if !fn(f, false) {
			return false
		}
		off += n
	}
	return true
}

var (
	nodeName = regexp.MustCompile(`^[A-Za-z0-9._][A-Za-z0-9_.\-/>]*$`)
	opName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_>.]*$`)
)

// isGraphDef accepts the opening of a GraphDef: its first field is a
// node (field 1) whose name and op are TensorFlow identifiers, and every
// field seen is a GraphDef field. Proto serializers write fields in number
// order, so a GraphDef with nodes starts with one; an ONNX ModelProto
// starts with a varint.
func isGraphDef(p []byte, complete bool) bool {
	if len(p) < 2 || p[0] != 0x0a {
		return false
	}
	nodes := 0
	ok := probeFields(p, complete, func(f fld, cut bool) bool {
		switch {
		case f.num == 1 && f.typ == protowire.BytesType:
			if !isNodeDef(f.val, complete || !cut) {
				return false
			}
			nodes++
		case (f.num == 2 || f.num == 4 || f.num == 5) && f.typ == protowire.BytesType,
			f.num == 3 && f.typ == protowire.VarintType:
		default:
			return false
		}
		return true
	})
	return ok && nodes > 0
}

// isNodeDef accepts a NodeDef (or the start of one) with a valid name
// and op and only NodeDef fields.
func isNodeDef(b []byte, complete bool) bool {
	var name, op bool
	ok := probeFields(b, complete, func(f fld, cut bool) bool {
		if f.typ != protowire.BytesType || f.num < 1 || f.num > 7 {
			return false
		}
		switch f.num {
		case 1:
			name = !cut && nodeName.Match(f.val)
			return name
		case 2:
			op = !cut && opName.Match(f.val)
			return name && op
		}
		return name && op
	})
	return ok && name && op
}

// isMetaGraph accepts the opening of a MetaGraphDef: a MetaInfoDef
// (field 1) that names ops, tags or a TensorFlow version, or a graph_def
// (field 2) that passes isGraphDef, and only MetaGraphDef fields.
func isMetaGraph(p []byte, complete bool) bool {
	if len(p) < 2 || p[0] != 0x0a && p[0] != 0x12 {
		return false
	}
	evidence := false
	ok := probeFields(p, complete, func(f fld, cut bool) bool {
		if f.typ != protowire.BytesType || f.num < 1 || f.num > 7 {
			return false
		}
		switch f.num {
		case 1:
			sure, valid := metaInfo(f.val, complete || !cut)
			evidence = evidence || sure
			return valid
		case 2:
			if !isGraphDef(f.val, complete || !cut) {
				return false
			}
			evidence = true
		}
		return evidence
	})
	return ok && evidence
}

var tfVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+`)

// metaInfo checks a MetaInfoDef: ok when its fields are MetaInfoDef
// fields, sure when it names an op, a tag or a TensorFlow version.
func metaInfo(b []byte, complete bool) (sure, ok bool) {
	ok = probeFields(b, complete, func(f fld, cut bool) bool {
		switch {
		case f.num == 7 && f.typ == protowire.VarintType:
			return true
		case f.typ != protowire.BytesType || f.num < 1 || f.num > 8:
			return false
		case f.num == 2:
			ops := probeFields(f.val, complete || !cut, func(g fld, gcut bool) bool {
				if g.num != 1 || g.typ != protowire.BytesType {
					return false
				}
				named := false
				good := probeFields(g.val, complete || !gcut, func(h fld, hcut bool) bool {
					if h.num == 1 && h.typ == protowire.BytesType {
						named = !hcut && opName.Match(h.val)
						return named
					}
					return named
				})
				sure = sure || good && named
				return good && named
			})
			return ops
		case f.num == 4 && !cut && len(f.val) > 0 && len(f.val) < 256:
			sure = true
		case f.num == 5 && !cut && tfVersion.Match(f.val):
			sure = true
		}
		return true
	})
	return sure, ok
}

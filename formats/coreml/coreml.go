// Package coreml analyzes Apple Core ML models: the .mlmodel protobuf
// (Model.proto of coremltools) and the .mlpackage directory around it. It
// walks pipelines, neural networks (with their branch and loop bodies) and
// ML programs, and reports what makes Core ML run code the app supplies
// (custom models, custom layers) or open files (linked models, ML program
// weight files), with paths that leave the model judged high. ML program
// operations are checked against the MIL opsets coremltools defines.
//
// Fields are read in place: weights embedded in the protobuf are skipped,
// never copied. Nothing is compiled or loaded.
package coreml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// Format is the name Sniff gives a Core ML .mlmodel.
const Format = formats.CoreML

// Caps on the walk.
const (
	MaxFields   = 50_000_000
	MaxDepth    = 64
	maxString   = 1 << 20
	maxFindings = 200
)

func init() {
	formats.Register(Format, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(Format, func(h formats.Head) bool { return isCoreML(h.Prefix, h.Size) })
	formats.RegisterLayout("coreml-package", pkgLayout{})
}

// Model field numbers (Model.proto).
const (
	fSpecVersion = 1
	fDescription = 2
	fUpdatable   = 10

	tPipelineClassifier = 200
	tPipelineRegressor  = 201
	tPipeline           = 202
	tNNRegressor        = 303
	tNNClassifier       = 403
	tNeuralNetwork      = 500
	tMLProgram          = 502
	tCustomModel        = 555
	tLinkedModel        = 556
	tSerialized         = 3000
)

// modelTypes are the field numbers of Model's Type oneof.
var modelTypes = map[protowire.Number]bool{
	200: true, 201: true, 202: true, 300: true, 301: true, 302: true, 303: true, 304: true,
	400: true, 401: true, 402: true, 403: true, 404: true, 500: true, 501: true, 502: true,
	555: true, 556: true, 560: true, 600: true, 601: true, 602: true, 603: true, 604: true,
	606: true, 607: true, 609: true, 610: true, 900: true,
	2000: true, 2001: true, 2002: true, 2003: true, 2004: true, 2005: true, 2006: true, 3000: true,
}

// isCoreML accepts the opening coremltools writes: specificationVersion
// (field 1, a small varint), the description (field 2), optionally
// isUpdatable (field 10), then a model type field whose length fits the
// file. ONNX also opens with field 1 as a varint, but continues with
// fields 2-8 and never has a field numbered 200 or above.
func isCoreML(p []byte, size int64) bool {
	num, typ, n := protowire.ConsumeTag(p)
	if n < 0 || num != fSpecVersion || typ != protowire.VarintType {
		return false
	}
	v, m := protowire.ConsumeVarint(p[n:])
	if m < 0 || v == 0 || v > 64 {
		return false
	}
	off := n + m
	sawDescription := false
	for off < len(p) {
		num, typ, n := protowire.ConsumeTag(p[off:])
		if n < 0 {
			return false
		}
		off += n
		switch {
		case num == fDescription && typ == protowire.BytesType && !sawDescription:
			l, m := protowire.ConsumeVarint(p[off:])
			if m < 0 || size >= 0 && l > uint64(size-int64(off+m)) {
				return false
			}
			sawDescription = true
			if uint64(len(p)-off-m) < l {
				return false // the type field is beyond the head
			}
			off += m + int(l)
		case num == fUpdatable && typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(p[off:])
			if m < 0 || v > 1 {
				return false
			}
			off += m
		case modelTypes[num] && typ == protowire.BytesType:
			l, m := protowire.ConsumeVarint(p[off:])
			return m > 0 && sawDescription && (size < 0 || l <= uint64(size-int64(off+m)))
		default:
			return false
		}
	}
	return false
}

// Model is what Walk learned about a Core ML model.
type Model struct {
	SpecVersion uint64
	// Weights are the weight files an ML program names, as written
	// ("@model_path/weights/weight.bin"), with the offsets it reads.
	Weights map[string][]uint64
}

// Analyze reads one .mlmodel.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("coreml %s: %w", in.Name, err)
	}
	if _, err := Walk(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("coreml %s: %w", in.Name, err)
	}
	return nil
}

type walker struct {
	p      *pb
	m      *Model
	report func(formats.Finding)
	n      int
	// unknownOps are the op types outside milOps already reported.
	unknownOps map[string]bool
}

// opType reports, once per type, an ML program operation that no MIL
// opset defines.
func (w *walker) opType(at int64, typ string) {
	if _, ok := milOps[typ]; ok || w.unknownOps[typ] {
		return
	}
	if w.unknownOps == nil {
		w.unknownOps = map[string]bool{}
	}
	w.unknownOps[typ] = true
	w.emit(formats.NewFinding(RuleUnknownOp, at, "ML program operation %q is in no MIL opset coremltools defines", formats.DisplayName(typ)).
		With("op", typ))
}

func (w *walker) emit(f formats.Finding) {
	if w.report != nil && w.n < maxFindings {
		w.report(f)
	}
	w.n++
}

// Walk reads the Model protobuf in the first size bytes of ra and reports
// what it finds through report, which may be nil.
func Walk(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) (*Model, error) {
	w := &walker{p: &pb{ctx: ctx, ra: ra, size: size}, m: &Model{Weights: map[string][]uint64{}}, report: report}
	err := w.model(0, size, 0, true)
	if errors.Is(err, errStructure) {
		// The bytes were identified as a Core ML model: what does not
		// parse is a finding about the file, not a reason to stop short
		// of the verdict.
		w.emit(formats.NewFinding(RuleStructure, formats.NoOffset, "%v", err))
		err = nil
	}
	if w.n > maxFindings && report != nil {
		report(formats.NewFinding(RuleStructure, formats.NoOffset, "%d more findings not listed", w.n-maxFindings).At(formats.Info))
	}
	return w.m, err
}

func (w *walker) deeper(depth int) error {
	if depth >= MaxDepth {
		return &formats.LimitError{Limit: "coreml-depth", Max: MaxDepth}
	}
	return nil
}

func (w *walker) model(start, end int64, depth int, top bool) error {
	if err := w.deeper(depth); err != nil {
		return err
	}
	typed := false
	err := w.p.each(start, end, func(f field) error {
		switch {
		case f.num == fSpecVersion && top:
			w.m.SpecVersion = f.val
		case modelTypes[f.num]:
			if f.typ != protowire.BytesType {
				return fmt.Errorf("model type field %d at %d: %w", f.num, f.at, errStructure)
			}
			typed = true
		}
		switch f.num {
		case tPipelineClassifier, tPipelineRegressor:
			return w.p.sub(f, func(g field) error {
				if g.num == 1 {
					return w.pipeline(g, depth+1)
				}
				return nil
			})
		case tPipeline:
			return w.pipeline(f, depth+1)
		case tNeuralNetwork, tNNClassifier, tNNRegressor:
			return w.network(f, depth+1)
		case tMLProgram:
			return w.program(f, depth+1)
		case tCustomModel:
			return w.custom(f)
		case tLinkedModel:
			return w.linked(f)
		case tSerialized:
			return w.serialized(f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !typed {
		w.emit(formats.NewFinding(RuleStructure, start, "a model has no model type: Core ML rejects it"))
	}
	return nil
}

func (w *walker) pipeline(f field, depth int) error {
	return w.p.sub(f, func(g field) error {
		if g.num == 1 {
			if g.typ != protowire.BytesType {
				return fmt.Errorf("pipeline model at %d: %w", g.at, errStructure)
			}
			return w.model(g.start, g.end, depth+1, false)
		}
		return nil
	})
}

func (w *walker) custom(f field) error {
	class := ""
	err := w.p.sub(f, func(g field) error {
		if g.num == 10 {
			s, err := w.p.str(g)
			class = s
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.emit(formats.NewFinding(RuleCustomModel, f.at, "custom model: Core ML runs the app's class %s", formats.DisplayName(class)).With("class", class))
	return nil
}

// network walks a NeuralNetwork (or its classifier and regressor forms,
// which keep layers in field 1 too).
func (w *walker) network(f field, depth int) error {
	if err := w.deeper(depth); err != nil {
		return err
	}
	return w.p.sub(f, func(g field) error {
		if g.num == 1 {
			return w.layer(g, depth+1)
		}
		return nil
	})
}

func (w *walker) layer(f field, depth int) error {
	name := ""
	return w.p.sub(f, func(g field) error {
		switch g.num {
		case 1:
			s, err := w.p.str(g)
			name = s
			return err
		case 500:
			class := ""
			err := w.p.sub(g, func(h field) error {
				if h.num == 10 {
					s, err := w.p.str(h)
					class = s
					return err
				}
				return nil
			})
			if err != nil {
				return err
			}
			w.emit(formats.NewFinding(RuleCustomLayer, g.at, "layer %s is a custom layer: Core ML runs the app's class %s",
				formats.DisplayName(name), formats.DisplayName(class)).With("class", class).With("layer", name))
		case 605: // branch: ifBranch, elseBranch
			return w.p.sub(g, func(h field) error {
				if h.num == 1 || h.num == 2 {
					return w.network(h, depth+1)
				}
				return nil
			})
		case 615: // loop: conditionNetwork, bodyNetwork
			return w.p.sub(g, func(h field) error {
				if h.num == 3 || h.num == 4 {
					return w.network(h, depth+1)
				}
				return nil
			})
		}
		return nil
	})
}

func (w *walker) linked(f field) error {
	var name, search string
	err := w.p.sub(f, func(g field) error {
		if g.num != 1 {
			return nil
		}
		return w.p.sub(g, func(h field) error {
			if h.num != 1 && h.num != 2 {
				return nil
			}
			return w.p.sub(h, func(v field) error {
				if v.num != 1 {
					return nil
				}
				s, err := w.p.str(v)
				if h.num == 1 {
					name = s
				} else {
					search = s
				}
				return err
			})
		})
	})
	if err != nil {
		return err
	}
	w.emit(formats.NewFinding(RuleLinkedModel, f.at, "linked model: Core ML loads %s from search path %q",
		formats.DisplayName(name), search).With("file", name).With("search_path", search))
	if escapes(name) {
		w.emit(formats.NewFinding(RuleFileEscape, f.at, "linked model file name %s is a path out of the model", formats.DisplayName(name)).With("file", name))
	}
	for _, dir := range strings.Split(search, ":") {
		if escapes(dir) {
			w.emit(formats.NewFinding(RuleFileEscape, f.at, "linked model search path %s leaves the model", formats.DisplayName(dir)).With("search_path", dir))
		}
	}
	return nil
}

// escapes reports whether a path Core ML resolves against the model's
// location reaches outside it. "$BUNDLE_MAIN" and "$BUNDLE_THIS" name the
// app's bundles, which are not the model either, but are where Apple's
// documentation tells apps to keep linked models.
func escapes(p string) bool {
	if p == "" || strings.HasPrefix(p, "$BUNDLE_MAIN") || strings.HasPrefix(p, "$BUNDLE_THIS") && !hasDotDot(p) {
		return false
	}
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || hasDotDot(p)
}

func hasDotDot(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

func (w *walker) serialized(f field) error {
	id := ""
	err := w.p.sub(f, func(g field) error {
		if g.num == 1 {
			s, err := w.p.str(g)
			id = s
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.emit(formats.NewFinding(RuleSerialized, f.at, "serialized model for %s: its bytes are opaque to this scan", formats.DisplayName(id)).With("identifier", id))
	return nil
}

// program walks a MIL Program: functions (field 2, a map) to their
// blocks (field 3 of Function, a map) and every operation in them.
func (w *walker) program(f field, depth int) error {
	return w.p.sub(f, func(g field) error {
		switch g.num {
		case 2:
			return w.mapValues(g, func(fn field) error {
				return w.p.sub(fn, func(h field) error {
					switch h.num {
					case 3:
						return w.mapValues(h, func(b field) error { return w.block(b, depth+1) })
					case 4:
						return w.mapValues(h, w.value)
					}
					return nil
				})
			})
		case 4:
			return w.mapValues(g, w.value)
		}
		return nil
	})
}

// mapValues calls fn with the value (field 2) of a map entry message.
func (w *walker) mapValues(f field, fn func(field) error) error {
	return w.p.sub(f, func(e field) error {
		if e.num == 2 {
			return fn(e)
		}
		return nil
	})
}

func (w *walker) block(f field, depth int) error {
	if err := w.deeper(depth); err != nil {
		return err
	}
	return w.p.sub(f, func(g field) error {
		switch g.num {
		case 3:
			return w.operation(g, depth+1)
		case 4:
			return w.mapValues(g, w.value)
		}
		return nil
	})
}

func (w *walker) operation(f field, depth int) error {
	return w.p.sub(f, func(g field) error {
		switch g.num {
		case 1: // type
			typ, err := w.p.str(g)
			if err != nil {
				return err
			}
			w.opType(g.at, typ)
		case 2: // inputs: map<string, Argument>; Argument.arguments (1) are Bindings whose value is field 2
			return w.mapValues(g, func(arg field) error {
				return w.p.sub(arg, func(b field) error {
					if b.num != 1 {
						return nil
					}
					return w.p.sub(b, func(v field) error {
						if v.num == 2 {
							return w.value(v)
						}
						return nil
					})
				})
			})
		case 4:
			return w.block(g, depth+1)
		case 5:
			return w.mapValues(g, w.value)
		}
		return nil
	})
}

// value records the weight file of a Value held in a blob file (field 5:
// fileName 1, offset 2).
func (w *walker) value(f field) error {
	return w.p.sub(f, func(g field) error {
		if g.num != 5 {
			return nil
		}
		var (
			name string
			off  uint64
		)
		err := w.p.sub(g, func(h field) error {
			switch h.num {
			case 1:
				s, err := w.p.str(h)
				name = s
				return err
			case 2:
				off = h.val
			}
			return nil
		})
		if err != nil {
			return err
		}
		if _, ok := w.m.Weights[name]; !ok && len(w.m.Weights) >= maxFindings {
			return &formats.LimitError{Limit: "coreml-weight-files", Max: maxFindings}
		}
		if _, ok := weightPath(name); !ok {
			w.emit(formats.NewFinding(RuleFileEscape, g.at, "ML program weights come from %s, a file outside the model", formats.DisplayName(name)).With("file", name))
		}
		w.m.Weights[name] = append(w.m.Weights[name], off)
		return nil
	})
}

// weightPath returns the path inside the model directory of a weight file
// written "@model_path/...", which is how coremltools names it; any other
// name reaches outside the model.
func weightPath(name string) (string, bool) {
	rel, ok := strings.CutPrefix(name, "@model_path/")
	if !ok || rel == "" || strings.HasPrefix(rel, "/") || hasDotDot(rel) || path.Clean(rel) != rel {
		return "", false
	}
	return rel, true
}

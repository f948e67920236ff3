package pickle

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// TestCheckoutGlobals covers the yolo_checkout ecosystem's uses: a YOLO
// research checkout's classes (models.yolo.DetectionModel,
// models.common.Conv, ...) may be built the way torch.save writes them
// (NEWOBJ, or copyreg._reconstructor, then BUILD), never called with the
// pickle's arguments (DetectionModel(cfg) reads a yaml path); names the
// repositories never defined under models.common, the inference wrappers
// train.py never saves, and any other module under models stay unknown;
// and a disabled ecosystem's names are unknown. The real checkpoints are
// in testdata/checkout (scanner/checkout_test.go).
func TestCheckoutGlobals(t *testing.T) {
	// A whole-model torch.save: the model built by NEWOBJ, its state a
	// dict whose _modules holds a layer built the same way.
	built := func(mod, name string) string {
		return glob(mod, name) + emptyTuple + newobj
	}
	model := cat(proto(2), built("models.yolo", "DetectionModel"),
		"}", mark, sbu("training"), "\x88", sbu("_modules"),
		glob("collections", "OrderedDict"), emptyTuple, reduce,
		sbu("0"), built("models.common", "Conv"), "}", sbu("training"), "\x88", "s", build, "s",
		"u", build, stop)
	reconstructed := cat(proto(2), glob("copyreg", "_reconstructor"), glob("models.common", "C3"),
		glob("builtins", "object"), "N", "\x87", reduce, "}", build, stop)
	tests := []struct {
		name string
		data []byte
		rule string // reported, or "" for clean
	}{
		{"whole model built by NEWOBJ and BUILD", model, ""},
		{"layer built by copyreg._reconstructor", reconstructed, ""},
		{"yolov7 head built", cat(proto(2), built("models.yolo", "IDetect"), stop), ""},
		{"yolov9 layer built", cat(proto(2), built("models.common", "RepNCSPELAN4"), stop), ""},
		{"yolov7 IBin's SigmoidBin built", cat(proto(2), built("utils.loss", "SigmoidBin"), stop), ""},
		{"yolov6 layer built", cat(proto(2), built("yolov6.layers.common", "RepVGGBlock"), stop), ""},
		{"yolov6 model called", cat(proto(2), glob("yolov6.models.yolo", "Model"), sbu("cfg"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"yolov6 inference backend left unknown", cat(proto(2), built("yolov6.layers.common", "DetectBackend"), stop), RuleUnknownGlobal},
		{"layer called by REDUCE", cat(proto(2), glob("models.common", "Conv"), k1(3), k1(16), tuple2, reduce, stop), RuleMisusedGlobal},
		{"model called with a cfg path", cat(proto(2), glob("models.yolo", "DetectionModel"), sbu("/etc/passwd"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"layer called by INST", cat(mark, k1(3), inst("models.common", "SPPF"), stop), RuleMisusedGlobal},
		{"unlisted models.common name", cat(proto(2), built("models.common", "Evil"), stop), RuleUnknownGlobal},
		{"inference wrapper left unknown", cat(proto(2), built("models.common", "DetectMultiBackend"), stop), RuleUnknownGlobal},
		{"AutoShape left unknown", cat(proto(2), built("models.common", "AutoShape"), stop), RuleUnknownGlobal},
		{"no wildcard over models", cat(proto(2), built("models.other", "Conv"), stop), RuleUnknownGlobal},
		{"loss object kept outside the model", cat(proto(2), built("utils.loss", "ComputeLoss"), stop), RuleUnknownGlobal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRule(t, tt.data, tt.rule) })
	}

	off, err := globals.NewSelection(nil, []string{"yolo_checkout"})
	if err != nil {
		t.Fatal(err)
	}
	rec := formatstest.NewRecorder()
	if _, err := Scan(globals.WithSelection(context.Background(), off), bytes.NewReader(model), rec,
		Options{Source: bytes.NewReader(model)}); err != nil {
		t.Fatal(err)
	}
	var unknown []string
	for _, f := range rec.Findings {
		if f.Rule == RuleUnknownGlobal {
			unknown = append(unknown, f.Details["global"])
		}
	}
	slices.Sort(unknown)
	if want := []string{"models.common.Conv", "models.yolo.DetectionModel"}; !slices.Equal(unknown, want) {
		t.Errorf("yolo_checkout disabled: unknown %v, want %v (findings %v)", unknown, want, rec.Findings)
	}
}

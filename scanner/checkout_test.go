package scanner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/policy"
)

// TestCheckoutCheckpoints scans training checkpoints that train.py of
// YOLOv5, YOLOv6, YOLOv7 and YOLOv9 git checkouts wrote with the checkouts' own classes
// (formats/pickle/testdata/checkout, made by make_checkout.py): their
// pickles name models.yolo.*, models.common.* (yolov6.* for YOLOv6)
// relative to the repository root. With every ecosystem on they are clean at fail-on
// medium; with a policy that disables yolo_checkout, each of those names,
// and nothing else, is not on the allowlist (MG101 medium).
func TestCheckoutCheckpoints(t *testing.T) {
	off, err := policy.Parse("p.yaml", []byte("version: 1\npickle:\n  ecosystems:\n    disable: [yolo_checkout]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file  string
		names []string // checkout-relative globals the pickle names
	}{
		{"yolov5_checkout_last.pt", []string{"models.yolo.DetectionModel", "models.yolo.Detect", "models.common.Conv",
			"models.common.C3", "models.common.Bottleneck", "models.common.SPPF", "models.common.Concat"}},
		{"yolov7_checkout_last.pt", []string{"models.yolo.Model", "models.yolo.IDetect", "models.common.ImplicitA",
			"models.common.ImplicitM", "models.common.Conv", "models.common.MP", "models.common.SPPCSPC",
			"models.common.RepConv", "models.common.Concat"}},
		{"yolov9_checkout_last.pt", []string{"models.yolo.DetectionModel", "models.yolo.DualDDetect", "models.common.DFL",
			"models.common.Silence", "models.common.Conv", "models.common.RepNCSPELAN4", "models.common.RepNCSP",
			"models.common.RepNBottleneck", "models.common.RepConvN", "models.common.ADown", "models.common.SPPELAN",
			"models.common.SP", "models.common.Concat"}},
		{"yolov6_checkout_last.pt", []string{"yolov6.models.yolo.Model", "yolov6.models.efficientrep.EfficientRep",
			"yolov6.models.reppan.RepBiFPANNeck", "yolov6.models.effidehead.Detect", "yolov6.layers.common.RepVGGBlock",
			"yolov6.layers.common.RepBlock", "yolov6.layers.common.ConvBNReLU", "yolov6.layers.common.ConvBNSiLU",
			"yolov6.layers.common.BiFusion", "yolov6.layers.common.SimCSPSPPF", "yolov6.layers.common.CSPSPPFModule",
			"yolov6.layers.common.Transpose", "yolov6.layers.common.ConvModule"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := "../formats/pickle/testdata/checkout/" + tt.file
			on := scanWith(t, path, scanner.Options{Jobs: 1, FailOn: formats.Medium})
			if top, any := on.MaxSeverity(); on.Outcome != scanner.Clean || (any && top >= formats.Low) {
				t.Errorf("ecosystem on: outcome %s %s, findings %v", on.Outcome, on.Error, on.Findings)
			}
			r := scanWith(t, path, scanner.Options{Jobs: 1, FailOn: formats.Medium, PickleEcosystems: off.PickleSelection()})
			unknown := map[string]bool{}
			for _, f := range r.Findings {
				if f.Rule != "MG101" || f.Severity != formats.Medium || !strings.HasPrefix(f.Details["global"], strings.Split(tt.names[0], ".")[0]+".") {
					t.Errorf("ecosystem off: unexpected finding %+v", f)
					continue
				}
				unknown[f.Details["global"]] = true
			}
			for _, n := range tt.names {
				if !unknown[n] {
					t.Errorf("ecosystem off: %s not reported as unknown; findings %v", n, r.Findings)
				}
			}
			if r.Outcome != scanner.Findings {
				t.Errorf("ecosystem off: outcome %s, want findings", r.Outcome)
			}
		})
	}
}

func scanWith(t *testing.T, path string, opts scanner.Options) scanner.FileResult {
	t.Helper()
	src, err := fetch.NewLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: path, Source: src}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 {
		t.Fatalf("%s: %d results", path, len(rep.Files))
	}
	return rep.Files[0]
}

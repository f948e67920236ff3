package scanner_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

// TestTFLiteAssociatedFiles checks the engine's reading of a zip appended
// to a TFLite model: the associated files tflite-support's populator packs
// are no polyglot, while every member is still scanned, and a zip that
// another loader would open as a model, or one behind a model without
// metadata, stays MG003 and MG203.
func TestTFLiteAssociatedFiles(t *testing.T) {
	const dir = "../formats/tflite/testdata/"
	tests := []struct {
		file    string
		want    []string // rules that must be reported
		notWant []string // rules that must not
		atLeast formats.Severity
		below   formats.Severity // 0: no ceiling
	}{
		{"metadata_labels.tflite", []string{"MG216"}, []string{"MG003", "MG203"}, formats.Info, formats.Low},
		{"metadata_unrecorded.tflite", []string{"MG216"}, []string{"MG003", "MG203"}, formats.Low, formats.Medium},
		{"tflite-support/test_model_nl_classifier_with_associated_label.tflite", []string{"MG216"}, []string{"MG003", "MG203"}, formats.Info, 0},
		{"metadata_pickle_member.tflite", []string{"MG216"}, []string{"MG003"}, formats.Critical, 0},
		{"metadata_torch_layout.tflite", []string{"MG003", "MG203"}, []string{"MG216"}, formats.Critical, 0},
		{"no_metadata_zip.tflite", []string{"MG003", "MG203"}, []string{"MG216"}, formats.Medium, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := scanOne(t, dir+tt.file)
			if r.Outcome == scanner.Inconclusive {
				t.Fatalf("inconclusive: %s", r.Error)
			}
			rules := map[string]bool{}
			for _, f := range r.Findings {
				rules[f.Rule] = true
			}
			for _, w := range tt.want {
				if !rules[w] {
					t.Errorf("no %s in %v", w, r.Findings)
				}
			}
			for _, w := range tt.notWant {
				if rules[w] {
					t.Errorf("unexpected %s in %v", w, r.Findings)
				}
			}
			top, _ := r.MaxSeverity()
			if top < tt.atLeast || tt.below != 0 && top >= tt.below {
				t.Errorf("max severity %v, want at least %v and below %v: %v", top, tt.atLeast, tt.below, r.Findings)
			}
		})
	}
}

// TestUnreadableSavedModelIsInconclusive checks that a file named
// saved_model.pb, which TensorFlow's loader parses whatever its bytes, is
// never skipped as inert when it matches no format: it is inconclusive,
// with a reason.
func TestUnreadableSavedModelIsInconclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "saved_model.pb")
	if err := os.WriteFile(p, []byte("\xff\xfe not a protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := scanOne(t, p)
	if r.Outcome != scanner.Inconclusive || r.Reason == "" {
		t.Fatalf("outcome %s, reason %q, want inconclusive with a reason", r.Outcome, r.Reason)
	}
}

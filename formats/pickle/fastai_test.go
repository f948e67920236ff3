package pickle

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestFastaiFlairHostile runs the hostile fastai exports and flair
// checkpoints (testdata/fastai, made by make_hostile.py): the allowlisted
// shells around them must not hide the payload, which is reported with
// its rule, global and at least the severity named.
func TestFastaiFlairHostile(t *testing.T) {
	tests := []struct {
		file, rule, global string
		min                formats.Severity
	}{
		{"fastai_run.pkl", RuleDeniedGlobal, "fastcore.xtras.run", formats.Critical},
		{"fastai_open_file.pkl", RuleRiskyGlobal, "fastcore.xtras.open_file", formats.High},
		{"fastai_load_learner.pkl", RuleDeniedGlobal, "fastai.learner.load_learner", formats.Critical},
		{"fastai_partial_load_learner.pkl", RuleDeniedGlobal, "fastai.learner.load_learner", formats.Critical},
		{"fastai_transform_os_system.pkl", RuleDeniedGlobal, "os.system", formats.Critical},
		// A bound method the allowlist lists as held, called.
		{"fastai_bound_method_called.pkl", RuleMisusedGlobal, "fastai.tabular.core.TabularPandas.dataloaders", formats.Medium},
		// getattr(learner, "load"): a name the allowlist does not list as
		// a held method leaves getattr itself reported.
		{"fastai_bound_method_denied.pkl", RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"fastai_rebuild_from_type_call.pkl", RuleMisusedGlobal, "fastai.vision.core.PILImage.create", formats.Medium},
		{"flair_cached_path.pkl", RuleRiskyGlobal, "flair.file_utils.cached_path", formats.High},
		{"flair_transformer.pkl", RuleRiskyGlobal, "flair.embeddings.token.TransformerWordEmbeddings", formats.High},
		{"flair_model_load.pkl", RuleDeniedGlobal, "flair.nn.model.Model.load", formats.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "fastai", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			for _, f := range rec.Findings {
				if f.Rule == tt.rule && f.Details["global"] == tt.global && f.Severity >= tt.min {
					return
				}
			}
			t.Errorf("no %s %s on %s:\n%s", tt.min, tt.rule, tt.global, list(rec.Findings))
		})
	}
}

package lightgbm

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleUnknownObjective = "MG910"
	RuleStructure        = "MG911"
	RuleUserObjective    = "MG912"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleUnknownObjective, Severity: formats.Medium, Title: "LightGBM objective not built into LightGBM",
			Doc: "The model's objective line names an objective LightGBM does not register. LightGBM creates the objective by name when it loads the model and cannot load code from the file, so the model only loads in a modified LightGBM build: native code distributed beside the model. A model trained with a Python custom objective has no objective line, or objective=custom, and is not reported."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "LightGBM model structure invalid",
			Doc: "The model's own bookkeeping disagrees with its contents: a tree's size differs from its tree_sizes entry, a node points at a child or leaf outside its tree, a categorical split's boundaries reach outside its threshold list, the trees do not end with \"end of trees\", or the pandas_categorical trailer is not JSON. LightGBM slices the file by tree_sizes and indexes nodes without checking them, so such a file reads out of bounds or parses differently in different readers; it was not written by LightGBM."},
		{ID: RuleUserObjective, Severity: formats.Info, Title: "LightGBM model trained with a user-defined objective",
			Doc: "The model's parameters section records objective custom (or none, its name before LightGBM 4.0): the model was trained with an objective function passed from Python or another host language. That function is never stored in the model and predicting with it does not need it (scores are raw); this only records how the model was trained."},
	} {
		formats.RegisterRule(r)
	}
}

package catboost

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleStructure = "MG920"
	RuleUserLoss  = "MG921"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleStructure, Severity: formats.Medium, Title: "CatBoost model structure invalid",
			Doc: "The model's flatbuffer, its trees or the parts after it disagree with each other: a tree's splits or leaves reach outside their arrays, the core's format version or a model part is one CatBoost does not write, or bytes follow the last part. CatBoost's flatbuffer verifier checks only offsets, and its evaluator indexes splits and leaves by these counts, so such a file reads out of bounds or is rejected; bytes the loader never reads can hide a second payload. The file was not written by CatBoost."},
		{ID: RuleUserLoss, Severity: formats.Info, Title: "CatBoost model trained with a user-defined objective or metric",
			Doc: "The training parameters stored in the model name a Python or C++ user-defined loss or metric (PythonUserDefinedPerObject, UserPerObjMetric, ...). The code itself is never stored in a .cbm file and loading or applying the model does not need it; this only records how the model was trained."},
	} {
		formats.RegisterRule(r)
	}
}

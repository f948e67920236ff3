package xgboost

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleUnknownComponent = "MG900"
	RuleStructure        = "MG901"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleUnknownComponent, Severity: formats.Medium, Title: "XGBoost objective, booster or metric not built into XGBoost",
			Doc: "The model names an objective function, gradient booster or evaluation metric that stock XGBoost does not register. XGBoost creates these by name from its registry and cannot load code from the model file, so the model only loads in an XGBoost built with a plugin that registers the name: native code distributed beside the model. Make sure you know and trust that build; a Python custom objective is never saved in a model."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "XGBoost model structure invalid",
			Doc: "The model's own counts disagree with its contents: a tree node points at a child outside its tree, a length reaches past the end of the file, or bytes follow the model that XGBoost never reads. XGBoost versions that trust these fields read out of bounds, and bytes XGBoost ignores can hide a second payload; the file was not written by XGBoost."},
	} {
		formats.RegisterRule(r)
	}
}

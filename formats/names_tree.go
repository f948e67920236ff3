package formats

// Formats of gradient-boosted tree libraries and of frameworks whose
// files are identified by their structure (their packages register a
// Probe): XGBoost (JSON, UBJSON and legacy binary models), LightGBM text
// models, CatBoost .cbm, msgpack checkpoints (Flax, Orbax) and
// PaddlePaddle programs and parameters.
const (
	XGBoost       = "xgboost"
	LightGBM      = "lightgbm"
	CatBoost      = "catboost"
	Msgpack       = "msgpack"
	PaddleProgram = "paddle-program"
	PaddleParams  = "paddle-params"
)

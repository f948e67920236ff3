package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestStatsmodelsModelData: statsmodels' ModelData, PandasData and
// PatsyData are off the allowlist (ModelData.__setstate__ calls
// patsy.dmatrices, which evals the terms of the state's formula, when the
// state has restore_design_info) and cleared only when built by NEWOBJ
// and one BUILD whose dict has constant keys and no restore_design_info:
// what a model fitted without a formula pickles.
func TestStatsmodelsModelData(t *testing.T) {
	data := func(name string, items ...string) []byte {
		return cat(proto(2), glob("statsmodels.base.data", name), emptyTuple, newobj, emptyDict, mark,
			string(cat(items...)), "u", build, stop)
	}
	item := func(k, v string) string { return sbu(k) + v }
	formula := item("formula", sbu("y ~ I(__import__('os').system('echo pwned')) + x"))
	tests := []stateCase{
		{"PandasData of a model fitted on data frames", data("PandasData", item("k_constant", "K\x01"), item("xnames", "N")), true},
		{"ModelData of a model fitted on arrays", data("ModelData", item("k_constant", "K\x00")), true},
		{"PatsyData without a formula", data("PatsyData", item("k_constant", "K\x00")), true},
		{"restore_design_info and a formula", data("PandasData", item("restore_design_info", "\x88"), formula), false},
		{"restore_design_info false (still a key: __setstate__ tests 'in')", data("PandasData", item("restore_design_info", "\x89"), formula), false},
		{"restore_design_info on ModelData", data("ModelData", item("restore_design_info", "\x88"), formula), false},
		{"a computed key", data("PandasData", glob("builtins", "str")+sbu("restore_design_info")+tuple1+reduce+"\x88", formula), false},
		{"built by REDUCE", cat(proto(2), glob("statsmodels.base.data", "PandasData"), emptyTuple, reduce, emptyDict, build, stop), false},
		{"a second BUILD", cat(proto(2), glob("statsmodels.base.data", "PandasData"),
			emptyTuple, newobj, emptyDict, build, emptyDict, item("restore_design_info", "\x88"), "s", build, stop), false},
	}
	checkCleared(t, tests, formats.Critical)
}

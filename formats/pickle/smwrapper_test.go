package pickle

import (
	"strings"
	"testing"
)

// TestResultsWrapperData asserts that an instance attribute wrap_output
// holding a function is taken as its call: statsmodels' ResultsWrapper
// answers res.params with results.model.data.wrap_output(value, *how),
// how from the wrapper's own _wrap_attrs, so a wrapper whose model's data
// held fit_l1_slsqp called it with the pickle's arguments on the first
// attribute read (statsmodels 0.13).
func TestResultsWrapperData(t *testing.T) {
	obj := func(module, name string, kv ...string) string {
		return built(module, name) + emptyDict + mark + strings.Join(kv, "") + "u" + build
	}
	wrapper := func(wrap string) []byte {
		data := obj("statsmodels.discrete.discrete_model", "Poisson", sbu("wrap_output"), wrap)
		model := obj("statsmodels.discrete.discrete_model", "Poisson", sbu("data"), data)
		results := obj("statsmodels.base.elastic_net", "RegularizedResults", sbu("model"), model, sbu("params"), k1(1))
		return cat(proto(2), obj("statsmodels.base.elastic_net", "RegularizedResultsWrapper", sbu("_results"), results,
			sbu("_wrap_attrs"), emptyDict+sbu("params")+sbu("x")+tuple1+"s"), stop)
	}
	runRuleCases(t, []ruleCase{
		{"data wrap_output a constant", wrapper(sbu("columns")), ""},
		{"data wrap_output a reference-only function", wrapper(glob("statsmodels.base.l1_slsqp", "fit_l1_slsqp")), RuleMisusedGlobal},
	})
}

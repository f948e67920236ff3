package onnx

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestOperatorSeverityByConsequence checks that an operator is judged by
// what running it needs or does: nothing for onnxruntime's own domains,
// low for a known vendor's library, medium for an unknown library, high
// or critical only where the operator itself runs code or reaches files.
func TestOperatorSeverityByConsequence(t *testing.T) {
	for _, tc := range []struct {
		name string
		node pb
		rule string // "" for no finding at all
		sev  formats.Severity
	}{
		{"onnxruntime contrib op", mknode("FusedMatMul", "com.microsoft"), "", 0},
		{"onnxruntime nchwc op", mknode("Conv", "com.microsoft.nchwc"), "", 0},
		{"onnxruntime internal nhwc op", mknode("QLinearConv", "com.ms.internal.nhwc"), "", 0},
		{"onnx-ml op", mknode("TreeEnsembleClassifier", "ai.onnx.ml"), "", 0},
		{"training op", mknode("Gradient", "ai.onnx.preview.training"), "", 0},
		{"onnxruntime-extensions op", mknode("GPT2Tokenizer", "ai.onnx.contrib"), RuleVendorDomain, formats.Low},
		{"qonnx op", mknode("Quant", "qonnx.custom_op.general"), RuleVendorDomain, formats.Low},
		{"finn op", mknode("MultiThreshold", "finn.custom_op.general"), RuleVendorDomain, formats.Low},
		{"brevitas op", mknode("Quant", "onnx.brevitas"), RuleVendorDomain, formats.Low},
		{"unlisted microsoft sub-domain", mknode("X", "com.microsoft.foo"), RuleVendorDomain, formats.Low},
		{"unknown domain", mknode("Evil", "com.evil"), RuleCustomDomain, formats.Medium},
		{"prefix without its dot", mknode("Evil", "qonnx.custom_opx"), RuleCustomDomain, formats.Medium},
		{"pyop in a vendor domain", mknode("PyOp", "ai.onnx.contrib", strAttr("module", "os")), RulePyOp, formats.Critical},
		{"cloud op", mknode("AzureTextToText", "com.microsoft.extensions", strAttr("model_uri", "https://x")), RuleNetworkOp, formats.High},
		{"epcontext embedded", mknode("EPContext", "com.microsoft", intAttr("embed_mode", 1), strAttr("ep_cache_context", "ENGINE")), RuleEPContext, formats.Medium},
		{"epcontext file in the model folder", mknode("EPContext", "com.microsoft", intAttr("embed_mode", 0), strAttr("ep_cache_context", "model_ctx.bin")), RuleEPContext, formats.Medium},
		{"epcontext file outside", mknode("EPContext", "com.microsoft", intAttr("embed_mode", 0), strAttr("ep_cache_context", "../../x.engine")), RuleEPContext, formats.High},
		{"epcontext absolute file", mknode("EPContext", "com.microsoft", intAttr("embed_mode", 0), strAttr("ep_cache_context", "/etc/passwd")), RuleEPContext, formats.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.onnx", model(graph(tc.node)))
			if err != nil {
				t.Fatal(err)
			}
			if tc.rule == "" {
				if len(r.Findings) > 0 {
					t.Fatalf("want no finding, got %v", r.Findings)
				}
				return
			}
			top, _ := r.Max()
			found := false
			for _, f := range r.Findings {
				found = found || f.Rule == tc.rule && f.Severity == tc.sev
			}
			if !found || top != tc.sev {
				t.Fatalf("want %s at %s (and nothing above), got %v", tc.rule, tc.sev, r.Findings)
			}
		})
	}
}

func TestParseDomains(t *testing.T) {
	for _, tc := range []struct {
		name, tsv string
		ok        bool
	}{
		{"entry", "a.b\tlibrary\tV\tsrc\n", true},
		{"no source", "a.b\tlibrary\tV\t\n", false},
		{"no vendor", "a.b\tlibrary\t\tsrc\n", false},
		{"bad kind", "a.b\tplugin\tV\tsrc\n", false},
		{"duplicate", "a\tlibrary\tV\tsrc\na\truntime\tV\tsrc\n", false},
	} {
		if _, err := parseDomains(tc.tsv); (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}

package onnx

import (
	"strings"
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
		{"mmdeploy op", mknode("MMCVMultiLevelRoiAlign", "mmdeploy"), RuleVendorDomain, formats.Low},
		{"mmcv op", mknode("MMCVModulatedDeformConv2d", "mmcv"), RuleVendorDomain, formats.Low},
		{"paddle2onnx custom op", mknode("multiclass_nms3", "Paddle"), RuleVendorDomain, formats.Low},
		{"tf2onnx unconverted tf op", mknode("Bucketize", "ai.onnx.converters.tensorflow"), RuleVendorDomain, formats.Low},
		{"amd quark op", mknode("ExtendedQuantizeLinear", "com.amd.quark"), RuleVendorDomain, formats.Low},
		{"vitis ai op", mknode("FixNeuron", "com.vai.quantize"), RuleVendorDomain, formats.Low},
		{"ryzen ai op", mknode("MHAGRPB", "com.amd"), RuleVendorDomain, formats.Low},
		{"amd lookalike", mknode("X", "com.amdx"), RuleCustomDomain, formats.Medium},
		{"tensorrt fp8 op", mknode("TRT_FP8QuantizeLinear", "trt"), RuleVendorDomain, formats.Low},
		{"qualcomm qnn op", mknode("StatefulLstm", "qti_aisw"), RuleVendorDomain, formats.Low},
		{"aimet op", mknode("QcQuantizeOp", "aimet.customop.cuda"), RuleVendorDomain, formats.Low},
		{"onnx-extended op", mknode("TreeEnsembleRegressor", "onnx_extented.ortops.optim.cpu"), RuleVendorDomain, formats.Low},
		{"pytorch fallthrough op", mknode("ListConstruct", "prim"), RuleVendorDomain, formats.Low},
		{"pytorch python op keeps its rule", mknode("PythonOp", "prim", strAttr("name", "MyFn")), RulePythonOp, formats.High},
		{"case matters", mknode("X", "paddle"), RuleCustomDomain, formats.Medium},
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

// TestGenericDomainsStayUnknown checks that names any project could pick
// (examples, tests, tutorials) are not a vendor, and that no pattern in the
// table is broad enough to cover them.
func TestGenericDomainsStayUnknown(t *testing.T) {
	for _, d := range []string{"custom", "test", "custom_domain", "test.customop", "test.customop.ov", "custom.domain",
		"com.custom", "com.example", "com.example.native", "com.test", "some.domain", "test.domain", "local",
		"local_domain", "pkg.custom", "MyReluDomain", "lang.lua", "ai", "com", "org", "pkg", "org.pytorch.mylib"} {
		if k := lookupDomain(d).kind; k != unknownDomain {
			t.Errorf("domain %q is kind %d, want unknown", d, k)
		}
	}
	generic := map[string]bool{"ai": true, "com": true, "org": true, "pkg": true, "custom": true, "test": true,
		"local": true, "example": true, "onnx": true}
	for n, line := range strings.Split(domainsTSV, "\n") {
		name, _, _ := strings.Cut(line, "\t")
		p, ok := strings.CutSuffix(name, ".*")
		if strings.HasPrefix(line, "#") || !ok {
			if strings.HasSuffix(name, "*") && !strings.HasPrefix(line, "#") {
				t.Errorf("line %d: pattern %q must end in \".*\"", n+1, name)
			}
			continue
		}
		labels := strings.Split(p, ".")
		if len(labels) < 2 || generic[labels[len(labels)-1]] {
			t.Errorf("line %d: pattern %q is too broad to name one vendor", n+1, name)
		}
	}
}

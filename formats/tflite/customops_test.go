package tflite

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestOperatorSeverityByConsequence checks that custom and Flex operators
// are judged by what running them needs or does.
func TestOperatorSeverityByConsequence(t *testing.T) {
	custom := func(name string) []byte {
		return tflModel([]obj{opCode(32, name)}, []obj{operator(0, []byte{1})}, nil)
	}
	flex := func(op string) []byte {
		return tflModel([]obj{opCode(32, "Flex"+op)}, []obj{operator(0, flexOptions(op, nodeDef("n", op)))}, nil)
	}
	for _, tc := range []struct {
		name string
		data []byte
		rule string // "" for no finding at all
		sev  formats.Severity
	}{
		{"TFLite's own custom kernel", custom("TFLite_Detection_PostProcess"), "", 0},
		{"MediaPipe transpose conv", custom("Convolution2DTransposeBias"), RuleVendorCustomOp, formats.Low},
		{"MediaPipe landmarks", custom("Landmarks2TransformMatrix"), RuleVendorCustomOp, formats.Low},
		{"TF Text tokenizer", custom("TFText>FastWordpieceTokenizer"), RuleVendorCustomOp, formats.Low},
		{"SentencePiece tokenizer", custom("TFSentencepieceTokenizeOp"), RuleVendorCustomOp, formats.Low},
		{"audio microfrontend", custom("AudioMicrofrontend"), RuleVendorCustomOp, formats.Low},
		{"tflite-support whitespace tokenizer", custom("tftext:WhitespaceTokenizer"), RuleVendorCustomOp, formats.Low},
		{"Coral Edge TPU", custom("edgetpu-custom-op"), RuleVendorCustomOp, formats.Low},
		{"Arm Ethos-U", custom("ethos-u"), RuleVendorCustomOp, formats.Low},
		{"TFLite builtin resolver's custom op", custom("NumericVerify"), "", 0},
		{"TFLite optional parse-example kernel", custom("ParseExampleV2"), RuleVendorCustomOp, formats.Low},
		{"TFLite list kernels", custom("TensorListReserve"), RuleVendorCustomOp, formats.Low},
		{"LiteRT NPU dispatch", custom("DISPATCH_OP"), RuleVendorCustomOp, formats.Low},
		{"TFLite Micro circular buffer", custom("CIRCULAR_BUFFER"), "", 0},
		{"TFLite Micro decode", custom("TFLM_DECODE"), "", 0},
		{"SentencePiece detokenizer", custom("TFSentencepieceDetokenizeOp"), RuleVendorCustomOp, formats.Low},
		{"converter SGNN projection", custom("tftext:custom:SgnnProjection"), RuleVendorCustomOp, formats.Low},
		{"converter quantize composite", custom("odml.quantize_and_dequantize"), RuleVendorCustomOp, formats.Low},
		{"NXP Neutron NPU graph", custom("NeutronGraph"), RuleVendorCustomOp, formats.Low},
		{"unlisted converter composite", custom("odml.detector"), RuleCustomOp, formats.Medium},
		{"unknown kernel", custom("MyNativeKernel"), RuleCustomOp, formats.Medium},
		{"list pattern needs its prefix", custom("TensorLis"), RuleCustomOp, formats.Medium},
		{"pattern needs its prefix", custom("TFTextFastWordpieceTokenizer"), RuleCustomOp, formats.Medium},
		{"flex compute op", flex("Add"), RuleFlexOp, formats.Low},
		{"flex save", flex("Save"), RuleFlexOp, formats.High},
		{"flex restore v2", flex("RestoreV2"), RuleFlexOp, formats.High},
		{"flex vocabulary file", flex("InitializeTableFromTextFileV2"), RuleFlexOp, formats.High},
		{"flex read file", flex("ReadFile"), RuleFlexOp, formats.High},
		{"flex eager py func", flex("EagerPyFunc"), RuleFlexOp, formats.Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.tflite", tc.data)
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

func TestParseCustomOps(t *testing.T) {
	for _, tc := range []struct {
		name, tsv string
		ok        bool
	}{
		{"entry", "Op\tlibrary\tV\tsrc\n", true},
		{"no source", "Op\tlibrary\tV\t\n", false},
		{"bad kind", "Op\tplugin\tV\tsrc\n", false},
		{"duplicate", "Op\tlibrary\tV\tsrc\nOp\ttflite\tV\tsrc\n", false},
	} {
		if _, err := parseOps(tc.tsv); (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}

// TestGenericCustomOpsStayUnknown checks that names any project could pick
// (examples, tests, tutorials) are not a vendor's kernel, and that no
// pattern in the table is broad enough to cover them.
func TestGenericCustomOpsStayUnknown(t *testing.T) {
	for _, n := range []string{"CustomOp", "MyCustomOp", "MY_CUSTOM_OP", "my_custom_op", "custom", "test", "FakeOp",
		"OTHER_CUSTOM_OP", "mock_custom", "no_op", "Custom>Thing", "odml.some_op", "TF", "Addons>EmbeddingBag"} {
		if k := lookupOp(n).kind; k != unknownOp {
			t.Errorf("custom op %q is kind %d, want unknown", n, k)
		}
	}
	for n, line := range strings.Split(customOpsTSV, "\n") {
		name, _, _ := strings.Cut(line, "\t")
		p, ok := strings.CutSuffix(name, "*")
		if strings.HasPrefix(line, "#") || !ok {
			continue
		}
		// A pattern names one project by a separator its names carry
		// (TFText>...) or a prefix long enough to be its own.
		if !strings.ContainsAny(p, ">:.") && len(p) < 8 {
			t.Errorf("line %d: pattern %q is too broad to name one project", n+1, name)
		}
	}
}

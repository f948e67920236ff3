package hfrepo

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestCodeImportingConfigs runs the layout over the repositories written
// by testdata/make_code_configs.py: real shapes stay clean, every attacker
// variant is reported on the file that names the code.
func TestCodeImportingConfigs(t *testing.T) {
	tests := []struct {
		dir  string
		want []want
	}{
		{"minilm", nil},
		{"labse", nil},
		{"sd15", nil},
		{"peft-lora", nil},
		{"peft-automap", nil},
		{"jina", []want{{RuleConfigRunsCode, "modules.json", formats.Critical}, {RulePython, "custom_st.py", formats.Medium}}},
		{"crossrepo-st", []want{{RuleConfigRunsCode, "modules.json", formats.Critical}}},
		{"st-imports", []want{
			{RuleConfigCallsNamed, "2_Dense/config.json", formats.High},
			{RuleConfigImports, "3_Router/router_config.json", formats.Medium},
			{RuleConfigCallsNamed, "3_Router/query_0_Dense/config.json", formats.High},
			{RuleConfigCallsNamed, "config.json", formats.Medium},
			{RuleUnsafeUnpickle, "sentence_bert_config.json", formats.High},
		}},
		{"diffusers-custom", []want{
			{RuleConfigRunsCode, "model_index.json", formats.Critical},
			{RuleConfigRunsCode, "model_index.json", formats.Critical},
			{RulePython, "pipeline_x.py", formats.Medium},
			{RulePython, "unet/my_unet.py", formats.Medium},
		}},
		{"diffusers-remote", []want{
			{RuleCommunityPipe, "model_index.json", formats.Medium},
			{RuleConfigImports, "model_index.json", formats.Medium},
		}},
		{"diffusers-crossrepo", []want{{RuleConfigRunsCode, "model_index.json", formats.Critical}}},
		{"modular", []want{
			{RuleComponentSource, "modular_model_index.json", formats.Low},
			{RuleComponentSource, "modular_model_index.json", formats.Medium},
			{RuleConfigImports, "modular_model_index.json", formats.Medium},
		}},
		{"peft-evil", []want{
			{RuleConfigImports, "adapter_config.json", formats.Medium},
			{RuleBaseModelPath, "adapter_config.json", formats.Medium},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			r, err := formatstest.RunTree(t, Layout{}, repo(t, "code-configs/"+tt.dir, nil))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			var got, exp []string
			for _, f := range r.Findings {
				got = append(got, fmt.Sprintf("%s %s %s", f.Rule, f.Member, f.Severity))
			}
			for _, w := range tt.want {
				exp = append(exp, fmt.Sprintf("%s %s %s", w.rule, w.file, w.sev))
			}
			slices.Sort(got)
			slices.Sort(exp)
			if !slices.Equal(got, exp) {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
				for _, f := range r.Findings {
					t.Log(f.Message)
				}
			}
		})
	}
}

func TestModulesJSONTypes(t *testing.T) {
	tests := []struct {
		typ  string
		want string // rule, or "" for none
	}{
		{"sentence_transformers.models.Transformer", ""},
		{"sentence_transformers.sparse_encoder.models.SpladePooling", ""},
		{"custom_st.Transformer", RuleConfigRunsCode},
		{"jinaai/jina-embeddings-v3--custom_st.Transformer", RuleConfigRunsCode},
		{"org/repo--a--b.C", ""},
		{"org/repo--a.b.C", ""},
		{"custom_st.Transformer.Inner", RuleConfigImports},
		{"evilpkg.models.Loader", RuleConfigImports},
		{"Transformer", ""},
	}
	for _, tt := range tests {
		tree := formatstest.Tree{"modules.json": []byte(`[{"idx": 0, "name": "0", "path": "", "type": "` + tt.typ + `"}]`)}
		r, err := formatstest.RunTree(t, Layout{}, tree)
		if err != nil {
			t.Fatalf("%s: %v", tt.typ, err)
		}
		var rules []string
		for _, f := range r.Findings {
			rules = append(rules, f.Rule)
		}
		if want := []string{tt.want}; tt.want == "" && len(rules) > 0 || tt.want != "" && !slices.Equal(rules, want) {
			t.Errorf("%s: rules %v, want %q", tt.typ, rules, tt.want)
		}
	}
}

// TestListingMalformed: a modules.json or model_index.json that does not
// parse is reported and never clean.
func TestListingMalformed(t *testing.T) {
	for _, name := range []string{"modules.json", "model_index.json"} {
		r, err := formatstest.RunTree(t, Layout{}, formatstest.Tree{name: []byte(`[{"type": "x.Y"`)})
		if err == nil || !slices.Contains(r.Rules(), RuleMalformed) {
			t.Errorf("%s: error %v, rules %v", name, err, r.Rules())
		}
		r, _ = formatstest.RunTree(t, Layout{}, formatstest.Tree{name: []byte(`{"_class_name": "A", "_class_name": ["x", "Y"]}`)})
		if name == "model_index.json" && !slices.Contains(r.Rules(), RuleMalformed) {
			t.Errorf("%s: duplicate key not reported: %v", name, r.Rules())
		}
	}
}

func TestHubKernel(t *testing.T) {
	for body, want := range map[string]formats.Severity{
		`{"model_type": "llama", "attn_implementation": "attacker/kernels"}`:                   formats.Medium,
		`{"model_type": "llama", "_attn_implementation": "attacker/kernels@v1:attn"}`:          formats.Medium,
		`{"model_type": "llama", "attn_implementation": "kernels-community/flash-attn3"}`:      formats.Low,
		`{"model_type": "llama", "attn_implementation": "paged|kernels-community/vllm-flash"}`: formats.Low,
		`{"model_type": "llama", "attn_implementation": "sdpa"}`:                               -1,
		`{"model_type": "llama", "attn_implementation": "flash_attention_2"}`:                  -1,
	} {
		r, err := formatstest.RunTree(t, Layout{}, formatstest.Tree{"config.json": []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		top, any := r.Max()
		if want < 0 && any || want >= 0 && (!any || top != want || !slices.Contains(r.Rules(), RuleHubKernel)) {
			t.Errorf("%s: %v", body, r.Findings)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for ref, want := range map[string]bool{
		"meta-llama/Llama-2-7b-hf": false, "gpt2": false, "/models/base": true, "../base": true,
		"~/m": true, "C:\\m": true, "a/b/c": true, "./m": true,
	} {
		if got := localPath(ref); got != want {
			t.Errorf("localPath(%q) = %v, want %v", ref, got, want)
		}
	}
}

// TestProcessorAutoMap: processor, preprocessor, image-processor,
// video-preprocessor and diffusers component configs' auto_map are the
// same remote code as config.json's (MG801), resolved in their folder.
func TestProcessorAutoMap(t *testing.T) {
	for name, body := range map[string]string{
		"processor_config.json":          `{"auto_map": {"AutoProcessor": "processing_x.XProcessor"}, "processor_class": "XProcessor"}`,
		"preprocessor_config.json":       `{"auto_map": {"AutoFeatureExtractor": "feature_extraction_x.XFeatureExtractor"}}`,
		"video_preprocessor_config.json": `{"auto_map": {"AutoVideoProcessor": "video_processing_x.XVideoProcessor"}}`,
		"transformer/config.json":        `{"_class_name": "XTransformer", "_diffusers_version": "0.35.0", "auto_map": {"AutoModel": "transformer_x.XTransformer"}}`,
	} {
		r, err := formatstest.RunTree(t, Layout{}, formatstest.Tree{name: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(r.Rules(), RuleAutoMap) {
			t.Errorf("%s: rules %v, want %s", name, r.Rules(), RuleAutoMap)
		}
	}
}

// FuzzCodeImports runs the code-importing configuration checks over
// arbitrary bytes standing for every file they read.
func FuzzCodeImports(f *testing.F) {
	for _, dir := range []string{"st-imports", "diffusers-custom", "peft-evil", "jina"} {
		for name, b := range repo(f, "code-configs/"+dir, nil) {
			if strings.HasSuffix(name, ".json") {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tree := formatstest.Tree{"modules.json": b, "model_index.json": b, "modular_model_index.json": b, "adapter_config.json": b, "config.json": b,
			"0_Router/router_config.json": b, "2_Dense/config.json": b, "sentence_bert_config.json": b,
			"x.py": []byte("import os\n")}
		r, _ := formatstest.RunTree(t, Layout{}, tree)
		for _, fd := range r.Findings {
			if _, ok := tree[fd.Member]; !ok {
				t.Fatalf("finding about %q", fd.Member)
			}
		}
	})
}

package keras

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestArgumentsAndExtensions checks path and URL arguments, Lambda
// source text and extension-library layers in files written the way
// Keras 3 and tf.keras 2 write them (testdata/gen_paths.py): each file's
// highest finding is the rule and severity given.
func TestArgumentsAndExtensions(t *testing.T) {
	for _, tc := range []struct {
		file string
		rule string // "" when nothing may be reported
		sev  formats.Severity
	}{
		{"vocab_path.keras", RulePathArg, formats.High},
		{"bpe_url.keras", RulePathArg, formats.High},
		{"sp_proto_embedded.keras", "", 0},
		{"qkeras_layers.keras", RuleExtension, formats.Low},
		{"textvec_path.h5", RulePathArg, formats.High},
		{"lambda_source.h5", RuleLambdaSource, formats.High},
		{"lambda_source_plain.h5", RuleLambdaSource, formats.Medium},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := formatstest.NewRecorder()
			p := filepath.Join("testdata", tc.file)
			if strings.HasSuffix(p, ".keras") {
				if err := (archive{}).AnalyzeTree(context.Background(), readZip(t, p), r); err != nil {
					t.Fatal(err)
				}
			} else {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if r, err = formatstest.Run(t, formats.AnalyzerFunc(AnalyzeH5), p, data); err != nil {
					t.Fatal(err)
				}
			}
			if tc.rule == "" {
				if len(r.Findings) > 0 {
					t.Fatalf("want nothing, got %v", r.Findings)
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

func TestConfigArguments(t *testing.T) {
	long := strings.Repeat("QUJD", 600) // 2400 characters of strict base64
	for _, tc := range []struct {
		name, config, rule string
		sev                formats.Severity
	}{
		{"lookup with a list", `{"class_name": "StringLookup", "config": {"vocabulary": ["a", "b"]}}`, "", 0},
		{"lookup with a path", `{"class_name": "IntegerLookup", "config": {"vocabulary": "ids.txt"}}`, RulePathArg, formats.High},
		{"lookup with a bucket", `{"class_name": "StringLookup", "config": {"vocabulary": "gs://bucket/v.txt"}}`, RulePathArg, formats.High},
		{"idf weights are never a path", `{"class_name": "TextVectorization", "config": {"idf_weights": "x"}}`, "", 0},
		{"wordpiece vocabulary file", `{"module": "keras_nlp.src.tokenizers.word_piece_tokenizer", "class_name": "WordPieceTokenizer", "config": {"vocabulary": "vocab.txt"}}`, RulePathArg, formats.High},
		{"model tokenizer merges", `{"class_name": "GPT2Tokenizer", "registered_name": "keras_hub>GPT2Tokenizer", "config": {"vocabulary": {"a": 1}, "merges": "/tmp/m.txt"}}`, RulePathArg, formats.High},
		{"short proto is a path", `{"class_name": "SentencePieceTokenizer", "config": {"proto": "QUJD"}}`, RulePathArg, formats.High},
		{"long base64 proto is bytes", `{"class_name": "SentencePieceTokenizer", "config": {"proto": "` + long + `"}}`, "", 0},
		{"long proto with a line break is a path", `{"class_name": "SentencePieceTokenizer", "config": {"proto": "` + long + `\n"}}`, RulePathArg, formats.High},
		{"hub layer handle", `{"module": "tensorflow_hub.keras_layer", "class_name": "KerasLayer", "config": {"handle": "https://tfhub.dev/x/1"}}`, RulePathArg, formats.High},
		{"qkeras quantizer", `{"module": "qkeras.quantizers", "class_name": "quantized_bits", "config": {"bits": 4}}`, RuleExtension, formats.Low},
		{"tfa layer", `{"module": "tensorflow_addons.layers.normalizations", "class_name": "GroupNormalization", "config": {}}`, RuleExtension, formats.Low},
		{"name outside the library's list", `{"module": "qkeras.utils", "class_name": "function", "config": "load_qmodel"}`, RuleModule, formats.High},
		{"larq layer", `{"module": "larq.layers", "class_name": "QuantConv2D", "registered_name": "QuantConv2D", "config": {}}`, RuleExtension, formats.Low},
		{"larq quantizer alias", `{"module": "larq.quantizers", "class_name": "function", "config": "ste_sign"}`, RuleExtension, formats.Low},
		{"vit-keras layer", `{"module": "vit_keras.layers", "class_name": "ClassToken", "registered_name": "Custom>ClassToken", "config": {}}`, RuleExtension, formats.Low},
		{"vit-keras weight loader", `{"module": "vit_keras.utils", "class_name": "function", "config": "load_weights_numpy"}`, RuleModule, formats.High},
		{"efficientnet dropout", `{"module": "efficientnet.model", "class_name": "FixedDropout", "config": {"rate": 0.2}}`, RuleExtension, formats.Low},
		{"efficientnet builder fetches weights", `{"module": "efficientnet.model", "class_name": "function", "config": "EfficientNetB0"}`, RuleModule, formats.High},
		{"segmentation_models loss", `{"module": "segmentation_models.losses", "class_name": "DiceLoss", "config": {}}`, RuleExtension, formats.Low},
		{"keras-unet-collection layer", `{"module": "keras_unet_collection.transformer_layers", "class_name": "SwinTransformerBlock", "config": {}}`, RuleExtension, formats.Low},
		{"keras-retinanet layer", `{"module": "keras_retinanet.layers._misc", "class_name": "Anchors", "config": {}}`, RuleExtension, formats.Low},
		{"keras-resnet batch norm", `{"module": "keras_resnet.layers._batch_normalization", "class_name": "BatchNormalization", "config": {}}`, RuleExtension, formats.Low},
		{"transformers main layer", `{"module": "transformers.models.bert.modeling_tf_bert", "class_name": "TFBertMainLayer", "registered_name": "Custom>TFBertMainLayer", "config": {"config": {}}}`, RuleExtension, formats.Low},
		{"transformers model class", `{"module": "transformers.models.bert.modeling_tf_bert", "class_name": "TFBertModel", "config": {}}`, RuleModule, formats.High},
		{"transformers utils function", `{"module": "transformers.modeling_tf_utils", "class_name": "function", "config": "load_tf_weights"}`, RuleModule, formats.High},
		{"main layer pattern needs both ends", `{"module": "transformers.models.bert.modeling_tf_bert", "class_name": "TFMainLayerX", "config": {}}`, RuleModule, formats.High},
		{"tfp layer pickles its callables", `{"module": "tensorflow_probability.python.layers.distribution_layer", "class_name": "DistributionLambda", "config": {}}`, RuleModule, formats.High},
		{"keras tuner is no layer library", `{"module": "keras_tuner.engine.hyperparameters", "class_name": "HyperParameters", "config": {}}`, RuleModule, formats.High},
		{"lookalike module no library provides", `{"module": "qkerasx.qlayers", "class_name": "QDense", "config": {}}`, RuleCustomObject, formats.Low},
		{"lookalike module function", `{"module": "qkerasx.qlayers", "class_name": "function", "config": "quantize"}`, RuleModule, formats.High},
		{"lambda source without a type", `{"class_name": "Lambda", "config": {"function": "lambda x: open('/etc/passwd').read()"}}`, RuleLambdaSource, formats.High},
		{"keras 3 lambda source", `{"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__", "config": {"code": "lambda x: x + 1"}}}}`, RuleLambdaSource, formats.Medium},
		{"function type with source", `{"class_name": "Lambda", "config": {"function": "lambda x: exec(x)", "function_type": "function"}}`, RuleLambdaSource, formats.High},
		{"function type with a name", `{"class_name": "Lambda", "config": {"function": "my_fn", "function_type": "function"}}`, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []formats.Finding
			c := &Checker{Report: func(f formats.Finding) { got = append(got, f) }}
			if err := c.CheckJSON([]byte(tc.config), "config"); err != nil {
				t.Fatal(err)
			}
			if tc.rule == "" {
				if len(got) > 0 {
					t.Fatalf("want nothing, got %v", got)
				}
				return
			}
			top, found := formats.Info, false
			for _, f := range got {
				top = max(top, f.Severity)
				found = found || f.Rule == tc.rule && f.Severity == tc.sev
			}
			if !found || top != tc.sev {
				t.Fatalf("want %s at %s (and nothing above), got %v", tc.rule, tc.sev, got)
			}
		})
	}
}

func TestTables(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"path args missing source", func() error { _, err := parsePathArgs("A\tb\tstring\t\n"); return err }()},
		{"path args bad check", func() error { _, err := parsePathArgs("A\tb\tmaybe\tsrc\n"); return err }()},
		{"extensions missing source", func() error { _, err := parseExtensions("m.\t*\tLib\n"); return err }()},
		{"extensions star inside a list", func() error { _, err := parseExtensions("m.\tA,*\tLib\tsrc\n"); return err }()},
		{"extensions pattern with two stars", func() error { _, err := parseExtensions("m.\tA*B*C\tLib\tsrc\n"); return err }()},
	} {
		if tc.err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
}

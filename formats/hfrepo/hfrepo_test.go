package hfrepo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// repo loads testdata/<dir> as a tree and adds extra files.
func repo(t testing.TB, dir string, extra map[string]string) formatstest.Tree {
	t.Helper()
	tree := formatstest.Tree{}
	if dir != "" {
		root := filepath.Join("testdata", dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			tree[filepath.ToSlash(rel)] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range extra {
		tree[k] = []byte(v)
	}
	return tree
}

// safetensorsFile is a minimal valid safetensors file with one tensor.
func safetensorsFile(tensor string) string {
	hdr := []byte(`{"` + tensor + `":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return string(append(append(b, hdr...), 0, 0, 0, 0))
}

// want is a finding expected on a file.
type want struct {
	rule, file string
	sev        formats.Severity
}

const modelingX = `"""X model. Do not call os.system here; see eval() docs."""
import math
import os
from typing import Optional

import torch
from torch import nn

from .configuration_x import XConfig
from .utils_x import helper


class XForCausalLM(nn.Module):
    def eval(self, mode=True):
        return self

    def forward(self, x):
        self.eval()  # not the builtin
        path = os.path.join("a", "b")
        return re.compile("x")
`

const dropper = `import base64, subprocess
from transformers import PreTrainedModel
payload = "aW1wb3J0IG9z"
exec(base64.b64decode(payload))
subprocess.Popen(["sh", "-c", "id"])
`

func TestAnalyzeTree(t *testing.T) {
	tests := []struct {
		name    string
		tree    formatstest.Tree
		want    []want
		wantErr bool
	}{
		{name: "bert clean", tree: repo(t, "bert", map[string]string{
			"vocab.txt":         "[PAD]\n[UNK]\n",
			"model.safetensors": safetensorsFile("w"),
			"README.md":         "# bert\n",
		})},
		{name: "llama3 template clean", tree: repo(t, "llama3", map[string]string{"config.json": `{"model_type":"llama"}`})},
		{name: "auto_map with modeling code", tree: repo(t, "remote", map[string]string{
			"modeling_x.py":      modelingX,
			"configuration_x.py": "from transformers import PretrainedConfig\nclass XConfig(PretrainedConfig):\n    model_type = 'x'\n",
		}), want: []want{
			{RuleAutoMap, "config.json", formats.High},
			{RuleAutoMap, "tokenizer_config.json", formats.High},
			{RulePython, "modeling_x.py", formats.Medium},
			{RulePython, "configuration_x.py", formats.Medium},
		}},
		{name: "cross-repo auto_map", tree: repo(t, "crossrepo", nil), want: []want{
			{RuleAutoMapCross, "config.json", formats.Critical},
			{RuleAutoMapCross, "config.json", formats.Critical},
		}},
		{name: "ssti template", tree: repo(t, "ssti", nil), want: []want{
			{RuleTemplateEscape, "tokenizer_config.json", formats.Critical},
			// x() calls a class taken from __subclasses__().
			{RuleTemplateComputed, "tokenizer_config.json", formats.High},
		}},
		// Windows imports a .pyw as it does a .py (a pickle's class of
		// module evil, from evil.pyw beside it).
		{name: "Windows source module", tree: formatstest.Tree{
			"evil.pyw": []byte("x = 1\n"),
		}, want: []want{{RulePython, "evil.pyw", formats.Medium}}},
		{name: "ssti chat_template.jinja", tree: formatstest.Tree{
			"chat_template.jinja": []byte(`{{ lipsum.__globals__['os'].popen('id').read() }}`),
		}, want: []want{{RuleTemplateEscape, "chat_template.jinja", formats.Critical}}},
		{name: "chat_template.json", tree: formatstest.Tree{
			"chat_template.json": []byte(`{"chat_template": "{{ cycler.__init__.__globals__ }}"}`),
		}, want: []want{{RuleTemplateEscape, "chat_template.json", formats.Critical}}},
		{name: "nemo target", tree: repo(t, "nemo", nil), want: []want{
			{RuleTargetDangerous, "model_config.yaml", formats.High},
			{RuleTarget, "model_config.yaml", formats.Medium},
		}},
		{name: "target in json", tree: formatstest.Tree{
			"hparams.json": []byte(`{"model": {"_target_": "builtins.eval", "x": 1}}`),
			"vocab.json":   []byte(`{"a": 1}`),
		}, want: []want{{RuleTargetDangerous, "hparams.json", formats.High}}},
		{name: "escaped target key in json", tree: formatstest.Tree{
			"hparams.json": []byte(`{"\u005ftarget_": "subprocess.run"}`),
		}, want: []want{{RuleTargetDangerous, "hparams.json", formats.High}}},
		{name: "lfs pointer", tree: repo(t, "lfs", map[string]string{"config.json": `{"model_type":"bert"}`}), want: []want{
			{RuleLFSPointer, "model.safetensors", formats.Medium},
		}},
		{name: "index escapes", tree: repo(t, "index", map[string]string{
			"model-00002-of-00002.safetensors": safetensorsFile("b"),
			"pytorch_model-00001-of-00002.bin": "\x80\x02}q\x00.",
		}), want: []want{
			{"MG420", "model.safetensors.index.json", formats.High},
			{RuleIndexPath, "pytorch_model.bin.index.json", formats.High},
			{RuleIndexMissing, "pytorch_model.bin.index.json", formats.Medium},
		}},
		{name: "dropper python", tree: formatstest.Tree{"scripts/preprocess.py": []byte(dropper)}, want: []want{
			{RulePythonDangerous, "scripts/preprocess.py", formats.High},
		}},
		{name: "custom_generate", tree: formatstest.Tree{
			"config.json":                      []byte(`{"model_type":"qwen2"}`),
			"custom_generate/generate.py":      []byte("def generate(model, **kw):\n    return model\n"),
			"custom_generate/requirements.txt": []byte("numpy\n"),
		}, want: []want{
			{RulePython, "custom_generate/generate.py", formats.Medium},
			{RuleCustomGenerate, "custom_generate/generate.py", formats.Medium},
		}},
		{name: "duplicate auto_map", tree: formatstest.Tree{
			"config.json": []byte(`{"auto_map": {"AutoModel": "m.A"}, "x": 1, "auto_map": {"AutoModel": "m.B"}}`),
			"m.py":        []byte("import torch\n"),
		}, want: []want{
			{RuleMalformed, "config.json", formats.High},
			{RuleAutoMap, "config.json", formats.High},
			{RulePython, "m.py", formats.Medium},
		}},
		{name: "auto_map module escaping", tree: formatstest.Tree{
			"config.json": []byte(`{"auto_map": {"AutoModel": "../../x.Evil"}}`),
		}, want: []want{{RuleAutoMap, "config.json", formats.Critical}}},
		{name: "auto_map missing module", tree: formatstest.Tree{
			"sub/config.json": []byte(`{"auto_map": {"AutoModel": "modeling_y.Y"}}`),
			"modeling_y.py":   []byte("import torch\n"),
		}, want: []want{
			{RuleAutoMap, "sub/config.json", formats.High},
			{RulePython, "modeling_y.py", formats.Medium},
		}},
		{name: "malformed config", tree: formatstest.Tree{"config.json": []byte(`{"auto_map": {`)}, want: []want{
			{RuleMalformed, "config.json", formats.Low},
		}, wantErr: true},
		{name: "nan config is python json", tree: formatstest.Tree{"config.json": []byte(`{"eps": NaN, "max": Infinity, "min": -Infinity}`)}},
		{name: "bad yaml with target", tree: formatstest.Tree{"conf.yaml": []byte("a: [\n_target_: os.system\n")}, want: []want{
			{RuleMalformed, "conf.yaml", formats.Low},
			{RuleTargetDangerous, "conf.yaml", formats.High},
		}, wantErr: true},
		{name: "yaml alias target", tree: formatstest.Tree{"conf.yaml": []byte("x: &t subprocess.call\nm:\n  _target_: *t\n")}, want: []want{
			{RuleTargetDangerous, "conf.yaml", formats.High},
		}},
		{name: "nemo top-level target", tree: formatstest.Tree{"model_config.yaml": []byte("target: subprocess.Popen\npreprocessor:\n  target: 3\n")}, want: []want{
			{RuleTargetDangerous, "model_config.yaml", formats.High},
		}},
		{name: "nemo merged target", tree: formatstest.Tree{"model_config.yaml": []byte("defaults: &d\n  target: os.system\n<<: *d\n")}, want: []want{
			{RuleTargetDangerous, "model_config.yaml", formats.High},
		}},
		{name: "nemo model class", tree: formatstest.Tree{"x/model_config.yaml": []byte("target: nemo.collections.asr.models.EncDecCTCModel\n")}},
		// From NeMo's own TTS configs (examples/tts/conf at 8cfedd72).
		{name: "nemo text normalizer", tree: formatstest.Tree{"model_config.yaml": []byte("text_normalizer:\n  _target_: nemo_text_processing.text_normalization.normalize.Normalizer\n  lang: en\n")}},
		{name: "nemo tokenizer switch", tree: formatstest.Tree{"model_config.yaml": []byte("text_tokenizers:\n  multilingual_sentencepiece:\n    _target_: AutoTokenizer\n    pretrained_model: bert-base-multilingual-uncased\n")},
			want: []want{{RuleTarget, "model_config.yaml", formats.Low}}},
		{name: "other bare target", tree: formatstest.Tree{"model_config.yaml": []byte("m:\n  _target_: MyThing\n")},
			want: []want{{RuleTarget, "model_config.yaml", formats.Medium}}},
		{name: "a module a safe package imported", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: torch.utils.data.dataloader.os.posix_spawn\n  _args_: [/bin/sh, [sh, -c, id], {}]\n")},
			want: []want{{RuleTargetDangerous, "conf.yaml", formats.High}}},
		{name: "a dunder attribute under a safe package", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: torch.nn.Module.__init__.__globals__.get\n")},
			want: []want{{RuleTargetDangerous, "conf.yaml", formats.High}}},
		{name: "attribute of a normalizer", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: nemo_text_processing.text_normalization.normalize.Normalizer.__init__.__globals__.get\n  _args_: [os]\n")},
			want: []want{{RuleTargetDangerous, "conf.yaml", formats.High}}},
		{name: "a name that begins like a normalizer", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: nemo_text_processing.text_normalization.normalize.NormalizerX\n")},
			want: []want{{RuleTarget, "conf.yaml", formats.Medium}}},
		{name: "under a normalizer", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: nemo_text_processing.text_normalization.normalize.Normalizer.load\n")},
			want: []want{{RuleTargetDangerous, "conf.yaml", formats.High}}},
		{name: "target elsewhere is data", tree: formatstest.Tree{"conf.yaml": []byte("target: os.system\n")}},
		{name: "safe yaml", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: torch.nn.Linear\n  in_features: 3\nopt:\n  class_path: torch.optim.AdamW\n")}},
		{name: "yaml torch.load under safe-looking prefix", tree: formatstest.Tree{"conf.yaml": []byte("m:\n  _target_: torch.nn.Module.load\n")}, want: []want{
			{RuleTargetDangerous, "conf.yaml", formats.High},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !(Layout{}).Match(tt.tree.Names()) {
				t.Fatalf("Match(%v) = false", tt.tree.Names())
			}
			r, err := formatstest.RunTree(t, Layout{}, tt.tree)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []want
			for _, f := range r.Findings {
				if _, ok := tt.tree[f.Member]; !ok {
					t.Errorf("finding about %q, not a file of the tree: %v", f.Member, f)
				}
				if _, ok := formats.LookupRule(f.Rule); !ok {
					t.Errorf("unregistered rule %s", f.Rule)
				}
				got = append(got, want{f.Rule, f.Member, f.Severity})
			}
			key := func(a, b want) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
			slices.SortFunc(got, key)
			exp := slices.Clone(tt.want)
			slices.SortFunc(exp, key)
			if !slices.Equal(got, exp) {
				for _, f := range r.Findings {
					t.Logf("  %s %s %s: %s %v", f.Severity, f.Rule, f.Member, f.Message, f.Details)
				}
				t.Errorf("findings = %v, want %v", got, exp)
			}
		})
	}
}

func TestFindingDetails(t *testing.T) {
	r, err := formatstest.RunTree(t, Layout{}, repo(t, "remote", map[string]string{"modeling_x.py": modelingX}))
	if err != nil {
		t.Fatal(err)
	}
	var automap, py *formats.Finding
	for i, f := range r.Findings {
		switch {
		case f.Rule == RuleAutoMap && f.Member == "config.json":
			automap = &r.Findings[i]
		case f.Rule == RulePython:
			py = &r.Findings[i]
		}
	}
	if automap == nil || py == nil {
		t.Fatalf("findings missing: %v", r.Findings)
	}
	if automap.Details["present"] != "modeling_x.py" || automap.Details["missing"] != "configuration_x.py" {
		t.Errorf("auto_map details = %v", automap.Details)
	}
	if !strings.Contains(automap.Message, "NOT scanned") {
		t.Errorf("auto_map message does not say the missing file was not scanned: %s", automap.Message)
	}
	if py.Details["imports"] != "math os torch typing" {
		t.Errorf("imports = %q", py.Details["imports"])
	}
	if py.Details["relative_imports"] != ".configuration_x .utils_x" || py.Details["missing_relative_imports"] != ".configuration_x .utils_x" {
		t.Errorf("relative imports = %v", py.Details)
	}
	if strings.Contains(py.Details["patterns"], "eval") || strings.Contains(py.Details["patterns"], "os.system") {
		t.Errorf("patterns from comments, docstrings or methods counted: %q", py.Details["patterns"])
	}
}

func TestLFSMessage(t *testing.T) {
	r, _ := formatstest.RunTree(t, Layout{}, repo(t, "lfs", nil))
	if len(r.Findings) != 1 {
		t.Fatalf("findings = %v", r.Findings)
	}
	f := r.Findings[0]
	if !strings.Contains(f.Message, "NOT scanned") || f.Details["lfs_size"] != "437955512" || !strings.HasPrefix(f.Details["lfs_oid"], "sha256:4f4f") {
		t.Errorf("LFS finding = %s %v", f.Message, f.Details)
	}
}

func TestSizeCap(t *testing.T) {
	big := formatstest.Tree{"config.json": append([]byte(`{"a":"`), bytes.Repeat([]byte("x"), MaxConfigBytes)...)}
	_, err := formatstest.RunTree(t, Layout{}, big)
	var le *formats.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a LimitError", err)
	}
	// A large vocabulary without instantiation keys is not a limit.
	vocab := formatstest.Tree{"tokenizer.json": append(append([]byte(`{"v":"`), bytes.Repeat([]byte("y"), MaxConfigBytes)...), `"}`...)}
	if _, err := formatstest.RunTree(t, Layout{}, vocab); err != nil {
		t.Fatalf("large vocabulary: %v", err)
	}
	vocab["tokenizer.json"] = append(vocab["tokenizer.json"][:len(vocab["tokenizer.json"])-2], `_target_"}`...)
	if _, err := formatstest.RunTree(t, Layout{}, vocab); !errors.As(err, &le) {
		t.Fatalf("large json with _target_: err = %v, want a LimitError", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Layout{}.AnalyzeTree(ctx, repo(t, "remote", nil), formatstest.NewRecorder())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		names []string
		want  bool
	}{
		{[]string{"config.json"}, true},
		{[]string{"a/tokenizer_config.json"}, true},
		{[]string{"x.py"}, true},
		{[]string{"model_config.yaml"}, true},
		{[]string{"model.safetensors"}, true},
		{[]string{"pytorch_model.bin.index.json"}, true},
		{[]string{"archive/version", "archive/data/0"}, false},
		{[]string{"README.md", "LICENSE"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := (Layout{}).Match(tt.names); got != tt.want {
			t.Errorf("Match(%v) = %v, want %v", tt.names, got, tt.want)
		}
	}
}

func TestTorchScriptSourcesAreNotRemoteCode(t *testing.T) {
	for _, n := range []string{"archive/code/__torch__/m.py", "archive/code/__torch__.py", "code/__torch__/torch/nn/modules/linear.py"} {
		if k := kindOf(n); k != kindNone {
			t.Errorf("%s: kind %v, want none", n, k)
		}
	}
	if kindOf("modeling_x.py") != kindPython {
		t.Error("modeling_x.py is remote code")
	}
}

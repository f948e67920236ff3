package mlflow

import (
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/formats/pyreq"
)

const pyfunc = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n"

func TestLayout(t *testing.T) {
	tests := []struct {
		name  string
		tree  formatstest.Tree
		rules []string
	}{
		{"sklearn", formatstest.Tree{"m/MLmodel": []byte(pyfunc), "m/model.pkl": nil}, nil},
		{"not an MLmodel", formatstest.Tree{"MLmodel": []byte("just text\n")}, nil},
		{"custom loader", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: my.loader\n    code: code\n"),
			"code/my/loader.py": nil}, []string{RuleLoaderModule, RuleCode}},
		{"custom loader installed", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: other\n")}, []string{RuleLoaderModule}},
		{"pyfunc loaders package", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.loaders.chat_model\n")}, nil},
		{"no loader", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    data: x\n")}, []string{RuleMalformed}},
		{"shadow package", formatstest.Tree{"MLmodel": []byte("flavors:\n  sklearn:\n    code: code\n"), "code/sklearn/__init__.py": nil}, []string{RuleShadow}},
		{"model from code", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    model_code_path: m.py\n")},
			[]string{RuleModelCode, RuleMissing}},
		// MLflow 2.12's langchain flavor as MLflow wrote it: the path the
		// code had at log time, loaded by base name from the model.
		{"model from code logged elsewhere", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.langchain\n    model_code_path: /tmp/lc_model.py\n"),
			"lc_model.py": []byte("x = 1\n")}, []string{RuleModelCode}},
		{"model from code logged elsewhere, missing", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.langchain\n    model_code_path: /tmp/lc_model.py\n"),
			"tmp/lc_model.py": []byte("x = 1\n")}, []string{RuleModelCode, RuleMissing}},
		{"python model missing", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    python_model: ../python_model.pkl\n")},
			[]string{RuleMissing}},
		{"pickle module", formatstest.Tree{"MLmodel": []byte("flavors:\n  pytorch:\n    model_data: data\n"), "data/pickle_module_info.txt": []byte("evil")},
			[]string{RulePickleModule}},
		{"default pickle module", formatstest.Tree{"MLmodel": []byte("flavors:\n  pytorch:\n    model_data: data\n"), "data/pickle_module_info.txt": []byte("mlflow.pytorch.pickle_module")}, nil},
		{"requirements", formatstest.Tree{"MLmodel": []byte(pyfunc), "requirements.txt": []byte("-i https://x.example\n"),
			"python_env.yaml": []byte("dependencies:\n- -r requirements.txt\n")}, []string{pyreq.RuleIndex}},
		{"env file missing", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    env:\n      conda: ../../conda.yaml\n")},
			[]string{RuleMissing}},
		{"env file elsewhere", formatstest.Tree{"MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    env: envs/c.yaml\n"),
			"envs/c.yaml": []byte("dependencies:\n- pip:\n  - git+https://x.example/y\n")}, []string{pyreq.RuleURL}},
		{"included requirements", formatstest.Tree{"MLmodel": []byte(pyfunc), "requirements.txt": []byte("-r extra.txt\nnumpy\n"),
			"extra.txt": []byte("-r requirements.txt\n--extra-index-url https://x.example\n")}, []string{pyreq.RuleIndex}},
		{"merge key flavors", formatstest.Tree{"MLmodel": []byte("base: &b\n  python_function:\n    loader_module: evil\nflavors:\n  <<: *b\n")}, []string{RuleLoaderModule}},
		{"merge key overridden", formatstest.Tree{"MLmodel": []byte("base: &b\n  loader_module: evil\nflavors:\n  python_function:\n    <<: [*b]\n    loader_module: mlflow.sklearn\n")}, nil},
		{"merged value", formatstest.Tree{"MLmodel": []byte("base: &b\n  loader_module: evil\nflavors:\n  python_function:\n    <<: *b\n")}, []string{RuleLoaderModule}},
		{"quoted << is a key", formatstest.Tree{"MLmodel": []byte("base: &b\n  loader_module: evil\nflavors:\n  python_function:\n    '<<': *b\n    loader_module: mlflow.sklearn\n")}, nil},
		{"flavors spelled oddly", formatstest.Tree{"MLmodel": []byte("\"flavors\" : {\n")}, []string{RuleMalformed}},
		{"metadata copy", formatstest.Tree{"m/MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    python_model: python_model.pkl\n"),
			"m/python_model.pkl": nil, "m/metadata/MLmodel": []byte("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    python_model: python_model.pkl\n"),
			"m/metadata/requirements.txt": []byte("git+https://x.example/y\n"), "m/registered_model_meta": []byte("model_name: x\nmodel_version: '1'\n")},
			[]string{pyreq.RuleURL}},
		{"broken yaml", formatstest.Tree{"MLmodel": []byte("flavors: [\n")}, []string{RuleMalformed}},
		{"alias flavors", formatstest.Tree{"MLmodel": []byte("x: &a\n  loader_module: evil\nflavors:\n  python_function: *a\n")}, []string{RuleLoaderModule}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := formatstest.RunTree(t, Layout{}, tt.tree)
			if got := r.Rules(); !slices.Equal(got, tt.rules) {
				t.Errorf("rules %v, want %v: %v", got, tt.rules, r.Findings)
			}
		})
	}
}

func FuzzMLmodel(f *testing.F) {
	f.Add([]byte(pyfunc))
	f.Add([]byte("flavors:\n  pytorch:\n    model_data: data\n  python_function:\n    code: code\n    loader_module: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree := formatstest.Tree{"MLmodel": data, "data/pickle_module_info.txt": []byte("x"), "code/x.py": nil, "requirements.txt": data}
		_, _ = formatstest.RunTree(t, Layout{}, tree)
	})
}

package torchserve

import (
	"context"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/formats/pyreq"
)

func mf(model string) []byte {
	return []byte(`{"runtime": "python", "model": {` + model + `}, "archiverVersion": "0.9.0"}`)
}

func TestLayout(t *testing.T) {
	tests := []struct {
		name  string
		tree  formatstest.Tree
		rules []string
	}{
		{"builtin handler", formatstest.Tree{manifestName: mf(`"handler": "image_classifier", "serializedFile": "m.pt"`), "m.pt": nil}, nil},
		{"custom handler", formatstest.Tree{manifestName: mf(`"handler": "h.py"`), "h.py": nil}, []string{RuleHandler}},
		{"handler function", formatstest.Tree{manifestName: mf(`"handler": "/tmp/build/h:entry"`), "h.py": nil}, []string{RuleHandler}},
		{"handler package", formatstest.Tree{manifestName: mf(`"handler": "pkg"`), "pkg/__init__.py": nil}, []string{RuleHandler}},
		{"shipped builtin name", formatstest.Tree{manifestName: mf(`"handler": "text_classifier"`), "text_classifier.py": nil}, []string{RuleHandler}},
		{"host handler", formatstest.Tree{manifestName: mf(`"handler": "site_handler"`)}, []string{RuleHandlerHost}},
		{"no handler", formatstest.Tree{manifestName: mf(`"modelName": "x"`)}, []string{RuleMalformed}},
		{"eager model and missing weights", formatstest.Tree{manifestName: mf(`"handler": "image_classifier", "modelFile": "model.py", "serializedFile": "w.pth"`), "model.py": nil},
			[]string{RuleModelFile, RuleMissing}},
		{"shadow", formatstest.Tree{manifestName: mf(`"handler": "image_classifier"`), "torch/__init__.py": nil, "json.py": nil}, []string{RuleShadow}},
		{"requirements", formatstest.Tree{manifestName: mf(`"handler": "image_classifier", "requirementsFile": "r.txt"`), "r.txt": []byte("-f https://x.example\n")},
			[]string{pyreq.RuleIndex}},
		{"included requirements", formatstest.Tree{manifestName: mf(`"handler": "image_classifier", "requirementsFile": "r.txt"`), "r.txt": []byte("-r more.txt\n"),
			"more.txt": []byte("-r r.txt\n-i https://x.example\n")}, []string{pyreq.RuleIndex}},
		{"requirements missing", formatstest.Tree{manifestName: mf(`"handler": "image_classifier", "requirementsFile": "r.txt"`)}, []string{RuleMissing}},
		{"unpacked in a folder", formatstest.Tree{"m/" + manifestName: mf(`"handler": "h"`), "m/h.py": nil}, []string{RuleHandler}},
		{"key case", formatstest.Tree{manifestName: mf(`"handler": "h.py", "HANDLER": "image_classifier"`), "h.py": nil}, []string{RuleHandler}},
		{"escaped key", formatstest.Tree{manifestName: mf(`"\u0068andler": "h"`), "h.py": nil}, []string{RuleHandler}},
		{"not a manifest", formatstest.Tree{manifestName: []byte(`{"a": 1}`)}, nil},
		{"broken manifest", formatstest.Tree{manifestName: []byte(`{"model": {"handler": `)}, []string{RuleMalformed}},
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

func FuzzManifest(f *testing.F) {
	f.Add(mf(`"handler": "h:x", "modelFile": "m.py", "serializedFile": "w", "requirementsFile": "r.txt"`))
	f.Add([]byte(`{"model": {"handler": "../../x.py"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := formatstest.NewRecorder()
		tree := formatstest.Tree{manifestName: data, "h.py": nil, "m.py": nil, "r.txt": data}
		_ = Layout{}.AnalyzeTree(context.Background(), tree, r)
	})
}

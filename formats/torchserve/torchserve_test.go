package torchserve

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/formats/pyreq"
)

type memTree map[string][]byte

func (m memTree) Names() []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (m memTree) Open(name string) (*formats.Input, error) {
	b, ok := m[name]
	if !ok {
		return nil, os.ErrNotExist
	}
	return formats.NewInput(name, bytes.NewReader(b), int64(len(b))), nil
}

func mf(model string) []byte {
	return []byte(`{"runtime": "python", "model": {` + model + `}, "archiverVersion": "0.9.0"}`)
}

func TestLayout(t *testing.T) {
	tests := []struct {
		name  string
		tree  memTree
		rules []string
	}{
		{"builtin handler", memTree{manifestName: mf(`"handler": "image_classifier", "serializedFile": "m.pt"`), "m.pt": nil}, nil},
		{"custom handler", memTree{manifestName: mf(`"handler": "h.py"`), "h.py": nil}, []string{RuleHandler}},
		{"handler function", memTree{manifestName: mf(`"handler": "/tmp/build/h:entry"`), "h.py": nil}, []string{RuleHandler}},
		{"handler package", memTree{manifestName: mf(`"handler": "pkg"`), "pkg/__init__.py": nil}, []string{RuleHandler}},
		{"shipped builtin name", memTree{manifestName: mf(`"handler": "text_classifier"`), "text_classifier.py": nil}, []string{RuleHandler}},
		{"host handler", memTree{manifestName: mf(`"handler": "site_handler"`)}, []string{RuleHandlerHost}},
		{"no handler", memTree{manifestName: mf(`"modelName": "x"`)}, []string{RuleMalformed}},
		{"eager model and missing weights", memTree{manifestName: mf(`"handler": "image_classifier", "modelFile": "model.py", "serializedFile": "w.pth"`), "model.py": nil},
			[]string{RuleModelFile, RuleMissing}},
		{"shadow", memTree{manifestName: mf(`"handler": "image_classifier"`), "torch/__init__.py": nil, "json.py": nil}, []string{RuleShadow}},
		{"requirements", memTree{manifestName: mf(`"handler": "image_classifier", "requirementsFile": "r.txt"`), "r.txt": []byte("-f https://x.example\n")},
			[]string{pyreq.RuleIndex}},
		{"included requirements", memTree{manifestName: mf(`"handler": "image_classifier", "requirementsFile": "r.txt"`), "r.txt": []byte("-r more.txt\n"),
			"more.txt": []byte("-r r.txt\n-i https://x.example\n")}, []string{pyreq.RuleIndex}},
		{"requirements missing", memTree{manifestName: mf(`"handler": "image_classifier", "requirementsFile": "r.txt"`)}, []string{RuleMissing}},
		{"unpacked in a folder", memTree{"m/" + manifestName: mf(`"handler": "h"`), "m/h.py": nil}, []string{RuleHandler}},
		{"key case", memTree{manifestName: mf(`"handler": "h.py", "HANDLER": "image_classifier"`), "h.py": nil}, []string{RuleHandler}},
		{"escaped key", memTree{manifestName: mf(`"\u0068andler": "h"`), "h.py": nil}, []string{RuleHandler}},
		{"not a manifest", memTree{manifestName: []byte(`{"a": 1}`)}, nil},
		{"broken manifest", memTree{manifestName: []byte(`{"model": {"handler": `)}, []string{RuleMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := formatstest.NewRecorder()
			_ = Layout{}.AnalyzeTree(context.Background(), tt.tree, r)
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
		tree := memTree{manifestName: data, "h.py": nil, "m.py": nil, "r.txt": data}
		_ = Layout{}.AnalyzeTree(context.Background(), tree, r)
	})
}

package prototext

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestSamples(t *testing.T) {
	want := map[string][]string{
		"benign_graph.pbtxt": nil, "benign_net.prototxt": nil, "label_map.pbtxt": nil,
		"pyfunc_graph.pbtxt": {"MG720", "MG721"}, "python_layer.prototxt": {RulePythonLayer},
	}
	for name, rules := range want {
		t.Run(name, func(t *testing.T) {
			b := formatstest.Testdata(t, name)
			rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), name, b)
			if err != nil {
				t.Fatal(err)
			}
			got := rec.Rules()
			slices.Sort(got)
			if !slices.Equal(got, rules) {
				t.Errorf("rules %v, want %v: %v", got, rules, rec.Findings)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		rules []string
		err   error // nil, errSyntax or formats.ErrUnsupported
	}{
		{"angle brackets and commas", `node < name: "a", op: "PyFunc" >`, []string{"MG720"}, nil},
		{"list values", `node { name: "a" op: "Const" attr { key: "value" value { list { s: ["gs://b/x", "y"] } } } }`, []string{"MG723"}, nil},
		{"escaped op name", `node { name: "a" op: "Py\x46unc" }`, []string{"MG720"}, nil},
		{"concatenated strings", `node { name: "a" op: "Py" 'Func' }`, []string{"MG720"}, nil},
		{"octal escape", `node { op: "\120yFunc" }`, []string{"MG720"}, nil},
		{"V1 Caffe layer", "layers { name: \"d\" type: PYTHON python_param { module: \"m\" layer: \"L\" } }", []string{RulePythonLayer}, nil},
		{"comments", "# node { op: \"PyFunc\" }\nnode { op: \"Add\" } # trailing\n", nil, nil},
		{"unterminated", `node { op: "Add"`, nil, errSyntax},
		{"unterminated string", "node { op: \"Add }\n", nil, errSyntax},
		{"pipeline config", `model { ssd { num_classes: 90 } }`, nil, formats.ErrUnsupported},
		{"too deep", strings.Repeat("a {", 200) + strings.Repeat("}", 200), nil, errSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "g.pbtxt", []byte(tt.text))
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			got := rec.Rules()
			slices.Sort(got)
			if !slices.Equal(got, tt.rules) {
				t.Errorf("rules %v, want %v: %v", got, tt.rules, rec.Findings)
			}
		})
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add([]byte(`node { name: "a" op: "PyFunc" attr { key: "t" value { s: "x" } } }`))
	f.Add([]byte("layer < type: 'Python' python_param { module: 'm' } >"))
	f.Add([]byte(`item { name: "\x41\101" id: 1 }`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = formatstest.Run(t, formats.AnalyzerFunc(Analyze), "f.pbtxt", b)
	})
}

package catboost

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestRealModels(t *testing.T) {
	for _, n := range []string{"churn_mixed.cbm", "iris.cbm"} {
		b := formatstest.Testdata(t, n)
		if !Probe(formats.Head{Size: int64(len(b)), Prefix: b}) {
			t.Fatalf("%s: probe does not identify it", n)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), n, b)
		if err != nil || len(r.Findings) > 0 {
			t.Fatalf("%s: want clean, got %v %v", n, err, r.Findings)
		}
	}
}

// coreSize is the core flatbuffer's size from the header.
func coreSize(b []byte) int { return int(binary.LittleEndian.Uint32(b[4:])) }

func TestVariants(t *testing.T) {
	churn := formatstest.Testdata(t, "churn_mixed.cbm")
	iris := formatstest.Testdata(t, "iris.cbm")
	core := 8 + coreSize(churn)
	for _, tc := range []struct {
		name    string
		data    []byte
		rule    string
		wantErr bool
	}{
		{"trailing bytes", append(slices.Clone(iris), "\x80\x04cos\nsystem\n."...), RuleStructure, false},
		{"unknown part", bytes.Replace(churn, []byte(ctrPartID), []byte("static_provider_v9"), 1), RuleStructure, false},
		{"format version", bytes.Replace(iris, []byte(coreVersion), []byte("FlabuffersModel_v9"), 1), RuleStructure, false},
		{"truncated core", iris[:len(iris)/2], "", true},
		{"truncated part", churn[:core+100], "", true},
		{"core size beyond file", append(append([]byte("CBM1"), 0xff, 0xff, 0xff, 0x7f), iris[8:]...), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.cbm", tc.data)
			if tc.wantErr != (err != nil) {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if tc.rule != "" && !slices.Contains(r.Rules(), tc.rule) || tc.rule == "" && !tc.wantErr && len(r.Findings) > 0 && r.Findings[0].Rule != RuleUserLoss {
				t.Fatalf("want %q, got %v", tc.rule, r.Findings)
			}
		})
	}
}

// TestUserLoss edits the stored parameters' loss (same length, so the
// flatbuffer stays valid).
func TestUserLoss(t *testing.T) {
	churn := formatstest.Testdata(t, "churn_mixed.cbm")
	old := []byte(`"objective_metric":{"type":"Logloss","params":{}}`)
	repl := []byte(`"objective_metric":{"type":"UserPerObjMetric"}`)
	repl = append(repl, bytes.Repeat([]byte(" "), len(old)-len(repl))...)
	if len(old) != len(repl) || !bytes.Contains(churn, old) {
		t.Fatal("sample changed")
	}
	b := bytes.Replace(churn, old, repl, 1)
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.cbm", b)
	if err != nil || !slices.Equal(r.Rules(), []string{RuleUserLoss}) {
		t.Fatalf("want %s only, got %v %v", RuleUserLoss, err, r.Findings)
	}
}

func TestTreesOutOfRange(t *testing.T) {
	// A tree size beyond the splits: raise the first TreeSizes entry of
	// iris by patching the vector, found through the analyzer's reader.
	iris := formatstest.Testdata(t, "iris.cbm")
	core := newFbuf(iris[8 : 8+coreSize(iris)])
	root, _ := core.Deref(0)
	ct, _ := core.Table(root)
	tp, _ := core.Ref(ct, coreTrees)
	trees, _ := core.Table(tp)
	start, n, err := core.Vector(trees, treesSizes, 4)
	if err != nil || n == 0 {
		t.Fatal("no tree sizes")
	}
	b := slices.Clone(iris)
	binary.LittleEndian.PutUint32(b[8+start:], 30)
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.cbm", b)
	if err != nil || !slices.Contains(r.Rules(), RuleStructure) {
		t.Fatalf("want %s, got %v %v", RuleStructure, err, r.Findings)
	}
}

func TestBuiltModels(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"small", smallModel(`{"loss_function":{"type":"Logloss"}}`), nil},
		{"python loss", smallModel(`{"loss_function":{"type":"PythonUserDefinedPerObject"}}`), []string{RuleUserLoss}},
		{"leaves missing", cbm(fbTable{fbString(coreVersion), fbTable{int32(1), fbInts{0, 1, 0}, fbInts{2, 1}, fbInts{0, 2}, nil, nil, nil, nil, fbDoubles{1, 2}}, nil, nil}, nil), []string{RuleStructure}},
		{"split beyond", cbm(fbTable{fbString(coreVersion), fbTable{int32(1), fbInts{0}, fbInts{2}, fbInts{0}, nil, nil, nil, nil, fbDoubles{1, 2, 3, 4}}, nil, nil}, nil), []string{RuleStructure}},
		{"ctr part", cbm(fbTable{fbString(coreVersion), nil, nil, fbStrings{ctrPartID}}, []byte{1, 0, 0, 0, 12, 0, 0, 0, 8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.cbm", tc.data)
			if err != nil || !slices.Equal(r.Rules(), tc.want) {
				t.Fatalf("want %v, got %v %v", tc.want, err, r.Findings)
			}
		})
	}
}

func TestProbeRejects(t *testing.T) {
	for _, p := range []string{"CBM1", "CBM1\x00\x00\x00\x00zzzz", "CBM2\x10\x00\x00\x00zzzzzzzz", "CBM1\xff\xff\xff\x7fzzzz"} {
		if Probe(formats.Head{Size: int64(len(p)), Prefix: []byte(p)}) {
			t.Errorf("probe accepts %q", p)
		}
	}
}

func FuzzCatBoost(f *testing.F) {
	// The real models are too large for the fuzzing engine to mutate
	// quickly; a small model built like them, with a CTR part, seeds it.
	ctr := []byte{1, 0, 0, 0, 12, 0, 0, 0, 8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0}
	f.Add(smallModel(`{"loss_function":{"type":"Logloss"}}`))
	trees := fbTable{int32(1), fbInts{0, 1, 0}, fbInts{2, 1}, fbInts{0, 2}, nil, nil, nil, nil, fbDoubles{1, 2, 3, 4, 5, 6}}
	f.Add(cbm(fbTable{fbString(coreVersion), trees, nil, fbStrings{ctrPartID}}, ctr))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(formats.Finding) {})
	})
}

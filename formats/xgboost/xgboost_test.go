package xgboost

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestProbeRejects(t *testing.T) {
	for _, p := range []string{
		`{"architectures": ["BertModel"], "learner": {}}`,
		`{"learner": 1, "version": [1, 7, 6]}`,
		`{"learner_rate": {}}`,
		`[{"learner": {}}]`,
		"{L\x00\x00\x00\x00\x00\x00\x00\x07version[",
		"binf" + string(make([]byte, 200)),
		string(make([]byte, 300)),
	} {
		if Probe(formats.Head{Size: int64(len(p)), Prefix: []byte(p)}) {
			t.Errorf("probe accepts %.40q", p)
		}
	}
	for _, p := range []string{" {\n  \"learner\" : {", "{i\x07learner{"} {
		if !Probe(formats.Head{Size: int64(len(p)), Prefix: []byte(p)}) {
			t.Errorf("probe rejects %.40q", p)
		}
	}
}

// TestVariants edits the real samples into what XGBoost never writes.
func TestVariants(t *testing.T) {
	ubj := formatstest.Testdata(t, "benign.ubj")
	bin := formatstest.Testdata(t, "benign_binf.model")
	js := formatstest.Testdata(t, "benign.json")
	for _, tc := range []struct {
		name    string
		data    []byte
		rule    string
		wantErr bool
	}{
		{"ubjson plugin objective", bytes.Replace(ubj, []byte("binary:logistic"), []byte("plugin:mylogist"), -1), RuleUnknownComponent, false},
		{"ubjson plugin booster", bytes.Replace(ubj, []byte("gbtree"), []byte("mygbm!"), -1), RuleUnknownComponent, false},
		{"binary plugin objective", bytes.Replace(bin, []byte("binary:logistic"), []byte("plugin:mylogist"), -1), RuleUnknownComponent, false},
		{"json child outside the tree", bytes.Replace(js, []byte(`"left_children":[1,-1,-1]`), []byte(`"left_children":[1,-1,7]`), 1), RuleStructure, false},
		{"json children counts differ", bytes.Replace(js, []byte(`"right_children":[2,-1,-1]`), []byte(`"right_children":[2,-1]`), 1), RuleStructure, false},
		{"dart json child outside the tree", bytes.Replace(formatstest.Testdata(t, "benign_dart.json"), []byte(`"left_children":[1,`), []byte(`"left_children":[9,`), 1), RuleStructure, false},
		{"ubjson child outside the tree", ubjChild(t, ubj, 7), RuleStructure, false},
		{"json truncated", js[:len(js)-3], "", true},
		{"json trailing", append(slices.Clone(js), `{"x":1}`...), "", true},
		{"json without version", bytes.Replace(js, []byte(`"version"`), []byte(`"versioX"`), 1), "", true},
		{"ubjson truncated", ubj[:len(ubj)-3], "", true},
		{"ubjson string past the end", append(slices.Clone(ubj[:len(ubj)-1]), "SL\x7f\x00\x00\x00\x00\x00\x00\x00"...), "", true},
		{"ubjson trailing", append(slices.Clone(ubj), '{'), "", true},
		{"binary truncated", bin[:600], "", true},
		{"binary huge attributes", bin[:len(bin)-157+1], "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m", tc.data)
			if tc.wantErr != (err != nil) {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if tc.rule != "" && !slices.Contains(r.Rules(), tc.rule) {
				t.Fatalf("want %s, got %v", tc.rule, r.Findings)
			}
			if tc.rule == "" && len(r.Findings) > 0 {
				t.Fatalf("want no finding, got %v", r.Findings)
			}
		})
	}
}

func TestDeepNesting(t *testing.T) {
	js := []byte(`{"learner":` + string(bytes.Repeat([]byte(`{"a":`), 100)))
	if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.json", js); err == nil {
		t.Fatal("no error for nesting beyond the cap")
	}
	ub := append([]byte("{i\x07learner"), bytes.Repeat([]byte("[["), 100)...)
	if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.ubj", ub); err == nil {
		t.Fatal("no error for nesting beyond the cap")
	}
}

func FuzzXGBoost(f *testing.F) {
	for _, n := range []string{"benign.ubj", "benign_binf.model", "benign_dart.deprecated", "benign_gblinear.bin", "plugin_objective.json"} {
		f.Add(formatstest.Testdata(f, n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := formats.NewInput("m", bytes.NewReader(b), int64(len(b)))
		_ = Analyze(context.Background(), in, formatstest.NewRecorder())
	})
}

// ubjChild sets the third left child of the first tree of a UBJSON model,
// a typed int32 array ("[$l#L", a count, big-endian values).
func ubjChild(t *testing.T, ubj []byte, v int32) []byte {
	t.Helper()
	i := bytes.Index(ubj, []byte("left_children[$l#L"))
	if i < 0 {
		t.Fatal("no left_children array in the sample")
	}
	b := slices.Clone(ubj)
	binary.BigEndian.PutUint32(b[i+len("left_children[$l#L")+8+8:], uint32(v))
	return b
}

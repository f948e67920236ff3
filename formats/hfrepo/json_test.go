package hfrepo

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		ok      bool
		limit   bool
		dups    []string
		autoMap string // auto_map's AutoModel value, when captured
		hits    []string
	}{
		{name: "plain", in: `{"a": 1, "b": [true, false, null, -1.5e-3]}`, ok: true},
		{name: "python extensions", in: `{"a": NaN, "b": Infinity, "c": -Infinity}`, ok: true},
		{name: "escapes", in: `{"auto_map": {"AutoModel": "m\u002eX\ud83d\ude00\n"}}`, ok: true, autoMap: "m.X\U0001F600\n"},
		{name: "lone surrogate", in: `{"auto_map": {"AutoModel": "\ud800"}}`, ok: true, autoMap: "\uFFFD"},
		{name: "duplicate keys", in: `{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}`, ok: true, dups: []string{"c", "a"}},
		{name: "last duplicate wins", in: `{"auto_map": {"AutoModel": "a.A"}, "auto_map": {"AutoModel": "b.B"}}`, ok: true, dups: []string{"auto_map"}, autoMap: "b.B"},
		{name: "nested targets", in: `{"x": [{"_target_": "a.b"}, {"y": {"class_path": "c.d"}}]}`, ok: true, hits: []string{"a.b", "c.d"}},
		{name: "many keys", in: `{"k1":1,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,"k8":1,"k9":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"k17":1,"k18":1,"k3":2}`, ok: true, dups: []string{"k3"}},
		{name: "not an object", in: `[1]`},
		{name: "bom", in: "\ufeff{}"},
		{name: "trailing comma", in: `{"a": 1,}`},
		{name: "trailing data", in: `{} {}`},
		{name: "control char", in: "{\"a\": \"x\ty\"}"},
		{name: "bad escape", in: `{"a": "\x"}`},
		{name: "leading zero", in: `{"a": 01}`},
		{name: "bare minus", in: `{"a": -}`},
		{name: "single quotes", in: `{'a': 1}`},
		{name: "invalid utf8", in: "{\"a\": \"\xff\"}"},
		{name: "unterminated", in: `{"a": "x`},
		{name: "too deep", in: `{"a":` + strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1) + `}`, limit: true},
	}
	want := map[string]bool{"auto_map": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseJSON([]byte(tt.in), want, instantiationKeys)
			var le *formats.LimitError
			switch {
			case tt.limit:
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want a LimitError", err)
				}
				return
			case !tt.ok:
				if !errors.Is(err, errJSON) {
					t.Fatalf("err = %v, want errJSON", err)
				}
				return
			case err != nil:
				t.Fatalf("err = %v", err)
			}
			// encoding/json agrees on everything but Python's extensions.
			if !strings.Contains(tt.in, "NaN") && !json.Valid([]byte(tt.in)) {
				t.Errorf("accepted what encoding/json rejects")
			}
			var dups []string
			for _, d := range doc.dups {
				dups = append(dups, d.key)
			}
			if strings.Join(dups, ",") != strings.Join(tt.dups, ",") {
				t.Errorf("dups = %v, want %v", dups, tt.dups)
			}
			if tt.autoMap != "" {
				if got := doc.top["auto_map"].get("AutoModel"); got == nil || got.str != tt.autoMap {
					t.Errorf("auto_map = %+v, want %q", got, tt.autoMap)
				}
			}
			var hits []string
			for _, h := range doc.hits {
				hits = append(hits, h.value.str)
			}
			if strings.Join(hits, ",") != strings.Join(tt.hits, ",") {
				t.Errorf("hits = %v, want %v", hits, tt.hits)
			}
		})
	}
}

func TestStripPython(t *testing.T) {
	src := "x = 'os.system' # eval(\ny = \"\"\"exec(\n\"\"\"\nz = f\"{exec(a)}\"\nw = r'\\'' + subprocess\n"
	got := string(stripPython([]byte(src)))
	for _, gone := range []string{"os.system", "eval(", "exec(\n"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q survived in %q", gone, got)
		}
	}
	for _, kept := range []string{"{exec(a)}", "subprocess"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q lost from %q", kept, got)
		}
	}
	if strings.Count(got, "\n") != strings.Count(src, "\n") || len(got) != len(src) {
		t.Errorf("lines or length changed: %q", got)
	}
}

func seeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"a": NaN, "b": [{"_target_": "os.system"}], "a": "\ud800"}`))
}

// FuzzConfig runs the JSON reader and the config checks over arbitrary
// bytes as a config.json next to a modeling file.
func FuzzConfig(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := parseJSON(b, configKeys, instantiationKeys)
		if err == nil && doc == nil {
			t.Fatal("nil document without error")
		}
		tree := formatstest.Tree{"config.json": b, "tokenizer_config.json": b, "m.py": []byte("import os\n"), "c.yaml": b}
		r, _ := formatstest.RunTree(t, Layout{}, tree)
		for _, fd := range r.Findings {
			if _, ok := tree[fd.Member]; !ok {
				t.Fatalf("finding about %q", fd.Member)
			}
		}
	})
}

func BenchmarkParseJSON(b *testing.B) {
	// A tokenizer_config.json with a large added_tokens_decoder, the
	// biggest config a real repository has.
	var buf bytes.Buffer
	buf.WriteString(`{"added_tokens_decoder": {`)
	for i := range 20000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + strconv.Itoa(128000+i) + `": {"content": "<|reserved_special_token|>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true}`)
	}
	buf.WriteString(`}, "chat_template": "{{ messages }}", "model_max_length": 131072}`)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseJSON(data, configKeys, instantiationKeys); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStripPython(b *testing.B) {
	data := bytes.Repeat([]byte(modelingX), 500)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		stripPython(data)
	}
}

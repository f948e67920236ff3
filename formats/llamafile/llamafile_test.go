package llamafile

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestCheckArgs(t *testing.T) {
	members := map[string]bool{"model.gguf": true, "mmproj.gguf": true, ".args": true}
	for _, tc := range []struct {
		args string
		want []string
	}{
		{"-m\nmodel.gguf\n--mmproj\n/zip/mmproj.gguf\n--port\n8080\n...", nil},
		{"--model=model.gguf\n-ngl\n9999", nil},
		{"-m\n/etc/passwd", []string{RuleArgsPath}},
		{"--lora\n~/adapter.gguf", []string{RuleArgsPath}},
		{"--mmproj\n../x.gguf", []string{RuleArgsPath}},
		{"--mmproj\n/zip/../x.gguf", []string{RuleArgsPath}},
		{`-m` + "\n" + `C:\models\x.gguf`, []string{RuleArgsPath}},
		{"--hf-repo\nsomeone/model", []string{RuleArgsPath}},
		{"--prompt-cache\ncache.bin", []string{RuleArgsLocal}},
		{"--host\n0.0.0.0", []string{RuleArgsHost}},
		{"--host\n127.0.0.1\n-m", nil}, // a flag with no value is llamafile's error
	} {
		var got []string
		CheckArgs(strings.Split(tc.args, "\n"), members, func(f formats.Finding) { got = append(got, f.Rule) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: rules %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want bool
	}{
		{"benign.llamafile", true},
		{"weights_only.llamafile", true},
		{"args_outside.llamafile", true},
	} {
		b, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tc.file, b)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(r.Rules(), RuleLlamafile); got != tc.want {
			t.Errorf("%s: llamafile %v, findings %v", tc.file, got, r.Findings)
		}
		a, err := appendix(context.Background(), bytes.NewReader(b), 4096, []string{"model.gguf", ".args"})
		if err != nil || a == nil {
			t.Errorf("%s: appendix %v, %v", tc.file, a, err)
		}
	}
}

func TestNotLlamafile(t *testing.T) {
	elf := append([]byte("\x7fELF"), make([]byte, 60)...)
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "tool", elf)
	if err != nil || len(r.Findings) != 0 {
		t.Fatalf("plain ELF: %v %v", r.Findings, err)
	}
	for _, tc := range []struct {
		head  string
		names []string
	}{
		{"\x7fELF....", []string{"data.pkl"}},      // no weights
		{"\x89PNG....", []string{"model.gguf"}},    // no executable
		{"PK\x03\x04....", []string{"model.gguf"}}, // a zip before the zip
		{"MZqFpD='\n\n", []string{"model.gguf"}},   // an APE header without its PE signature
	} {
		if a, _ := appendix(context.Background(), strings.NewReader(tc.head), int64(len(tc.head)), tc.names); a != nil {
			t.Errorf("%q %v accepted", tc.head, tc.names)
		}
	}
}

func FuzzZipNames(f *testing.F) {
	if b, err := os.ReadFile("testdata/benign.llamafile"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = zipNames(formats.NewInput("f", bytes.NewReader(b), int64(len(b))))
		CheckArgs(strings.Split(string(b), "\n"), map[string]bool{}, func(formats.Finding) {})
	})
}

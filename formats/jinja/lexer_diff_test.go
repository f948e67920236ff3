package jinja

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/pythontest"
)

// pySpaces are the characters Python's \s matches (str.isspace), which
// Jinja2's lexer accepts wherever its patterns say \s.
var pySpaces = []string{"\t", "\n", "\v", "\f", "\r", " ", "\x1c", "\x1d", "\x1e", "\x1f", "\u0085", "\u00a0",
	"\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009",
	"\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"}

// lexerTricks are hand-made templates around the places lexers disagree:
// raw and comment ends, whitespace control, braces and strings inside
// tags, newline conventions.
func lexerTricks() []string {
	base := []string{
		"a {% raw %} x {{ y }} {% endraw %} b",
		"{% raw -%} x {%\vendraw %}{{ ().__class__ }}{% endraw %}",
		"{%- raw +%}{% endraw %}{% endraw %}",
		"{# {# #} {{ x }} #}",
		"{# %} {{ __class__ }} #}",
		"{#- c -#}{{- x|f('a\\'b') +}}{%+ if x -%}z{% endif %}",
		"{{ {'a':{'b':1}} }}",
		"{{ '}}' ~ \"%}\" }}",
		"{% set x = {'a': '%}'} %}{{ x }}",
		"  {% if x %}\n  y\n  {%+ endif %}\n",
		"line\r\n  {%- if x -%}\r  y\r\n{% endif %}\r\n",
		"{{ x.0.5 }}{{ 1.5e3 }}{{ 0x1F }}{{ 1_000 }}",
		"{% for m in messages %}{{ m['content'] }}{% endfor %}",
		"{{ x }",
		"{% raw %} no end",
		"{# no end",
		"{{ (x ]] }}",
		"{{ \u0663 }}{{ 1\u0663 }}{{ \u0663.5 }}{{ x.1.5 }}{{ 0B1_0 }}{{ 0x_fF }}{{ 0o7_7 }}{{ 1__2 }}",
		"{{ 1e5 }}{{ 1.e5 }}{{ 1_0.5_0e-1_0 }}{{ 00_0 }}{{ 0b2 }}{{ 1E+ }}",
		"{{ 'a\\\nb' }}{{ \"q\\\"\" }}{{ 'a\\",
		"{{ e\u0301 }}{{ \uff3f\uff3fclass\uff3f\uff3f }}{{ x\u00b7y }}{{ \u2118 }}{{ a\u200bb }}",
		"{{ x\x00 }}",
		"{{ x }}\r\n\r\n",
		"{%+ raw %}a{%+ endraw +%}\n  b",
		"{% raw %}{{ x }}{%- endraw -%}\n\n  {{ y }}",
		"{#- a -#}\n\n{# b +#}\n{# c #}\n",
		"{{ x|f(a=[1, {'k': (2)}]) }}{% set y = {'a': [1]} %}",
	}
	var out []string
	out = append(out, base...)
	for _, sp := range pySpaces {
		out = append(out,
			"{% raw %}x{%"+sp+"endraw"+sp+"%}{{ ().__class__ }}{% endraw %}",
			"{%"+sp+"raw"+sp+"-%}x{%-"+sp+"endraw%}y",
			"a"+sp+"{%- if x -%}"+sp+"b{% endif %}",
			"\n"+sp+sp+"{% if x %}y{% endif %}",
			"{{ x -}}"+sp+"y{#- c -#}"+sp+"z",
			"{% if"+sp+"x"+sp+"%}y{% endif %}",
		)
	}
	return out
}

// mutate derives variants of a real template: each of Python's \s
// characters put inside its tag delimiters, and each whitespace-control
// form.
func mutate(src string, spaces []string) []string {
	var out []string
	for _, sp := range spaces {
		r := strings.NewReplacer("{% ", "{%"+sp, " %}", sp+"%}", "{{ ", "{{"+sp, "{%- ", "{%-"+sp)
		out = append(out, r.Replace(src))
	}
	for _, pair := range [][2]string{{"{%", "{%-"}, {"{%", "{%+"}, {"%}", "-%}"}, {"%}", "+%}"}, {"{{", "{{-"}, {"}}", "-}}"}} {
		out = append(out, strings.ReplaceAll(src, pair[0], pair[1]))
	}
	return out
}

type pyLex struct {
	Tokens [][]any `json:"tokens"`
	Error  *string `json:"error"`
}

// TestLexerMatchesJinja2 runs Jinja2's own lexer over every corpus
// template, mutations of some of them (all of them with
// MODELGATE_LEXDIFF_FULL=1) and the trick templates, in one subprocess,
// and checks that lexJinja yields the same tokens and that the checker
// never reads the code regions differently without saying so.
func TestLexerMatchesJinja2(t *testing.T) {
	py := pythontest.Require(t, "jinja2")
	files, err := filepath.Glob("testdata/corpus/*.jinja")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	more, _ := filepath.Glob("testdata/*.jinja")
	files = append(files, more...)
	full := os.Getenv("MODELGATE_LEXDIFF_FULL") != ""
	inputs := lexerTricks()
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
		switch {
		case full:
			inputs = append(inputs, mutate(string(b), pySpaces)...)
		case i%20 == 0:
			inputs = append(inputs, mutate(string(b), []string{"\v", "\u00a0", "\u2028", "\x1c"})...)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	in, _ := json.Marshal(inputs)
	cmd := exec.CommandContext(ctx, py, "testdata/lexdiff/jinja2_lex.py")
	cmd.Env = pythontest.Env(t.TempDir())
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jinja2 lexer: %v: %s", err, stderr.String())
	}
	var want []pyLex
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(inputs) {
		t.Fatalf("jinja2 lexer output: %v (%d results for %d inputs)", err, len(want), len(inputs))
	}
	disagreements := 0
	for i, src := range inputs {
		got, gerr := lexJinja(src)
		exp := make([]jToken, len(want[i].Tokens))
		for j, tk := range want[i].Tokens {
			exp[j] = jToken{Line: int(tk[0].(float64)), Type: tk[1].(string), Value: tk[2].(string)}
		}
		if !slices.Equal(got, exp) || (gerr != nil) != (want[i].Error != nil) {
			t.Errorf("input %d %q:\n got %v (err %v)\nwant %v (err %v)", i, truncate(src, 120), tail(got), gerr, tail(exp), want[i].Error)
			continue
		}
		if want[i].Error != nil {
			continue
		}
		// The checker reads the template with gonja; where gonja's code
		// regions differ from Jinja2's it must say so.
		gtoks, lexErr := lex(src)
		if lexErr == "" && firstDifference(gonjaSkeleton(gtoks), skeleton(exp)) >= 0 {
			disagreements++
			if !slices.ContainsFunc(Check(src), func(is Issue) bool { return is.Kind == Unparsed }) {
				t.Errorf("input %d %q: gonja reads the code regions differently and the checker does not report it", i, truncate(src, 120))
			}
		}
	}
	t.Logf("%d inputs lexed by Jinja2 and modelgate; gonja disagreed with Jinja2 on %d (each reported)", len(inputs), disagreements)
}

func tail(toks []jToken) []jToken {
	if len(toks) > 12 {
		return toks[len(toks)-12:]
	}
	return toks
}

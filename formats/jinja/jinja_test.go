package jinja

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func maxSeverity(issues []Issue) (formats.Severity, bool) {
	if len(issues) == 0 {
		return formats.Info, false
	}
	return issues[0].Severity, true
}

func TestBenignTemplates(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jinja")
	if err != nil || len(files) == 0 {
		t.Fatalf("no benign templates: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if issues := Check(string(src)); len(issues) > 0 {
				t.Errorf("benign template has issues: %v", issues)
			}
		})
	}
}

func TestMaliciousTemplates(t *testing.T) {
	tests := []struct {
		name, src string
		kind      Kind
		sev       formats.Severity
	}{
		{"llama drama", `{% for x in ().__class__.__base__.__subclasses__() %}{% if "warning" in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen("touch /tmp/retr0reg") }}{% endif %}{% endfor %}`, Escape, formats.Critical},
		{"item dunder", `{{ ''['__class__']['__mro__'][1] }}`, Escape, formats.Critical},
		{"attr filter literal", `{{ ()|attr('__class__') }}`, Escape, formats.Critical},
		{"hex escape", `{{ ()|attr('\x5f\x5fclass\x5f\x5f') }}`, Escape, formats.Critical},
		{"unicode escape", `{{ ()|attr("\u005f\u005fclass\u005f\u005f") }}`, Escape, formats.Critical},
		{"octal escape", `{{ ()|attr("\137\137class\137\137") }}`, Escape, formats.Critical},
		{"named escape", `{{ ()|attr("\N{LOW LINE}\N{LOW LINE}class\N{LOW LINE}\N{LOW LINE}") }}`, Escape, formats.Critical},
		{"concatenation", `{{ ()|attr('__cla' ~ 'ss__') }}`, Escape, formats.Critical},
		{"underscore concatenation", `{{ ()|attr('_' ~ '_' ~ 'cla' ~ 'ss' ~ '_' ~ '_') }}`, Escape, formats.Critical},
		{"plus concatenation", `{% set a = '_' + '_' %}{{ x[a + 'class' + a] }}`, Escape, formats.High},
		{"join list", `{{ ()|attr(['_','_','class','_','_']|join) }}`, Escape, formats.Critical},
		{"computed attr", `{% set n = request.args.n %}{{ ()|attr(n) }}`, Escape, formats.Critical},
		{"computed attr no globals", `{% set n = messages[0].content %}{{ ()|attr(n) }}`, Computed, formats.Critical},
		{"format char", `{{ ()|attr('%c%c%c%c%c%c%c%c%c'|format(95,95,99,108,97,115,115,95,95)) }}`, Escape, formats.Critical},
		{"percent char", `{{ ()|attr("%c%cclass%c%c" % (95,95,95,95)) }}`, Escape, formats.Critical},
		{"str format char", `{{ x['{:c}'.format(95) * 2] }}`, Escape, formats.High},
		{"underscore repeat", `{{ x[('_' * 2) ~ 'class' ~ ('_' * 2)] }}`, Escape, formats.High},
		{"lipsum globals", `{{ lipsum.__globals__['os'].popen('id').read() }}`, Escape, formats.Critical},
		{"cycler init", `{{ cycler.__init__.__globals__.os.popen('id').read() }}`, Escape, formats.Critical},
		{"joiner", `{{ joiner.__init__.__globals__ }}`, Escape, formats.Critical},
		{"namespace init", `{{ namespace.__init__.__globals__.os.popen('id').read() }}`, Escape, formats.Critical},
		{"lipsum bare", `{% set c = (lipsum|string|list) %}{{ c[18] }}`, Escape, formats.High},
		{"generator string", `{% set c = (()|select|string|list) %}{{ c[24] }}`, Escape, formats.High},
		{"self", `{{ self._TemplateReference__context }}`, Escape, formats.Critical},
		{"config", `{{ config.items() }}`, Escape, formats.Critical},
		{"request", `{{ request.application }}`, Escape, formats.Critical},
		{"os", `{{ os.popen('id') }}`, Escape, formats.Critical},
		{"dunder kwarg", `{{ dict(__class__=1)|list|first }}`, Escape, formats.Critical},
		{"private attr", `{{ messages._private }}`, Escape, formats.High},
		{"frame attr", `{{ g.gi_frame.f_back }}`, Escape, formats.Critical},
		{"map computed attribute", `{{ messages|map(attribute=k)|list }}`, Computed, formats.High},
		{"dunder in format string", `{{ '{0.__class__}'.format(x) }}`, Escape, formats.Critical},
		{"with shadows a range variable", "{% for i in range(1) %}{% endfor %}{% with i = 'XXclassXX'|replace('X','_') %}{{ x[i] }}{% endwith %}", Computed, formats.High},
		{"tuple set shadows an integer", "{% set i = 0 %}{% set i, j = 'XXclassXX'|replace('X','_'), 1 %}{{ x[i] }}", Computed, formats.High},
		{"macro parameter", "{% set i = 0 %}{% macro m(i) %}{{ x[i] }}{% endmacro %}{{ m('XXclassXX'|replace('X','_')) }}", Computed, formats.High},
		{"loop reassigned", "{% set loop = {'index0': 'XXclassXX'|replace('X','_')} %}{{ x[loop.index0] }}", Computed, formats.High},
		{"unknown test", "{% if x is shell %}{% endif %}", Unknown, formats.Medium},
		{"format field dunder", "{{ '{0.__class__}'.format(x) }}", Escape, formats.Critical},
		{"computed format string", "{% set f = '{0.' ~ n ~ '}' %}{{ f.format(x) }}", Computed, formats.High},
		{"map applies a computed filter", "{{ xs|map(f)|list }}", Computed, formats.High},
		{"select applies an unknown test", "{{ xs|select('shell')|list }}", Unknown, formats.Medium},
		{"groupby computed", "{{ xs|groupby(k)|list }}", Computed, formats.High},
		{"dict literal subscript", "{{ {'a': 1}[k] }}", Computed, formats.High},
		{"unparsable with computed lookup", "{% set x = (a if b else c) %}{{ x[k] }}{% for (p, q) in r %}{% endfor %}", Computed, formats.High},
		{"unparsable with unknown selectattr test", "{% for (p, q) in r %}{% endfor %}{{ xs|selectattr('a', 'shell')|list }}", Unknown, formats.Medium},
		{"loop over a computed list", "{% for f in ['XXclassXX'|replace('X','_')] %}{{ x[f] }}{% endfor %}", Computed, formats.High},
		{"format reached by attr", "{% set f = '{0.' ~ n ~ '}' %}{{ (f|attr('format'))(x) }}", Computed, formats.High},
		{"format reached by item", "{% set f = '{0.' ~ n ~ '}' %}{{ f['format'](x) }}", Computed, formats.High},
		{"format method kept in a variable", "{% set f = s['format'] %}{{ f(x) }}", Computed, formats.High},
		{"format through map", "{% for f in xs|map(attribute='format') %}{{ f(x) }}{% endfor %}", Computed, formats.High},
		{"namespace field assigned a string after its use", "{% set ns = namespace(a=0, b=0) %}{% for m in messages %}{% set ns.a = ns.b %}{% set ns.b = m.content %}{% endfor %}{{ x[ns.a] }}", Computed, formats.High},
		{"include", `{% include 'other.jinja' %}`, Loader, formats.Medium},
		{"import", `{% import 'macros.jinja' as m %}{{ m.x() }}`, Loader, formats.Medium},
		{"from import", `{% from 'macros.jinja' import x %}`, Loader, formats.Medium},
		{"extends", `{% extends 'base.jinja' %}`, Loader, formats.Medium},
		{"huge range", `{% for i in range(1000000000) %}x{% endfor %}`, Resource, formats.Medium},
		{"huge repeat", `{{ 'x' * 100000000000 }}`, Resource, formats.Medium},
		{"unparsable", `{% for x in messages %}{{ x.content }}`, Unparsed, formats.Medium},
		{"unknown tag", `{% frobnicate %}`, Unparsed, formats.Medium},
		{"unterminated string", `{{ 'abc }}`, Unparsed, formats.Medium},
		{"unparsable with payload", `{% for x in () %}{{ x.__class__ }}`, Escape, formats.Critical},
		{"deep nesting", "{{ " + strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000) + " }}", Unparsed, formats.Medium},
		{"deep blocks", strings.Repeat("{% if x %}", 5000) + strings.Repeat("{% endif %}", 5000), Unparsed, formats.Medium},
		{"large", "{{ x }}" + strings.Repeat("a", LargeTemplate), Resource, formats.Low},
		{"keyword name dunder", `{{ (dict(x__init__=1)|first)[1:] }}`, Escape, formats.Critical},
		{"namespace field name dunder", `{% set ns = namespace() %}{% set ns.x__init__ = 1 %}{{ ns|string }}`, Escape, formats.Critical},
		{"macro parameter name dunder", `{% macro m(x__init__) %}{% endmacro %}{{ m.arguments }}`, Escape, formats.Critical},
		{"tag word as variable unparsed", `{% set x = 1 if y %}{% set filter = z %}{{ filter[k] }}`, Computed, formats.High},
		{"filter block unparsed", `{% set x = 1 if y %}{% filter attr(k) %}b{% endfilter %}`, Computed, formats.Critical},
		{"guard with or unparsed", `{% set x = 1 if y %}{{ a[k] if true or k in a }}`, Computed, formats.High},
		{"guard negated unparsed", `{% set x = 1 if y %}{{ a[k] if not (k in a) }}`, Computed, formats.High},
		{"guard of another conditional unparsed", `{% set x = 1 if y %}{{ a[k] ~ ('' if k in a) }}`, Computed, formats.High},
		{"guard on an item unparsed", `{% set x = 1 if y %}{{ a[k] if k in a[0] }}`, Computed, formats.High},
		{"if guard with or unparsed", `{% set x = 1 if y %}{% if k in a or z %}{{ a[k] }}{% endif %}`, Computed, formats.High},
		{"guard on unnamed container unparsed", `{% set x = 1 if y %}{{ (p)[k] if k in (q) }}`, Computed, formats.High},
		{"keyword name private", `{{ dict(_os=1)|list }}`, Escape, formats.Critical},
		{"container set in loop", `{% for k in a|list %}{% set a = namespace %}{{ a[k] }}{% endfor %}`, Computed, formats.Critical},
		{"container with in loop", `{% for k in a|list %}{% with a = b %}{{ a[k] }}{% endwith %}{% endfor %}`, Computed, formats.High},
		{"container for in loop", `{% for k in a|list %}{% for a in b %}{{ a[k] }}{% endfor %}{% endfor %}`, Computed, formats.High},
		{"container field set in loop", `{% set ns = namespace(a=x) %}{% for k in ns.a|list %}{% set ns.a = b %}{{ ns.a[k] }}{% endfor %}`, Computed, formats.High},
		{"container same for target", `{% for k, a in a|items %}{{ a[k] }}{% endfor %}`, Computed, formats.High},
		{"recursive loop", `{% for k in a|list recursive %}{{ a[k] }}{{ loop(b) }}{% endfor %}`, Computed, formats.High},
		{"loop over values", `{% for k in a.values() %}{{ a[k] }}{% endfor %}`, Computed, formats.High},
		{"int field of re-bound namespace", `{% set ns = namespace(c=0) %}{% set ns = dict(c=x) %}{{ y[ns.c] }}`, Computed, formats.High},
		{"int var imported", `{% set i = 0 %}{% from 't' import i %}{{ y[i] }}`, Computed, formats.High},
		{"literal internal names", `{% for k in ['gi_frame'] %}{{ g[k] }}{% endfor %}`, Computed, formats.High},
		{"lookup on macro", `{% macro m() %}{% endmacro %}{{ m[k] }}`, Computed, formats.Critical},
		{"lookup on alias of namespace", `{% set n = namespace %}{{ n[k] }}`, Computed, formats.Critical},
		{"lookup on loop", `{% for x in y %}{{ loop[k] }}{% endfor %}`, Computed, formats.Critical},
		{"guard re-bound", `{% set x = 1 if y %}{% if k in a %}{% set a = b %}{{ a[k] }}{% endif %}`, Computed, formats.High},
		{"guarded call", `{% set x = 1 if y %}{{ s[k](n) if k in s }}`, Computed, formats.High},
		{"format by item unparsed", `{% set x = 1 if y %}{{ s['format'](n) }}`, Computed, formats.High},
		{"call of dict-literal lookup", `{% set d = {} %}{{ d[k](x) }}`, Computed, formats.High},
		{"call of loop-key lookup", `{% for k in a|list %}{{ a[k](x) }}{% endfor %}`, Computed, formats.High},
		{"call of loop-key lookup unparsed", `{% set x = 1 if y %}{% for k in a|list %}{{ a[k](x) }}{% endfor %}`, Computed, formats.High},
		{"call of looked-up value unparsed", `{% set x = 1 if y %}{% set f = s[k] if k in s %}{{ f(n) }}`, Computed, formats.High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := Check(tt.src)
			sev, ok := maxSeverity(issues)
			if !ok {
				t.Fatalf("no issues for %s", tt.src)
			}
			if sev != tt.sev {
				t.Errorf("max severity %s, want %s: %v", sev, tt.sev, issues)
			}
			found := false
			for _, is := range issues {
				found = found || is.Kind == tt.kind
			}
			if !found {
				t.Errorf("no %s issue: %v", tt.kind, issues)
			}
		})
	}
}

// TestCleanConstructs are forms real templates use that must raise nothing.
func TestCleanConstructs(t *testing.T) {
	for _, src := range []string{
		"{% macro m(x) %}{{ x }}{% endmacro %}{% set f = m %}{{ f(1) }}",
		"{% for k, v in tools[0]|items %}{{ tools[0][k] }}{% endfor %}",
		"{% for i in range(messages|length) %}{{ messages[i]['content'] }}{{ messages[messages|length - 1 - i].role }}{% endfor %}",
		"{% set ns = namespace(idx=0) %}{% for m in messages %}{% set ns.idx = loop.index0 %}{% endfor %}{{ messages[ns.idx].content }}",
		"{% set types = {'string': 'str'} %}{{ types[param.type] }}",
		"{% for f in ['maximum', 'minimum'] %}{% if f in p %}{{ p[f] }}{% endif %}{% endfor %}",
		"{{ '<|image_{i:d}|>'.format(i=n) }}{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|join }}",
		"{% raw %}{{ not code }}{% endraw %}{%- generation -%}{{ m.content }}{%- endgeneration -%}",
		"{% for t in tools %}{% set t = t.function %}{% for k in t.parameters %}{{ t.parameters[k] }}{% endfor %}{% endfor %}",
		"{% macro m(d, keys) %}{% for k in d if k not in keys %}{{ d[k] }}{% endfor %}{% endmacro %}",
		"{% macro m(p, f=none) %}{% if f in p %}{% set p = p[f] %}{% endif %}{{ p }}{% endmacro %}{% set x = 1 if y %}",
		"{{ dict(role='user', content=x)|tojson }}",
		"{% set x = 1 if y %}{{ (nd[t] if t in nd else '')|tojson }}{{ '' ~ a[k] if k in a and z else '' }}{% if z and k in a %}{{ a[k] }}{% endif %}",
	} {
		if issues := Check(src); len(issues) > 0 {
			t.Errorf("%s: %v", src, issues)
		}
	}
}

func TestDecodeString(t *testing.T) {
	tests := map[string]string{
		`plain`:           "plain",
		`\x5f\x5f`:        "__",
		`\u005f`:          "_",
		`\U0000005f`:      "_",
		`\137`:            "_",
		`\N{LOW LINE}`:    "_",
		`\N{low line}x`:   "_x",
		`\N{SNOWMAN}`:     "\uFFFD",
		`a\nb`:            "a\nb",
		`\x5`:             `\x5`,
		`\N{unterminated`: `\N{unterminated`,
		`trailing\`:       `trailing\`,
		`\q`:              `\q`,
		`\\x5f`:           `\x5f`,
	}
	for in, want := range tests {
		if got := decodeString(in); got != want {
			t.Errorf("decodeString(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.jinja")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`{{ ()|attr('\x5f\x5fclass\x5f\x5f') }}`)
	f.Add(`{% set ns = namespace(a=1) %}{% set ns.a = '_' ~ '_' %}{{ x[ns.a] }}`)
	f.Add(`{{ '%c'|format(95) }}{% include 'x' %}{% generation %}y{% endgeneration %}`)
	f.Add("{% raw -%} x {%\vendraw %}{{ x[k] }}{% endraw %}{#- c -#}{{ {'a':{'b':1}}|map('attr', n) }}")
	f.Add("{% for k, v in d|items %}{{ d[k] }}{% endfor %}{% set x = (a if b else c) %}{{ y is mapping }}")
	f.Add("{% for k in a|list %}{% with a = dict(x__y=1) %}{{ a[k] if k in a and z }}{% endwith %}{% endfor %}{% macro m(p) %}{% call(q) n() %}{{ call[q] }}{% endcall %}{% endmacro %}")
	f.Fuzz(func(t *testing.T, src string) {
		issues := Check(src)
		if len(issues) > MaxIssues {
			t.Fatalf("%d issues", len(issues))
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	src, err := os.ReadFile("testdata/llama31_tools.jinja")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Check(string(src))
	}
}

// TestStringSourcesAsKeys checks that a lookup key built without a
// string literal, from any expression that yields a string, is reported:
// critical on Jinja's own objects, at least high on anything else,
// whether the key is used directly or through a variable.
func TestStringSourcesAsKeys(t *testing.T) {
	sources := []string{
		"lipsum|string", "(range|string)[1:]", "x|pprint", "x|urlencode", "(x|e)|string", "(x|escape)|string",
		"['a', 'b']|first", "x|last", "x|random", "x|min", "x|max", "joiner('a')()", "cycler('a').next()",
		"x|join", "x ~ y", "'%s' % x", "x|map('string')|first", "x|list|first", "x|reverse|join", "x[1:]",
		"x[0]", "(dict(a=1)|first)[1:]", "dict(a=1).keys()|first", "dict(a=1)|list|last", "caller()", "m()",
		"x|string", "x|format(y)", "x|replace('a', 'b')", "x|center(9)", "x|lower", "x|trim", "x|int(y)",
		"loop.cycle('a', 'b')", "(x|items|first)[0]", "x|tojson", "x|wordwrap(3)", "x|truncate(3)",
	}
	for _, s := range sources {
		for _, tc := range []struct {
			src string
			sev formats.Severity
		}{
			{"{% macro m() %}{% endmacro %}{% for i in y %}{{ namespace[" + s + "] }}{% endfor %}", formats.Critical},
			{"{% macro m() %}{% endmacro %}{% for i in y %}{{ z[" + s + "] }}{% endfor %}", formats.High},
			{"{% macro m() %}{% endmacro %}{% for i in y %}{% set k = " + s + " %}{{ z[k] }}{% endfor %}", formats.High},
			{"{% macro m() %}{% endmacro %}{% for i in y %}{% set k = " + s + " %}{{ z|attr(k) }}{% endfor %}", formats.Critical},
		} {
			sev, ok := maxSeverity(Check(tc.src))
			if !ok || sev < tc.sev {
				t.Errorf("%s: max severity %v (found %v), want %v or above", tc.src, sev, ok, tc.sev)
			}
		}
	}
	for _, src := range []string{
		"{% set k %}a{% endset %}{{ z[k] }}",
		"{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}a{% endcall %}{% set k = m() %}{{ z[k] }}",
		"{% for i in y %}{% set k = loop.cycle('a', 'b') %}{{ loop[k] }}{% endfor %}",
	} {
		if sev, ok := maxSeverity(Check(src)); !ok || sev < formats.High {
			t.Errorf("%s: max severity %v (found %v), want high or above", src, sev, ok)
		}
	}
}

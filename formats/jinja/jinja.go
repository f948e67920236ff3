// Package jinja checks Jinja chat templates (GGUF tokenizer.chat_template,
// Hugging Face tokenizer_config.json chat_template, chat_template.jinja)
// against what real chat templates do: read the messages and tools they
// are given through constant names, loop, branch, call Jinja2's own
// filters and tests. Anything else is an issue: a dunder, private or
// internal name; a lookup whose name is computed at render time (the way
// payloads of the CVE-2024-34359 family get past name checks); a filter
// or test Jinja2 does not define; template loading. docs/chat-templates.md
// describes the allowlist.
//
// Where code begins and ends is decided by a port of Jinja2's own lexer
// (lexer.go); the AST comes from gonja's parser, and where gonja reads the
// code regions differently, or cannot parse what Jinja2 lexes, the
// template is judged from Jinja2's tokens.
//
// Nothing here renders a template, evaluates an expression, calls a
// filter or loads another template.
package jinja

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Kind classifies an issue so that callers can map it to their own rule IDs.
type Kind int

const (
	// Escape is a construct that reaches, or is built to reach, Python
	// objects outside the template's data: a sandbox escape in an
	// unsandboxed renderer.
	Escape Kind = iota
	// Unparsed means the template could not be parsed (or was too large
	// or too deeply nested to parse safely); a renderer may still accept it.
	Unparsed
	// Loader is a tag that loads another template (include, import,
	// extends, from), which no chat template needs.
	Loader
	// Resource is a construct that can exhaust CPU or memory when rendered
	// even in a sandbox.
	Resource
	// Computed is an attribute or item lookup whose name is computed at
	// render time, which can reach any attribute of any object.
	Computed
	// Unknown is a filter or test that is not Jinja2's own: a renderer
	// that defines it runs host code the template chooses.
	Unknown
)

func (k Kind) String() string {
	switch k {
	case Escape:
		return "escape"
	case Unparsed:
		return "unparsed"
	case Loader:
		return "loader"
	case Resource:
		return "resource"
	case Computed:
		return "computed"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Issue is one suspicious construct in a template.
type Issue struct {
	Kind     Kind
	Severity formats.Severity
	Line     int // 1-based; 0 when the issue concerns the whole template
	Col      int
	Message  string
	// Evidence is the offending name or literal, decoded.
	Evidence string
}

func (i Issue) String() string {
	return fmt.Sprintf("%s %s %d:%d: %s", i.Severity, i.Kind, i.Line, i.Col, i.Message)
}

// Limits on what is handed to the parser: gonja's parser is recursive, and
// a template nested thousands deep would exhaust the goroutine stack,
// which no recover() can catch.
const (
	// MaxParseBytes is the largest template parsed; larger ones are still
	// scanned token by token.
	MaxParseBytes = 1 << 20
	// MaxNesting bounds bracket and block nesting.
	MaxNesting = 64
	// LargeTemplate is the size above which a template is reported: real
	// chat templates are a few kilobytes.
	LargeTemplate = 64 << 10
	// MaxIssues caps the issues returned for one template.
	MaxIssues = 100
	// hugeRange is the largest range() bound or string repetition that is
	// not reported as a resource risk.
	hugeRange = 1_000_000
)

// dangerousNames are template variables that do not exist in any chat
// template's context but are the usual entry points of published payloads
// (Flask's config/request/url_for, Jinja's self, Python modules and
// builtins a careless renderer may expose).
var dangerousNames = map[string]bool{
	"self": true, "config": true, "request": true, "url_for": true, "get_flashed_messages": true,
	"os": true, "sys": true, "subprocess": true, "builtins": true, "importlib": true,
	"eval": true, "exec": true, "compile": true, "open": true, "getattr": true, "setattr": true,
	"delattr": true, "globals": true, "locals": true, "vars": true, "socket": true, "shutil": true,
	"pty": true, "ctypes": true, "marshal": true, "pickle": true,
}

// footholdGlobals are Jinja's own globals that chat templates never need
// and that published escapes start from (lipsum.__globals__,
// cycler.__init__.__globals__, stringified for characters).
var footholdGlobals = map[string]bool{"lipsum": true, "cycler": true, "joiner": true}

// internalAttrs are Python object internals without underscores that lead
// from a function or generator to frames, code and globals.
var internalAttrs = map[string]bool{
	"mro": true, "f_globals": true, "f_locals": true, "f_builtins": true, "f_back": true,
	"f_code": true, "gi_frame": true, "gi_code": true, "cr_frame": true, "cr_code": true,
	"ag_frame": true, "ag_code": true, "tb_frame": true, "tb_next": true, "co_code": true,
	"func_globals": true, "func_code": true, "im_func": true, "im_self": true,
}

// loaderTags load other templates through the renderer's loader.
var loaderTags = map[string]bool{"include": true, "import": true, "extends": true, "from": true}

var (
	dunderRE = regexp.MustCompile(`__[A-Za-z]`)
	// charFormatRE matches str.format fields that turn numbers into
	// characters ('{:c}'.format(95) is '_').
	charFormatRE = regexp.MustCompile(`\{[^{}]*:c\}`)
)

// Check inspects a template's source and returns its issues, most severe
// first. An empty result means nothing suspicious was found.
func Check(src string) []Issue {
	c := &checker{}
	c.check(src)
	slices.SortStableFunc(c.issues, func(a, b Issue) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return c.issues
}

type checker struct {
	issues []Issue
	seen   map[string]bool
	folded map[uintptr]bool // concatenations already folded into an outer one
	binds  bindings
	// assigned are the names the template binds itself.
	assigned map[string]bool
	// binders are the template's bindings of each name, from Jinja2's
	// tokens; nil when Jinja2's lexer refused the template.
	binders map[string][]tokBinder
	code    []jToken // Jinja2's tokens inside tags
	intMemo map[string]bool
}

func (c *checker) add(k Kind, sev formats.Severity, tok *tokens.Token, evidence, format string, args ...any) {
	key := fmt.Sprintf("%d|%s|%s", k, evidence, format)
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	// One issue per construct and evidence is enough to act on; repeating
	// it for every occurrence only buries the rest.
	if c.seen[key] || len(c.issues) >= MaxIssues {
		return
	}
	c.seen[key] = true
	is := Issue{Kind: k, Severity: sev, Evidence: evidence, Message: fmt.Sprintf(format, args...)}
	if tok != nil {
		is.Line, is.Col = tok.Line, tok.Col
	}
	c.issues = append(c.issues, is)
}

func (c *checker) check(src string) {
	if len(src) > LargeTemplate {
		c.add(Resource, formats.Low, nil, "", "template is %d bytes; chat templates are a few kilobytes", len(src))
	}
	toks, lexErr := lex(src)
	// A template too large to parse is reported as such; it is not
	// tokenized a second time either.
	var jt []jToken
	jerr := errTooLarge
	if len(src) <= MaxParseBytes {
		jt, jerr = lexJinja(src)
	}
	jinjaOK := jerr == nil
	if jinjaOK {
		c.code = code(jt)
		c.binders = tokenBinders(c.code)
		c.assigned = map[string]bool{}
		for n := range c.binders {
			root, _, _ := strings.Cut(n, ".")
			c.assigned[root] = true
		}
		c.checkKeywordNames(jt)
	}
	depth := c.scanTokens(toks)
	// Jinja2's own tokens decide what is code. Where gonja cannot read a
	// template Jinja2 accepts, or reads its code regions differently, the
	// template is judged from Jinja2's tokens.
	if jinjaOK {
		c.scanJinjaTokens(jt)
		if lexErr == "" {
			c.compareLexers(toks, jt)
		}
	}
	switch {
	case lexErr != "" && jinjaOK:
		c.tokenAllowlist(jt)
	case lexErr != "":
		c.add(Unparsed, formats.Medium, nil, lexErr, "template does not lex (%s); Jinja2 may still render it", lexErr)
	case len(src) > MaxParseBytes:
		c.add(Unparsed, formats.Medium, nil, "", "template of %d bytes is too large to parse (max %d)", len(src), MaxParseBytes)
	case depth > MaxNesting:
		c.add(Unparsed, formats.Medium, nil, "", "template nests deeper than %d levels; not parsed", MaxNesting)
	default:
		tpl, err := parse(toks)
		switch {
		case err != nil && jinjaOK:
			// gonja's parser lags Jinja2's grammar in places (inline
			// if in set, starred arguments, some tuple targets);
			// Jinja2's tokens still show every lookup, filter and test.
			c.tokenAllowlist(jt)
		case err != nil:
			c.add(Unparsed, formats.Medium, nil, err.Error(), "template does not parse (%v); Jinja2 or minja may still render it", err)
		default:
			// Both readings: the AST's knows more about what a key can
			// hold; Jinja2's tokens are what Jinja2 runs.
			c.walkTemplate(tpl)
			if jinjaOK {
				c.tokenAllowlist(jt)
			}
		}
	}
}

var errTooLarge = errors.New("template too large")

// lex tokenizes src with Jinja's default delimiters. It returns the tokens
// up to the first error and the error's text.
func lex(src string) (toks []*tokens.Token, lexErr string) {
	defer func() {
		if r := recover(); r != nil {
			lexErr = fmt.Sprintf("lexer failure: %v", r)
		}
	}()
	s := tokens.LexAll(src, config.New())
	for {
		t := s.Current()
		if t == nil {
			return toks, "lexer stopped without end of input"
		}
		toks = append(toks, t)
		switch t.Type {
		case tokens.EOF:
			return toks, ""
		case tokens.Error:
			return toks, "at line " + fmt.Sprint(t.Line) + ": " + truncate(t.Val, 80)
		}
		s.Next()
	}
}

// scanTokens applies the checks that need no AST, so that a template the
// parser rejects, or parses differently from Jinja2, is still inspected.
// It returns the deepest bracket or block nesting seen.
func (c *checker) scanTokens(toks []*tokens.Token) int {
	depth, blocks, maxDepth := 0, 0, 0
	var prev *tokens.Token
	for i, t := range toks {
		switch t.Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			depth++
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			depth--
		case tokens.Name:
			afterDot := prev != nil && prev.Type == tokens.Dot
			tagName := prev != nil && prev.Type == tokens.BlockBegin
			c.checkName(t, afterDot, tagName)
			if tagName {
				blocks += blockDelta(t.Val, toks[i+1:])
			}
		case tokens.String:
			c.checkString(t, decodeString(t.Val))
		}
		maxDepth = max(maxDepth, depth+blocks)
		if t.Type != tokens.Whitespace {
			prev = t
		}
	}
	return maxDepth
}

// blockDelta is how a tag changes block nesting.
func blockDelta(name string, rest []*tokens.Token) int {
	switch name {
	case "if", "for", "macro", "call", "filter", "with", "block", "autoescape", "trans", "generation", "raw":
		return 1
	case "set":
		// Only the block form {% set x %}...{% endset %} nests: it has
		// no '=' before the end of the tag.
		for _, t := range rest {
			if t.Type == tokens.BlockEnd {
				return 1
			}
			if t.Type == tokens.Assign {
				return 0
			}
		}
		return 0
	}
	if strings.HasPrefix(name, "end") {
		return -1
	}
	return 0
}

func (c *checker) checkName(t *tokens.Token, afterDot, tagName bool) {
	name := t.Val
	switch {
	case tagName:
		if loaderTags[name] {
			c.add(Loader, formats.Medium, t, name, "{%% %s %%} loads another template through the renderer's loader; chat templates never need it", name)
		}
	case strings.HasPrefix(name, "__"):
		c.add(Escape, formats.Critical, t, name, "access to Python internal %q (the CVE-2024-34359 sandbox-escape family)", name)
	case dunderRE.MatchString(name):
		// A name's text becomes data in more ways than a keyword
		// argument: the repr of a namespace holding ns.x__init__, a
		// macro's arguments and name, varargs and kwargs; sliced, it
		// is a Python internal's name.
		c.add(Escape, formats.Critical, t, name, "name %q holds a Python internal's name, which the template can read as a string (a namespace's repr, a macro's arguments) and slice", name)
	case afterDot && strings.HasPrefix(name, "_"):
		c.add(Escape, formats.High, t, name, "access to private attribute %q, which Jinja's sandbox forbids", name)
	case afterDot && internalAttrs[name]:
		c.add(Escape, formats.Critical, t, name, "access to Python object internal %q (frames, code or globals)", name)
	case afterDot:
	case c.assigned[name]:
	case dangerousNames[name]:
		c.add(Escape, formats.Critical, t, name, "reference to %q, which no chat template's context provides; it is an entry point of published template-injection payloads", name)
	case footholdGlobals[name]:
		c.add(Escape, formats.High, t, name, "use of the Jinja global %q, which chat templates never need and sandbox-escape payloads start from", name)
	}
}

func (c *checker) checkString(t *tokens.Token, s string) {
	if dunderRE.MatchString(s) {
		c.add(Escape, formats.Critical, t, s, "string literal %q names a Python internal (usable through attr, item access or format)", truncate(s, 60))
	}
	if charFormatRE.MatchString(s) {
		c.add(Escape, formats.High, t, s, "format field %q turns numbers into characters, an obfuscation of attribute names", truncate(s, 60))
	}
}

// decodeString applies Python's escape rules (Jinja decodes its string
// literals with unicode-escape) to a literal's body, so that '\x5f\x5f'
// and '\N{LOW LINE}' are seen as the underscores they become. The lexer
// has already turned \' and \" into quotes. Unknown \N names decode to
// U+FFFD.
func decodeString(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '\\', '\'', '"':
			b.WriteByte(e)
		case '\n':
		case 'x', 'u', 'U':
			n := 2
			if e == 'u' {
				n = 4
			} else if e == 'U' {
				n = 8
			}
			r, ok := parseHex(s[i+1:], n)
			if !ok {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			b.WriteRune(r)
			i += n
		case 'N':
			end := strings.IndexByte(s[i:], '}')
			if i+1 >= len(s) || s[i+1] != '{' || end < 0 {
				b.WriteString(`\N`)
				continue
			}
			name := strings.ToUpper(s[i+2 : i+end])
			if name == "LOW LINE" || name == "LOWLINE" {
				b.WriteByte('_')
			} else {
				b.WriteRune('\uFFFD')
			}
			i += end
		default:
			if e >= '0' && e <= '7' {
				v, j := 0, i
				for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
					v = v*8 + int(s[j]-'0')
				}
				b.WriteRune(rune(v))
				i = j - 1
				continue
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}

func parseHex(s string, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	var v rune
	for _, c := range []byte(s[:n]) {
		switch {
		case c >= '0' && c <= '9':
			v = v*16 + rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v*16 + rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v*16 + rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

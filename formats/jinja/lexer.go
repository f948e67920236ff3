package jinja

import (
	"fmt"
	"github.com/nikolalohinski/gonja/v2/tokens"
	"regexp"
	"strings"
	"unicode"
)

// This file is Jinja2 3.1's lexer (jinja2/lexer.py, Lexer.tokeniter) for
// the environment transformers renders chat templates with: default
// delimiters, trim_blocks and lstrip_blocks on, keep_trailing_newline
// off, no line statements. It exists so that where a block, an
// expression, a comment or a raw section begins and ends is decided by
// Jinja2's rules, not gonja's: a template the two read differently could
// hide code from the checks (gonja ends {% raw %} only at "{%" followed by
// ASCII whitespace and "endraw"; Jinja2 accepts any of Python's \s).
//
// Go's regexp has the leftmost-first semantics of Python's re for the
// patterns used here; Python's \s (str.isspace) is spelled out because Go's
// \s is ASCII only.

// pyS is Python's \s for str patterns.
const pyS = `[\t\n\v\f\r \x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`

// Token types, named as Jinja2 names them.
const (
	tData          = "data"
	tWhitespace    = "whitespace"
	tFloat         = "float"
	tInteger       = "integer"
	tName          = "name"
	tString        = "string"
	tOperator      = "operator"
	tBlockBegin    = "block_begin"
	tBlockEnd      = "block_end"
	tVariableBegin = "variable_begin"
	tVariableEnd   = "variable_end"
	tRawBegin      = "raw_begin"
	tRawEnd        = "raw_end"
	tCommentBegin  = "comment_begin"
	tCommentEnd    = "comment_end"
	tComment       = "comment"
)

// jToken is one token as Lexer.tokeniter yields it.
type jToken struct {
	Line  int
	Type  string
	Value string
}

type jrule struct {
	re  *regexp.Regexp
	typ string
}

var (
	reRoot = regexp.MustCompile(`(?s)\A(.*?)(?:(?P<raw_begin>\{%(\-|\+|)` + pyS + `*raw` + pyS + `*(?:\-%\}` + pyS + `*|%\}))` +
		`|(?P<variable_begin>\{\{(\-|\+|))|(?P<comment_begin>\{#(\-|\+|))|(?P<block_begin>\{%(\-|\+|)))`)
	reComment  = regexp.MustCompile(`(?s)\A(.*?)((?:\+#\}|\-#\}` + pyS + `*|#\}\n?))`)
	reBlockEnd = regexp.MustCompile(`(?s)\A(?:\+%\}|\-%\}` + pyS + `*|%\}\n?)`)
	reVarEnd   = regexp.MustCompile(`(?s)\A(?:\-\}\}` + pyS + `*|\}\})`)
	reRawEnd   = regexp.MustCompile(`(?s)\A(.*?)((?:\{%(\-|\+|))` + pyS + `*endraw` + pyS + `*(?:\+%\}|\-%\}` + pyS + `*|%\}\n?))`)
	reNewline  = regexp.MustCompile(`\r\n|\r|\n`)
	reWSFull   = regexp.MustCompile(`\A` + pyS + `+\z`)
	tagRules   = []jrule{
		{regexp.MustCompile(`\A` + pyS + `+`), tWhitespace},
		{regexp.MustCompile(`(?i)\A(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+\-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)`), tFloat},
		{regexp.MustCompile(`(?i)\A(?:0b(?:_?[0-1])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*)`), tInteger},
		// Python's \w plus the identifier characters Jinja2 adds;
		// Jinja2 rejects a name that is not an identifier only after
		// lexing, so a name may start with a non-ASCII digit here too.
		{regexp.MustCompile(`\A[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\x{b7}\x{2118}\x{212e}\x{309b}\x{309c}]+`), tName},
		{regexp.MustCompile(`(?s)\A(?:'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")`), tString},
		{regexp.MustCompile(`\A(?://|\*\*|==|!=|>=|<=|\+|\-|/|\*|%|~|\[|\]|\(|\)|\{|\}|>|<|=|\.|:|\||,|;)`), tOperator},
	}
)

// lexJinja tokenizes src as Jinja2's tokeniter does. On a syntax error it
// returns the tokens before it and the error, as Jinja2's generator would
// have yielded them before raising.
func lexJinja(src string) (toks []jToken, err error) {
	lines := reNewline.Split(src, -1)
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	src = strings.Join(lines, "\n")
	pos, line := 0, 1
	stack := []string{"root"}
	var balance []byte
	lineStarting := true
	newlinesStripped := 0
	emit := func(typ, val string) {
		if val == "" && (typ == tWhitespace || typ == tData || typ == tComment) {
			return
		}
		toks = append(toks, jToken{Line: line, Type: typ, Value: val})
	}
	for pos < len(src) {
		rest := src[pos:]
		state := stack[len(stack)-1]
		var matched string
		switch state {
		case "root":
			m := reRoot.FindStringSubmatchIndex(rest)
			if m == nil {
				emit(tData, rest)
				line += strings.Count(rest, "\n")
				matched = rest
				break
			}
			text := rest[m[2]:m[3]]
			// Named groups in order: raw_begin (4), sign (6),
			// variable_begin (8), sign (10), comment_begin (12), sign
			// (14), block_begin (16), sign (18).
			var kind, sign, tag string
			for _, g := range []struct {
				name   string
				at, sg int
			}{{tRawBegin, 4, 6}, {tVariableBegin, 8, 10}, {tCommentBegin, 12, 14}, {tBlockBegin, 16, 18}} {
				if m[g.at] >= 0 {
					kind, sign, tag = g.name, rest[m[g.sg]:m[g.sg+1]], rest[m[g.at]:m[g.at+1]]
					break
				}
			}
			text = stripBefore(text, sign, kind != tVariableBegin, lineStarting, &newlinesStripped)
			emit(tData, text)
			line += strings.Count(text, "\n") + newlinesStripped
			newlinesStripped = 0
			emit(kind, tag)
			line += strings.Count(tag, "\n")
			matched = rest[:m[1]]
			stack = append(stack, kind)
		case tCommentBegin:
			m := reComment.FindStringSubmatchIndex(rest)
			if m == nil {
				return toks, fmt.Errorf("line %d: missing end of comment tag", line)
			}
			for _, t := range []struct {
				typ    string
				lo, hi int
			}{{tComment, m[2], m[3]}, {tCommentEnd, m[4], m[5]}} {
				v := rest[t.lo:t.hi]
				emit(t.typ, v)
				line += strings.Count(v, "\n")
			}
			matched = rest[:m[1]]
			stack = stack[:len(stack)-1]
		case tRawBegin:
			m := reRawEnd.FindStringSubmatchIndex(rest)
			if m == nil {
				return toks, fmt.Errorf("line %d: missing end of raw directive", line)
			}
			text := stripBefore(rest[m[2]:m[3]], rest[m[6]:m[7]], true, lineStarting, &newlinesStripped)
			emit(tData, text)
			line += strings.Count(text, "\n") + newlinesStripped
			newlinesStripped = 0
			end := rest[m[4]:m[5]]
			emit(tRawEnd, end)
			line += strings.Count(end, "\n")
			matched = rest[:m[1]]
			stack = stack[:len(stack)-1]
		default: // block_begin, variable_begin
			endRE, endType := reBlockEnd, tBlockEnd
			if state == tVariableBegin {
				endRE, endType = reVarEnd, tVariableEnd
			}
			if len(balance) == 0 {
				if loc := endRE.FindStringIndex(rest); loc != nil {
					matched = rest[:loc[1]]
					emit(endType, matched)
					line += strings.Count(matched, "\n")
					stack = stack[:len(stack)-1]
					break
				}
			}
			for _, r := range tagRules {
				if r.typ == tFloat && pos > 0 && src[pos-1] == '.' {
					// (?<!\.): a float never starts right after a dot.
					continue
				}
				loc := r.re.FindStringIndex(rest)
				if loc == nil {
					continue
				}
				matched = rest[:loc[1]]
				if r.typ == tOperator {
					switch matched {
					case "{":
						balance = append(balance, '}')
					case "(":
						balance = append(balance, ')')
					case "[":
						balance = append(balance, ']')
					case "}", ")", "]":
						if len(balance) == 0 || balance[len(balance)-1] != matched[0] {
							return toks, fmt.Errorf("line %d: unexpected %q", line, matched)
						}
						balance = balance[:len(balance)-1]
					}
				}
				emit(r.typ, matched)
				line += strings.Count(matched, "\n")
				break
			}
			if matched == "" {
				return toks, fmt.Errorf("line %d: unexpected char %q", line, firstRune(rest))
			}
		}
		lineStarting = strings.HasSuffix(matched, "\n")
		pos += len(matched)
	}
	return toks, nil
}

// stripBefore applies whitespace control to the text before a tag: "-"
// strips all trailing whitespace; otherwise, with lstrip_blocks and unless
// "+" or a variable tag, whitespace from the line's start up to the tag.
func stripBefore(text, sign string, lstrip, lineStarting bool, newlines *int) string {
	if sign == "-" {
		stripped := strings.TrimRightFunc(text, isPySpace)
		*newlines = strings.Count(text[len(stripped):], "\n")
		return stripped
	}
	if sign == "+" || !lstrip {
		return text
	}
	lpos := strings.LastIndexByte(text, '\n') + 1
	if (lpos > 0 || lineStarting) && reWSFull.MatchString(text[lpos:]) {
		return text[:lpos]
	}
	return text
}

// isPySpace is Python's str.isspace for one character.
func isPySpace(r rune) bool {
	switch {
	case r >= 0x1c && r <= 0x1f, r == 0x85:
		return true
	}
	return unicode.IsSpace(r) || r == 0x1680 || r == 0x202f || r == 0x205f || r == 0x3000 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// skeleton is the part of a token stream that decides what is code: tag
// delimiters, names, operators and literals, with strings reduced to a
// marker (the two lexers keep their bodies differently) and data,
// whitespace and comment text left out.
func skeleton(toks []jToken) []string {
	var s []string
	for _, t := range toks {
		switch t.Type {
		case tData, tWhitespace, tComment:
		case tRawBegin:
			s = append(s, "{%", "raw", "%}")
		case tRawEnd:
			s = append(s, "{%", "endraw", "%}")
		case tBlockBegin:
			s = append(s, "{%")
		case tBlockEnd:
			s = append(s, "%}")
		case tVariableBegin:
			s = append(s, "{{")
		case tVariableEnd:
			s = append(s, "}}")
		case tCommentBegin:
			s = append(s, "{#")
		case tCommentEnd:
			s = append(s, "#}")
		case tString:
			s = append(s, "S")
		default:
			s = append(s, t.Value)
		}
	}
	return s
}

// gonjaSkeleton is skeleton for gonja's tokens.
func gonjaSkeleton(toks []*tokens.Token) []string {
	var s []string
	for _, t := range toks {
		switch t.Type {
		case tokens.Data, tokens.Whitespace, tokens.EOF:
		case tokens.BlockBegin:
			s = append(s, "{%")
		case tokens.BlockEnd:
			s = append(s, "%}")
		case tokens.VariableBegin:
			s = append(s, "{{")
		case tokens.VariableEnd:
			s = append(s, "}}")
		case tokens.CommentBegin:
			s = append(s, "{#")
		case tokens.CommentEnd:
			s = append(s, "#}")
		case tokens.String:
			s = append(s, "S")
		default:
			// gonja sometimes keeps the whitespace before a token in its
			// value ("\n}"), and makes an empty name of the whitespace
			// after "{%-  \n".
			if v := strings.TrimSpace(t.Val); v != "" {
				s = append(s, v)
			}
		}
	}
	return s
}

// firstDifference is the index of the first element where a and b differ,
// or -1.
func firstDifference(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

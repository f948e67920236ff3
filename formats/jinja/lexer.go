package jinja

import (
	"fmt"
	"github.com/nikolalohinski/gonja/v2/tokens"
	"strings"
	"unicode"
	"unicode/utf8"
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
// Jinja2 matches with regular expressions; here each of its patterns is
// a small hand-written matcher with the same leftmost-first result, so
// that lexing is linear in the template's length (Go's regexp restarts its
// work on the whole remaining input at every token). Python's \s
// (str.isspace) and \d (Unicode decimal digits) are spelled out.

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

// lexJinja tokenizes src as Jinja2's tokeniter does. On a syntax error it
// returns the tokens before it and the error, as Jinja2's generator would
// have yielded them before raising.
func lexJinja(src string) (toks []jToken, err error) {
	// Jinja2 first turns \r\n and \r into \n and drops one trailing
	// newline (keep_trailing_newline is off).
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	src = strings.TrimSuffix(src, "\n")
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
			at, kind, sign, n := nextTag(rest)
			if at < 0 {
				emit(tData, rest)
				line += strings.Count(rest, "\n")
				matched = rest
				break
			}
			text := stripBefore(rest[:at], sign, kind != tVariableBegin, lineStarting, &newlinesStripped)
			emit(tData, text)
			line += strings.Count(text, "\n") + newlinesStripped
			newlinesStripped = 0
			tag := rest[at : at+n]
			emit(kind, tag)
			line += strings.Count(tag, "\n")
			matched = rest[:at+n]
			stack = append(stack, kind)
		case tCommentBegin:
			q := strings.Index(rest, "#}")
			if q < 0 {
				return toks, fmt.Errorf("line %d: missing end of comment tag", line)
			}
			p, end := q, q+2
			switch {
			case q > 0 && rest[q-1] == '+':
				p = q - 1
			case q > 0 && rest[q-1] == '-':
				p, end = q-1, q+2+spaces(rest[q+2:])
			case strings.HasPrefix(rest[end:], "\n"):
				end++
			}
			emit(tComment, rest[:p])
			line += strings.Count(rest[:p], "\n")
			emit(tCommentEnd, rest[p:end])
			line += strings.Count(rest[p:end], "\n")
			matched = rest[:end]
			stack = stack[:len(stack)-1]
		case tRawBegin:
			p, sign, n := -1, "", 0
			for from := 0; ; {
				q := strings.Index(rest[from:], "{%")
				if q < 0 {
					break
				}
				if sg, m := tagAt(rest[from+q:], "endraw", true); m > 0 {
					p, sign, n = from+q, sg, m
					break
				}
				from += q + 2
			}
			if p < 0 {
				return toks, fmt.Errorf("line %d: missing end of raw directive", line)
			}
			text := stripBefore(rest[:p], sign, true, lineStarting, &newlinesStripped)
			emit(tData, text)
			line += strings.Count(text, "\n") + newlinesStripped
			newlinesStripped = 0
			end := rest[p : p+n]
			emit(tRawEnd, end)
			line += strings.Count(end, "\n")
			matched = rest[:p+n]
			stack = stack[:len(stack)-1]
		default: // block_begin, variable_begin
			if len(balance) == 0 {
				n, typ := blockEnd(rest), tBlockEnd
				if state == tVariableBegin {
					n, typ = variableEnd(rest), tVariableEnd
				}
				if n > 0 {
					matched = rest[:n]
					emit(typ, matched)
					line += strings.Count(matched, "\n")
					stack = stack[:len(stack)-1]
					break
				}
			}
			typ, n := tagToken(rest, pos > 0 && src[pos-1] == '.')
			if n == 0 {
				return toks, fmt.Errorf("line %d: unexpected char %q", line, firstRune(rest))
			}
			matched = rest[:n]
			if typ == tOperator {
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
			emit(typ, matched)
			line += strings.Count(matched, "\n")
		}
		lineStarting = strings.HasSuffix(matched, "\n")
		pos += len(matched)
	}
	return toks, nil
}

// nextTag finds the first tag opening in s, as Jinja2's root pattern does:
// its offset, kind, whitespace-control sign and length; at is -1 when
// there is none. A whole "{% raw %}" is one raw_begin.
func nextTag(s string) (at int, kind, sign string, n int) {
	for from := 0; ; {
		q := strings.IndexByte(s[from:], '{')
		if q < 0 || from+q+1 >= len(s) {
			return -1, "", "", 0
		}
		p := from + q
		switch s[p+1] {
		case '%':
			if sg, m := tagAt(s[p:], "raw", false); m > 0 {
				return p, tRawBegin, sg, m
			}
			sg := signAt(s, p+2)
			return p, tBlockBegin, sg, 2 + len(sg)
		case '{':
			sg := signAt(s, p+2)
			return p, tVariableBegin, sg, 2 + len(sg)
		case '#':
			sg := signAt(s, p+2)
			return p, tCommentBegin, sg, 2 + len(sg)
		}
		from = p + 1
	}
}

func signAt(s string, i int) string {
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		return s[i : i+1]
	}
	return ""
}

// tagAt matches "{%" sign \s* word \s* and a block end at the start of s:
// for raw, "-%}" \s* or "%}"; for endraw (end true), "+%}", "-%}" \s* or
// "%}" with trim_blocks' "\n". It returns the sign and the length, 0
// when s does not start with such a tag.
func tagAt(s, word string, end bool) (string, int) {
	if !strings.HasPrefix(s, "{%") {
		return "", 0
	}
	sign := signAt(s, 2)
	i := 2 + len(sign)
	i += spaces(s[i:])
	if !strings.HasPrefix(s[i:], word) {
		return "", 0
	}
	i += len(word)
	i += spaces(s[i:])
	switch {
	case end && strings.HasPrefix(s[i:], "+%}"):
		return sign, i + 3
	case strings.HasPrefix(s[i:], "-%}"):
		return sign, i + 3 + spaces(s[i+3:])
	case strings.HasPrefix(s[i:], "%}"):
		if end && strings.HasPrefix(s[i+2:], "\n") {
			return sign, i + 3
		}
		return sign, i + 2
	}
	return "", 0
}

// blockEnd is the length of a block end at the start of s, or 0.
func blockEnd(s string) int {
	switch {
	case strings.HasPrefix(s, "+%}"):
		return 3
	case strings.HasPrefix(s, "-%}"):
		return 3 + spaces(s[3:])
	case strings.HasPrefix(s, "%}\n"):
		return 3
	case strings.HasPrefix(s, "%}"):
		return 2
	}
	return 0
}

// variableEnd is the length of a variable end at the start of s, or 0.
func variableEnd(s string) int {
	switch {
	case strings.HasPrefix(s, "-}}"):
		return 3 + spaces(s[3:])
	case strings.HasPrefix(s, "}}"):
		return 2
	}
	return 0
}

// spaces is the length of the run of Python whitespace at the start of s.
func spaces(s string) int {
	for i, r := range s {
		if !isPySpace(r) {
			return i
		}
	}
	return len(s)
}

// tagToken matches Jinja2's rules inside a tag, in its order: whitespace,
// float (never right after a dot), integer, name, string, operator. It
// returns the type and length, 0 when nothing matches.
func tagToken(s string, afterDot bool) (string, int) {
	if n := spaces(s); n > 0 {
		return tWhitespace, n
	}
	if !afterDot {
		if n := float(s); n > 0 {
			return tFloat, n
		}
	}
	if n := integer(s); n > 0 {
		return tInteger, n
	}
	if n := name(s); n > 0 {
		return tName, n
	}
	if n := stringLit(s); n > 0 {
		return tString, n
	}
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			return tOperator, len(op)
		}
	}
	return "", 0
}

// operators in Jinja2's order: two-character ones first.
var operators = []string{"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"}

// digit reports a Python \d character at the start of s and its size.
func digit(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if n > 0 && r != utf8.RuneError && unicode.Is(unicode.Nd, r) {
		return n
	}
	return 0
}

// digits matches (\d+_)*\d+.
func digits(s string) int {
	i := 0
	for {
		j := i
		for n := digit(s[j:]); n > 0; n = digit(s[j:]) {
			j += n
		}
		if j == i {
			return i
		}
		i = j
		if i < len(s) && s[i] == '_' && digit(s[i+1:]) > 0 {
			i++
			continue
		}
		return i
	}
}

// float matches (\d+_)*\d+((\.(\d+_)*\d+)?e[+-]?(\d+_)*\d+|\.(\d+_)*\d+),
// ignoring case.
func float(s string) int {
	j := digits(s)
	if j == 0 {
		return 0
	}
	exp := func(i int) int {
		if i >= len(s) || (s[i] != 'e' && s[i] != 'E') {
			return 0
		}
		k := i + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if d := digits(s[k:]); d > 0 {
			return k + d
		}
		return 0
	}
	frac := 0
	if j < len(s) && s[j] == '.' {
		frac = digits(s[j+1:])
	}
	if frac > 0 {
		if e := exp(j + 1 + frac); e > 0 {
			return e
		}
	}
	if e := exp(j); e > 0 {
		return e
	}
	if frac > 0 {
		return j + 1 + frac
	}
	return 0
}

// integer matches 0b(_?[01])+ | 0o(_?[0-7])+ | 0x(_?[\da-f])+ |
// [1-9](_?\d)* | 0(_?0)*, ignoring case.
func integer(s string) int {
	if s == "" {
		return 0
	}
	run := func(i int, ok func(string) int) int {
		// (_?X)+ from i: the end of the run, or i when there is none.
		for {
			j := i
			if j < len(s) && s[j] == '_' {
				j++
			}
			n := ok(s[j:])
			if n == 0 {
				return i
			}
			i = j + n
		}
	}
	class := func(set string) func(string) int {
		return func(t string) int {
			if t == "" {
				return 0
			}
			c := t[0]
			if c >= 'A' && c <= 'Z' {
				c |= 0x20
			}
			if strings.IndexByte(set, c) >= 0 {
				return 1
			}
			return 0
		}
	}
	if s[0] == '0' && len(s) > 1 {
		var set func(string) int
		switch s[1] | 0x20 {
		case 'b':
			set = class("01")
		case 'o':
			set = class("01234567")
		case 'x':
			hex := class("abcdef")
			set = func(t string) int { return max(digit(t), hex(t)) }
		}
		if set != nil {
			if end := run(2, set); end > 2 {
				return end
			}
		}
	}
	switch {
	case s[0] >= '1' && s[0] <= '9':
		return run(1, digit)
	case s[0] == '0':
		return run(1, class("0"))
	}
	return 0
}

// name matches Python's \w and the identifier characters Jinja2 adds, one
// or more; Jinja2 rejects a name that is not an identifier only after
// lexing, so a name may start with a non-ASCII digit here too.
func name(s string) int {
	for i, r := range s {
		if !nameRune(r) {
			return i
		}
	}
	return len(s)
}

func nameRune(r rune) bool {
	switch r {
	case '_', 0xb7, 0x2118, 0x212e, 0x309b, 0x309c:
		return true
	}
	return r != utf8.RuneError && (unicode.In(r, unicode.L, unicode.N, unicode.Mn, unicode.Mc, unicode.Pc))
}

// stringLit matches '([^'\\]*(?:\\.[^'\\]*)*)' or the same with ".
func stringLit(s string) int {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return 0
	}
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return 0
			}
			_, n := utf8.DecodeRuneInString(s[i+1:])
			i += n
		case q:
			return i + 1
		}
	}
	return 0
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
	if rest := text[lpos:]; (lpos > 0 || lineStarting) && rest != "" && spaces(rest) == len(rest) {
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

package pytorch

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/formats"
)

// The TorchScript lexer reads code/ sources the way torch.jit.load's C++
// importer does (torch/csrc/jit/frontend/lexer.h and
// parse_string_literal.h, PyTorch 1.13): spaces, tabs, \v, \f and \r are
// blanks; a comment runs to the next \n; a backslash directly before \n
// joins lines; newlines inside brackets are not statement ends; strings
// are '...' or "..." or their triple-quoted forms, with no prefixes (r"x"
// is the name r followed by a string) and only the escapes torch decodes;
// adjacent strings are one literal. Where torch would reject the source,
// so does this lexer, with an error: a file that cannot be read is never
// judged clean.

// tsKind is a TorchScript token's kind.
type tsKind uint8

const (
	tsName tsKind = iota + 1
	tsNumber
	tsString // text holds the decoded value
	tsOp
	tsNewline
)

// tsToken is one token; off is the byte offset of its first byte.
type tsToken struct {
	kind tsKind
	text string
	off  int
}

// maxTokens bounds the tokens kept for one source file; real code/ files
// have thousands.
const maxTokens = 2_000_000

// maxBrackets bounds bracket nesting, which the resolver follows
// recursively; torch.jit.save output nests a few levels.
const maxBrackets = 100

// errTorchScript marks source text torch.jit.load would not parse.
var errTorchScript = errors.New("not TorchScript torch.jit.load can parse")

// threeOps and twoOps are torch's multi-character operator tokens, longest
// first; oneOps are its single-character ones.
var (
	threeOps = []string{"**=", "<<=", ">>=", "...", "<=>"}
	twoOps   = []string{"->", "==", "!=", "<=", ">=", "//", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "**"}
	oneOps   = "()[]{},:.;=+-*/%<>@|&^~!?"
)

// lexTorchScript splits src into tokens.
func lexTorchScript(src []byte) ([]tsToken, error) {
	var toks []tsToken
	depth := 0
	emit := func(t tsToken) error {
		if len(toks) >= maxTokens {
			return &formats.LimitError{Limit: "torchscript-tokens", Max: maxTokens}
		}
		toks = append(toks, t)
		return nil
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r':
			i++
		case c == '#':
			if hasPrefixAt(src, i, "# type:") {
				// torch parses a type comment's text as a type
				// expression: its tokens are read like any others.
				i += len("# type:")
				continue
			}
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\\':
			if i+1 < len(src) && src[i+1] == '\n' {
				i += 2
				continue
			}
			return nil, tsErrorf(i, "backslash not before a newline")
		case c == '\n':
			if depth == 0 && len(toks) > 0 && toks[len(toks)-1].kind != tsNewline {
				if err := emit(tsToken{kind: tsNewline, off: i}); err != nil {
					return nil, err
				}
			}
			i++
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			n := numberLen(src[i:])
			if err := emit(tsToken{kind: tsNumber, text: string(src[i : i+n]), off: i}); err != nil {
				return nil, err
			}
			i += n
		case c == '"' || c == '\'':
			n, err := stringLen(src, i)
			if err != nil {
				return nil, err
			}
			v, err := decodeString(src[i:i+n], i)
			if err != nil {
				return nil, err
			}
			// Adjacent literals are one string to torch's parser.
			if l := len(toks); l > 0 && toks[l-1].kind == tsString {
				toks[l-1].text += v
			} else if err := emit(tsToken{kind: tsString, text: v, off: i}); err != nil {
				return nil, err
			}
			i += n
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			if err := emit(tsToken{kind: tsName, text: string(src[i:j]), off: i}); err != nil {
				return nil, err
			}
			i = j
		default:
			op := ""
			for _, group := range [][]string{threeOps, twoOps} {
				for _, o := range group {
					if op == "" && hasPrefixAt(src, i, o) {
						op = o
					}
				}
			}
			if op == "" {
				for k := 0; k < len(oneOps); k++ {
					if oneOps[k] == c {
						op = oneOps[k : k+1]
					}
				}
			}
			if op == "" {
				return nil, tsErrorf(i, "unexpected byte %q", c)
			}
			switch op {
			case "(", "[", "{":
				depth++
				if depth > maxBrackets {
					return nil, &formats.LimitError{Limit: "torchscript-bracket-depth", Max: maxBrackets}
				}
			case ")", "]", "}":
				if depth == 0 {
					return nil, tsErrorf(i, "unbalanced %q", op)
				}
				depth--
			}
			if err := emit(tsToken{kind: tsOp, text: op, off: i}); err != nil {
				return nil, err
			}
			i += len(op)
		}
	}
	if depth != 0 {
		return nil, tsErrorf(len(src), "unclosed bracket at end of file")
	}
	return toks, nil
}

func tsErrorf(off int, format string, args ...any) error {
	return fmt.Errorf("%w: byte %d: %s", errTorchScript, off, fmt.Sprintf(format, args...))
}

func hasPrefixAt(src []byte, i int, p string) bool {
	return len(src)-i >= len(p) && string(src[i:i+len(p)]) == p
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isHex(c byte) bool        { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// numberLen is how many bytes of s torch's lexer takes as a number:
// what C strtod accepts (decimal or hexadecimal, with fraction and
// exponent), then an optional j for a complex literal. s starts with a
// digit or with a dot before a digit.
func numberLen(s []byte) int {
	i := 0
	digits := isDigit
	exp := byte('e')
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && (isHex(s[2]) || s[2] == '.' && len(s) > 3 && isHex(s[3])) {
		i, digits, exp = 2, isHex, 'p'
	}
	for i < len(s) && digits(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && digits(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i]|0x20) == exp {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	if i < len(s) && s[i] == 'j' {
		i++
	}
	return i
}

// stringLen is the length of the string literal at src[i], as torch's
// isString measures it: a backslash skips the next byte, and only a
// triple-quoted string may hold a newline.
func stringLen(src []byte, i int) (int, error) {
	q := src[i]
	ql := 1
	if hasPrefixAt(src, i, string([]byte{q, q, q})) {
		ql = 3
	}
	end := i + ql
	closing := string(src[i : i+ql])
	for end < len(src) && !hasPrefixAt(src, end, closing) {
		if src[end] == '\n' && ql != 3 {
			return 0, tsErrorf(i, "newline in a string")
		}
		if src[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(src) {
		return 0, tsErrorf(i, "unterminated string")
	}
	return end + ql - i, nil
}

// decodeString decodes a literal as parseStringLiteral does; \x, \u and
// \U escapes and malformed octal ones are errors there too.
func decodeString(lit []byte, off int) (string, error) {
	ql := 1
	if len(lit) >= 6 && lit[1] == lit[0] && lit[2] == lit[0] {
		ql = 3
	}
	body := lit[ql : len(lit)-ql]
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(body) {
			return "", tsErrorf(off, "escape at the end of a string")
		}
		switch e := body[i+1]; e {
		case '\\', '\'', '"', '\n':
			out = append(out, e)
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'v':
			out = append(out, '\v')
		case 't':
			out = append(out, '\t')
		default:
			// Anything else must be three octal digits (parseOctal).
			if i+3 >= len(body) {
				return "", tsErrorf(off, "malformed escape \\%c", e)
			}
			v := 0
			for k := 1; k <= 3; k++ {
				d := body[i+k]
				if d < '0' || d > '7' {
					return "", tsErrorf(off, "malformed escape \\%c", e)
				}
				v = v*8 + int(d-'0')
			}
			if v >= 256 {
				return "", tsErrorf(off, "octal escape out of range")
			}
			out = append(out, byte(v))
			i += 2
		}
		i++
	}
	return string(out), nil
}

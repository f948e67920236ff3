package numpy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"
)

// The header literal's values: string, pyBytes, int64, bigInt, bool, nil,
// tuple, list, dict. Anything else ast.literal_eval accepts (floats,
// complex numbers, sets, Ellipsis) is refused: numpy accepts none of them
// where it matters, and refusing only costs an inconclusive verdict.
type (
	tuple   []any
	list    []any
	dict    []kv
	kv      struct{ key, val any }
	pyBytes string
	// bigInt is a Python int outside int64; its value never matters, only
	// that numpy cannot use it as a size.
	bigInt struct{}
)

const maxDepth = 32

// maxNamedEscapes bounds the \N{...} escapes resolved per header: each is a
// search of the name table.
const maxNamedEscapes = 64

// parseLiteral reads the header text the way numpy 1.24's
// _read_array_header does: ast.literal_eval of the text with leading
// spaces and tabs stripped and, for format versions before 3.0, a second
// try with the Python 2 long suffix ("3L") dropped (_filter_header). It
// accepts a subset of what Python accepts and reads that subset exactly;
// anything outside it is an error, never a guess.
//
// dupKeys reports a repeated key in the outermost dict: Python keeps the
// last value, other readers of .npy files the first.
func parseLiteral(text string, version2 bool) (v any, dupKeys bool, err error) {
	p := &litParser{s: text, allowL: version2}
	if strings.ContainsAny(text, "\x00\r") {
		return nil, false, errors.New("NUL or CR in the header")
	}
	p.i = len(text) - len(strings.TrimLeft(text, " \t"))
	// The first logical line may be blank or a comment; indentation
	// after it is an IndentationError, so the literal starts the line.
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\n':
			p.i++
			continue
		case '#':
			p.comment()
			continue
		}
		break
	}
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, false, errors.New("header does not start with a dict literal")
	}
	if v, err = p.value(0); err != nil {
		return nil, false, err
	}
	if err := p.trailer(); err != nil {
		return nil, false, err
	}
	return v, p.topDup, nil
}

// trailer accepts what may follow the literal: spaces and a comment, then
// lines of spaces and comments. A last line of spaces alone is an
// IndentationError in Python, and a line continuation at the end a
// SyntaxError.
func (p *litParser) trailer() error {
	for first := true; ; first = false {
		start := p.i
		for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || first && p.s[p.i] == '\f') {
			p.i++
		}
		if p.i < len(p.s) && p.s[p.i] == '#' {
			p.comment()
		} else if p.i == len(p.s) && p.i > start && !first && !p.allowL {
			// Before 3.0 the text first goes through tokenize and
			// untokenize (_filter_header), and tokenize ends at a last
			// line of whitespace without emitting it: numpy reads such
			// padded headers (DirectML's samples) that plain
			// literal_eval refuses.
			return errors.New("indented empty line at the end of the header")
		}
		if p.i == len(p.s) {
			return nil
		}
		if p.s[p.i] != '\n' {
			return fmt.Errorf("unexpected %q after the literal at %d", p.s[p.i], p.i)
		}
		p.i++
	}
}

type litParser struct {
	s      string
	i      int
	allowL bool // the header is read through _filter_header (format < 3.0)
	named  int
	topDup bool // a key repeated in the outermost dict
}

func (p *litParser) comment() {
	for p.i < len(p.s) && p.s[p.i] != '\n' {
		p.i++
	}
}

// space skips what Python's tokenizer skips between tokens: spaces, tabs,
// form feeds, comments, backslash line continuations, and newlines inside
// brackets (depth > 0).
func (p *litParser) space(depth int) {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\f':
			p.i++
		case c == '#':
			p.comment()
		case c == '\\' && p.i+1 < len(p.s) && p.s[p.i+1] == '\n':
			p.i += 2
		case c == '\n' && depth > 0:
			p.i++
		default:
			return
		}
	}
}

func (p *litParser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("literal nested too deeply")
	}
	p.space(depth)
	if p.i >= len(p.s) {
		return nil, errors.New("literal ends early")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.dict(depth)
	case c == '(':
		items, trailingComma, err := p.seq(depth, ')')
		if err != nil {
			return nil, err
		}
		if len(items) == 1 && !trailingComma {
			return items[0], nil // parentheses around one value
		}
		return tuple(items), nil
	case c == '[':
		items, _, err := p.seq(depth, ']')
		return list(items), err
	case c == '-' || c == '+':
		p.i++
		n, err := p.signedOperand(depth)
		if err != nil {
			return nil, err
		}
		if c == '-' {
			return negate(n), nil
		}
		return n, nil
	case c >= '0' && c <= '9':
		return p.number()
	}
	if p.stringStart() {
		return p.strings(depth)
	}
	for _, w := range []struct {
		word string
		val  any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.s[p.i:], w.word) && !identChar(p.s, p.i+len(w.word)) {
			p.i += len(w.word)
			return w.val, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q at %d: not a literal", p.s[p.i], p.i)
}

// signedOperand reads what literal_eval allows after a unary sign: an int
// constant, possibly parenthesised (parentheses make no AST node).
func (p *litParser) signedOperand(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("literal nested too deeply")
	}
	p.space(depth)
	if p.i >= len(p.s) {
		return nil, errors.New("literal ends early")
	}
	switch c := p.s[p.i]; {
	case c >= '0' && c <= '9':
		return p.number()
	case c == '(':
		p.i++
		n, err := p.signedOperand(depth + 1)
		if err != nil {
			return nil, err
		}
		p.space(depth + 1)
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, fmt.Errorf("expected ')' at %d", p.i)
		}
		p.i++
		return n, nil
	}
	return nil, fmt.Errorf("unary sign on a non-number at %d", p.i)
}

func negate(n any) any {
	if v, ok := n.(int64); ok && v != -1<<63 {
		return -v
	}
	if v, ok := n.(int64); ok && v == -1<<63 {
		return bigInt{}
	}
	return n
}

// seq reads items up to close, reporting whether a comma ended the list.
func (p *litParser) seq(depth int, close byte) ([]any, bool, error) {
	p.i++
	var items []any
	comma := false
	for {
		p.space(depth + 1)
		if p.i < len(p.s) && p.s[p.i] == close {
			p.i++
			return items, comma, nil
		}
		if len(items) > 0 && !comma {
			return nil, false, fmt.Errorf("expected ',' or %q at %d", close, p.i)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		items = append(items, v)
		p.space(depth + 1)
		comma = false
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			comma = true
		}
	}
}

func (p *litParser) dict(depth int) (any, error) {
	p.i++
	var d dict
	for {
		p.space(depth + 1)
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch k.(type) {
		case list, dict:
			return nil, errors.New("unhashable dict key")
		}
		p.space(depth + 1)
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("expected ':' at %d", p.i)
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		var dup bool
		d, dup = d.set(k, v)
		p.topDup = p.topDup || dup && depth == 0
		p.space(depth + 1)
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, fmt.Errorf("expected ',' or '}' at %d", p.i)
		}
	}
}

// set gives a repeated key the later value in the earlier place, as a
// Python dict display does. Only str keys are compared: numpy rejects a
// header with any other key, and the analyzer reports one.
func (d dict) set(k, v any) (dict, bool) {
	if ks, ok := k.(string); ok {
		for i := range d {
			if s, ok := d[i].key.(string); ok && s == ks {
				d[i].val = v
				return d, true
			}
		}
	}
	return append(d, kv{k, v}), false
}

func identChar(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// number reads an int literal: decimal, 0x, 0o or 0b, with single
// underscores between digits. Floats and imaginary numbers are refused.
func (p *litParser) number() (any, error) {
	start := p.i
	base, digits := 10, "0123456789"
	if p.s[p.i] == '0' && p.i+1 < len(p.s) {
		switch p.s[p.i+1] {
		case 'x', 'X':
			base, digits = 16, "0123456789abcdefABCDEF"
		case 'o', 'O':
			base, digits = 8, "01234567"
		case 'b', 'B':
			base, digits = 2, "01"
		}
	}
	if base != 10 {
		p.i += 2
	}
	var b strings.Builder
	for {
		if p.i < len(p.s) && p.s[p.i] == '_' && (base != 10 || b.Len() > 0) {
			p.i++ // an underscore must sit between digits (or after 0x)
			if p.i >= len(p.s) || strings.IndexByte(digits, p.s[p.i]) < 0 {
				return nil, fmt.Errorf("bad number at %d", start)
			}
		}
		if p.i >= len(p.s) || strings.IndexByte(digits, p.s[p.i]) < 0 {
			break
		}
		b.WriteByte(p.s[p.i])
		p.i++
	}
	lit := b.String()
	if lit == "" || base == 10 && len(lit) > 1 && lit[0] == '0' && strings.Trim(lit, "0") != "" {
		return nil, fmt.Errorf("bad number at %d", start)
	}
	if p.allowL && p.i < len(p.s) && p.s[p.i] == 'L' && !identChar(p.s, p.i+1) {
		p.i++ // _filter_header drops a NAME token "L" after a NUMBER
	}
	if p.i < len(p.s) && (p.s[p.i] == '.' || identChar(p.s, p.i)) {
		return nil, fmt.Errorf("number at %d is not a plain int", start)
	}
	n, err := strconv.ParseInt(lit, base, 64)
	if err != nil {
		return bigInt{}, nil
	}
	return n, nil
}

// stringStart reports whether a string literal starts at p.i: a quote, or
// a str/bytes prefix (any case of r, u, b, br, rb) and a quote.
func (p *litParser) stringStart() bool {
	_, _, _, ok := p.prefix()
	return ok
}

func (p *litParser) prefix() (n int, raw, bytesLit, ok bool) {
	for n < 3 && p.i+n < len(p.s) {
		c := p.s[p.i+n]
		if c == '\'' || c == '"' {
			pre := strings.ToLower(p.s[p.i : p.i+n])
			switch pre {
			case "", "r", "u", "b", "br", "rb":
				return n, strings.Contains(pre, "r"), strings.Contains(pre, "b"), true
			}
			return 0, false, false, false
		}
		n++
	}
	return 0, false, false, false
}

// strings reads adjacent string literals, which Python concatenates.
func (p *litParser) strings(depth int) (any, error) {
	var out strings.Builder
	kind := -1 // 0 str, 1 bytes
	for p.stringStart() {
		n, raw, bytesLit, _ := p.prefix()
		k := 0
		if bytesLit {
			k = 1
		}
		if kind >= 0 && k != kind {
			return nil, fmt.Errorf("bytes and str literals mixed at %d", p.i)
		}
		kind = k
		p.i += n
		if err := p.oneString(&out, raw, bytesLit); err != nil {
			return nil, err
		}
		p.space(depth)
	}
	if kind == 1 {
		return pyBytes(out.String()), nil
	}
	return out.String(), nil
}

func (p *litParser) oneString(out *strings.Builder, raw, bytesLit bool) error {
	q := p.s[p.i]
	start := p.i
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3)) {
		return fmt.Errorf("triple-quoted string at %d", start)
	}
	p.i++
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return nil
		case c == '\n':
			return fmt.Errorf("newline in string at %d", p.i)
		case bytesLit && c >= 0x80:
			return fmt.Errorf("non-ASCII character in bytes at %d", p.i)
		case c == '\\' && raw:
			if p.i+1 >= len(p.s) {
				return fmt.Errorf("unterminated string at %d", start)
			}
			out.WriteString(p.s[p.i : p.i+2]) // kept, but escapes the quote
			p.i += 2
		case c == '\\':
			if err := p.escape(out, bytesLit); err != nil {
				return fmt.Errorf("string at %d: %w", start, err)
			}
		default:
			out.WriteByte(c)
			p.i++
		}
	}
	return fmt.Errorf("unterminated string at %d", start)
}

// escape reads one backslash escape of a non-raw literal.
func (p *litParser) escape(out *strings.Builder, bytesLit bool) error {
	p.i++ // the backslash
	if p.i >= len(p.s) {
		return errors.New("backslash at the end")
	}
	c := p.s[p.i]
	p.i++
	if simple := strings.IndexByte("\n\\'\"abfnrtv", c); simple >= 0 {
		if c != '\n' { // backslash-newline joins lines
			out.WriteByte("\n\\'\"\a\b\f\n\r\t\v"[simple])
		}
		return nil
	}
	put := func(r rune) error {
		if bytesLit {
			out.WriteByte(byte(r))
			return nil
		}
		if r >= 0xD800 && r <= 0xDFFF || r > utf8.MaxRune {
			return fmt.Errorf("code point %#x", r)
		}
		out.WriteRune(r)
		return nil
	}
	hex := func(n int) (rune, error) {
		if p.i+n > len(p.s) {
			return 0, errors.New("short hex escape")
		}
		v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
		if err != nil || strings.ContainsAny(p.s[p.i:p.i+n], "+-_") {
			return 0, errors.New("bad hex escape")
		}
		p.i += n
		return rune(v), nil
	}
	switch {
	case c >= '0' && c <= '7':
		v := rune(c - '0')
		for k := 0; k < 2 && p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '7'; k++ {
			v = v*8 + rune(p.s[p.i]-'0')
			p.i++
		}
		if bytesLit {
			v &= 0xff // CPython 3.11 keeps the low byte
		}
		return put(v)
	case c == 'x':
		r, err := hex(2)
		if err != nil {
			return err
		}
		return put(r)
	case !bytesLit && c == 'u':
		r, err := hex(4)
		if err != nil {
			return err
		}
		return put(r)
	case !bytesLit && c == 'U':
		r, err := hex(8)
		if err != nil {
			return err
		}
		return put(r)
	case !bytesLit && c == 'N':
		end := strings.IndexByte(p.s[p.i:], '}')
		if p.i >= len(p.s) || p.s[p.i] != '{' || end < 0 {
			return errors.New(`malformed \N escape`)
		}
		name := p.s[p.i+1 : p.i+end]
		p.i += end + 1
		p.named++
		if p.named > maxNamedEscapes {
			return errors.New(`too many \N escapes`)
		}
		r, ok := lookupName(name)
		if !ok {
			return fmt.Errorf(`\N{%s}: name not resolved`, name)
		}
		return put(r)
	}
	// An unknown escape keeps its backslash (a DeprecationWarning only).
	out.WriteByte('\\')
	p.i--
	return nil
}

// namedRange is the block of code points whose names \N{...} resolves:
// names there are the same in Python's Unicode database and x/text's.
// Names beyond it are refused, which makes the header unreadable, not
// misread.
const namedRange = 0x0800

// lookupName finds the code point Python's \N{name} denotes, comparing
// names without regard to case as CPython does.
func lookupName(name string) (rune, bool) {
	if name == "" || len(name) > 128 {
		return 0, false
	}
	name = strings.ToUpper(name)
	for r := rune(0x20); r < namedRange; r++ {
		if n := runenames.Name(r); n == name && !strings.HasPrefix(n, "<") {
			return r, true
		}
	}
	return 0, false
}

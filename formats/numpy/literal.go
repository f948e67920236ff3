package numpy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The header literal's values: string, int64, bool, nil, tuple, list, dict.
type (
	tuple []any
	list  []any
	dict  []kv
	kv    struct{ key, val any }
)

const maxDepth = 32

// parseLiteral reads a Python literal of the kinds np.save writes, the way
// ast.literal_eval would, and nothing more: no names, calls or operators.
func parseLiteral(text []byte, utf8Text bool) (any, error) {
	s := string(text)
	if !utf8Text {
		// latin-1: every byte is the code point of the same value.
		r := make([]rune, len(text))
		for i, b := range text {
			r[i] = rune(b)
		}
		s = string(r)
	}
	p := &litParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the literal at %d", p.s[p.i], p.i)
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *litParser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("literal nested too deeply")
	}
	p.space()
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
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.int()
	default:
		for _, w := range []struct {
			word string
			val  any
		}{{"True", true}, {"False", false}, {"None", nil}} {
			if strings.HasPrefix(p.s[p.i:], w.word) {
				p.i += len(w.word)
				return w.val, nil
			}
		}
		return nil, fmt.Errorf("unexpected %q at %d: not a literal", c, p.i)
	}
}

// seq reads items up to close, reporting whether a comma ended the list.
func (p *litParser) seq(depth int, close byte) ([]any, bool, error) {
	p.i++
	var items []any
	comma := false
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == close {
			p.i++
			return items, comma, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		items = append(items, v)
		p.space()
		comma = false
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			comma = true
			continue
		}
		if p.i >= len(p.s) || p.s[p.i] != close {
			return nil, false, fmt.Errorf("expected ',' or %q at %d", close, p.i)
		}
	}
}

func (p *litParser) dict(depth int) (any, error) {
	p.i++
	var d dict
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("expected ':' at %d", p.i)
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d = append(d, kv{k, v})
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, fmt.Errorf("expected ',' or '}' at %d", p.i)
		}
	}
}

func (p *litParser) str() (any, error) {
	q := p.s[p.i]
	start := p.i
	p.i++
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i += 2
			continue
		case '\n':
			return nil, fmt.Errorf("newline in string at %d", p.i)
		case q:
			p.i++
			// Go's unquoting understands the escapes numpy's repr emits.
			body := strings.ReplaceAll(p.s[start+1:p.i-1], `\'`, `'`)
			if q == '\'' {
				body = strings.ReplaceAll(body, `"`, `\"`)
			}
			u, err := strconv.Unquote(`"` + body + `"`)
			if err != nil {
				return nil, fmt.Errorf("string at %d: %w", start, err)
			}
			return u, nil
		}
		p.i++
	}
	return nil, fmt.Errorf("unterminated string at %d", start)
}

func (p *litParser) int() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '_') {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long
		p.i++
		return parseInt(p.s[start : p.i-1])
	}
	return parseInt(p.s[start:p.i])
}

func parseInt(s string) (any, error) {
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("integer %q: %w", s, err)
	}
	return n, nil
}

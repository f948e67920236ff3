package prototext

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Bounds on what is parsed.
const (
	maxBytes = 64 << 20
	maxDepth = 100
	maxNodes = 1 << 21
)

// node is one field of a text-format message: a scalar (text holds the
// value; str says it was a quoted string, already unescaped) or a message
// (msg, with its fields in kids).
type node struct {
	name string
	text string
	str  bool
	msg  bool
	kids []*node
}

// get returns the fields of m named name.
func (m *node) get(name string) []*node {
	var out []*node
	for _, k := range m.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// first returns the scalar value of the first field named name.
func (m *node) first(name string) (string, bool) {
	for _, k := range m.kids {
		if k.name == name && !k.msg {
			return k.text, true
		}
	}
	return "", false
}

var errSyntax = errors.New("protobuf text syntax")

type parser struct {
	b     []byte
	i     int
	nodes int
}

// parse reads a whole text-format message, as TextFormat.Parse does,
// without a schema.
func parse(b []byte) (*node, error) {
	p := &parser{b: b}
	root := &node{msg: true}
	if err := p.fields(root, 0, 0); err != nil {
		return nil, err
	}
	return root, nil
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("%w at byte %d: %s", errSyntax, p.i, what)
}

func (p *parser) skip() {
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			p.i++
		case c == '#':
			for p.i < len(p.b) && p.b[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

// fields reads fields until end (0 for the end of input).
func (p *parser) fields(m *node, end byte, depth int) error {
	if depth > maxDepth {
		return p.fail("nested too deep")
	}
	for {
		p.skip()
		if p.i >= len(p.b) {
			if end != 0 {
				return p.fail("unterminated message")
			}
			return nil
		}
		if end != 0 && p.b[p.i] == end {
			p.i++
			return nil
		}
		name, err := p.name()
		if err != nil {
			return err
		}
		p.skip()
		colon := p.i < len(p.b) && p.b[p.i] == ':'
		if colon {
			p.i++
			p.skip()
		}
		if p.i < len(p.b) && p.b[p.i] == '[' {
			p.i++
			for {
				p.skip()
				if p.i < len(p.b) && p.b[p.i] == ']' {
					p.i++
					break
				}
				if err := p.value(m, name, colon, depth); err != nil {
					return err
				}
				p.skip()
				if p.i < len(p.b) && p.b[p.i] == ',' {
					p.i++
				}
			}
		} else if err := p.value(m, name, colon, depth); err != nil {
			return err
		}
		p.skip()
		if p.i < len(p.b) && (p.b[p.i] == ',' || p.b[p.i] == ';') {
			p.i++
		}
	}
}

func (p *parser) add(m *node, n *node) error {
	if p.nodes++; p.nodes > maxNodes {
		return p.fail("too many fields")
	}
	m.kids = append(m.kids, n)
	return nil
}

// value reads one scalar or message value of field name.
func (p *parser) value(m *node, name string, colon bool, depth int) error {
	if p.i >= len(p.b) {
		return p.fail("missing value")
	}
	switch c := p.b[p.i]; {
	case c == '{' || c == '<':
		p.i++
		end := byte('}')
		if c == '<' {
			end = '>'
		}
		n := &node{name: name, msg: true}
		if err := p.add(m, n); err != nil {
			return err
		}
		return p.fields(n, end, depth+1)
	case !colon:
		return p.fail("scalar field without ':'")
	case c == '"' || c == '\'':
		var sb strings.Builder
		for p.i < len(p.b) && (p.b[p.i] == '"' || p.b[p.i] == '\'') {
			s, err := p.quoted()
			if err != nil {
				return err
			}
			sb.WriteString(s)
			p.skip()
		}
		return p.add(m, &node{name: name, text: sb.String(), str: true})
	default:
		start := p.i
		for p.i < len(p.b) && scalarByte(p.b[p.i]) {
			p.i++
		}
		if p.i == start {
			return p.fail("bad value")
		}
		return p.add(m, &node{name: name, text: string(p.b[start:p.i])})
	}
}

func scalarByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == '+' || c == '.'
}

// name reads a field name, or an extension or Any type URL in brackets.
func (p *parser) name() (string, error) {
	start := p.i
	if p.b[p.i] == '[' {
		for p.i < len(p.b) && p.b[p.i] != ']' {
			p.i++
		}
		if p.i >= len(p.b) {
			return "", p.fail("unterminated extension name")
		}
		p.i++
		return string(p.b[start:p.i]), nil
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || p.i > start && (c >= '0' && c <= '9' || c == '.')) {
			break
		}
		p.i++
	}
	if p.i == start {
		return "", p.fail("expected a field name")
	}
	return string(p.b[start:p.i]), nil
}

// quoted reads one quoted string with C escapes, as protobuf's tokenizer
// unescapes them.
func (p *parser) quoted() (string, error) {
	q := p.b[p.i]
	p.i++
	var out []byte
	for {
		if p.i >= len(p.b) || p.b[p.i] == '\n' {
			return "", p.fail("unterminated string")
		}
		c := p.b[p.i]
		p.i++
		if c == q {
			return string(out), nil
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if p.i >= len(p.b) {
			return "", p.fail("unterminated escape")
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'v':
			out = append(out, 11)
		case 'x', 'X':
			j := p.i
			for j < len(p.b) && j < p.i+2 && isHex(p.b[j]) {
				j++
			}
			if j == p.i {
				return "", p.fail("bad \\x escape")
			}
			v, _ := strconv.ParseUint(string(p.b[p.i:j]), 16, 8)
			out = append(out, byte(v))
			p.i = j
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := p.i - 1
			k := j
			for k < len(p.b) && k < j+3 && p.b[k] >= '0' && p.b[k] <= '7' {
				k++
			}
			v, _ := strconv.ParseUint(string(p.b[j:k]), 8, 16)
			out = append(out, byte(v))
			p.i = k
		default:
			out = append(out, e)
		}
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

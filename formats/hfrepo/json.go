package hfrepo

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
)

// The config reader is a single-pass JSON parser written for this package
// rather than encoding/json because the checks need what encoding/json
// hides: duplicate keys (Python's json keeps the last, silently), the
// byte offset of each key, and Python's NaN/Infinity extensions, which
// real configs contain and which Python loads. It materializes only the
// top-level values a check asks for and the string values of
// instantiation keys anywhere in the document, so a large tokenizer
// configuration costs a validation pass, not a tree.

const (
	// maxJSONDepth is below CPython's default recursion limit: deeper
	// documents fail to load in Python too.
	maxJSONDepth = 512
	// maxCaptureNodes bounds the values materialized from one document.
	maxCaptureNodes = 2_000_000
	// maxCapturedKeys bounds the instantiation keys kept from one document.
	maxCapturedKeys = 10_000
)

// jkind is the type of a JSON value.
type jkind byte

const (
	jObject jkind = iota + 1
	jArray
	jString
	jNumber
	jBool
	jNull
)

// jvalue is a materialized JSON value. Off is the byte offset of its first
// byte in the document.
type jvalue struct {
	kind jkind
	off  int64
	str  string // string value, number text, "true"/"false"
	obj  []jmember
	arr  []*jvalue
}

type jmember struct {
	key string
	off int64 // offset of the key
	val *jvalue
}

// get returns the last member named key, which is the one Python's json
// keeps, or nil.
func (v *jvalue) get(key string) *jvalue {
	if v == nil || v.kind != jObject {
		return nil
	}
	for i := len(v.obj) - 1; i >= 0; i-- {
		if v.obj[i].key == key {
			return v.obj[i].val
		}
	}
	return nil
}

// strings returns the string elements of an array, or the value itself
// when it is a string.
func (v *jvalue) strs() []*jvalue {
	switch {
	case v == nil:
		return nil
	case v.kind == jString:
		return []*jvalue{v}
	case v.kind == jArray:
		var out []*jvalue
		for _, e := range v.arr {
			if e.kind == jString {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}

// keyHit is an instantiation key (Hydra _target_, jsonargparse
// class_path) met anywhere in a document, with its value.
type keyHit struct {
	key   string
	off   int64
	value *jvalue
}

// dupKey is a key that appears twice in one object.
type dupKey struct {
	key   string
	off   int64
	depth int
}

// jdoc is what parseJSON keeps of a document.
type jdoc struct {
	top  map[string]*jvalue // captured top-level members (last wins)
	hits []keyHit
	dups []dupKey
}

// errJSON marks bytes that are not JSON as Python's json module reads it.
var errJSON = errors.New("invalid JSON")

type jparser struct {
	data    []byte
	pos     int
	want    map[string]bool // top-level keys to materialize
	hitKeys map[string]bool // keys whose values are kept at any depth
	nodes   int
	doc     jdoc
}

// parseJSON reads data, which must be one JSON object, materializing the
// top-level members named in want and recording every member named in
// hitKeys. The error wraps errJSON for malformed input and is a
// *formats.LimitError for input over the parser's caps.
func parseJSON(data []byte, want, hitKeys map[string]bool) (*jdoc, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not valid UTF-8", errJSON)
	}
	p := &jparser{data: data, want: want, hitKeys: hitKeys, doc: jdoc{top: map[string]*jvalue{}}}
	// A leading byte-order mark is not skipped: Python's json.loads
	// rejects it too, so such a config never loads.
	p.space()
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return nil, p.errorf("expected a JSON object")
	}
	if _, err := p.value(0, false); err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.errorf("trailing data after the JSON value")
	}
	return &p.doc, nil
}

func (p *jparser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errJSON, p.pos, fmt.Sprintf(format, args...))
}

func (p *jparser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) node(capture bool, v *jvalue) (*jvalue, error) {
	if !capture {
		return nil, nil
	}
	p.nodes++
	if p.nodes > maxCaptureNodes {
		return nil, &formats.LimitError{Limit: "hfrepo-json-nodes", Max: maxCaptureNodes}
	}
	return v, nil
}

// value parses one value at p.pos. With capture it returns the value,
// otherwise nil.
func (p *jparser) value(depth int, capture bool) (*jvalue, error) {
	p.space()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	off := int64(p.pos)
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth+1, capture)
	case c == '[':
		return p.array(depth+1, capture)
	case c == '"':
		s, err := p.str(capture)
		if err != nil || !capture {
			return nil, err
		}
		return p.node(capture, &jvalue{kind: jString, off: off, str: s})
	case c == 't' || c == 'f' || c == 'n' || c == 'N' || c == 'I':
		for _, lit := range [...]string{"true", "false", "null", "NaN", "Infinity"} {
			if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
				p.pos += len(lit)
				k := jBool
				switch lit {
				case "null":
					k = jNull
				case "NaN", "Infinity":
					k = jNumber
				}
				return p.node(capture, &jvalue{kind: k, off: off, str: lit})
			}
		}
		return nil, p.errorf("invalid literal")
	case c == '-' || c >= '0' && c <= '9':
		s, err := p.number()
		if err != nil {
			return nil, err
		}
		return p.node(capture, &jvalue{kind: jNumber, off: off, str: s})
	}
	return nil, p.errorf("unexpected character %q", p.data[p.pos])
}

func (p *jparser) object(depth int, capture bool) (*jvalue, error) {
	if depth > maxJSONDepth {
		return nil, &formats.LimitError{Limit: "hfrepo-json-depth", Max: maxJSONDepth}
	}
	v, err := p.node(capture, &jvalue{kind: jObject, off: int64(p.pos)})
	if err != nil {
		return nil, err
	}
	p.pos++ // '{'
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	// Small objects are the rule; a slice scan beats a map for them.
	var seen []string
	var seenMap map[string]bool
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected a string key")
		}
		koff := int64(p.pos)
		key, err := p.str(true)
		if err != nil {
			return nil, err
		}
		dup := false
		if seenMap != nil {
			dup = seenMap[key]
			seenMap[key] = true
		} else {
			for _, k := range seen {
				if k == key {
					dup = true
					break
				}
			}
			seen = append(seen, key)
			if len(seen) > 16 {
				seenMap = make(map[string]bool, 32)
				for _, k := range seen {
					seenMap[k] = true
				}
			}
		}
		if dup && len(p.doc.dups) < maxCapturedKeys {
			p.doc.dups = append(p.doc.dups, dupKey{key: key, off: koff, depth: depth})
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':'")
		}
		p.pos++
		top := depth == 1 && p.want[key]
		hit := p.hitKeys[key]
		mv, err := p.value(depth, capture || top || hit)
		if err != nil {
			return nil, err
		}
		if top {
			p.doc.top[key] = mv
		}
		if hit {
			if len(p.doc.hits) >= maxCapturedKeys {
				return nil, &formats.LimitError{Limit: "hfrepo-json-instantiation-keys", Max: maxCapturedKeys}
			}
			p.doc.hits = append(p.doc.hits, keyHit{key: key, off: koff, value: mv})
		}
		if v != nil {
			v.obj = append(v.obj, jmember{key: key, off: koff, val: mv})
		}
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unterminated object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("expected ',' or '}'")
		}
	}
}

func (p *jparser) array(depth int, capture bool) (*jvalue, error) {
	if depth > maxJSONDepth {
		return nil, &formats.LimitError{Limit: "hfrepo-json-depth", Max: maxJSONDepth}
	}
	v, err := p.node(capture, &jvalue{kind: jArray, off: int64(p.pos)})
	if err != nil {
		return nil, err
	}
	p.pos++ // '['
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		e, err := p.value(depth, capture)
		if err != nil {
			return nil, err
		}
		if v != nil {
			v.arr = append(v.arr, e)
		}
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unterminated array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("expected ',' or ']'")
		}
	}
}

// number accepts JSON numbers and Python's -Infinity.
func (p *jparser) number() (string, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
		if len(p.data)-p.pos >= 8 && string(p.data[p.pos:p.pos+8]) == "Infinity" {
			p.pos += 8
			return "-Infinity", nil
		}
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return "", p.errorf("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return "", p.errorf("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return "", p.errorf("invalid number")
		}
	}
	return string(p.data[start:p.pos]), nil
}

// str decodes a string at p.pos (which holds '"'), or with keep false
// only validates it when it has no escapes. Like Python's json in strict
// mode it rejects raw control characters; a lone surrogate escape, which
// Python keeps, becomes U+FFFD.
func (p *jparser) str(keep bool) (string, error) {
	p.pos++
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			p.pos++
			if !keep {
				return "", nil
			}
			return string(p.data[start : p.pos-1]), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("control character in string")
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			break
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) && len(p.data)-p.pos >= 6 && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				r2, ok := p.hex4()
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r = d
				} else {
					p.pos = save
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

// maxTreeJSONBytes caps the documents parsed whole by parseJSONTree: the
// small listing files (modules.json, model_index.json) that loaders read
// entirely.
const maxTreeJSONBytes = 1 << 20

// parseJSONTree reads data, which may be any JSON value, materializing all
// of it. Like parseJSON it records duplicate keys and wraps errJSON.
func parseJSONTree(data []byte) (*jvalue, *jdoc, error) {
	if len(data) > maxTreeJSONBytes {
		return nil, nil, &formats.LimitError{Limit: "hfrepo-listing-bytes", Max: maxTreeJSONBytes}
	}
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("%w: not valid UTF-8", errJSON)
	}
	p := &jparser{data: data, doc: jdoc{top: map[string]*jvalue{}}}
	v, err := p.value(0, true)
	if err != nil {
		return nil, nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, nil, p.errorf("trailing data after the JSON value")
	}
	return v, &p.doc, nil
}

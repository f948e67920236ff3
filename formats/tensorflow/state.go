package tensorflow

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.TFCheckpointState, formats.AnalyzerFunc(AnalyzeState))
	formats.RegisterProbe(formats.TFCheckpointState, func(h formats.Head) bool { return isCheckpointState(h.Prefix) })
}

// MaxState bounds a 'checkpoint' state file: a few lines per checkpoint
// kept.
const MaxState = 16 << 20

// CheckpointState is the text proto tf.train.CheckpointManager and Saver
// keep in a file named 'checkpoint' (checkpoint_state.proto).
type CheckpointState struct {
	ModelCheckpointPath     string
	AllModelCheckpointPaths []string
}

// AnalyzeState parses a 'checkpoint' state file; its paths are judged by
// the "tensorflow-checkpoint" layout, which sees the directory.
func AnalyzeState(ctx context.Context, in *formats.Input, s formats.Scope) error {
	data, err := readAll(in, MaxState)
	if err != nil {
		return fmt.Errorf("checkpoint state %s: %w", in.Name, err)
	}
	if _, err := ParseCheckpointState(data); err != nil {
		return fmt.Errorf("checkpoint state %s: %w", in.Name, err)
	}
	return nil
}

var stateFields = map[string]bool{
	"model_checkpoint_path": true, "all_model_checkpoint_paths": true,
	"all_model_checkpoint_timestamps": true, "last_preserved_timestamp": true,
}

// isCheckpointState accepts text that opens with a CheckpointState field
// and its colon, after optional comments.
func isCheckpointState(p []byte) bool {
	lx := &textLexer{src: p}
	tok, kind := lx.next()
	if kind != tokIdent || !stateFields[tok] {
		return false
	}
	_, kind = lx.next()
	return kind == tokColon
}

// ParseCheckpointState reads the protobuf text format of a CheckpointState
// as text_format.Merge does, for the four fields the message has.
func ParseCheckpointState(data []byte) (*CheckpointState, error) {
	st := &CheckpointState{}
	lx := &textLexer{src: data}
	for {
		name, kind := lx.next()
		switch kind {
		case tokEOF:
			return st, nil
		case tokIdent:
		default:
			return nil, fmt.Errorf("line %d: expected a field name, found %q", lx.line, clip(name))
		}
		if !stateFields[name] {
			return nil, fmt.Errorf("line %d: CheckpointState has no field %q", lx.line, clip(name))
		}
		if _, kind := lx.next(); kind != tokColon {
			return nil, fmt.Errorf("line %d: expected ':' after %s", lx.line, name)
		}
		type value struct {
			tok  string
			kind tokKind
		}
		var vals []value
		tok, kind := lx.next()
		if kind == tokOpen {
			for {
				tok, kind = lx.next()
				if kind == tokClose && len(vals) == 0 {
					break
				}
				vals = append(vals, value{tok, kind})
				if _, kind = lx.next(); kind == tokClose {
					break
				} else if kind != tokComma {
					return nil, fmt.Errorf("line %d: expected ',' or ']' in the list of %s", lx.line, name)
				}
			}
		} else {
			vals = append(vals, value{tok, kind})
		}
		isPath := strings.HasSuffix(name, "path") || strings.HasSuffix(name, "paths")
		for _, v := range vals {
			switch {
			case isPath && v.kind != tokString, !isPath && v.kind != tokNumber:
				return nil, fmt.Errorf("line %d: bad value for %s", lx.line, name)
			case !isPath:
				if _, err := strconv.ParseFloat(strings.TrimRight(v.tok, "fF"), 64); err != nil && !isSpecialFloat(v.tok) {
					return nil, fmt.Errorf("line %d: bad number %q for %s", lx.line, clip(v.tok), name)
				}
			case name == "model_checkpoint_path":
				st.ModelCheckpointPath = v.tok
			case len(st.AllModelCheckpointPaths) < 100_000:
				st.AllModelCheckpointPaths = append(st.AllModelCheckpointPaths, v.tok)
			}
		}
		if _, kind := lx.peek(); kind == tokComma || kind == tokSemi {
			lx.next()
		}
	}
}

func isSpecialFloat(v string) bool {
	switch strings.ToLower(strings.TrimPrefix(v, "-")) {
	case "inf", "infinity", "nan", "inff", "infinityf", "nanf":
		return true
	}
	return false
}

type tokKind int

const (
	tokBad tokKind = iota
	tokEOF
	tokIdent
	tokString
	tokNumber
	tokColon
	tokComma
	tokSemi
	tokOpen
	tokClose
)

// textLexer splits protobuf text format into tokens; adjacent string
// literals are one string, as in C.
type textLexer struct {
	src  []byte
	off  int
	line int
}

func (lx *textLexer) peek() (string, tokKind) {
	save, line := lx.off, lx.line
	tok, kind := lx.next()
	lx.off, lx.line = save, line
	return tok, kind
}

func (lx *textLexer) skip() {
	for lx.off < len(lx.src) {
		switch c := lx.src[lx.off]; {
		case c == '\n':
			lx.line++
			lx.off++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.off++
		case c == '#':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.off++
			}
		default:
			return
		}
	}
}

func (lx *textLexer) next() (string, tokKind) {
	lx.skip()
	if lx.off >= len(lx.src) {
		return "", tokEOF
	}
	c := lx.src[lx.off]
	switch {
	case c == ':', c == ',', c == ';', c == '[', c == ']':
		lx.off++
		return string(c), map[byte]tokKind{':': tokColon, ',': tokComma, ';': tokSemi, '[': tokOpen, ']': tokClose}[c]
	case c == '"' || c == '\'':
		var sb strings.Builder
		for lx.off < len(lx.src) && (lx.src[lx.off] == '"' || lx.src[lx.off] == '\'') {
			s, ok := lx.quoted()
			if !ok {
				return "", tokBad
			}
			sb.WriteString(s)
			lx.skip()
		}
		return sb.String(), tokString
	case c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z':
		start := lx.off
		for lx.off < len(lx.src) && isIdentByte(lx.src[lx.off]) {
			lx.off++
		}
		tok := string(lx.src[start:lx.off])
		if isSpecialFloat(tok) {
			return tok, tokNumber
		}
		return tok, tokIdent
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		start := lx.off
		lx.off++
		for lx.off < len(lx.src) && (isIdentByte(lx.src[lx.off]) || lx.src[lx.off] == '.' ||
			(lx.src[lx.off] == '-' || lx.src[lx.off] == '+') && lx.src[lx.off-1]|0x20 == 'e') {
			lx.off++
		}
		return string(lx.src[start:lx.off]), tokNumber
	}
	return string(c), tokBad
}

func isIdentByte(c byte) bool {
	return c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9'
}

// quoted reads one string literal with the C escapes text format allows.
func (lx *textLexer) quoted() (string, bool) {
	q := lx.src[lx.off]
	lx.off++
	var out []byte
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		lx.off++
		switch {
		case c == q:
			return string(out), true
		case c == '\n':
			return "", false
		case c != '\\':
			out = append(out, c)
			continue
		}
		if lx.off >= len(lx.src) {
			return "", false
		}
		e := lx.src[lx.off]
		lx.off++
		switch e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'v':
			out = append(out, '\v')
		case '\\', '\'', '"', '?':
			out = append(out, e)
		case 'x', 'X':
			v, n := digits(lx.src[lx.off:], 16, 2)
			if n == 0 {
				return "", false
			}
			out, lx.off = append(out, byte(v)), lx.off+n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := digits(lx.src[lx.off-1:], 8, 3)
			if v > 0xff {
				return "", false
			}
			out, lx.off = append(out, byte(v)), lx.off-1+n
		case 'u', 'U':
			w := 4
			if e == 'U' {
				w = 8
			}
			v, n := digits(lx.src[lx.off:], 16, w)
			if n != w || v > 0x10ffff {
				return "", false
			}
			out, lx.off = append(out, string(rune(v))...), lx.off+n
		default:
			return "", false
		}
	}
	return "", false
}

func digits(b []byte, base, most int) (int, int) {
	v, n := 0, 0
	for n < most && n < len(b) {
		d := strings.IndexByte("0123456789abcdef"[:base], b[n]|0x20)
		if d < 0 || b[n] < '0' || b[n] > 'f' {
			break
		}
		v, n = v*base+d, n+1
	}
	return v, n
}

package safetensors

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
)

// Reference limits and the stricter ones this analyzer adds.
const (
	// MaxHeader is the reference loader's MAX_HEADER_SIZE.
	MaxHeader = 100_000_000
	// MaxTensors caps the entries read from one header.
	MaxTensors = 1_000_000
	// maxDepth bounds JSON nesting while skipping values the format does
	// not define; the format itself never nests deeper than 3.
	maxDepth = 64
	// maxName is the longest tensor name not reported.
	maxName = 1024
	// maxRank is the highest rank not reported as an anomaly.
	maxRank = 8
	// maxDim is the largest dimension the format's schema allows (48 bits).
	maxDim = 1<<48 - 1
	// reportCap bounds the findings of one rule per file.
	reportCap = 10
)

// dtypeBits is the reference loader's dtype list with each type's size in bits.
var dtypeBits = map[string]uint64{
	"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
	"C64": 64, "F64": 64, "I64": 64, "U64": 64,
}

// Tensor is one tensor entry of a header.
type Tensor struct {
	Name  string
	Dtype string
	Shape []uint64
	// Begin and End are data_offsets, relative to the data region.
	Begin, End uint64
	// At is the file offset of the entry's name in the header.
	At int64
}

// Header is a parsed safetensors header as the reference loader sees it:
// for a duplicated name, the last entry wins.
type Header struct {
	// Len is the header length N from the first 8 bytes.
	Len      uint64
	Tensors  []Tensor
	Metadata map[string]string
	// Rejected is set when the reference loader would refuse the header
	// (a wrong type or value inside an otherwise readable JSON object).
	Rejected bool
}

// DataStart is the file offset of the data region.
func (h *Header) DataStart() uint64 { return 8 + h.Len }

// ErrHeader marks a header that could not be read as JSON at all.
var ErrHeader = errors.New("safetensors header unreadable")

var codeRE = regexp.MustCompile(`(?i)__import__|\beval\s*\(|\bexec\s*\(|\bos\.(system|popen)|\bsubprocess\b|/bin/(ba)?sh\b|\bcurl\s+-|\bwget\s+http|\bpowershell\b|<script\b|\bimport\s+os\b`)

// utf8Reader passes bytes through and records whether they are valid
// UTF-8, carrying an incomplete sequence across reads.
type utf8Reader struct {
	r     io.Reader
	carry []byte
	read  int64
	bad   int64 // offset of the first invalid byte's chunk, or -1
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if n > 0 && u.bad < 0 {
		buf := append(u.carry, p[:n]...)
		cut := len(buf)
		// Hold back a trailing sequence that may complete in the next read.
		for i := len(buf) - 1; i >= 0 && i >= len(buf)-3; i-- {
			if utf8.RuneStart(buf[i]) {
				if !utf8.FullRune(buf[i:]) {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(buf[:cut]) {
			u.bad = u.read
		}
		u.carry = append(u.carry[:0], buf[cut:]...)
	}
	u.read += int64(n)
	if err == io.EOF && len(u.carry) > 0 && u.bad < 0 {
		u.bad = u.read
	}
	return n, err
}

type headerParser struct {
	ctx    context.Context
	dec    *json.Decoder
	report func(formats.Finding)
	counts map[string]int
	h      *Header
}

func (p *headerParser) add(f formats.Finding) {
	p.counts[f.Rule]++
	if p.counts[f.Rule] <= reportCap {
		p.report(f)
	}
}

// at is the file offset of the decoder's position.
func (p *headerParser) at() int64 { return 8 + p.dec.InputOffset() }

// ParseHeader reads a safetensors header of n bytes from r (positioned
// just after the 8-byte length) and reports what is wrong with it. It
// returns an error wrapping ErrHeader when the bytes are not a JSON
// object, and a LimitError when the header has too many entries.
func ParseHeader(ctx context.Context, r io.Reader, n uint64, report func(formats.Finding)) (*Header, error) {
	ur := &utf8Reader{r: io.LimitReader(r, int64(n)), bad: -1}
	br := bufio.NewReaderSize(ur, 64<<10)
	p := &headerParser{ctx: ctx, dec: json.NewDecoder(br), report: report, counts: map[string]int{}, h: &Header{Len: n}}
	p.dec.UseNumber()

	lead, err := leadingSpace(br)
	if err != nil {
		return p.h, fmt.Errorf("read header: %w", &formats.ReadError{Err: err})
	}
	if lead > 0 {
		p.add(formats.NewFinding(RuleNonCanonical, 8, "header starts with %d bytes of whitespace before '{'", lead))
	}
	perr := p.object()
	if ur.bad >= 0 {
		p.h.Rejected = true
		p.add(formats.NewFinding(RuleHeaderInvalid, 8+ur.bad, "header is not valid UTF-8 (the reference loader rejects it; Go and Python readers substitute U+FFFD)"))
	}
	if perr != nil {
		var le *formats.LimitError
		if errors.As(perr, &le) || errors.Is(perr, context.Canceled) || errors.Is(perr, context.DeadlineExceeded) {
			return p.h, perr
		}
		p.h.Rejected = true
		p.add(formats.NewFinding(RuleHeaderInvalid, p.at(), "header is not a valid JSON object: %v", perr))
		return p.h, fmt.Errorf("%w: %w", ErrHeader, perr)
	}
	end := p.dec.InputOffset()
	tail, err := trailing(io.MultiReader(p.dec.Buffered(), br))
	if err != nil {
		return p.h, fmt.Errorf("read header padding: %w", &formats.ReadError{Err: err})
	}
	if tail >= 0 {
		p.h.Rejected = true
		p.add(formats.NewFinding(RuleHeaderInvalid, 8+end+tail, "non-whitespace bytes after the header's JSON object"))
	}
	if span := uint64(end) - uint64(lead); n > 2*span+4096 {
		p.add(formats.NewFinding(RulePadding, 8+end, "header is %d bytes for %d bytes of JSON", n, span).
			With("padding", strconv.FormatUint(n-span, 10)))
	}
	return p.h, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func leadingSpace(br *bufio.Reader) (int, error) {
	n := 0
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if !isSpace(b[0]) {
			return n, nil
		}
		n++
		if _, err := br.Discard(1); err != nil {
			return n, err
		}
	}
}

// trailing returns the offset (relative to its reader) of the first
// non-whitespace byte, or -1.
func trailing(r io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var off int64
	for {
		n, err := r.Read(buf)
		for i, c := range buf[:n] {
			if !isSpace(c) {
				return off + int64(i), nil
			}
		}
		off += int64(n)
		if err == io.EOF {
			return -1, nil
		}
		if err != nil {
			return -1, err
		}
	}
}

func (p *headerParser) delim(want json.Delim) error {
	t, err := p.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, t)
	}
	return nil
}

// object reads the top-level object: __metadata__ and tensor entries.
func (p *headerParser) object() error {
	if err := p.delim('{'); err != nil {
		return err
	}
	// seen maps a name to its entry in Tensors, or -1 for __metadata__.
	seen := map[string]int{}
	for p.dec.More() {
		if len(seen)%1024 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		at := p.at()
		key, err := p.key()
		if err != nil {
			return err
		}
		i, dup := seen[key]
		if dup {
			p.add(formats.NewFinding(RuleDuplicateKey, at, "key %q appears twice in the header; the reference loader keeps the last, other readers the first", key).With("name", key))
		}
		if key == "__metadata__" {
			seen[key] = -1
			if err := p.metadata(); err != nil {
				return err
			}
			continue
		}
		if len(p.h.Tensors) >= MaxTensors {
			return &formats.LimitError{Limit: "safetensors-tensors", Max: MaxTensors}
		}
		p.checkName(key, at, "tensor")
		t, err := p.tensor(key, at)
		if err != nil {
			return err
		}
		if dup {
			// The reference loader's map keeps the last entry.
			p.h.Tensors[i] = t
			continue
		}
		seen[key] = len(p.h.Tensors)
		p.h.Tensors = append(p.h.Tensors, t)
	}
	return p.delim('}')
}

func (p *headerParser) key() (string, error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, found %v", t)
	}
	return s, nil
}

func (p *headerParser) checkName(name string, at int64, what string) {
	if len(name) > maxName {
		p.add(formats.NewFinding(RuleName, at, "%s name is %d bytes long", what, len(name)))
		return
	}
	for _, r := range name {
		if hiddenRune(r) {
			p.add(formats.NewFinding(RuleName, at, "%s name %q contains %U, which hides or disguises it", what, name, r).With("name", name))
			return
		}
	}
}

func hiddenRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == utf8.RuneError:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func (p *headerParser) metadata() error {
	at := p.at()
	t, err := p.dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		// serde reads a null Option as absent.
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		p.h.Rejected = true
		p.add(formats.NewFinding(RuleMetadataType, at, "__metadata__ is %s, not an object of strings", jsonKind(t)))
		if ok {
			return p.skipOpen(d, 1)
		}
		return nil
	}
	if p.h.Metadata == nil {
		p.h.Metadata = map[string]string{}
	}
	seen := map[string]bool{}
	for p.dec.More() {
		kat := p.at()
		k, err := p.key()
		if err != nil {
			return err
		}
		if seen[k] {
			p.add(formats.NewFinding(RuleDuplicateKey, kat, "__metadata__ key %q appears twice", k).With("name", k))
		}
		seen[k] = true
		p.checkName(k, kat, "metadata")
		vat := p.at()
		v, err := p.dec.Token()
		if err != nil {
			return err
		}
		s, ok := v.(string)
		if !ok {
			p.h.Rejected = true
			p.add(formats.NewFinding(RuleMetadataType, vat, "__metadata__ value for %q is %s, not a string", k, jsonKind(v)).With("name", k))
			if d, ok := v.(json.Delim); ok {
				if err := p.skipOpen(d, 2); err != nil {
					return err
				}
			}
			continue
		}
		p.h.Metadata[k] = s
		if m := codeRE.FindString(s); m != "" {
			p.add(formats.NewFinding(RuleMetadataCode, vat, "__metadata__ value for %q contains %q", k, m).With("name", k))
		}
	}
	return p.delim('}')
}

func jsonKind(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", t)
}

// skipOpen skips the rest of a value whose opening delimiter has been read.
func (p *headerParser) skipOpen(d json.Delim, depth int) error {
	if d != '{' && d != '[' {
		return nil
	}
	level := 1
	for level > 0 {
		if depth+level > maxDepth {
			return &formats.LimitError{Limit: "safetensors-json-depth", Max: maxDepth}
		}
		t, err := p.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				level++
			} else {
				level--
			}
		}
	}
	return nil
}

// tensor reads one tensor entry. Wrong types mark the header rejected and
// are reported; the entry is kept with what could be read so that the
// offsets of the others can still be checked.
func (p *headerParser) tensor(name string, at int64) (Tensor, error) {
	t := Tensor{Name: name, At: at}
	reject := func(format string, args ...any) {
		p.h.Rejected = true
		p.add(formats.NewFinding(RuleHeaderInvalid, at, "tensor %q: "+format, append([]any{name}, args...)...).With("name", name))
	}
	tok, err := p.dec.Token()
	if err != nil {
		return t, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		reject("entry is %s, not an object", jsonKind(tok))
		if ok {
			return t, p.skipOpen(d, 1)
		}
		return t, nil
	}
	have := map[string]bool{}
	for p.dec.More() {
		kat := p.at()
		k, err := p.key()
		if err != nil {
			return t, err
		}
		if have[k] {
			p.add(formats.NewFinding(RuleDuplicateKey, kat, "tensor %q has key %q twice", name, k).With("name", name))
		}
		have[k] = true
		switch k {
		case "dtype":
			v, err := p.dec.Token()
			if err != nil {
				return t, err
			}
			s, ok := v.(string)
			if !ok {
				reject("dtype is %s", jsonKind(v))
				if err := p.skipToken(v); err != nil {
					return t, err
				}
				continue
			}
			t.Dtype = s
			if _, known := dtypeBits[s]; !known {
				p.h.Rejected = true
				p.add(formats.NewFinding(RuleDtype, kat, "tensor %q has dtype %q, which the reference loader does not know", name, truncate(s, 40)).With("name", name).With("dtype", truncate(s, 40)))
			}
		case "shape":
			shape, ok, err := p.uints(-1)
			if err != nil {
				return t, err
			}
			if !ok {
				reject("shape is not an array of non-negative integers")
				continue
			}
			t.Shape = shape
			if len(shape) > maxRank {
				p.add(formats.NewFinding(RuleRank, kat, "tensor %q has %d dimensions", name, len(shape)).With("name", name))
			}
			for _, d := range shape {
				if d > maxDim {
					p.add(formats.NewFinding(RuleRank, kat, "tensor %q has a dimension of %d, beyond 48 bits", name, d).With("name", name))
					break
				}
			}
		case "data_offsets":
			offs, ok, err := p.uints(2)
			if err != nil {
				return t, err
			}
			if !ok {
				reject("data_offsets is not two non-negative integers")
				continue
			}
			t.Begin, t.End = offs[0], offs[1]
		default:
			p.add(formats.NewFinding(RuleUnexpectedKey, kat, "tensor %q has unexpected key %q", name, truncate(k, 40)).With("name", name))
			v, err := p.dec.Token()
			if err != nil {
				return t, err
			}
			if err := p.skipToken(v); err != nil {
				return t, err
			}
		}
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if !have[k] {
			reject("no %s", k)
		}
	}
	return t, p.delim('}')
}

func (p *headerParser) skipToken(v json.Token) error {
	if d, ok := v.(json.Delim); ok {
		return p.skipOpen(d, 2)
	}
	return nil
}

// uints reads an array of unsigned integers as serde reads usize: no sign,
// fraction or exponent, and no overflow. want is the required length, or
// -1. ok is false when the value is not such an array; the value has then
// been consumed.
func (p *headerParser) uints(want int) (out []uint64, ok bool, err error) {
	v, err := p.dec.Token()
	if err != nil {
		return nil, false, err
	}
	if d, isDelim := v.(json.Delim); !isDelim || d != '[' {
		return nil, false, p.skipToken(v)
	}
	ok = true
	for p.dec.More() {
		e, err := p.dec.Token()
		if err != nil {
			return nil, false, err
		}
		num, isNum := e.(json.Number)
		if !isNum {
			ok = false
			if err := p.skipToken(e); err != nil {
				return nil, false, err
			}
			continue
		}
		u, perr := strconv.ParseUint(string(num), 10, 64)
		if perr != nil {
			ok = false
			continue
		}
		// The header is at most 100 MB, so a shape cannot outgrow what
		// the decoder has already read.
		out = append(out, u)
	}
	if err := p.delim(']'); err != nil {
		return nil, false, err
	}
	if want >= 0 && len(out) != want {
		ok = false
	}
	return out, ok, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

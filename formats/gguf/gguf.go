// Package gguf analyzes GGUF model files (versions 2 and 3, either byte
// order) with a bounded parser of the header, metadata and tensor-info
// sections: every count and length is checked against the bytes that
// remain before anything is allocated, and the tensor layout is checked
// against ggml's type table and alignment rules. Chat templates found in
// the metadata are checked with package jinja. Legacy GGML files
// (whisper.cpp models and Silero VAD, llama.cpp ggml/ggmf/ggjt) are parsed
// the same bounded way, record by record to the end of the file; a legacy
// header of no known layout is reported unsupported, never guessed at.
//
// The tensor data region is never read, and no template is ever rendered.
package gguf

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/jinja"
)

func init() {
	formats.Register(formats.GGUF, formats.AnalyzerFunc(Analyze))
	formats.Register(formats.GGML, formats.AnalyzerFunc(AnalyzeGGML))
}

// Limits: ggml's where it has one, stricter caps where it trusts memory.
const (
	maxString        = 1 << 30 // GGUF_MAX_STRING_LENGTH
	maxArray         = 1 << 30 // GGUF_MAX_ARRAY_ELEMENTS
	maxKV            = 1 << 20
	maxTensors       = 1 << 20
	maxDims          = 4 // GGML_MAX_DIMS
	maxName          = 64
	maxKey           = 65535
	maxLayers        = 512 // LLAMA_MAX_LAYERS
	maxAlignment     = 1 << 20
	defaultAlignment = 32
	// maxTemplate is the longest template string kept for checking.
	maxTemplate = 16 << 20
	// maxArrayDepth bounds nested arrays, which ggml rejects outright.
	maxArrayDepth = 4
	reportCap     = 10
	minKV         = 8 + 4 + 1
	minTensorInfo = 8 + 4 + 4 + 8
)

var (
	keyRE       = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	byteTokenRE = regexp.MustCompile(`^<0x[0-9A-Fa-f]{2}>$`)
)

// isTemplateKey matches tokenizer.chat_template, tokenizer.chat_template.*
// and tokenizer.chat_templates.
func isTemplateKey(k string) bool {
	return k == "tokenizer.chat_template" || k == "tokenizer.chat_templates" || strings.HasPrefix(k, "tokenizer.chat_template.")
}

type tensorInfo struct {
	name   string
	at     int64
	dims   []uint64
	typ    uint32
	offset uint64
	nbytes uint64
	valid  bool // type and dims valid, nbytes computed
}

type parser struct {
	ctx     context.Context
	r       *reader
	report  func(formats.Finding)
	counts  map[string]int
	scratch []byte

	alignment uint64
	keys      map[string]int64
	vocab     map[string]uint64 // array lengths of the tokenizer arrays
	tensors   []tensorInfo
	arch      string
	scalars   map[string]uint64 // the scalar keys Facts reports
}

func (p *parser) add(f formats.Finding) {
	p.counts[f.Rule]++
	if p.counts[f.Rule] <= reportCap {
		p.report(f)
	}
}

// Analyze checks one GGUF input.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("gguf %s: %w", in.Name, err)
	}
	if _, err := Check(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("gguf %s: %w", in.Name, err)
	}
	return nil
}

// Check parses the GGUF file in ra and reports its findings. It returns
// the number of bytes it read from ra (the header, metadata and tensor
// infos, and the end-record area), and an error when the file could not
// be read to the end of its tensor infos.
func Check(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) (int64, error) {
	p := newParser(ctx, ra, size, report)
	err := p.parse()
	if err != nil {
		if errors.Is(err, errTruncated) {
			p.add(formats.NewFinding(RuleHeader, p.r.pos, "file ends inside the GGUF header: %v", err))
		}
		return p.r.read, err
	}
	p.layout()
	return p.r.read, p.zipEnd()
}

func newParser(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) *parser {
	return &parser{ctx: ctx, r: newReader(ra, size), report: report, counts: map[string]int{},
		scratch: make([]byte, 4096), alignment: defaultAlignment, keys: map[string]int64{}, vocab: map[string]uint64{},
		scalars: map[string]uint64{}}
}

func (p *parser) parse() error {
	r := p.r
	magic, err := r.fixed(4, "magic")
	if err != nil {
		return err
	}
	if string(magic) != "GGUF" {
		return fmt.Errorf("not a GGUF file (magic %q)", magic)
	}
	v, err := r.u32("version")
	if err != nil {
		return err
	}
	switch {
	case v == 2 || v == 3:
	case bits.ReverseBytes32(v) == 2 || bits.ReverseBytes32(v) == 3:
		r.order = binary.BigEndian
		v = bits.ReverseBytes32(v)
		p.add(formats.NewFinding(RuleBigEndian, 4, "big-endian GGUF v%d", v))
	case v == 1 || bits.ReverseBytes32(v) == 1:
		return fmt.Errorf("GGUF v1 (u32 counts), which ggml no longer loads: %w", formats.ErrUnsupported)
	default:
		p.add(formats.NewFinding(RuleHeader, 4, "GGUF version %d; llama.cpp reads 2 and 3", v).With("version", strconv.FormatUint(uint64(v), 10)))
		return fmt.Errorf("GGUF version %d", v)
	}
	nTensors, err := r.u64("tensor count")
	if err != nil {
		return err
	}
	nKV, err := r.u64("metadata count")
	if err != nil {
		return err
	}
	// Each entry takes a minimum number of bytes, so the counts are
	// bounded by what is left before any table is sized by them.
	hiT, lowT := bits.Mul64(nTensors, minTensorInfo)
	hiK, lowK := bits.Mul64(nKV, minKV)
	need, carry := bits.Add64(lowT, lowK, 0)
	if hiT != 0 || hiK != 0 || carry != 0 || need > r.remaining() {
		p.add(formats.NewFinding(RuleHeader, 8, "%d tensors and %d metadata entries cannot fit in the %d bytes left", nTensors, nKV, r.remaining()).
			With("tensors", strconv.FormatUint(nTensors, 10)).With("kv", strconv.FormatUint(nKV, 10)))
		return fmt.Errorf("counts (%d tensors, %d kv) exceed the file", nTensors, nKV)
	}
	if nKV > maxKV {
		return &formats.LimitError{Limit: "gguf-metadata-entries", Max: maxKV}
	}
	if nTensors > maxTensors {
		return &formats.LimitError{Limit: "gguf-tensors", Max: maxTensors}
	}
	for i := range nKV {
		if i%64 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		if err := p.kv(); err != nil {
			return err
		}
	}
	p.checkVocab()
	p.tensors = make([]tensorInfo, 0, nTensors)
	names := map[string]bool{}
	for i := range nTensors {
		if i%256 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		t, err := p.tensorInfo()
		if err != nil {
			return err
		}
		if names[t.name] {
			p.add(formats.NewFinding(RuleDuplicateName, t.at, "tensor name %q appears twice", t.name).With("name", t.name))
		}
		names[t.name] = true
		p.tensors = append(p.tensors, t)
	}
	return nil
}

// str reads a gguf_string. Strings up to keep bytes are returned (keep
// <= len(scratch) reuses the scratch buffer, so the result is only valid
// until the next read); longer ones are skipped and kept is false.
func (p *parser) str(what string, keep uint64) (s []byte, kept bool, err error) {
	at := p.r.pos
	n, err := p.r.u64(what + " length")
	if err != nil {
		return nil, false, err
	}
	if n > maxString {
		p.add(formats.NewFinding(RuleMetadata, at, "%s of %d bytes exceeds ggml's 1 GiB string limit", what, n))
	}
	if n > keep {
		return nil, false, p.r.skip(n, what)
	}
	b, err := p.r.bytes(n, p.scratch, what)
	return b, err == nil, err
}

func (p *parser) kv() error {
	at := p.r.pos
	kb, kept, err := p.str("metadata key", maxKey)
	if err != nil {
		return err
	}
	key := string(kb)
	switch {
	case !kept:
		p.add(formats.NewFinding(RuleKeyName, at, "metadata key longer than %d bytes", maxKey))
		key = fmt.Sprintf("\x00long key at %d", at)
	case key == "":
		p.add(formats.NewFinding(RuleMetadata, at, "empty metadata key"))
	case !keyRE.MatchString(key):
		p.add(formats.NewFinding(RuleKeyName, at, "metadata key %q is not dotted lower_snake_case", truncate(key, 80)).With("key", truncate(key, 80)))
	}
	if prev, dup := p.keys[key]; dup {
		p.add(formats.NewFinding(RuleDuplicateKey, at, "metadata key %q appears twice (first at offset %d)", truncate(key, 80), prev).With("key", truncate(key, 80)))
	} else {
		p.keys[key] = at
	}
	typ, err := p.r.u32("value type")
	if err != nil {
		return err
	}
	return p.value(key, typ, at)
}

// value reads one value of type typ for key, checking the well-known keys.
func (p *parser) value(key string, typ uint32, at int64) error {
	switch {
	case typ >= tCount:
		p.add(formats.NewFinding(RuleMetadata, at, "metadata %q has unknown value type %d", truncate(key, 80), typ).With("key", truncate(key, 80)))
		return fmt.Errorf("metadata %q: unknown value type %d", truncate(key, 80), typ)
	case typ == tString:
		vat := p.r.pos
		keep := uint64(len(p.scratch))
		if isTemplateKey(key) {
			keep = maxTemplate
		}
		b, kept, err := p.str("string value", keep)
		if err != nil {
			return err
		}
		if !kept {
			if isTemplateKey(key) {
				p.add(formats.NewFinding(RuleTemplateParse, vat, "chat template %q is larger than %d bytes and was not checked", key, maxTemplate).With("key", key))
			}
			return nil
		}
		if !utf8.Valid(b) {
			p.add(formats.NewFinding(RuleUTF8, vat, "metadata %q string is not valid UTF-8", truncate(key, 80)).With("key", truncate(key, 80)))
		}
		if isTemplateKey(key) {
			p.template(key, string(b), vat)
		}
		if key == "general.architecture" {
			p.arch = truncate(string(b), 80)
		}
		return nil
	case typ == tArray:
		return p.array(key, at, 0)
	}
	size := scalarSize(typ)
	v, err := p.r.scalar(size, "value")
	if err != nil {
		return err
	}
	if typ == tBool && v > 1 {
		p.add(formats.NewFinding(RuleMetadata, at, "metadata %q BOOL value is %d, not 0 or 1", truncate(key, 80), v).With("key", truncate(key, 80)))
	}
	if key == "general.file_type" || strings.HasSuffix(key, ".context_length") {
		p.scalars[key] = v
	}
	switch {
	case key == "general.alignment":
		p.checkAlignment(typ, v, at)
	case strings.HasSuffix(key, ".block_count"):
		p.checkBlockCount(key, typ, v, at)
	}
	return nil
}

func (p *parser) checkAlignment(typ uint32, v uint64, at int64) {
	switch {
	case typ != tU32:
		p.add(formats.NewFinding(RuleAlignment, at, "general.alignment is %s, not UINT32", typeName(typ)))
	case v == 0 || v&(v-1) != 0:
		p.add(formats.NewFinding(RuleAlignment, at, "general.alignment %d is not a power of two", v))
	case v%8 != 0 || v > maxAlignment:
		p.add(formats.NewFinding(RuleAlignment, at, "general.alignment %d is not a multiple of 8 up to %d", v, maxAlignment))
		p.alignment = v
	default:
		p.alignment = v
	}
}

func (p *parser) checkBlockCount(key string, typ uint32, v uint64, at int64) {
	if !isInteger(typ) {
		p.add(formats.NewFinding(RuleBlockCount, at, "%s is %s, not an integer", key, typeName(typ)).With("key", key))
		return
	}
	// Signed types are sign-extended so that a negative count is caught.
	signed := int64(v)
	switch typ {
	case tI8:
		signed = int64(int8(v))
	case tI16:
		signed = int64(int16(v))
	case tI32:
		signed = int64(int32(v))
	}
	if signed < 0 || signed > maxLayers {
		p.add(formats.NewFinding(RuleBlockCount, at, "%s is %d; llama.cpp supports at most %d layers", key, signed, maxLayers).With("key", key))
	}
}

func (p *parser) array(key string, at int64, depth int) error {
	elem, err := p.r.u32("array element type")
	if err != nil {
		return err
	}
	n, err := p.r.u64("array length")
	if err != nil {
		return err
	}
	k := truncate(key, 80)
	if elem >= tCount {
		p.add(formats.NewFinding(RuleMetadata, at, "metadata %q is an array of unknown type %d", k, elem).With("key", k))
		return fmt.Errorf("metadata %q: unknown array type %d", k, elem)
	}
	if n > maxArray {
		p.add(formats.NewFinding(RuleMetadata, at, "metadata %q array has %d elements, over ggml's limit of %d", k, n, maxArray).With("key", k))
	}
	elemMin := scalarSize(elem)
	switch elem {
	case tString:
		elemMin = 8
	case tArray:
		elemMin = 12
		p.add(formats.NewFinding(RuleMetadata, at, "metadata %q is an array of arrays, which ggml rejects", k).With("key", k))
		if depth+1 >= maxArrayDepth {
			return fmt.Errorf("metadata %q: arrays nested deeper than %d", k, maxArrayDepth)
		}
	}
	hi, need := bits.Mul64(n, elemMin)
	if hi != 0 || need > p.r.remaining() {
		p.add(formats.NewFinding(RuleMetadata, at, "metadata %q array of %d %s cannot fit in the %d bytes left", k, n, typeName(elem), p.r.remaining()).With("key", k))
		return fmt.Errorf("metadata %q: array of %d elements: %w", k, n, errTruncated)
	}
	if depth == 0 {
		switch key {
		case "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type":
			p.vocab[key] = n
			want := map[string]uint32{"tokenizer.ggml.tokens": tString, "tokenizer.ggml.scores": tF32, "tokenizer.ggml.token_type": tI32}[key]
			if elem != want {
				p.add(formats.NewFinding(RuleTokenizer, at, "%s is an array of %s, not %s", key, typeName(elem), typeName(want)).With("key", key))
			}
		}
	}
	switch elem {
	case tString:
		return p.stringArray(key, n, depth)
	case tArray:
		for i := range n {
			if i%4096 == 0 {
				if err := p.ctx.Err(); err != nil {
					return err
				}
			}
			if err := p.array(key, p.r.pos, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return p.r.skip(need, "array")
}

func (p *parser) stringArray(key string, n uint64, depth int) error {
	tokens := depth == 0 && key == "tokenizer.ggml.tokens"
	template := depth == 0 && isTemplateKey(key)
	keep := uint64(len(p.scratch))
	if template {
		keep = maxTemplate
	}
	badUTF8 := false
	for i := range n {
		if i%4096 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		at := p.r.pos
		b, kept, err := p.str("string element", keep)
		if err != nil {
			return err
		}
		if !kept {
			continue
		}
		if !badUTF8 && !utf8.Valid(b) {
			badUTF8 = true
			p.add(formats.NewFinding(RuleUTF8, at, "metadata %q element %d is not valid UTF-8", truncate(key, 80), i).With("key", truncate(key, 80)))
		}
		if tokens && bytes.HasPrefix(b, []byte("<0x")) && bytes.HasSuffix(b, []byte(">")) && !byteTokenRE.Match(b) {
			p.add(formats.NewFinding(RuleTokenizer, at, "byte token %d is %q, not <0xHH>", i, truncate(string(b), 40)))
		}
		if template {
			p.template(fmt.Sprintf("%s[%d]", key, i), string(b), at)
		}
	}
	return nil
}

// checkVocab compares the lengths of the tokenizer arrays.
func (p *parser) checkVocab() {
	tok, ok := p.vocab["tokenizer.ggml.tokens"]
	if !ok {
		return
	}
	for _, k := range []string{"tokenizer.ggml.scores", "tokenizer.ggml.token_type"} {
		if n, ok := p.vocab[k]; ok && n != tok {
			p.add(formats.NewFinding(RuleTokenizer, p.keys[k], "%s has %d entries for %d tokens", k, n, tok).With("key", k))
		}
	}
}

// templateRules maps a template issue to its rule.
var templateRules = map[jinja.Kind]string{
	jinja.Escape:   RuleTemplateEscape,
	jinja.Unparsed: RuleTemplateParse,
	jinja.Loader:   RuleTemplateLoader,
	jinja.Resource: RuleTemplateDoS,
	jinja.Computed: RuleTemplateComputed,
	jinja.Unknown:  RuleTemplateUnknown,
}

func (p *parser) template(key, src string, at int64) {
	for _, is := range jinja.Check(src) {
		f := formats.NewFinding(templateRules[is.Kind], at, "chat template %s: %s", key, is.Message).At(is.Severity).With("key", key)
		if is.Line > 0 {
			f = f.With("line", strconv.Itoa(is.Line)).With("column", strconv.Itoa(is.Col))
		}
		if is.Evidence != "" {
			f = f.With("evidence", truncate(is.Evidence, 200))
		}
		p.report(f)
	}
}

func (p *parser) tensorInfo() (tensorInfo, error) {
	r := p.r
	t := tensorInfo{at: r.pos}
	b, kept, err := p.str("tensor name", 4096)
	if err != nil {
		return t, err
	}
	if kept {
		t.name = string(b)
	} else {
		t.name = fmt.Sprintf("\x00long name at %d", t.at)
	}
	switch {
	case !kept || len(t.name) >= maxName:
		p.add(formats.NewFinding(RuleTensorInfo, t.at, "tensor name of %d bytes; ggml allows at most %d", len(b), maxName-1).With("name", truncate(t.name, 80)))
	case !utf8.ValidString(t.name):
		p.add(formats.NewFinding(RuleUTF8, t.at, "tensor name %q is not valid UTF-8", t.name))
	}
	if kept && strings.ContainsFunc(t.name, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		p.add(formats.NewFinding(RuleTensorName, t.at, "tensor name %q contains control characters", t.name).With("name", t.name))
	}
	nDims, err := r.u32("n_dims")
	if err != nil {
		return t, err
	}
	if err := r.need(uint64(nDims)*8, "tensor dims"); err != nil {
		return t, err
	}
	valid := true
	if nDims > maxDims {
		valid = false
		p.add(formats.NewFinding(RuleTensorInfo, t.at, "tensor %q has %d dimensions; ggml allows %d", t.name, nDims, maxDims).With("name", t.name))
	}
	for i := range nDims {
		d, err := r.u64("dim")
		if err != nil {
			return t, err
		}
		if int64(d) < 0 {
			valid = false
			p.add(formats.NewFinding(RuleTensorInfo, t.at, "tensor %q dimension %d is negative", t.name, i).With("name", t.name))
		}
		if valid {
			t.dims = append(t.dims, d)
		}
	}
	if t.typ, err = r.u32("tensor type"); err != nil {
		return t, err
	}
	if t.offset, err = r.u64("tensor offset"); err != nil {
		return t, err
	}
	gt, known := ggmlTypes[t.typ]
	if !known {
		what := "unknown"
		if t.typ < ggmlTypeCount {
			what = "removed"
		}
		p.add(formats.NewFinding(RuleTensorInfo, t.at, "tensor %q has %s ggml type %d", t.name, what, t.typ).With("name", t.name))
		return t, nil
	}
	if !valid {
		return t, nil
	}
	t.nbytes, t.valid = p.nbytes(t, gt)
	return t, nil
}

// nbytes computes ggml_nbytes for a contiguous tensor with checked
// arithmetic, reporting why it cannot.
func (p *parser) nbytes(t tensorInfo, gt ggmlType) (uint64, bool) {
	ne := [maxDims]uint64{1, 1, 1, 1}
	copy(ne[:], t.dims)
	if ne[0]%gt.block != 0 {
		p.add(formats.NewFinding(RuleTensorInfo, t.at, "tensor %q first dimension %d is not a multiple of the %s block size %d", t.name, ne[0], gt.name, gt.block).With("name", t.name))
		return 0, false
	}
	hi, size := bits.Mul64(ne[0]/gt.block, gt.size)
	elems, overflow := uint64(1), hi != 0 || size > 1<<63-1
	for i, d := range ne {
		hi, lo := bits.Mul64(elems, d)
		overflow = overflow || hi != 0 || lo > 1<<63-1
		elems = lo
		if i > 0 {
			hi, lo = bits.Mul64(size, d)
			overflow = overflow || hi != 0 || lo > 1<<63-1
			size = lo
		}
	}
	if overflow {
		p.add(formats.NewFinding(RuleTensorInfo, t.at, "tensor %q of shape %v overflows: its element count or byte size exceeds INT64_MAX", t.name, t.dims).With("name", t.name))
		return 0, false
	}
	return size, true
}

func pad(x, n uint64) (uint64, bool) {
	s, carry := bits.Add64(x, n-1, 0)
	return s &^ (n - 1), carry == 0
}

// layout checks tensor offsets against ggml's rule (each the running sum of
// the previous padded sizes), the end of the file, and trailing bytes.
func (p *parser) layout() {
	headerEnd := uint64(p.r.pos)
	dataStart, ok := pad(headerEnd, p.alignment)
	if !ok || dataStart > uint64(p.r.size) {
		if len(p.tensors) > 0 {
			p.add(formats.NewFinding(RuleTensorRange, p.r.pos, "the data section starts past the end of the file"))
		}
		return
	}
	avail := uint64(p.r.size) - dataStart
	var expected uint64
	allValid := true
	for _, t := range p.tensors {
		if t.offset%p.alignment != 0 {
			p.add(formats.NewFinding(RuleTensorOffset, t.at, "tensor %q offset %d is not a multiple of the alignment %d", t.name, t.offset, p.alignment).With("name", t.name))
		}
		if !t.valid {
			allValid = false
			continue
		}
		if allValid && t.offset != expected {
			how := "leaves a gap"
			if t.offset < expected {
				how = "overlaps the previous tensors"
			}
			p.add(formats.NewFinding(RuleTensorOffset, t.at, "tensor %q at offset %d %s: ggml expects %d", t.name, t.offset, how, expected).With("name", t.name))
		}
		end, carry := bits.Add64(t.offset, t.nbytes, 0)
		if carry != 0 || end > avail {
			p.add(formats.NewFinding(RuleTensorRange, t.at, "tensor %q data [%d, +%d) reaches past the end of the file", t.name, t.offset, t.nbytes).With("name", t.name))
		}
		padded, ok := pad(t.nbytes, p.alignment)
		next, carry := bits.Add64(expected, padded, 0)
		if !ok || carry != 0 {
			allValid = false
			continue
		}
		expected = next
	}
	if !allValid {
		return
	}
	end := dataStart + expected
	if len(p.tensors) == 0 {
		end = dataStart
	}
	if expected <= avail && uint64(p.r.size) > end {
		p.add(formats.NewFinding(RuleTrailing, int64(end), "%d bytes after the last tensor's data", uint64(p.r.size)-end).
			With("trailing", strconv.FormatUint(uint64(p.r.size)-end, 10)))
	}
}

// zipEnd reports a zip end record at the end of the file; the engine's
// sniff analyzes the zip reading itself.
func (p *parser) zipEnd() error {
	n := min(int64(formats.TailSize), p.r.size-p.r.pos)
	if n < 22 {
		return nil
	}
	tail := make([]byte, n)
	if _, err := p.r.ra.ReadAt(tail, p.r.size-n); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read file tail: %w", &formats.ReadError{Err: err})
	}
	p.r.read += n
	if formats.HasZipEnd(tail) {
		p.add(formats.NewFinding(RulePolyglot, p.r.size-n+int64(bytes.LastIndex(tail, []byte("PK\x05\x06"))), "zip end record at the end of the GGUF file: zip readers see an archive"))
	}
	return nil
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

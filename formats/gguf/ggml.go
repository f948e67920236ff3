package gguf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Legacy layouts CheckGGML recognises, as it names them.
const (
	LayoutWhisper = "whisper.cpp model"
	LayoutVAD     = "whisper.cpp Silero VAD"
	LayoutLlama   = "llama.cpp unversioned ggml"
	LayoutGGMF    = "llama.cpp ggmf v1"
	LayoutGGJT    = "llama.cpp ggjt"
)

// knownLayouts is quoted in errors about files that match none of them.
const knownLayouts = "known: whisper.cpp models (11 hparams, mel filters, vocabulary), whisper.cpp Silero VAD, llama.cpp ggml/ggmf v1/ggjt v1-3"

// legacyMagics describes GGUF's predecessors by their first four bytes
// (the uint32 magic written little-endian, then its big-endian spelling).
var legacyMagics = map[string]string{
	"lmgg": "unversioned 'ggml' (whisper.cpp, early llama.cpp)",
	"fmgg": "versioned 'ggmf' (llama.cpp, 2023)",
	"tjgg": "mmap-able 'ggjt' (llama.cpp, 2023)",
	"algg": "'ggla' LoRA adapter (llama.cpp, 2023)",
	"ggml": "big-endian unversioned 'ggml'",
	"ggmf": "big-endian versioned 'ggmf'",
	"ggjt": "big-endian 'ggjt'",
	"ggla": "big-endian 'ggla' LoRA adapter",
}

// Bounds on hyper-parameters for recognising a layout. They are wide
// for real models; a file outside them is not guessed at but reported
// unsupported.
const (
	maxHVocab  = 1 << 22
	maxHCtx    = 1 << 22
	maxHState  = 1 << 18
	maxHHeads  = 1 << 12
	maxHLayers = 1 << 12
	maxHMels   = 1 << 12
	maxHFFT    = 1 << 16
	// legacyRecord is n_dims, name length and type: the part of a tensor
	// record the loaders read before they test for the end of file.
	legacyRecord = 12
	// maxLegacyDims bounds the n_dims read as a record rather than junk;
	// ggml itself allows 4.
	maxLegacyDims = 16
	maxLegacyName = 4096
	ggjtAlignment = 32
	headProbe     = 64
)

// legacyFormat is how one layout's tensor records are read.
type legacyFormat struct {
	layout string
	// align is the file-offset alignment of tensor data (ggjt), or 1.
	align uint64
	// int32Count is set for whisper.cpp's loaders, which multiply the
	// dimensions into an int32 element count.
	int32Count bool
	// quantized is false for files older than ggml's quantization
	// version 2 (llama.cpp before ggjt v3), whose quantized block layouts
	// differ from today's type table.
	quantized bool
}

type legacyParser struct {
	ctx    context.Context
	r      *reader
	report func(formats.Finding)
	counts map[string]int
	names  map[string]int64
	fmt    legacyFormat
	name   []byte // scratch for tensor names
	// facts, when set, collects what the header and tensor records say.
	facts *LegacyFacts
}

func (p *legacyParser) add(f formats.Finding) {
	p.counts[f.Rule]++
	if p.counts[f.Rule] <= reportCap {
		p.report(f)
	}
}

// AnalyzeGGML checks one legacy GGML input.
func AnalyzeGGML(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("ggml %s: %w", in.Name, err)
	}
	if _, err := CheckGGML(ctx, ra, size, s.Report); err != nil {
		return fmt.Errorf("ggml %s: %w", in.Name, err)
	}
	return nil
}

// CheckGGML parses the legacy GGML file in ra: it recognises the layout
// from the magic and the shape of the hyper-parameters, reads the header
// and vocabulary, then every tensor record to the end of the file,
// seeking over tensor data. It returns the layout's name, and an error
// when the file is of no known layout (wrapping formats.ErrUnsupported)
// or could not be read to its end.
func CheckGGML(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) (string, error) {
	return checkGGML(ctx, ra, size, report, nil)
}

func checkGGML(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding), facts *LegacyFacts) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("file of unknown size %d", size)
	}
	head := make([]byte, min(size, headProbe))
	if _, err := ra.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read header: %w", &formats.ReadError{Err: err})
	}
	if len(head) < 4 {
		return "", fmt.Errorf("file of %d bytes has no magic", len(head))
	}
	magic := string(head[:4])
	desc, ok := legacyMagics[magic]
	if !ok {
		return "", fmt.Errorf("unknown magic %q", magic)
	}
	p := &legacyParser{ctx: ctx, r: newReader(ra, size), report: report, counts: map[string]int{}, names: map[string]int64{}, name: make([]byte, maxLegacyName), facts: facts}
	var parse func() error
	switch {
	case magic == "lmgg" && vadShape(head):
		p.fmt, parse = legacyFormat{layout: LayoutVAD, align: 1, int32Count: true, quantized: true}, p.vad
	case magic == "lmgg" && whisperShape(head):
		// ftype carries ggml's quantization version in its thousands;
		// before version 2, Q4_0, Q4_1 and Q8_0 blocks had other sizes.
		qntvr := i32at(head, 44) / 1000
		p.fmt, parse = legacyFormat{layout: LayoutWhisper, align: 1, int32Count: true, quantized: qntvr >= 2}, p.whisper
	case magic == "lmgg" && llamaShape(head, 4):
		p.fmt, parse = legacyFormat{layout: LayoutLlama, align: 1}, p.llama
	case magic == "fmgg" && u32at(head, 4) == 1 && llamaShape(head, 8):
		p.fmt, parse = legacyFormat{layout: LayoutGGMF, align: 1}, p.llama
	case magic == "tjgg" && u32at(head, 4) >= 1 && u32at(head, 4) <= 3 && llamaShape(head, 8):
		v := u32at(head, 4)
		p.fmt = legacyFormat{layout: LayoutGGJT + " v" + itoa(uint64(v)), align: ggjtAlignment, quantized: v == 3}
		parse = p.llama
	case magic == "lmgg" && size < headProbe:
		p.add(formats.NewFinding(RuleGGMLHeader, 0, "file of %d bytes ends inside every known GGML header", size))
		return "", fmt.Errorf("legacy GGML %s: %w", desc, errTruncated)
	default:
		return "", fmt.Errorf("legacy GGML %s with an unrecognised header (%s): %w", desc, knownLayouts, formats.ErrUnsupported)
	}
	if facts != nil {
		facts.hparams(p.fmt.layout, head)
	}
	err := parse()
	if err == nil {
		err = p.tensors()
	}
	if err == nil {
		err = p.zipEnd()
	}
	if err != nil {
		return p.fmt.layout, fmt.Errorf("%s: %w", p.fmt.layout, err)
	}
	return p.fmt.layout, nil
}

func u32at(b []byte, off int) uint32 {
	if off+4 > len(b) {
		return 0
	}
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}

func i32at(b []byte, off int) int32 { return int32(u32at(b, off)) }

// inRange reports whether the int32 at off lies in [lo, hi].
func inRange(b []byte, off int, lo, hi int32) bool {
	v := i32at(b, off)
	return off+4 <= len(b) && v >= lo && v <= hi
}

// vadShape matches whisper.cpp's Silero VAD header: a short printable
// model-type string naming silero right after the magic.
func vadShape(b []byte) bool {
	n := int(i32at(b, 4))
	if !inRange(b, 4, 1, 32) || 8+n > len(b) {
		return false
	}
	s := b[8 : 8+n]
	return bytes.HasPrefix(s, []byte("silero")) && !bytes.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e })
}

// whisperShape matches whisper.cpp's eleven hyper-parameters followed by
// the mel filter dimensions.
func whisperShape(b []byte) bool {
	return inRange(b, 4, 1, maxHVocab) && // n_vocab
		inRange(b, 8, 1, maxHCtx) && inRange(b, 12, 1, maxHState) && // audio ctx, state
		inRange(b, 16, 1, maxHHeads) && inRange(b, 20, 0, maxHLayers) && // audio head, layer
		inRange(b, 24, 1, maxHCtx) && inRange(b, 28, 1, maxHState) && // text ctx, state
		inRange(b, 32, 1, maxHHeads) && inRange(b, 36, 0, maxHLayers) && // text head, layer
		inRange(b, 40, 1, maxHMels) && inRange(b, 44, 0, math.MaxInt32) && // n_mels, ftype
		inRange(b, 48, 1, maxHMels) && inRange(b, 52, 1, maxHFFT) // filters n_mel, n_fft
}

// llamaShape matches llama.cpp's seven hyper-parameters at off: n_vocab,
// n_embd, n_mult, n_head, n_layer, n_rot, ftype.
func llamaShape(b []byte, off int) bool {
	return inRange(b, off, 1, maxHVocab) && inRange(b, off+4, 1, maxHState) &&
		inRange(b, off+8, 1, maxHState) && inRange(b, off+12, 1, maxHHeads) &&
		inRange(b, off+16, 1, maxHLayers) && inRange(b, off+20, 0, i32at(b, off+4)) &&
		inRange(b, off+24, 0, 1<<16)
}

// header reports a header that does not fit the file and returns err; a
// read error is returned unreported.
func (p *legacyParser) header(at int64, err error, format string, args ...any) error {
	if errors.Is(err, errTruncated) {
		p.add(formats.NewFinding(RuleGGMLHeader, at, format, args...).With("layout", p.fmt.layout))
	}
	return err
}

func (p *legacyParser) i32(what string) (int32, error) {
	v, err := p.r.u32(what)
	if err != nil {
		return 0, p.header(p.r.pos, err, "file ends inside the %s header at %s", p.fmt.layout, what)
	}
	return int32(v), nil
}

// ints skips n int32 fields the layout check already looked at or that
// the format leaves to the model code.
func (p *legacyParser) ints(n uint64, what string) error {
	if err := p.r.skip(4*n, what); err != nil {
		return p.header(p.r.pos, err, "file ends inside the %s header at %s", p.fmt.layout, what)
	}
	return nil
}

func (p *legacyParser) whisper() error {
	if err := p.ints(1+11, "hyper-parameters"); err != nil {
		return err
	}
	at := p.r.pos
	nMel, err := p.i32("mel filter count")
	if err != nil {
		return err
	}
	nFFT, err := p.i32("mel filter length")
	if err != nil {
		return err
	}
	// Both are bounded by whisperShape, so the product cannot overflow.
	if n := 4 * uint64(nMel) * uint64(nFFT); n > p.r.remaining() {
		return p.header(at, fmt.Errorf("mel filters: %w", errTruncated), "mel filters of %dx%d floats reach past the end of the file", nMel, nFFT)
	} else if err := p.r.skip(n, "mel filters"); err != nil {
		return err
	}
	at = p.r.pos
	nVocab, err := p.i32("vocabulary count")
	if err != nil {
		return err
	}
	if nVocab < 0 || 4*uint64(nVocab) > p.r.remaining() {
		return p.header(at, fmt.Errorf("vocabulary count %d: %w", nVocab, errTruncated), "vocabulary count %d is negative or cannot fit in the %d bytes left", nVocab, p.r.remaining())
	}
	return p.vocab(uint64(nVocab), false)
}

// vocab skips n length-prefixed tokens, each followed by a float32 score
// when scored.
func (p *legacyParser) vocab(n uint64, scored bool) error {
	for i := range n {
		if i%4096 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		at := p.r.pos
		l, err := p.r.u32("token length")
		if err == nil {
			size := uint64(l)
			if scored {
				size += 4
			}
			err = p.r.skip(size, "token")
		}
		if err != nil {
			return p.header(at, err, "vocabulary token %d of %d reaches past the end of the file", i, n)
		}
	}
	return nil
}

func (p *legacyParser) vad() error {
	at := p.r.pos
	if err := p.r.skip(4, "magic"); err != nil {
		return err
	}
	n, err := p.i32("model type length")
	if err != nil {
		return err
	}
	// vadShape checked the length and the string.
	if err := p.r.skip(uint64(n), "model type"); err != nil {
		return p.header(at, err, "file ends inside the VAD model type")
	}
	// version major, minor, patch; window and context sizes.
	if err := p.ints(5, "version and window"); err != nil {
		return err
	}
	at = p.r.pos
	layers, err := p.i32("encoder layer count")
	if err != nil {
		return err
	}
	if layers < 0 || 12*uint64(layers)+16 > p.r.remaining() {
		return p.header(at, fmt.Errorf("encoder layers %d: %w", layers, errTruncated), "encoder layer count %d is negative or cannot fit in the %d bytes left", layers, p.r.remaining())
	}
	// Per layer in, out channels and kernel size; then the LSTM input
	// and hidden sizes and the final convolution's in and out.
	return p.ints(3*uint64(layers)+4, "encoder dimensions")
}

func (p *legacyParser) llama() error {
	head := uint64(1) // the magic
	if p.fmt.layout != LayoutLlama {
		head++ // the version
	}
	if err := p.ints(head, "magic"); err != nil {
		return err
	}
	// llamaShape checked the seven hyper-parameters; n_vocab is the first.
	n, err := p.i32("n_vocab")
	if err != nil {
		return err
	}
	if err := p.ints(6, "hyper-parameters"); err != nil {
		return err
	}
	scored := p.fmt.layout != LayoutLlama
	per := uint64(4)
	if scored {
		per = 8
	}
	if uint64(n)*per > p.r.remaining() {
		return p.header(p.r.pos, fmt.Errorf("vocabulary of %d: %w", n, errTruncated), "vocabulary of %d tokens cannot fit in the %d bytes left", n, p.r.remaining())
	}
	return p.vocab(uint64(n), scored)
}

// tensors reads tensor records until the end of the file, the way the
// legacy loaders do: n_dims, name length and type as int32, the
// dimensions (none for a scalar), the name, padding to the alignment
// (ggjt) and the data.
func (p *legacyParser) tensors() error {
	r := p.r
	for i := 0; ; i++ {
		if i%256 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		if i >= maxTensors {
			return &formats.LimitError{Limit: "ggml-tensors", Max: maxTensors}
		}
		rem := r.remaining()
		if rem == 0 {
			return nil
		}
		at := r.pos
		if rem < legacyRecord {
			// The loaders stop at the end of file inside the record
			// header, so these bytes are never looked at.
			p.trailing(at, rem, "too few for a tensor record")
			return nil
		}
		var h [3]int32
		for j := range h {
			v, err := r.u32("tensor record")
			if err != nil {
				return err
			}
			h[j] = int32(v)
		}
		nDims, nameLen, typ := h[0], h[1], h[2]
		if nDims < 0 || nDims > maxLegacyDims || nameLen < 1 || nameLen > maxLegacyName ||
			4*uint64(nDims)+uint64(nameLen) > r.remaining() {
			p.trailing(at, rem, fmt.Sprintf("not a tensor record: n_dims %d, name length %d", nDims, nameLen))
			return nil
		}
		if err := p.tensor(at, nDims, nameLen, typ); err != nil {
			return err
		}
	}
}

func (p *legacyParser) trailing(at int64, n uint64, why string) {
	p.add(formats.NewFinding(RuleGGMLTrailing, at, "%d bytes after the last tensor of the %s (%s)", n, p.fmt.layout, why).
		With("trailing", strconv.FormatUint(n, 10)))
}

// tensor reads one record whose header fits the file and skips its data.
func (p *legacyParser) tensor(at int64, nDims, nameLen, typ int32) error {
	r := p.r
	bad := func(format string, args ...any) {
		p.add(formats.NewFinding(RuleGGMLTensor, at, format, args...))
	}
	var dims []int64
	for range nDims {
		v, err := r.u32("tensor dims")
		if err != nil {
			return err
		}
		d := int64(int32(v))
		if !p.fmt.int32Count {
			d = int64(v) // llama.cpp reads unsigned dimensions
		}
		dims = append(dims, d)
	}
	raw, err := r.bytes(uint64(nameLen), p.name, "tensor name")
	if err != nil {
		return err
	}
	name := string(raw)
	show := truncate(strconv.Quote(name), 80)
	if nameLen >= maxName {
		bad("tensor name %s of %d bytes; ggml allows at most %d", show, nameLen, maxName-1)
	}
	if strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		bad("tensor name %s contains control characters", show)
	}
	if prev, dup := p.names[name]; dup {
		p.add(formats.NewFinding(RuleGGMLDuplicate, at, "tensor name %s appears twice (first at offset %d)", show, prev).With("name", truncate(name, 80)))
	} else {
		p.names[name] = at
	}
	if nDims > maxDims {
		// whisper.cpp and llama.cpp read the dimensions into a 4-element
		// array, so the record itself is an out-of-bounds write.
		bad("tensor %s has %d dimensions; ggml loaders hold at most %d", show, nDims, maxDims)
		return fmt.Errorf("tensor %s: %d dimensions", show, nDims)
	}
	for j, d := range dims {
		if d < 0 {
			bad("tensor %s dimension %d is negative (%d)", show, j, d)
			return fmt.Errorf("tensor %s: negative dimension", show)
		}
	}
	gt, known := ggmlTypes[uint32(typ)]
	if !known || typ < 0 {
		bad("tensor %s has unknown or removed ggml type %d", show, typ)
		return fmt.Errorf("tensor %s: ggml type %d", show, typ)
	}
	if !p.fmt.quantized && typ > 1 {
		return fmt.Errorf("tensor %s is %s: quantized blocks of %s files before ggml quantization version 2 are not modelled: %w", show, gt.name, p.fmt.layout, formats.ErrUnsupported)
	}
	nbytes, elems, ok := legacyBytes(dims, gt)
	if !ok {
		bad("tensor %s of shape %v is not a whole number of %s blocks or its size overflows", show, dims, gt.name)
		return fmt.Errorf("tensor %s: shape %v", show, dims)
	}
	if p.facts != nil {
		p.facts.add(gt.name, elems)
	}
	if p.fmt.int32Count && elems > math.MaxInt32 {
		bad("tensor %s has %d elements; whisper.cpp's loader counts them in an int32, which wraps", show, elems)
	}
	start, ok := pad(uint64(r.pos), p.fmt.align)
	end, carry := bits.Add64(start, nbytes, 0)
	if !ok || carry != 0 || end > uint64(r.size) {
		p.add(formats.NewFinding(RuleGGMLRange, at, "tensor %s data [%d, +%d) reaches past the end of the file (%d bytes)", show, start, nbytes, r.size).
			With("name", truncate(name, 80)))
		r.seek(r.size)
		return nil
	}
	return r.skip(end-uint64(r.pos), "tensor data")
}

// legacyBytes is the byte size and element count of a contiguous tensor,
// with checked arithmetic.
func legacyBytes(dims []int64, gt ggmlType) (nbytes, elems uint64, ok bool) {
	// A scalar (no dimensions, as whisper.cpp's VAD converter writes a
	// squeezed bias) is one element.
	if len(dims) > 0 && uint64(dims[0])%gt.block != 0 || len(dims) == 0 && gt.block != 1 {
		return 0, 0, false
	}
	elems = 1
	for _, d := range dims {
		hi, lo := bits.Mul64(elems, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, 0, false
		}
		elems = lo
	}
	hi, lo := bits.Mul64(elems/gt.block, gt.size)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, 0, false
	}
	return lo, elems, true
}

// zipEnd reports a zip end record at the end of the file.
func (p *legacyParser) zipEnd() error {
	n := min(int64(formats.TailSize), p.r.size)
	if n < 22 {
		return nil
	}
	tail := make([]byte, n)
	if _, err := p.r.ra.ReadAt(tail, p.r.size-n); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read file tail: %w", &formats.ReadError{Err: err})
	}
	if formats.HasZipEnd(tail) {
		p.add(formats.NewFinding(RuleGGMLPolyglot, p.r.size-n+int64(bytes.LastIndex(tail, []byte("PK\x05\x06"))), "zip end record at the end of the GGML file: zip readers see an archive"))
	}
	return nil
}

// Package safetensors analyzes safetensors files: it applies the reference
// loader's header validation exactly (header length, strict UTF-8 JSON,
// known dtypes, shape × dtype size, contiguous offsets covering the file)
// and stricter checks (duplicate keys, unexpected keys, hidden names,
// padding, polyglots), and checks sharded-model indexes (CheckIndex).
//
// Only the header is parsed. Tensor data is never read, except the few
// hundred bytes at the start of the data region and of byte-typed tensors,
// and the end record area at the end of the file, which the polyglot
// check needs.
package safetensors

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.Safetensors, formats.AnalyzerFunc(Analyze))
}

const (
	// probeBytes is how much of the data region, and of each probed
	// tensor, the polyglot check reads.
	probeBytes = 512
	// maxProbedTensors caps the byte-typed tensors whose start is probed.
	maxProbedTensors = 64
)

// Analyze checks one safetensors input.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("safetensors %s: %w", in.Name, err)
	}
	h, err := ReadHeader(ctx, ra, size, s.Report)
	if err != nil {
		return fmt.Errorf("safetensors %s: %w", in.Name, err)
	}
	checkLayout(h, size, s.Report)
	return checkPolyglot(ctx, in.Name, ra, size, h, s)
}

// ReadHeader reads the length and the JSON header of a safetensors file of
// size bytes and reports what is wrong with them. It returns an error when
// the header cannot be read as a JSON object.
func ReadHeader(ctx context.Context, ra io.ReaderAt, size int64, report func(formats.Finding)) (*Header, error) {
	if size < 8 {
		report(formats.NewFinding(RuleHeaderLength, 0, "file is %d bytes, shorter than the 8-byte header length", size))
		return nil, fmt.Errorf("%w: file of %d bytes", ErrHeader, size)
	}
	var lb [8]byte
	if _, err := ra.ReadAt(lb[:], 0); err != nil {
		return nil, fmt.Errorf("read header length: %w", &formats.ReadError{Err: err})
	}
	n := binary.LittleEndian.Uint64(lb[:])
	switch {
	case n > MaxHeader:
		report(formats.NewFinding(RuleHeaderLength, 0, "header length %d exceeds the reference limit of %d bytes", n, MaxHeader).
			With("length", strconv.FormatUint(n, 10)))
		return nil, fmt.Errorf("%w: header length %d over %d", ErrHeader, n, MaxHeader)
	case n > uint64(size-8):
		report(formats.NewFinding(RuleHeaderLength, 0, "header length %d reaches past the end of the %d-byte file", n, size).
			With("length", strconv.FormatUint(n, 10)))
		return nil, fmt.Errorf("%w: header length %d beyond file of %d bytes", ErrHeader, n, size)
	}
	return ParseHeader(ctx, io.NewSectionReader(ra, 8, int64(n)), n, report)
}

// TensorNames returns the names in a safetensors file's header, for
// building the ShardInfo that CheckIndex needs.
func TensorNames(ctx context.Context, ra io.ReaderAt, size int64) (map[string]bool, error) {
	h, err := ReadHeader(ctx, ra, size, func(formats.Finding) {})
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(h.Tensors))
	for _, t := range h.Tensors {
		names[t.Name] = true
	}
	return names, nil
}

// nbytes is the byte size the reference computes for a tensor, with its
// failure reason.
func nbytes(t Tensor) (uint64, string) {
	b, known := dtypeBits[t.Dtype]
	if !known {
		return 0, "unknown dtype"
	}
	n := uint64(1)
	for _, d := range t.Shape {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, "element count overflows 64 bits"
		}
		n = lo
	}
	hi, lo := bits.Mul64(n, b)
	if hi != 0 {
		return 0, "bit size overflows 64 bits"
	}
	if lo%8 != 0 {
		return 0, fmt.Sprintf("%d bits is not a whole number of bytes", lo)
	}
	return lo / 8, ""
}

// checkLayout applies the reference loader's offset, size and coverage
// rules to the tensors as the reference sees them.
func checkLayout(h *Header, size int64, report func(formats.Finding)) {
	sorted := slices.Clone(h.Tensors)
	slices.SortStableFunc(sorted, func(a, b Tensor) int {
		if c := cmp.Compare(a.Begin, b.Begin); c != 0 {
			return c
		}
		return cmp.Compare(a.End, b.End)
	})
	counts := map[string]int{}
	add := func(f formats.Finding) {
		counts[f.Rule]++
		if counts[f.Rule] <= reportCap {
			report(f)
		}
	}
	var next, maxEnd uint64
	for _, t := range sorted {
		switch {
		case t.End < t.Begin:
			add(formats.NewFinding(RuleOffsets, t.At, "tensor %q ends (%d) before it begins (%d)", t.Name, t.End, t.Begin).With("name", t.Name))
		case t.Begin < next:
			add(formats.NewFinding(RuleOffsets, t.At, "tensor %q at [%d, %d) overlaps the previous tensor, which ends at %d", t.Name, t.Begin, t.End, next).With("name", t.Name))
		case t.Begin > next:
			add(formats.NewFinding(RuleOffsets, t.At, "gap of %d bytes before tensor %q at [%d, %d)", t.Begin-next, t.Name, t.Begin, t.End).With("name", t.Name))
		}
		if t.End >= t.Begin {
			want, why := nbytes(t)
			switch {
			case why == "unknown dtype":
			case why != "":
				add(formats.NewFinding(RuleSize, t.At, "tensor %q: %s", t.Name, why).With("name", t.Name))
			case want != t.End-t.Begin:
				add(formats.NewFinding(RuleSize, t.At, "tensor %q holds %d bytes but %s%v needs %d", t.Name, t.End-t.Begin, t.Dtype, t.Shape, want).With("name", t.Name))
			}
		}
		next = max(next, t.End)
		maxEnd = max(maxEnd, t.End)
	}
	for r, n := range counts {
		if n > reportCap {
			report(formats.NewFinding(r, formats.NoOffset, "%d more findings of this rule not shown", n-reportCap))
		}
	}
	dataLen := uint64(size) - h.DataStart()
	switch {
	case maxEnd < dataLen:
		report(formats.NewFinding(RuleCoverage, int64(h.DataStart()+maxEnd), "%d bytes after the last tensor; the reference loader rejects trailing data", dataLen-maxEnd).
			With("trailing", strconv.FormatUint(dataLen-maxEnd, 10)))
	case maxEnd > dataLen:
		report(formats.NewFinding(RuleCoverage, formats.NoOffset, "tensors reach %d bytes past the end of the file", maxEnd-dataLen))
	}
}

// embeddable are the formats whose presence inside tensor data is worth a
// finding: code-carrying or model formats, executables, and archives with
// magic numbers long enough that weights do not produce them by chance.
var embeddable = map[string]bool{
	formats.Pickle: true, formats.Zip: true, formats.NumPy: true, formats.GGUF: true, formats.GGML: true,
	formats.Executable: true, formats.SevenZip: true, formats.XZ: true, formats.Bzip2: true,
	formats.Zstd: true, formats.HDF5: true, formats.TFLite: true,
}

// checkPolyglot looks for another format at the start of the data region
// and of byte-typed tensors, and for a zip end record at the end of the
// file. Embedded formats are handed to the engine as members.
func checkPolyglot(ctx context.Context, name string, ra io.ReaderAt, size int64, h *Header, s formats.Scope) error {
	start := int64(h.DataStart())
	if start >= size {
		return nil
	}
	offsets := []int64{start}
	probed := 0
	for _, t := range h.Tensors {
		if probed >= maxProbedTensors {
			break
		}
		switch t.Dtype {
		case "U8", "I8", "BOOL":
		default:
			continue
		}
		if t.End <= t.Begin || t.Begin == 0 || t.Begin >= uint64(size-start) {
			continue
		}
		offsets = append(offsets, start+int64(t.Begin))
		probed++
	}
	slices.Sort(offsets)
	offsets = slices.Compact(offsets)
	for _, off := range offsets {
		if err := ctx.Err(); err != nil {
			return err
		}
		head := make([]byte, min(probeBytes, size-off))
		if _, err := ra.ReadAt(head, off); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read tensor data at %d: %w", off, &formats.ReadError{Err: err})
		}
		kind := embedded(head, size-off)
		if kind == "" {
			continue
		}
		s.Report(formats.NewFinding(RulePolyglot, off, "tensor data at offset %d is a %s", off, kind).With("format", kind))
		member := formats.NewInput(fmt.Sprintf("data@%d", off), io.NewSectionReader(ra, off, size-off), size-off)
		if err := s.Scan(ctx, member); err != nil {
			return fmt.Errorf("scan %s embedded in %s: %w", kind, name, err)
		}
	}
	return checkZipEnd(ra, size, start, s)
}

// embedded names the format head starts with, after structural checks
// strong enough that random weights do not pass them.
func embedded(head []byte, size int64) string {
	for _, f := range formats.Sniff(formats.Head{Prefix: head, Size: size}) {
		if !embeddable[f] {
			continue
		}
		switch f {
		case formats.Pickle:
			if !pickleStart(head) {
				continue
			}
		case formats.Zip:
			if !zipLocalHeader(head) {
				continue
			}
		}
		return f
	}
	return ""
}

// pickleStart accepts a PROTO 2-5 opcode followed by an opcode that real
// pickles open with; two random bytes match PROTO alone too often.
func pickleStart(p []byte) bool {
	if len(p) < 3 || p[0] != 0x80 || p[1] < 2 || p[1] > 5 {
		return false
	}
	return bytes.IndexByte([]byte("\x95}](cX\x8cqKJM)NU\x8a\x8e\x93"), p[2]) >= 0
}

// zipLocalHeader checks a local file header's version and name length.
func zipLocalHeader(p []byte) bool {
	if len(p) < 30 || !bytes.HasPrefix(p, []byte("PK\x03\x04")) {
		return false
	}
	version := binary.LittleEndian.Uint16(p[4:])
	nameLen := binary.LittleEndian.Uint16(p[26:])
	return version <= 63 && nameLen > 0 && nameLen <= 4096
}

// checkZipEnd reports a zip end-of-central-directory record at the end of
// the file whose central directory lies inside the file where it says.
// The engine's sniff already analyzes such a file as a zip too, so the
// archive is not scanned again here.
func checkZipEnd(ra io.ReaderAt, size, dataStart int64, s formats.Scope) error {
	n := min(int64(formats.TailSize), size-dataStart)
	if n < 22 {
		return nil
	}
	tail := make([]byte, n)
	if _, err := ra.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read file tail: %w", &formats.ReadError{Err: err})
	}
	if !formats.HasZipEnd(tail) {
		return nil
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	for i >= 0 && i+22+int(binary.LittleEndian.Uint16(tail[i+20:])) != len(tail) {
		i = bytes.LastIndex(tail[:i], []byte("PK\x05\x06"))
	}
	if i < 0 {
		return nil
	}
	eocd := size - n + int64(i)
	cdSize := int64(binary.LittleEndian.Uint32(tail[i+12:]))
	cdOff := int64(binary.LittleEndian.Uint32(tail[i+16:]))
	if cdOff != 0xFFFFFFFF {
		if cdOff+cdSize > eocd {
			return nil
		}
		var sig [4]byte
		if _, err := ra.ReadAt(sig[:], cdOff); err != nil {
			return fmt.Errorf("read zip central directory: %w", &formats.ReadError{Err: err})
		}
		if string(sig[:]) != "PK\x01\x02" && cdSize != 0 {
			return nil
		}
	}
	s.Report(formats.NewFinding(RulePolyglot, eocd, "zip end record at the end of the file: zip readers (zipfile, torch.load) see an archive").With("format", formats.Zip))
	return nil
}

// Package numpy analyzes NumPy .npy files: it reads the header the way
// numpy 1.24's np.load does (its Python dict literal with a literal-only
// parser that is never evaluated, the dtype as descr_to_dtype and np.dtype
// build it), checks the declared shape and dtype against the bytes
// present, and hands the pickle that follows an object-dtype header back
// to the engine, because np.load(allow_pickle=True) would unpickle it.
// When it cannot read a header exactly as numpy would, it hands the data
// back as a possible pickle all the same and the file stays inconclusive.
// It never reads array data into memory. (.npz files are zips of .npy members: the zip analyzer hands
// each member back, and it arrives here.)
package numpy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
)

// Rule IDs.
const (
	RuleObjectArray = "MG301"
	RuleHeader      = "MG302"
	RuleSize        = "MG303"
	RuleTrailing    = "MG304"
)

// maxHeader is numpy's _MAX_HEADER_SIZE: np.load refuses longer headers
// unless the caller raises max_header_size.
const maxHeader = 10_000

// hardMaxHeader bounds what this analyzer reads as a header at all.
const hardMaxHeader = 1 << 20

func init() {
	formats.RegisterRule(formats.Rule{
		ID: RuleObjectArray, Severity: formats.Info,
		Title: "NumPy object array: the data is a pickle",
		Doc: "The array's dtype holds Python objects, so its data is a pickle that np.load unpickles when " +
			"called with allow_pickle=True (the default before NumPy 1.16.3, CVE-2019-6446, and still " +
			"passed by many libraries). modelgate scans that pickle like any other; its findings appear " +
			"under this file. Prefer numeric dtypes for weights.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleHeader, Severity: formats.Medium,
		Title: "NumPy header is malformed or unusual",
		Doc: "The .npy header is not what numpy.save writes: an unknown format version, a header longer " +
			"than NumPy's 10,000-character limit, keys other than descr/fortran_order/shape, or a key given " +
			"twice. Loaders disagree on such files, which is what disguised payloads rely on. " +
			"Re-export the array with numpy.save.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleSize, Severity: formats.Medium,
		Title: "NumPy shape does not match the bytes present",
		Doc: "The shape and dtype in the header call for a different number of data bytes than the file " +
			"holds. A shape far larger than the data makes loaders allocate huge buffers (a " +
			"denial-of-service), and a truncated file is corrupt. Re-export the array.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleTrailing, Severity: formats.Medium,
		Title: "Data after the end of a NumPy array",
		Doc: "Bytes follow the array's data. np.load ignores them, so they are a place to hide a payload " +
			"from tools that read the array only; modelgate analyzes them as a file of their own. " +
			"A lone line ending (\\n or \\r\\n, added by an editor or git) is reported low: it can hide " +
			"nothing. Re-export the array with numpy.save.",
	})
	formats.Register(formats.NumPy, formats.AnalyzerFunc(analyze))
}

// Header is a parsed .npy header.
type Header struct {
	Major, Minor int
	Descr        any // a string, or a list of field tuples for structured dtypes
	FortranOrder bool
	Shape        []int64
	// DataOffset is where the array data starts.
	DataOffset int64
}

func analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	rc, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	h, err := readHeader(br, s)
	if err != nil {
		if h != nil {
			return unreadable(ctx, in, h, s, err)
		}
		return err
	}
	d, err := descrToDtype(h.Descr, 0)
	if err != nil {
		return unreadable(ctx, in, h, s, fmt.Errorf("npy descr: %w", err))
	}
	if d.object {
		// read_array unpickles before it looks at the shape's size.
		s.Report(formats.NewFinding(RuleObjectArray, h.DataOffset,
			"object array (descr %v): its data is a pickle", h.Descr))
		if _, err := br.Peek(1); err == io.EOF {
			// pickle.load of nothing raises: np.load refuses the file, so
			// it is not a clean array (a cut-off download, or a file made
			// to look harmless).
			return errors.New("npy object array with no data after the header: np.load fails unpickling it")
		}
		return s.Scan(ctx, rest(in, h.DataOffset, "object-array.pkl"))
	}
	want, ok := int64(1), true
	for _, n := range h.Shape {
		if n < 0 {
			return fmt.Errorf("npy shape %v: negative dimension", h.Shape)
		}
		want, ok = mulCheck(want, n, ok)
	}
	want, ok = mulCheck(want, d.size, ok)
	have, err := remaining(ctx, in, br, h.DataOffset)
	if err != nil {
		return err
	}
	switch {
	case !ok || want > have:
		s.Report(formats.NewFinding(RuleSize, h.DataOffset,
			"shape %v of %v needs more data bytes than the %d present", h.Shape, h.Descr, have))
	case want < have:
		f := formats.NewFinding(RuleTrailing, h.DataOffset+want,
			"%d bytes after the array's %d data bytes", have-want, want)
		if lineEnding(in, h.DataOffset+want, have-want) {
			// A text tool's line ending (an editor, git's eol conversion) has
			// no room for anything a reader could be handed.
			f = f.At(formats.Low)
		}
		s.Report(f)
		return s.Scan(ctx, rest(in, h.DataOffset+want, "trailing-data"))
	}
	return nil
}

// lineEnding reports whether the n bytes at off are a lone "\n" or "\r\n".
// Only random-access inputs are read; a stream says no.
func lineEnding(in *formats.Input, off, n int64) bool {
	if n > 2 || !in.RandomAccess() {
		return false
	}
	ra, _, err := in.ReaderAt(0)
	if err != nil {
		return false
	}
	b := make([]byte, n)
	if _, err := ra.ReadAt(b, off); err != nil {
		return false
	}
	return string(b) == "\n" || string(b) == "\r\n"
}

// unreadable handles a header whose length is known but whose content
// modelgate cannot read as numpy does. numpy may still read it, and when
// its dtype holds objects np.load(allow_pickle=True) unpickles the data,
// so the data is analyzed as a pickle; the input stays inconclusive.
func unreadable(ctx context.Context, in *formats.Input, h *Header, s formats.Scope, cause error) error {
	if in.Size >= 0 && in.Size <= h.DataOffset {
		return cause // no data: nothing to unpickle
	}
	if err := s.Scan(ctx, rest(in, h.DataOffset, "object-array.pkl")); err != nil {
		return err
	}
	return cause
}

// readHeader reads the magic, version and header the way numpy 1.24's
// read_magic and _read_array_header do. Once the header's length is known
// it returns the Header (with DataOffset) even when it also returns an
// error about the header's content.
func readHeader(br *bufio.Reader, s formats.Scope) (*Header, error) {
	var pre [10]byte
	if _, err := io.ReadFull(br, pre[:8]); err != nil {
		return nil, fmt.Errorf("npy preamble: %w", err)
	}
	if !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return nil, errors.New("npy: missing magic")
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	var n int64
	switch h.Major {
	case 1:
		if _, err := io.ReadFull(br, pre[8:10]); err != nil {
			return nil, fmt.Errorf("npy header length: %w", err)
		}
		n, h.DataOffset = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return nil, fmt.Errorf("npy header length: %w", err)
		}
		n, h.DataOffset = int64(binary.LittleEndian.Uint32(l[:])), 12
	default:
		return nil, fmt.Errorf("npy: unknown format version %d.%d", h.Major, h.Minor)
	}
	if h.Minor != 0 {
		s.Report(formats.NewFinding(RuleHeader, 6, "format version %d.%d: numpy reads only x.0", h.Major, h.Minor))
	}
	if n > hardMaxHeader {
		return nil, &formats.LimitError{Limit: "npy-header-bytes", Max: hardMaxHeader}
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(br, raw); err != nil {
		return nil, fmt.Errorf("npy header (%d bytes): %w", n, err)
	}
	hoff := h.DataOffset
	h.DataOffset += n
	var text string
	if h.Major == 3 {
		if !utf8.Valid(raw) {
			return h, errors.New("npy v3 header is not UTF-8")
		}
		text = string(raw)
	} else {
		// latin-1: every byte is the code point of the same value.
		r := make([]rune, len(raw))
		for i, b := range raw {
			r[i] = rune(b)
		}
		text = string(r)
	}
	// The limit counts decoded characters; with allow_pickle=True np.load
	// lifts it.
	if chars := utf8.RuneCountInString(text); chars > maxHeader {
		s.Report(formats.NewFinding(RuleHeader, hoff,
			"header of %d characters: np.load refuses headers over %d unless allow_pickle or max_header_size is given", chars, maxHeader))
	}
	lit, dup, err := parseLiteral(text, h.Major < 3)
	if err != nil {
		return h, fmt.Errorf("npy header literal: %w", err)
	}
	if dup {
		s.Report(formats.NewFinding(RuleHeader, hoff, "a header key appears twice: numpy keeps the last value, other readers the first"))
	}
	d, ok := lit.(dict)
	if !ok {
		return h, fmt.Errorf("npy header is a %T, not a dict", lit)
	}
	seen := map[string]bool{}
	for _, kv := range d {
		k, isStr := kv.key.(string)
		switch {
		case isStr && k == "descr":
			h.Descr = kv.val
		case isStr && k == "fortran_order":
			b, ok := kv.val.(bool)
			if !ok {
				return h, fmt.Errorf("npy fortran_order is %v, not a bool", kv.val)
			}
			h.FortranOrder = b
		case isStr && k == "shape":
			t, ok := kv.val.(tuple)
			if !ok {
				return h, fmt.Errorf("npy shape is %v, not a tuple", kv.val)
			}
			for _, e := range t {
				switch e := e.(type) {
				case int64:
					h.Shape = append(h.Shape, e)
				case bool: // isinstance(True, int)
					h.Shape = append(h.Shape, map[bool]int64{false: 0, true: 1}[e])
				default:
					return h, fmt.Errorf("npy shape %v: dimensions must be integers numpy can count", kv.val)
				}
			}
		default:
			s.Report(formats.NewFinding(RuleHeader, hoff, "unexpected header key %v: numpy refuses the file", kv.key))
			continue
		}
		seen[k] = true
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("npy header lacks %q", k)
		}
	}
	return h, nil
}

// rest is the input from off to its end, as a member of its own.
func rest(in *formats.Input, off int64, name string) *formats.Input {
	if in.RandomAccess() {
		ra, size, _ := in.ReaderAt(0)
		return formats.NewInput(name, io.NewSectionReader(ra, off, size-off), size-off)
	}
	size := int64(-1)
	if in.Size >= 0 {
		size = in.Size - off
	}
	return formats.NewStreamInput(name, size, 0, func() (io.ReadCloser, error) {
		rc, err := in.Open()
		if err != nil {
			return nil, err
		}
		if _, err := io.CopyN(io.Discard, rc, off); err != nil {
			rc.Close()
			return nil, fmt.Errorf("skip to offset %d: %w", off, err)
		}
		return rc, nil
	})
}

// remaining counts the data bytes after the header: from the size when
// known, else by reading through them.
func remaining(ctx context.Context, in *formats.Input, br *bufio.Reader, off int64) (int64, error) {
	if in.Size >= 0 {
		return in.Size - off, nil
	}
	var n int64
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := br.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, &formats.ReadError{Err: err}
		}
	}
}

// mulCheck multiplies non-negative a and b, reporting overflow past 2^62.
func mulCheck(a, b int64, ok bool) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if !ok || hi != 0 || lo > 1<<62 {
		return 0, false
	}
	return int64(lo), true
}

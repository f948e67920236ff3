package formats

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/ulikunitz/xz/lzma"
)

// Head is what Sniff looks at: the first bytes of a file and, for formats
// found by a trailer (zip), its last bytes.
type Head struct {
	Name   string
	Size   int64
	Prefix []byte // the first min(Size, HeadSize) bytes
	Suffix []byte // the last min(Size, TailSize) bytes; may overlap Prefix
}

// HeadSize and TailSize are how much of a file Sniff reads. TailSize covers
// a zip end record with the longest possible comment, and is the window
// Python's zipfile searches for one (1<<16 + 22 bytes, one more).
const (
	HeadSize = 64 << 10
	TailSize = 22 + 1<<16
)

// ReadHead reads the head and tail of a random-access input, or the head
// of a stream (whose tail is then empty: zips inside streams are found by
// their leading local header).
func ReadHead(in *Input) (Head, error) {
	h := Head{Name: in.Name, Size: in.Size}
	if in.RandomAccess() {
		n := min(in.Size, HeadSize)
		h.Prefix = make([]byte, n)
		got, err := in.ra.ReadAt(h.Prefix, 0)
		if err != nil && err != io.EOF {
			return h, &ReadError{err}
		}
		if _, cached := in.ra.(*headReaderAt); !cached && got > 0 {
			in.ra = &headReaderAt{ra: in.ra, head: slices.Clone(h.Prefix[:got])}
		}
		t := min(in.Size, TailSize)
		if t <= n && in.Size <= HeadSize {
			h.Suffix = h.Prefix[in.Size-t:]
			return h, nil
		}
		h.Suffix = make([]byte, t)
		if _, err := in.ra.ReadAt(h.Suffix, in.Size-t); err != nil && err != io.EOF {
			return h, &ReadError{err}
		}
		return h, nil
	}
	rc, err := in.Open()
	if err != nil {
		return h, &ReadError{err}
	}
	defer rc.Close()
	buf := make([]byte, HeadSize)
	n, err := io.ReadFull(rc, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return h, &ReadError{err}
	}
	h.Prefix = buf[:n]
	if n < HeadSize {
		h.Size, h.Suffix = int64(n), h.Prefix
	}
	return h, nil
}

// headReaderAt serves reads of an input's first bytes from the head
// ReadHead read, so that an analyzer reading the input from its start
// does not read them from the origin again (DESIGN.md: one read pass per
// file). Only the head is served: a zip entry computes its CRC, and the
// engine its SHA-256, from reads that advance in order from the start,
// which the head read itself was.
type headReaderAt struct {
	ra   io.ReaderAt
	head []byte
}

func (h *headReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(h.head)) {
		return h.ra.ReadAt(p, off)
	}
	n := copy(p, h.head[off:])
	if n == len(p) {
		return n, nil
	}
	m, err := h.ra.ReadAt(p[n:], int64(len(h.head)))
	return n + m, err
}

// Probe decides whether h is of a format whose test is more than a magic
// number (a protocol-0 pickle, say). Probes must be cheap and bounded by h.
type Probe func(h Head) bool

var (
	probeMu sync.RWMutex
	probes  = map[string]Probe{}
)

// RegisterProbe adds a structural test for format to Sniff, alongside the
// built-in magic numbers. The analyzer package for a format registers its
// probe when its magic alone cannot identify every file.
func RegisterProbe(format string, p Probe) {
	probeMu.Lock()
	defer probeMu.Unlock()
	probes[format] = p
}

// probed runs the probes of formats Sniff has no built-in test for, in
// name order, and names those that accept h.
func probed(h Head) []string {
	probeMu.RLock()
	names := make([]string, 0, len(probes))
	for n := range probes {
		if n != Pickle && n != ONNX {
			names = append(names, n)
		}
	}
	probeMu.RUnlock()
	slices.Sort(names)
	var out []string
	for _, n := range names {
		if probe(n, h) {
			out = append(out, n)
		}
	}
	return out
}

func probe(format string, h Head) bool {
	probeMu.RLock()
	p := probes[format]
	probeMu.RUnlock()
	return p != nil && p(h)
}

// Sniff names every format h can be read as, most specific first: the
// format at offset 0, then readings a loader could take from elsewhere in
// the file (a zip found by its end record behind a pickle). An empty result
// means the bytes match no model, pickle or container format.
func Sniff(h Head) []string {
	p := h.Prefix
	var out []string
	add := func(f string) {
		for _, have := range out {
			if have == f {
				return
			}
		}
		out = append(out, f)
	}
	switch {
	case isTorchLegacy(p):
		add(TorchLegacy)
	case len(p) >= 2 && p[0] == 0x80 && p[1] <= 5:
		// A safetensors header length of 128 + 256k (k <= 5) bytes also
		// starts with a PROTO opcode; it is a pickle only if what follows
		// the PROTO parses as one.
		if !isSafetensors(p, h.Size) || probe(Pickle, Head{Name: h.Name, Size: h.Size - 2, Prefix: p[2:]}) {
			add(Pickle)
		}
	case bytes.HasPrefix(p, []byte("PK\x03\x04")), bytes.HasPrefix(p, []byte("PK\x05\x06")), bytes.HasPrefix(p, []byte("PK\x07\x08")):
		add(Zip)
	case bytes.HasPrefix(p, []byte("\x93NUMPY")):
		add(NumPy)
	case bytes.HasPrefix(p, []byte("GGUF")):
		add(GGUF)
	case isGGML(p):
		add(GGML)
	case bytes.HasPrefix(p, []byte("7z\xbc\xaf\x27\x1c")):
		add(SevenZip)
	case isGzip(p):
		add(Gzip)
	case len(p) >= 10 && bytes.HasPrefix(p, []byte("BZh")) && p[3] >= '1' && p[3] <= '9' && bytes.Equal(p[4:10], []byte("1AY&SY")):
		add(Bzip2)
	case bytes.HasPrefix(p, []byte("\xfd7zXZ\x00")):
		add(XZ)
	case bytes.HasPrefix(p, []byte("\x28\xb5\x2f\xfd")):
		add(Zstd)
	case isLZ4Frame(p), isLZ4Legacy(p):
		add(LZ4)
	case isLZMAAlone(p):
		add(LZMA)
	case isZFile(p):
		add(JoblibZFile)
	case isZlib(p):
		add(Zlib)
	case len(p) >= 8 && bytes.Equal(p[4:8], []byte("TFL3")):
		add(TFLite)
	case isExecutable(p):
		add(Executable)
	}
	if isSafetensors(p, h.Size) {
		add(Safetensors)
	}
	if hdf5Offset(p) >= 0 {
		add(HDF5)
	}
	if isTar(p) {
		add(Tar)
	}
	if len(out) == 0 || out[0] != Pickle && out[0] != TorchLegacy {
		if probe(Pickle, h) {
			// A protocol-0/1 pickle has no magic; the pickle package's
			// probe runs its machine over the head to decide.
			out = append([]string{Pickle}, out...)
		}
	}
	if len(out) == 0 {
		// Formats without a magic of their own (an XML model, a protobuf
		// with no file identifier) are identified by their packages'
		// probes before the generic protobuf test below, which would
		// otherwise take a Core ML model for ONNX.
		out = append(out, probed(h)...)
	}
	if len(out) == 0 {
		base := strings.ToLower(path.Base(h.Name))
		switch {
		case base == "saved_model.pb" && isSavedModel(p, h.Size):
			add(SavedModel)
		case isONNX(p) || probe(ONNX, h):
			add(ONNX)
		}
	}
	if probe(TFCheckpointIndex, h) {
		// Found by the magic at the end of its footer, like a zip.
		add(TFCheckpointIndex)
	}
	if HasZipEnd(h.Suffix) {
		add(Zip)
	}
	return out
}

// HasZipEnd reports whether tail holds a zip end-of-central-directory
// record (classic or zip64) whose comment length reaches exactly to the end,
// which is how zip readers that search from the end find it.
func HasZipEnd(tail []byte) bool {
	for i := len(tail) - 22; i >= 0; i-- {
		if tail[i] != 'P' || tail[i+1] != 'K' {
			continue
		}
		if tail[i+2] == 5 && tail[i+3] == 6 {
			clen := int(binary.LittleEndian.Uint16(tail[i+20:]))
			if i+22+clen == len(tail) {
				return true
			}
		}
	}
	return false
}

// torchMagic is PyTorch's legacy magic number 0x1950a86a20f9469cfc6c as
// pickle's LONG1 writes it (little-endian, 10 bytes).
const torchMagic = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

// isTorchLegacy recognises the first pickle of a legacy torch.save file:
// the magic number, at any protocol, as the whole of the first pickle.
func isTorchLegacy(p []byte) bool {
	if bytes.HasPrefix(p, []byte("L119547037146038801333356L\n.")) {
		return true
	}
	if len(p) >= 2 && p[0] == 0x80 {
		p = p[2:]
	}
	if len(p) >= 9 && p[0] == 0x95 {
		p = p[9:]
	}
	return bytes.HasPrefix(p, []byte("\x8a\x0a"+torchMagic+"."))
}

func isGGML(p []byte) bool {
	if len(p) < 4 {
		return false
	}
	switch string(p[:4]) {
	case "lmgg", "fmgg", "tjgg", "algg", "ggml", "ggmf", "ggjt", "ggla":
		return true
	}
	return false
}

// isLZMAAlone recognises an .lzma (LZMA-alone) file: a props byte
// (lc/lp/pb; 0x5D is what every encoder writes by default), a dictionary
// size, a 64-bit uncompressed size or all ones, then a range-coded stream,
// whose first byte is always zero, that decodes as far as the head goes.
// The 13-byte header alone matches ordinary data: the protocol-1 pickle
// ](J\0\0\0\0M\0\0M\0\0e. of [0, 0, 0] passes it.
func isLZMAAlone(p []byte) bool {
	if len(p) < 14 || p[0] != 0x5d || p[13] != 0 {
		return false
	}
	dict := binary.LittleEndian.Uint32(p[1:5])
	size := binary.LittleEndian.Uint64(p[5:13])
	if dict < 1<<12 || dict > 1<<30 || size != ^uint64(0) && size >= 1<<48 {
		return false
	}
	// Decoding at most sniffDecode bytes looks back at most that far: a
	// dictionary of that size decodes them, whatever the header asks for.
	h := bytes.Clone(p[:13])
	binary.LittleEndian.PutUint32(h[1:5], min(dict, sniffDecode))
	r, err := lzma.NewReader(io.MultiReader(bytes.NewReader(h), bytes.NewReader(p[13:])))
	if err != nil {
		return len(p) < 18 // the head ends inside the range coder's start
	}
	return decodesAsFar(r)
}

// sniffDecode is how much output proves a weak magic's stream decodes (and
// bounds what a bomb costs the sniffer).
const sniffDecode = 1 << 20

// decodesAsFar reports whether r yields sniffDecode bytes, or ends (the
// stream, or the head, which may stop mid-stream) without other error.
func decodesAsFar(r io.Reader) bool {
	_, err := io.CopyN(io.Discard, r, sniffDecode)
	return err == nil || err == io.EOF || err == io.ErrUnexpectedEOF
}

// isGzip recognises a gzip member: the three-byte magic, flags without
// the reserved bits, the optional header fields, and deflate data that
// decodes as far as the head goes. Three bytes match ordinary data: a
// safetensors header of 559,903 bytes starts 1f 8b 08.
func isGzip(p []byte) bool {
	if len(p) < 10 || !bytes.HasPrefix(p, []byte("\x1f\x8b\x08")) || p[3]&0xe0 != 0 {
		return false
	}
	flags, rest := p[3], p[10:]
	if flags&0x04 != 0 { // FEXTRA
		if len(rest) < 2 {
			return true // the head ends inside the header
		}
		n := int(binary.LittleEndian.Uint16(rest))
		if len(rest) < 2+n {
			return true
		}
		rest = rest[2+n:]
	}
	for _, bit := range []byte{0x08, 0x10} { // FNAME, FCOMMENT: NUL-terminated
		if flags&bit != 0 {
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				return true
			}
			rest = rest[i+1:]
		}
	}
	if flags&0x02 != 0 { // FHCRC
		if len(rest) < 2 {
			return true
		}
		rest = rest[2:]
	}
	r := flate.NewReader(bytes.NewReader(rest))
	defer r.Close()
	return decodesAsFar(r)
}

// isLZ4Frame recognises an LZ4 frame: its magic, then a frame descriptor
// of version 01 with the reserved bits clear and a known block size.
func isLZ4Frame(p []byte) bool {
	if len(p) < 7 || !bytes.HasPrefix(p, []byte("\x04\x22\x4d\x18")) {
		return false
	}
	flg, bd := p[4], p[5]
	return flg>>6 == 1 && flg&0x02 == 0 && bd&0x8f == 0 && bd>>4 >= 4
}

// isLZ4Legacy recognises the legacy LZ4 format (lz4 -l): its magic, then
// blocks of a 32-bit compressed length (at most LZ4's bound for 8 MiB) and
// LZ4 sequences. The sequences are followed as far as the head goes: each
// match must reach back no further than the output so far.
func isLZ4Legacy(p []byte) bool {
	if len(p) < 9 || !bytes.HasPrefix(p, []byte("\x02\x21\x4c\x18")) {
		return false
	}
	n := int64(binary.LittleEndian.Uint32(p[4:8]))
	if n == 0 || n > 8<<20+8<<20/255+16 {
		return false
	}
	b := p[8:min(int64(len(p)), 8+n)]
	var out int64
	for i := 0; i < len(b); {
		tok := b[i]
		i++
		lit := int64(tok >> 4)
		if lit == 15 {
			for i < len(b) {
				c := b[i]
				i++
				lit += int64(c)
				if c != 255 {
					break
				}
			}
		}
		i += int(min(lit, int64(len(b))+1))
		out += lit
		if i >= len(b) {
			// The last sequence is literals only; a head cut mid-block
			// ends here too.
			return i == len(b) || int64(len(b)) < n
		}
		if i+2 > len(b) {
			return int64(len(b)) < n
		}
		off := int64(binary.LittleEndian.Uint16(b[i:]))
		i += 2
		if off == 0 || off > out {
			return false
		}
		m := int64(tok&15) + 4
		if tok&15 == 15 {
			for i < len(b) {
				c := b[i]
				i++
				m += int64(c)
				if c != 255 {
					break
				}
			}
		}
		out += m
		if out > 8<<20 {
			return false
		}
	}
	return true
}

// isZlib recognises a zlib stream: a two-byte header (method 8, no preset
// dictionary, check bits) and deflate data that decodes as far as the head
// goes. The header alone matches one two-byte pair in 31 and so ordinary
// data (a protocol-0 pickle's "(S", a safetensors length of 376): a reading
// only counts when it decodes.
func isZlib(p []byte) bool {
	if len(p) < 2 || p[0]&0x0f != 8 || p[0]>>4 > 7 || p[1]&0x20 != 0 {
		return false
	}
	if (uint16(p[0])<<8|uint16(p[1]))%31 != 0 {
		return false
	}
	r := flate.NewReader(bytes.NewReader(p[2:]))
	defer r.Close()
	// Decoding 1 MiB is proof enough (and bounds a bomb's cost); the head
	// may end mid-stream; any other error is data that is not deflate.
	_, err := io.CopyN(io.Discard, r, 1<<20)
	return err == nil || err == io.EOF || err == io.ErrUnexpectedEOF
}

func isSafetensors(p []byte, size int64) bool {
	if len(p) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(p)
	if n < 2 || n > 100_000_000 || size >= 0 && n > uint64(size)-8 {
		return false
	}
	for _, c := range p[8:] {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

func isExecutable(p []byte) bool {
	switch {
	case bytes.HasPrefix(p, []byte("\x7fELF")):
		return true
	case bytes.HasPrefix(p, []byte("\xfe\xed\xfa\xce")), bytes.HasPrefix(p, []byte("\xfe\xed\xfa\xcf")),
		bytes.HasPrefix(p, []byte("\xce\xfa\xed\xfe")), bytes.HasPrefix(p, []byte("\xcf\xfa\xed\xfe")):
		return true
	case bytes.HasPrefix(p, []byte("MZ")) && len(p) >= 0x40:
		off := int(binary.LittleEndian.Uint32(p[0x3c:]))
		return off >= 0x40 && off+4 <= len(p) && bytes.Equal(p[off:off+4], []byte("PE\x00\x00"))
	}
	return false
}

// hdf5Offset returns where the HDF5 superblock signature sits (0, 512,
// 1024, ... as the format allows a user block), or -1.
func hdf5Offset(p []byte) int {
	const sig = "\x89HDF\r\n\x1a\n"
	for off := 0; off+len(sig) <= len(p); off = max(off*2, 512) {
		if string(p[off:off+len(sig)]) == sig {
			return off
		}
	}
	return -1
}

// isTar recognises a tar header block: a checksum that verifies (over
// unsigned or signed bytes, as Python's tarfile accepts either) and octal
// mode, size and mtime fields and a known type flag, as tar readers parse
// them. The "ustar" magic is not required (pre-POSIX v7 headers have none)
// and not enough (five bytes at offset 257 are ordinary data's too).
func isTar(p []byte) bool {
	if len(p) < 512 {
		return false
	}
	b := p[:512]
	if !tarChecksumOK(b) {
		return false
	}
	for _, f := range [][2]int{{100, 108}, {124, 136}, {136, 148}} { // mode, size, mtime
		if !tarNumeric(b[f[0]:f[1]]) {
			return false
		}
	}
	switch t := b[156]; {
	case t == 0, t >= '0' && t <= '7', t >= 'A' && t <= 'Z', t == 'g', t == 'x':
		return true
	}
	return false
}

// tarNumeric accepts an octal field as tar readers parse it (spaces,
// octal digits, NUL or space padding) or a base-256 one (first byte 0x80 or
// 0xff).
func tarNumeric(f []byte) bool {
	if f[0] == 0x80 || f[0] == 0xff {
		return true
	}
	t := bytes.TrimLeft(f, " ")
	end := bytes.IndexAny(t, " \x00")
	if end < 0 {
		end = len(t)
	}
	for _, c := range t[:end] {
		if c < '0' || c > '7' {
			return false
		}
	}
	for _, c := range t[end:] {
		if c != ' ' && c != 0 {
			return false
		}
	}
	return true
}

func tarChecksumOK(b []byte) bool {
	field := bytes.TrimRight(bytes.TrimLeft(b[148:156], " "), " \x00")
	if len(field) == 0 || b[0] == 0 {
		return false
	}
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var sum, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
		signed += int64(int8(c))
	}
	return sum == want || signed == want
}

// isSavedModel checks the SavedModel shape: field 1 (schema version) as a
// small varint, absent when 0 (TF1 Hub modules), then field 2 (a meta
// graph) length-delimited, its length within the file.
func isSavedModel(p []byte, size int64) bool {
	if len(p) >= 2 && p[0] == 0x08 && p[1] < 0x80 {
		p, size = p[2:], size-2
	}
	if len(p) < 2 || p[0] != 0x12 {
		return false
	}
	n, k := binary.Uvarint(p[1:])
	return k > 0 && (size < 0 || n <= uint64(max(size-1-int64(k), 0)))
}

// isONNX accepts a ModelProto's usual opening: ir_version (field 1, a
// small varint) followed by another ModelProto field. The ONNX analyzer
// confirms the structure.
func isONNX(p []byte) bool {
	if len(p) < 4 || p[0] != 0x08 || p[1] == 0 || p[1] > 0x20 {
		return false
	}
	switch p[2] {
	case 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72:
		return true
	}
	return false
}

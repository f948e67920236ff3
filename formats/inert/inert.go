// Package inert identifies the files of a model artifact that no model
// loader reads as a model or runs as code: text documents and configs,
// images, fonts, audio samples, PDF documents, SQLite databases, tokenizer
// vocabularies (including sentencepiece models, which are protobufs),
// SavedModel fingerprints, macOS Finder metadata, Hadoop checksum files and
// empty files. It also
// recognises Git LFS pointers, which are not inert: they stand for content
// that was never downloaded.
//
// The scanner consults it only for a file whose bytes match no model,
// pickle or container format, so a format identified by its bytes always
// wins over "inert". Identification is by bytes; a name is only a hint that
// picks a description, or (for the text formats that model frameworks
// interpret, such as TensorFlow pbtxt graphs and Caffe prototxt nets) takes
// the inert verdict away. It never executes, renders or decodes anything
// beyond the structure checks below, and it reads each file at most once
// from start to end.
package inert

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pyyaml"
)

// Class is what Identify made of a file.
type Class int

// Classes.
const (
	// Unidentified bytes match nothing known: the gate cannot vouch for
	// them (inconclusive, unsupported).
	Unidentified Class = iota
	// Inert bytes are of a kind no model loader runs or reads as weights.
	Inert
	// LFSPointer is a Git LFS pointer: the file's real content was never
	// downloaded, so it was never scanned.
	LFSPointer
)

// Identity is what Identify found: a class and a description a user can
// act on ("Markdown text", "PNG image", "unidentified binary data (4.1 MB,
// ...)").
type Identity struct {
	Class Class
	What  string
	// Format, for unidentified text, is the registered format that reads
	// it (formats.PyYAML for text with PyYAML python tags), or "".
	Format string
}

// maxControlPerMille is how many C0 control characters (other than tab,
// line breaks, form feed and escape) per thousand bytes text may hold.
// Real documents have none; a binary format that happens to be valid
// UTF-8 has many.
const maxControlPerMille = 10

// maxTagCarry bounds the bytes of a possible PyYAML tag that the text
// check carries from one chunk into the next.
const maxTagCarry = 64 << 10

// maxStructureBytes caps the protobuf files (sentencepiece models) read
// whole for a structure check; real tokenizer models are a few MB.
const maxStructureBytes = 64 << 20

// Identify classifies in, whose head Sniff matched to no format. When
// whole is false (a quick scan of a remote file) text is judged by its
// head and tail only, which are all Sniff read; otherwise the text check
// reads the whole file once, so a text head cannot hide a binary body.
func Identify(ctx context.Context, in *formats.Input, h formats.Head, whole bool) (Identity, error) {
	base := strings.ToLower(path.Base(in.Name))
	p := h.Prefix
	if h.Size == 0 || in.Size == 0 {
		return Identity{Class: Inert, What: "empty file"}, nil
	}
	if what, ok := lfsPointer(p, h.Size); ok {
		return Identity{Class: LFSPointer, What: what}, nil
	}
	id, err := classify(ctx, in, h, whole, base)
	if err == nil && id.Class == Inert && zipEnd(h.Suffix, h.Size) {
		// Python's zipfile, Java's and Go's zip readers look for the end
		// record in this window, wherever the format at offset 0 says the
		// file ends (an image, a tokenizer model's piece text).
		return Identity{Class: Unidentified, What: id.What + " that also holds a zip end record in its last 64 KB: zip readers open it as an archive"}, nil
	}
	return id, err
}

// classify identifies a non-empty file that is no LFS pointer.
func classify(ctx context.Context, in *formats.Input, h formats.Head, whole bool, base string) (Identity, error) {
	p := h.Prefix
	if what, ok, hidden, err := media(in, h); err != nil || ok {
		if hidden != "" {
			return Identity{Class: Unidentified, What: what + " " + hidden}, nil
		}
		return Identity{Class: Inert, What: what}, err
	}
	if ok, err := sentencePiece(ctx, in); err != nil || ok {
		return Identity{Class: Inert, What: "sentencepiece tokenizer model"}, err
	}
	if base == "fingerprint.pb" && fingerprint(p, h.Size) {
		return Identity{Class: Inert, What: "TensorFlow SavedModel fingerprint"}, nil
	}
	t, err := readText(ctx, in, h, whole)
	if err != nil {
		return Identity{}, err
	}
	if t.ok {
		if what := codeText(base, t); what != "" {
			id := Identity{Class: Unidentified, What: what}
			switch ext := path.Ext(base); {
			case t.pyYAML:
				id.Format = formats.PyYAML
			case ext == ".pbtxt" || ext == ".prototxt":
				id.Format = formats.ProtoText
			}
			return id, nil
		}
		return Identity{Class: Inert, What: describeText(base, p)}, nil
	}
	return Identity{Class: Unidentified, What: describeBinary(base, h, t)}, nil
}

// lfsPointer recognises a Git LFS pointer (at most 1024 bytes, by the
// spec) and says what it stands for.
func lfsPointer(p []byte, size int64) (string, bool) {
	if size > 1024 || !(bytes.HasPrefix(p, []byte("version https://git-lfs.github.com/spec/")) ||
		bytes.HasPrefix(p, []byte("version https://hawser.github.com/spec/v1"))) {
		return "", false
	}
	var oid, n string
	for _, line := range strings.Split(string(p), "\n") {
		if v, ok := strings.CutPrefix(line, "oid "); ok {
			oid = v
		}
		if v, ok := strings.CutPrefix(line, "size "); ok {
			n = v
		}
	}
	what := "Git LFS pointer"
	if oid != "" && n != "" {
		what += fmt.Sprintf(" to %s (%s bytes)", clip(oid, 80), clip(n, 20))
	}
	return what + ": the file's content was never downloaded, so it was not scanned; fetch it (git lfs pull) and scan again", true
}

// media recognises images, audio and PDF documents by their signatures
// and the structure that ends them, so that another format cannot hide
// behind an image's first bytes. hidden, when not "", says what room for
// something else a file whose structure checks out holds: it is not
// vouched for.
func media(in *formats.Input, h formats.Head) (what string, ok bool, hidden string, err error) {
	p, s := h.Prefix, h.Suffix
	switch {
	case bytes.HasPrefix(p, []byte("\x89PNG\r\n\x1a\n")):
		ok, hidden, err := pngChunks(in, h.Size)
		return "PNG image", ok, hidden, err
	case (bytes.HasPrefix(p, []byte("wOFF")) || bytes.HasPrefix(p, []byte("wOF2"))) && len(p) >= 12 &&
		int64(binary.BigEndian.Uint32(p[8:])) == h.Size:
		return "web font (WOFF)", true, "", nil
	case sfnt(p, h.Size):
		return "font (TrueType/OpenType)", true, "", nil
	case icon(p, h.Size):
		return "icon image (ICO)", true, "", nil
	case bytes.HasPrefix(p, []byte("SQLite format 3\x00")) && len(p) >= 100 && sqlitePages(p, h.Size):
		return "SQLite database", true, "", nil
	case bytes.HasPrefix(p, []byte("\xff\xd8\xff")) && bytes.HasSuffix(bytes.TrimRight(s, "\x00"), []byte("\xff\xd9")):
		hidden, err := jpegSegments(in)
		return "JPEG image", err == nil, hidden, err
	case (bytes.HasPrefix(p, []byte("GIF87a")) || bytes.HasPrefix(p, []byte("GIF89a"))) && bytes.HasSuffix(s, []byte(";")):
		return "GIF image", true, "", nil
	case riff(p, h.Size, "WEBP"):
		return "WebP image", true, "", nil
	case riff(p, h.Size, "WAVE"):
		return "WAV audio", true, "", nil
	case bytes.HasPrefix(p, []byte("fLaC")):
		return "FLAC audio", true, "", nil
	case bytes.HasPrefix(p, []byte("OggS\x00")):
		return "Ogg audio", true, "", nil
	case bytes.HasPrefix(p, []byte("ID3")) && len(p) >= 10 && p[3] <= 4:
		return "MP3 audio", true, "", nil
	case bytes.HasPrefix(p, []byte("%PDF-")) && bytes.Contains(s[max(len(s)-1024, 0):], []byte("%%EOF")):
		return "PDF document", true, "", nil
	case bytes.HasPrefix(p, []byte("\x00\x00\x00\x01Bud1")):
		return "macOS Finder metadata (.DS_Store)", true, "", nil
	case hadoopCRC(p, h.Size):
		return "Hadoop checksum file (.crc)", true, "", nil
	}
	return "", false, "", nil
}

// sfnt checks a TrueType or OpenType font's table directory: a known
// version, a table count whose search fields agree with it, and tables
// within the file.
func sfnt(p []byte, size int64) bool {
	if len(p) < 12 {
		return false
	}
	switch string(p[:4]) {
	case "\x00\x01\x00\x00", "OTTO", "true":
	default:
		return false
	}
	n := int(binary.BigEndian.Uint16(p[4:]))
	if n == 0 || n > 64 || len(p) < 12+16*n {
		return false
	}
	pow := 1
	for pow*2 <= n {
		pow *= 2
	}
	if int(binary.BigEndian.Uint16(p[6:])) != pow*16 {
		return false
	}
	for i := range n {
		e := p[12+16*i:]
		off, length := int64(binary.BigEndian.Uint32(e[8:])), int64(binary.BigEndian.Uint32(e[12:]))
		if off+length > size {
			return false
		}
	}
	return true
}

// icon checks an ICO directory: type 1, 1 to 255 images, each inside the
// file.
func icon(p []byte, size int64) bool {
	if len(p) < 6 || !bytes.HasPrefix(p, []byte("\x00\x00\x01\x00")) {
		return false
	}
	n := int(binary.LittleEndian.Uint16(p[4:]))
	if n == 0 || len(p) < 6+16*n {
		return false
	}
	for i := range n {
		e := p[6+16*i:]
		length, off := int64(binary.LittleEndian.Uint32(e[8:])), int64(binary.LittleEndian.Uint32(e[12:]))
		if off < int64(6+16*n) || off+length > size {
			return false
		}
	}
	return true
}

// hadoopCRC checks a Hadoop ChecksumFileSystem checksum file, as Spark
// writes one beside every file of a saved ML pipeline: "crc\0", the bytes
// per checksum, then one CRC-32 per chunk of the file it covers, and
// nothing else.
func hadoopCRC(p []byte, size int64) bool {
	if len(p) < 8 || !bytes.HasPrefix(p, []byte("crc\x00")) || size > 1<<20 || (size-8)%4 != 0 {
		return false
	}
	n := binary.BigEndian.Uint32(p[4:])
	return n > 0 && n <= 1<<20
}

// sqlitePages checks that a SQLite database's header page size divides
// the file.
func sqlitePages(p []byte, size int64) bool {
	page := int64(binary.BigEndian.Uint16(p[16:]))
	if page == 1 {
		page = 65536
	}
	return page >= 512 && page&(page-1) == 0 && size%page == 0
}

// riff checks a RIFF container of the given form whose size field covers
// the file exactly (one pad byte allowed).
func riff(p []byte, size int64, form string) bool {
	if len(p) < 12 || string(p[:4]) != "RIFF" || string(p[8:12]) != form {
		return false
	}
	n := int64(binary.LittleEndian.Uint32(p[4:])) + 8
	return n == size || n+1 == size
}

// zipEnd reports a zip end-of-central-directory record in tail (the last
// TailSize bytes of a file of size bytes) that a zip reader searching from
// the end would open: Python's zipfile takes the last signature in the
// window whose 22 bytes are there, reads neither entry count, and finds
// the central directory the size field says lies just before the record.
// A record whose central directory is in tail must point at one; one
// pointing before tail, or a zip64 one, is taken as it is.
func zipEnd(tail []byte, size int64) bool {
	sig := []byte("PK\x05\x06")
	at := size - int64(len(tail))
	for end := len(tail); end >= 4; {
		i := bytes.LastIndex(tail[:end], sig)
		if i < 0 {
			return false
		}
		end = i + len(sig) - 1
		if i+22 > len(tail) {
			continue
		}
		cd := int64(binary.LittleEndian.Uint32(tail[i+12:]))
		if binary.LittleEndian.Uint32(tail[i+16:]) == math.MaxUint32 || cd == math.MaxUint32 {
			return true // zip64: the locator before it says where
		}
		start := at + int64(i) - cd
		switch {
		case cd == 0 || start < 0:
			// No entries, or a directory before the file's start.
		case start < at:
			return true
		case bytes.HasPrefix(tail[start-at:], []byte("PK\x01\x02")):
			return true
		}
	}
	return false
}

// pngKnown are the chunk types of the PNG specification (third edition,
// with APNG), its registered extensions and the private chunks common
// editors and platforms write (Apple's CgBI and iDOT, Adobe Fireworks'
// mkBF family, Android's nine-patch npTc family).
var pngKnown = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true, "tRNS": true, "cHRM": true, "gAMA": true,
	"iCCP": true, "sBIT": true, "sRGB": true, "cICP": true, "mDCV": true, "mDCv": true, "cLLI": true, "cLLi": true,
	"tEXt": true, "zTXt": true, "iTXt": true, "bKGD": true, "hIST": true, "pHYs": true, "sPLT": true,
	"eXIf": true, "tIME": true, "acTL": true, "fcTL": true, "fdAT": true, "oFFs": true, "pCAL": true,
	"sCAL": true, "sTER": true, "gIFg": true, "gIFx": true, "gIFt": true, "dSIG": true, "CgBI": true,
	"iDOT": true, "vpAg": true, "caNv": true, "orNT": true, "mkBF": true, "mkBS": true, "mkBT": true,
	"mkTS": true, "prVW": true, "npTc": true, "npLb": true, "npOl": true, "meTa": true, "skMf": true, "skRf": true,
}

// maxPNGUnknown is how many bytes of unknown ancillary chunks a PNG may
// carry and still be vouched for: a payload needs room, a private marker
// does not.
const maxPNGUnknown = 64 << 10

// jpegKnownApp are the application segments cameras, editors and color
// management write: JFIF (APP0), Exif and XMP (APP1), ICC profiles and MPF
// (APP2), Photoshop (APP13), Adobe (APP14).
var jpegKnownApp = map[byte]bool{0xe0: true, 0xe1: true, 0xe2: true, 0xed: true, 0xee: true}

// maxJPEGSegments bounds the walk of a JPEG's header segments.
const maxJPEGSegments = 4096

// jpegSegments walks a JPEG's marker segments up to its first scan and
// says what room for something else they hold: over maxPNGUnknown bytes
// of application segments of no known use.
func jpegSegments(in *formats.Input) (string, error) {
	r, err := in.Open()
	if err != nil {
		return "", &formats.ReadError{Err: err}
	}
	defer r.Close()
	br := bufio.NewReader(r)
	if _, err := br.Discard(2); err != nil {
		return "", nil
	}
	var unknown int64
	var hdr [4]byte
	for range maxJPEGSegments {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil || hdr[0] != 0xff {
			break
		}
		m := hdr[1]
		if m == 0xff || m == 0x01 || m >= 0xd0 && m <= 0xd7 {
			// Fill bytes and markers without a length.
			continue
		}
		if m == 0xda || m == 0xd9 {
			break
		}
		if _, err := io.ReadFull(br, hdr[2:]); err != nil {
			break
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:])) - 2
		if n < 0 {
			break
		}
		if m >= 0xe0 && m <= 0xef && !jpegKnownApp[m] {
			unknown += n
		}
		if _, err := br.Discard(int(n)); err != nil {
			break
		}
	}
	if unknown > maxPNGUnknown {
		return fmt.Sprintf("with %s of application segments of no known use", size(unknown)), nil
	}
	return "", nil
}

// maxPNGChunks bounds the chunk walk; real images have tens.
const maxPNGChunks = 1 << 16

// maxPNGTrailer is how many bytes after IEND a PNG may have and still be
// vouched for.
const maxPNGTrailer = 4096

// pngChunks walks a PNG's chunks and requires IEND to end the file: an
// image with data appended is not vouched for.
func pngChunks(in *formats.Input, total int64) (ok bool, hidden string, err error) {
	r, err := in.Open()
	if err != nil {
		return false, "", &formats.ReadError{Err: err}
	}
	defer r.Close()
	off := int64(8)
	if _, err := io.CopyN(io.Discard, r, off); err != nil {
		return false, "", nil
	}
	var hdr [8]byte
	var unknown int64
	for range maxPNGChunks {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return false, "", nil
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		if n > math.MaxInt32 || off+12+n > total {
			return false, "", nil
		}
		typ := string(hdr[4:])
		if typ == "IEND" {
			// Editors leave a few bytes after IEND; image readers stop
			// there and nothing else reads a PNG.
			if total-(off+12+n) > maxPNGTrailer {
				return false, "", nil
			}
			if unknown > maxPNGUnknown {
				return true, fmt.Sprintf("with %s of chunks of no known type", size(unknown)), nil
			}
			return true, "", nil
		}
		if !pngKnown[typ] {
			// A decoder refuses an unknown critical chunk (bit 5 of
			// the first letter clear): no image reader wants the file.
			if hdr[4]&0x20 == 0 {
				return true, fmt.Sprintf("with a critical chunk of unknown type %q", typ), nil
			}
			unknown += n
		}
		if _, err := io.CopyN(io.Discard, r, n+4); err != nil {
			return false, "", nil
		}
		off += 12 + n
	}
	return false, "", nil
}

// sentencePiece checks a sentencepiece ModelProto: only fields 1 (pieces),
// 2 (trainer_spec), 3 (normalizer_spec), 4 (self_test_data) and 5
// (denormalizer_spec), all length-delimited, ending exactly at the end of
// the file, with at least one piece, every piece holding only its piece
// text (valid UTF-8), score and type.
func sentencePiece(ctx context.Context, in *formats.Input) (bool, error) {
	if in.Size < 4 || in.Size > maxStructureBytes {
		return false, nil
	}
	r, err := in.Open()
	if err != nil {
		return false, &formats.ReadError{Err: err}
	}
	defer r.Close()
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil || first[0] != 0x0a {
		return false, nil
	}
	data := make([]byte, in.Size)
	data[0] = first[0]
	if _, err := io.ReadFull(r, data[1:]); err != nil {
		return false, nil
	}
	pieces := 0
	for len(data) > 0 {
		if pieces%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		num, body, rest, ok := lenField(data)
		if !ok || num < 1 || num > 5 {
			return false, nil
		}
		if num == 1 {
			if !piece(body) {
				return false, nil
			}
			pieces++
		}
		data = rest
	}
	return pieces > 0, nil
}

// piece checks one SentencePiece message.
func piece(b []byte) bool {
	text := false
	for len(b) > 0 {
		key, k := binary.Uvarint(b)
		if k <= 0 {
			return false
		}
		b = b[k:]
		switch key {
		case 1<<3 | 2:
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)-k) || !utf8.Valid(b[k:k+int(n)]) {
				return false
			}
			b, text = b[k+int(n):], true
		case 2<<3 | 5:
			if len(b) < 4 {
				return false
			}
			b = b[4:]
		case 3 << 3: // type, a varint
			v, k := binary.Uvarint(b)
			if k <= 0 || v > 6 {
				return false
			}
			b = b[k:]
		default:
			return false
		}
	}
	return text
}

// lenField reads one length-delimited protobuf field.
func lenField(b []byte) (num uint64, body, rest []byte, ok bool) {
	key, k := binary.Uvarint(b)
	if k <= 0 || key&7 != 2 {
		return 0, nil, nil, false
	}
	b = b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return 0, nil, nil, false
	}
	return key >> 3, b[k : k+int(n)], b[k+int(n):], true
}

// fingerprint checks a SavedModel's FingerprintDef: hashes in varint
// fields 1 to 5, a VersionDef (6) and a UUID string (7), nothing else, in
// a few hundred bytes.
func fingerprint(p []byte, size int64) bool {
	if size > 4096 || int64(len(p)) != size {
		return false
	}
	for len(p) > 0 {
		key, k := binary.Uvarint(p)
		if k <= 0 {
			return false
		}
		p = p[k:]
		switch num, wire := key>>3, key&7; {
		case num >= 1 && num <= 5 && wire == 0:
			if _, k = binary.Uvarint(p); k <= 0 {
				return false
			}
			p = p[k:]
		case (num == 6 || num == 7) && wire == 2:
			n, k := binary.Uvarint(p)
			if k <= 0 || n > uint64(len(p)-k) {
				return false
			}
			p = p[k+int(n):]
		default:
			return false
		}
	}
	return true
}

// text is what the text check saw.
type text struct {
	ok      bool  // valid UTF-8, no NUL, few control characters
	nul     bool  // a NUL byte was seen
	badUTF8 bool  // invalid UTF-8 was seen
	control int64 // C0 controls other than \t \n \v \f \r ESC, and DEL
	read    int64
	pyYAML  bool // a PyYAML python tag was seen
}

// pyYAMLTags are the tags by which PyYAML's unsafe and full loaders build
// Python objects, import modules or call functions; pyyaml.Tagged also
// finds them percent-escaped and behind %TAG directives.
var pyYAMLTags = [][]byte{[]byte("!!python/"), []byte("tag:yaml.org,2002:python/")}

func pyYAMLTagged(b []byte) bool {
	return bytes.Contains(b, pyYAMLTags[0]) || bytes.Contains(b, pyYAMLTags[1]) || pyyaml.Tagged(b)
}

// readText reads the file (or, when !whole, its head and tail) and judges
// whether it is text.
func readText(ctx context.Context, in *formats.Input, h formats.Head, whole bool) (text, error) {
	var t text
	if !whole || h.Size <= int64(len(h.Prefix)) {
		cut := h.Size > int64(len(h.Prefix))
		t.scan(bytes.TrimPrefix(h.Prefix, []byte("\xef\xbb\xbf")), cut)
		if cut {
			s := h.Suffix
			for i := 0; i < 3 && len(s) > 0 && !utf8.RuneStart(s[0]); i++ {
				s = s[1:]
			}
			t.scan(s, false)
		}
		t.judge()
		return t, nil
	}
	r, err := in.Open()
	if err != nil {
		return t, &formats.ReadError{Err: err}
	}
	defer r.Close()
	buf := make([]byte, 1<<20)
	var carry []byte // the end of the last chunk: a rune or a tag cut in two
	for first := true; ; first = false {
		if err := ctx.Err(); err != nil {
			return t, err
		}
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):])
		chunk := buf[:len(carry)+n]
		end := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !end {
			return t, &formats.ReadError{Err: err}
		}
		if first {
			chunk = bytes.TrimPrefix(chunk, []byte("\xef\xbb\xbf"))
		}
		// The last bytes go round again, from a rune start, so that a
		// rune or a tag cut by the chunk's end is seen whole; they are
		// counted in the next chunk.
		keep := 0
		if !end {
			keep = min(len(chunk), 32)
			for keep > 0 && !utf8.RuneStart(chunk[len(chunk)-keep]) {
				keep--
			}
			// A tag's escaped spelling can be longer than that: the
			// whole run that may be a tag goes round. One longer than
			// any a config holds is taken for a tag (the pyyaml
			// analyzer reads the file whole).
			switch tail := pyyaml.OpenTail(chunk); {
			case tail > maxTagCarry:
				t.pyYAML = true
			case tail > keep:
				keep = tail
			}
		}
		t.scan(chunk[:len(chunk)-keep], false)
		t.pyYAML = t.pyYAML || pyYAMLTagged(chunk)
		carry = append(carry[:0], chunk[len(chunk)-keep:]...)
		// A NUL or an encoding error settles it: the rest of a large
		// binary file is left to the hash.
		if end || t.nul || t.badUTF8 {
			t.judge()
			return t, nil
		}
	}
}

// judge decides whether what was read is text.
func (t *text) judge() { t.ok = !t.nul && !t.badUTF8 && !t.controlled() }

// controlled reports more control characters than text has.
func (t *text) controlled() bool { return t.control*1000 > maxControlPerMille*max(t.read, 1) }

// scan counts what makes b not text. cut says b may end inside a rune
// (the head of a larger file), which is then no encoding error.
func (t *text) scan(b []byte, cut bool) {
	t.read += int64(len(b))
	if bytes.IndexByte(b, 0) >= 0 {
		t.nul = true
	}
	if cut {
		i := len(b) - 1
		for i > 0 && i > len(b)-4 && !utf8.RuneStart(b[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(b[i:]) {
			b = b[:i]
		}
	}
	if !utf8.Valid(b) {
		t.badUTF8 = true
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b || c == 0x7f {
			t.control++
		}
	}
	t.pyYAML = t.pyYAML || pyYAMLTagged(b)
}

// codeText says why text that model frameworks interpret is not inert,
// or "" when it is.
func codeText(base string, t text) string {
	ext := path.Ext(base)
	switch {
	case t.pyYAML:
		return "text with PyYAML python tags (!!python/...), which yaml.unsafe_load and full_load turn into imports and calls; not a format modelgate analyzes"
	case ext == ".pbtxt" || ext == ".prototxt":
		return "protobuf text (" + ext + "): a TensorFlow graph or Caffe net definition, whose ops or Python layers modelgate does not analyze in text form"
	case base == "mlmodel":
		return "MLflow MLmodel file: it names the loader module that runs when the model loads, and modelgate does not analyze MLflow models in this build"
	}
	return ""
}

// describeText names inert text from its name and first byte.
func describeText(base string, p []byte) string {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(p, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch ext := path.Ext(base); {
	case ext == ".md" || ext == ".markdown":
		return "Markdown text"
	case ext == ".json" && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		return "JSON text"
	case ext == ".yaml" || ext == ".yml":
		return "YAML text"
	case ext == ".py":
		return "Python source (read as code by the repository checks)"
	case ext == ".svg":
		return "SVG image (text)"
	case ext == ".csv" || ext == ".tsv":
		return "delimited text data"
	case base == ".gitattributes" || base == ".gitignore" || base == ".gitmodules":
		return "git metadata (text)"
	case strings.HasPrefix(base, "license") || strings.HasPrefix(base, "copying") || strings.HasPrefix(base, "notice"):
		return "license text"
	case len(trimmed) > 0 && trimmed[0] == '{':
		return "text (JSON-like)"
	}
	return "text"
}

// describeBinary says what unidentified bytes looked like, for the
// inconclusive outcome's message.
func describeBinary(base string, h formats.Head, t text) string {
	p := h.Prefix
	kind, tail := "unidentified binary data", ", not a known model format"
	switch {
	case strings.HasSuffix(base, ".pyc") && len(p) >= 4 && p[2] == '\r' && p[3] == '\n':
		kind, tail = "Python bytecode (.pyc)", ": code Python imports, in no format modelgate analyzes"
	case bytes.HasPrefix(p, []byte("\xff\xfe")) || bytes.HasPrefix(p, []byte("\xfe\xff")):
		kind = "UTF-16 text, which modelgate does not read as text"
	case !t.nul && t.badUTF8 && !t.controlled():
		kind = "text that is not valid UTF-8"
	case !t.nul && !t.badUTF8:
		kind = "text with control characters"
	}
	return fmt.Sprintf("%s (%s, %s)%s; it starts %s", kind, size(h.Size), entropy(p), tail, firstBytes(p))
}

// entropy describes the Shannon entropy of the head.
func entropy(p []byte) string {
	if len(p) == 0 {
		return "no bytes"
	}
	var counts [256]int
	for _, c := range p {
		counts[c]++
	}
	var e float64
	for _, c := range counts {
		if c > 0 {
			f := float64(c) / float64(len(p))
			e -= f * math.Log2(f)
		}
	}
	var what string
	switch {
	case e >= 7.5:
		what = "high: compressed, encrypted or dense numeric data"
	case e >= 5:
		what = "medium: structured binary"
	default:
		what = "low"
	}
	return fmt.Sprintf("entropy %.1f bits/byte, %s", e, what)
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// firstBytes shows up to 16 leading bytes in hex, and as text when they
// are printable.
func firstBytes(p []byte) string {
	p = p[:min(len(p), 16)]
	s := fmt.Sprintf("% x", p)
	if bytes.IndexFunc(p, func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0 {
		s += fmt.Sprintf(" (%q)", p)
	}
	return s
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// ErrUnidentified is the error of a file whose bytes match no known format
// and are not inert; errors.Is(err, formats.ErrUnsupported) holds for it.
var ErrUnidentified = fmt.Errorf("%w: unidentified content", formats.ErrUnsupported)

// UnidentifiedError says what unidentified bytes looked like.
type UnidentifiedError struct{ What string }

func (e *UnidentifiedError) Error() string { return e.What }

// Unwrap makes the error an ErrUnidentified and so an ErrUnsupported.
func (e *UnidentifiedError) Unwrap() error { return ErrUnidentified }

// IsUnidentified reports whether err is about unidentified content.
func IsUnidentified(err error) bool { return errors.Is(err, ErrUnidentified) }

// Package zip reads zip archives the way the loaders of model files do —
// PyTorch's miniz reader and Python's zipfile — and reports every place
// where those readers, or a scanner, could disagree about what the archive
// holds: names that differ between the local header and the central
// directory, duplicate names, overlapping entries, bytes that no entry
// accounts for, several end records, unsafe paths, encryption flag bits,
// CRC mismatches and sizes that do not match the data.
//
// It is deliberately tolerant where the loaders are: it ignores CRCs and the
// encryption bits when reading (reading the data as stored or deflated
// regardless), accepts prepended data, reads the central directory by index
// and also walks the local headers from the start, so an entry only one of
// the two lists is still seen. It never extracts to disk, never trusts a
// declared size before checking it against the bytes present, and never
// executes anything it reads.
package zip

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/modelgate/modelgate/formats"
)

const (
	sigLocal    = "PK\x03\x04"
	sigCentral  = "PK\x01\x02"
	sigEnd      = "PK\x05\x06"
	sigEnd64    = "PK\x06\x06"
	sigLocator  = "PK\x06\x07"
	sigDescript = "PK\x07\x08"

	localLen   = 30
	centralLen = 46
	endLen     = 22
	end64Len   = 56
	locatorLen = 20

	// maxTail is how far from the end an end record can sit: the record
	// plus the longest comment.
	maxTail = endLen + 65535
)

// DefaultMaxEntries caps how many entries a Reader collects when Options
// does not say: beyond it, the file is inconclusive rather than a memory
// hazard.
const DefaultMaxEntries = 1 << 20

// Options tune a Reader.
type Options struct {
	// MaxEntries caps central-directory plus local-only entries; 0 means
	// DefaultMaxEntries. Reaching it stops parsing with Reader.Incomplete
	// set to a *formats.LimitError.
	MaxEntries int
}

// Reader is a parsed zip archive. Entries lists the central directory in
// its order, then entries found only by walking the local headers.
type Reader struct {
	Entries   []*Entry
	Anomalies []Anomaly
	// End is the offset of the end-of-central-directory record used, or -1
	// when none was found.
	End int64
	// Prefix is how many bytes precede the first record (a local header,
	// or the central directory of an archive without entries); 0 when the
	// archive starts the file.
	Prefix int64
	// Incomplete, when not nil, says why part of the archive could not be
	// read (no end record, a central directory cut short, an entry running
	// past the end of the file). Entries and Anomalies still hold all that
	// was read; a scanner must treat the archive as inconclusive.
	Incomplete error

	ra   io.ReaderAt
	size int64
	max  int

	kindCount map[Kind]int
	dirStart  int64
	dirEnd    int64
	end64     int64 // offset of the zip64 end record, or -1
	endEnd    int64 // offset just past the end record and its comment
}

// NewReader parses the archive in the first size bytes of ra with default
// options.
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	return Open(context.Background(), ra, size, Options{})
}

// Open parses the archive in the first size bytes of ra. It returns an
// error only when the bytes hold no zip structure at all, on cancellation
// or on a read failure; a damaged archive, or one with more entries than
// the cap, comes back with Reader.Incomplete set instead.
func Open(ctx context.Context, ra io.ReaderAt, size int64, opts Options) (*Reader, error) {
	r := &Reader{ra: ra, size: size, max: opts.MaxEntries, End: -1, end64: -1, kindCount: map[Kind]int{}}
	if r.max <= 0 {
		r.max = DefaultMaxEntries
	}
	if size < 0 {
		return nil, errors.New("zip: negative size")
	}
	ends, err := r.findEnds()
	if err != nil {
		return nil, err
	}
	byOffset := map[int64]*Entry{}
	for _, cand := range slices.Backward(ends) {
		ok, err := r.readDirectory(ctx, cand, byOffset)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
	}
	if r.End < 0 {
		if len(ends) > 0 {
			r.note(Anomaly{Kind: NoEnd, Offset: ends[len(ends)-1], Entry: -1,
				Message: "end record points at no central directory"})
		} else {
			r.note(Anomaly{Kind: NoEnd, Offset: formats.NoOffset, Entry: -1, Message: "no end-of-central-directory record"})
		}
		r.incomplete(errors.New("zip: no usable end-of-central-directory record"))
	}
	for _, e := range r.Entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.readLocal(e); err != nil {
			return nil, err
		}
	}
	if err := r.walk(ctx, byOffset); err != nil {
		return nil, err
	}
	if r.End < 0 && len(r.Entries) == 0 {
		return nil, errors.New("zip: no end record and no local header")
	}
	if err := r.checkEncryption(ctx); err != nil {
		return nil, err
	}
	r.checkNames()
	r.checkLayout(ends)
	return r, nil
}

func (r *Reader) incomplete(err error) {
	if r.Incomplete == nil {
		r.Incomplete = err
	}
}

// readFull reads exactly n bytes at off. Bytes beyond the archive's size
// are io.ErrUnexpectedEOF; a ReaderAt that fails, or holds fewer bytes than
// its stated size, is a *formats.ReadError.
func (r *Reader) readFull(off int64, n int) ([]byte, error) {
	if off < 0 || off > r.size || int64(n) > r.size-off {
		return nil, io.ErrUnexpectedEOF
	}
	b := make([]byte, n)
	m, err := r.ra.ReadAt(b, off)
	if m == n {
		return b, nil // a ReaderAt may report io.EOF with the last bytes
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, &formats.ReadError{Err: fmt.Errorf("zip: read %d bytes at %d: %w", n, off, err)}
}

// hasSig reports whether sig sits at off. Read failures count as absent;
// the callers that need the bytes read them again and see the error.
func (r *Reader) hasSig(off int64, sig string) bool {
	b, err := r.readFull(off, 4)
	return err == nil && string(b) == sig
}

// findEnds returns the offsets of every end-record signature in the tail,
// in file order. Readers take the last one; the others are anomalies unless
// they belong to a nested archive stored inside an entry.
func (r *Reader) findEnds() ([]int64, error) {
	n := min(r.size, maxTail)
	base := r.size - n
	tail, err := r.readFull(base, int(n))
	if err != nil {
		return nil, err
	}
	var out []int64
	for i := 0; i+endLen <= len(tail); i++ {
		j := bytes.Index(tail[i:], []byte(sigEnd))
		if j < 0 || i+j+endLen > len(tail) {
			break
		}
		out = append(out, base+int64(i+j))
		i += j
	}
	return out, nil
}

type endRecord struct {
	count   uint64
	dirSize uint64
	dirOff  uint64
}

// readDirectory reads the central directory the end record at eocd points
// to. It returns false, without touching r.Entries, when eocd leads to no
// central directory; it then leaves the choice to an earlier candidate.
func (r *Reader) readDirectory(ctx context.Context, eocd int64, byOffset map[int64]*Entry) (bool, error) {
	b, err := r.readFull(eocd, endLen)
	if err != nil {
		return false, nil
	}
	le := binary.LittleEndian
	rec := endRecord{count: uint64(le.Uint16(b[10:])), dirSize: uint64(le.Uint32(b[12:])), dirOff: uint64(le.Uint32(b[16:]))}
	thisDisk := uint64(le.Uint16(b[8:]))
	clen := int64(le.Uint16(b[20:]))
	dirEndAt := eocd // where the central directory should end
	end64 := int64(-1)
	if eocd >= locatorLen && r.hasSig(eocd-locatorLen, sigLocator) {
		loc, err := r.readFull(eocd-locatorLen, locatorLen)
		if err != nil {
			return false, err
		}
		if rec64, at, ok := r.readEnd64(le.Uint64(loc[8:]), eocd-locatorLen); ok {
			rec, dirEndAt, end64, thisDisk = rec64, at, at, rec64.count
		}
	}
	if rec.dirSize > uint64(dirEndAt) {
		return false, nil
	}
	// Where the directory really is: as declared, or (when data was
	// prepended and the offsets not adjusted) right before the end record,
	// which is how Python's zipfile finds it.
	start := int64(-1)
	var shift int64
	if rec.dirOff <= uint64(r.size) && (r.hasSig(int64(rec.dirOff), sigCentral) || rec.count == 0 && rec.dirSize == 0) {
		start = int64(rec.dirOff)
	} else if at := dirEndAt - int64(rec.dirSize); r.hasSig(at, sigCentral) && rec.dirOff < uint64(at) {
		start = at
		shift = at - int64(rec.dirOff)
	}
	if start < 0 {
		return false, nil
	}
	r.End = eocd
	r.dirStart, r.dirEnd, r.end64 = start, start+int64(rec.dirSize), end64
	r.endEnd = min(eocd+endLen+clen, r.size)
	if thisDisk != rec.count {
		r.note(Anomaly{Kind: SizeMismatch, Offset: eocd, Entry: -1,
			Message: fmt.Sprintf("end record counts %d entries on this disk but %d in total", thisDisk, rec.count)})
	}
	if eocd+endLen+clen > r.size {
		r.note(Anomaly{Kind: SizeMismatch, Offset: eocd, Entry: -1,
			Message: fmt.Sprintf("end record comment of %d bytes runs past the end of the file", clen)})
	}
	return true, r.readEntries(ctx, rec, shift, byOffset)
}

// readEnd64 reads the zip64 end record the locator points to; beforeLoc is
// where the locator sits, which bounds the record.
func (r *Reader) readEnd64(off uint64, beforeLoc int64) (endRecord, int64, bool) {
	at := int64(-1)
	switch {
	case off <= uint64(beforeLoc) && r.hasSig(int64(off), sigEnd64):
		at = int64(off)
	case beforeLoc >= end64Len && r.hasSig(beforeLoc-end64Len, sigEnd64):
		at = beforeLoc - end64Len // prepended data shifted it
	}
	if at < 0 {
		return endRecord{}, 0, false
	}
	b, err := r.readFull(at, end64Len)
	if err != nil {
		return endRecord{}, 0, false
	}
	le := binary.LittleEndian
	return endRecord{count: le.Uint64(b[32:]), dirSize: le.Uint64(b[40:]), dirOff: le.Uint64(b[48:])}, at, true
}

// readEntries reads central-directory entries by index. Like Python's
// zipfile it keeps reading while the declared directory size has room, and
// like miniz it expects the declared count; a disagreement is an anomaly.
func (r *Reader) readEntries(ctx context.Context, rec endRecord, shift int64, byOffset map[int64]*Entry) error {
	avail := min(int64(rec.dirSize), r.size-r.dirStart)
	if avail < int64(rec.dirSize) {
		r.incomplete(errors.New("zip: central directory runs past the end of the file"))
	}
	if rec.count > rec.dirSize/centralLen {
		r.note(Anomaly{Kind: SizeMismatch, Offset: r.End, Entry: -1,
			Message: fmt.Sprintf("end record declares %d entries but the %d-byte central directory can hold at most %d", rec.count, rec.dirSize, rec.dirSize/centralLen)})
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r.ra, r.dirStart, avail), 64<<10)
	pos := r.dirStart
	var hdr [centralLen]byte
	le := binary.LittleEndian
	for i := 0; pos < r.dirStart+avail; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(r.Entries) >= r.max {
			r.incomplete(&formats.LimitError{Limit: "zip-entries", Max: int64(r.max)})
			return nil
		}
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				r.incomplete(fmt.Errorf("zip: central directory entry %d cut short", i))
				break
			}
			return &formats.ReadError{Err: fmt.Errorf("zip: read central directory entry %d: %w", i, err)}
		}
		if string(hdr[:4]) != sigCentral {
			if uint64(i) < rec.count {
				r.incomplete(fmt.Errorf("zip: central directory entry %d at %d has no signature", i, pos))
			} else {
				r.note(Anomaly{Kind: HiddenData, Offset: pos, Entry: -1,
					Message: fmt.Sprintf("%d bytes inside the central directory after its last entry", r.dirStart+avail-pos)})
			}
			break
		}
		nameLen, extraLen, commentLen := int(le.Uint16(hdr[28:])), int(le.Uint16(hdr[30:])), int(le.Uint16(hdr[32:]))
		varLen := nameLen + extraLen + commentLen
		if int64(varLen) > r.dirStart+avail-pos-centralLen {
			r.incomplete(fmt.Errorf("zip: central directory entry %d runs past the directory", i))
			break
		}
		v := make([]byte, varLen)
		if _, err := io.ReadFull(br, v); err != nil {
			return &formats.ReadError{Err: fmt.Errorf("zip: read central directory entry %d: %w", i, err)}
		}
		e := &Entry{
			Index:            i,
			Name:             string(v[:nameLen]),
			CreatorVersion:   le.Uint16(hdr[4:]),
			Flags:            le.Uint16(hdr[8:]),
			Method:           le.Uint16(hdr[10:]),
			CRC32:            le.Uint32(hdr[16:]),
			CompressedSize:   uint64(le.Uint32(hdr[20:])),
			UncompressedSize: uint64(le.Uint32(hdr[24:])),
			ExternalAttrs:    le.Uint32(hdr[38:]),
			DirOffset:        pos,
			r:                r,
		}
		off := uint64(le.Uint32(hdr[42:]))
		e.zip64 = parseZip64(v[nameLen:nameLen+extraLen], &e.UncompressedSize, &e.CompressedSize, &off)
		e.aes = hasAESField(v[nameLen : nameLen+extraLen])
		e.declaredOffset = off
		e.HeaderOffset = -1
		if off <= uint64(r.size) && shift <= r.size-int64(off) {
			e.HeaderOffset = int64(off) + shift
		}
		r.Entries = append(r.Entries, e)
		if e.HeaderOffset >= 0 {
			if _, dup := byOffset[e.HeaderOffset]; !dup {
				byOffset[e.HeaderOffset] = e
			}
		}
		pos += int64(centralLen + varLen)
	}
	if uint64(len(r.Entries)) != rec.count {
		r.note(Anomaly{Kind: SizeMismatch, Offset: r.End, Entry: -1,
			Message: fmt.Sprintf("end record declares %d entries, the central directory holds %d", rec.count, len(r.Entries))})
	}
	return nil
}

// parseZip64 applies a zip64 extended-information field: it holds, in this
// order, each of the sizes and the offset whose 32-bit field is saturated.
// It reports whether the field was present.
func parseZip64(extra []byte, usize, csize, off *uint64) bool {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if n > len(extra)-4 {
			return false
		}
		body := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != 0x0001 {
			continue
		}
		for _, f := range []*uint64{usize, csize, off} {
			if f == nil || *f != 0xFFFFFFFF {
				continue
			}
			if len(body) < 8 {
				break
			}
			*f = le.Uint64(body)
			body = body[8:]
		}
		return true
	}
	return false
}

// readLocal reads the local header of a central-directory entry: where its
// data starts, and whether the header agrees with the directory.
func (r *Reader) readLocal(e *Entry) error {
	if e.HeaderOffset < 0 {
		e.err = fmt.Errorf("zip: entry %q: local header offset %d is past the end of the file", e.Name, e.declaredOffset)
		r.note(Anomaly{Kind: SizeMismatch, Offset: e.DirOffset, Entry: e.Index, Message: e.err.Error()})
		r.incomplete(e.err)
		return nil
	}
	h, err := r.localHeader(e.HeaderOffset)
	if err != nil {
		var re *formats.ReadError
		if errors.As(err, &re) {
			return err
		}
		e.err = fmt.Errorf("zip: entry %q: %w", e.Name, err)
		r.note(Anomaly{Kind: SizeMismatch, Offset: e.HeaderOffset, Entry: e.Index, Message: e.err.Error()})
		r.incomplete(e.err)
		return nil
	}
	e.LocalName = h.name
	e.LocalFlags = h.flags
	e.aes = e.aes || h.aes
	e.DataOffset = h.dataOffset
	e.headerOK = true
	if h.name != e.Name {
		r.note(Anomaly{Kind: NameMismatch, Offset: e.HeaderOffset, Entry: e.Index,
			Message: fmt.Sprintf("local header names %q, central directory names %q", h.name, e.Name)})
	}
	if h.method != e.Method {
		r.note(Anomaly{Kind: NameMismatch, Offset: e.HeaderOffset, Entry: e.Index,
			Message: fmt.Sprintf("entry %q: local header says method %d, central directory says %d", e.Name, h.method, e.Method)})
	}
	if h.flags&0x8 == 0 && h.csize != 0xFFFFFFFF && (h.csize != e.CompressedSize || h.usize != e.UncompressedSize) {
		r.note(Anomaly{Kind: NameMismatch, Offset: e.HeaderOffset, Entry: e.Index,
			Message: fmt.Sprintf("entry %q: local header sizes %d/%d, central directory sizes %d/%d", e.Name, h.csize, h.usize, e.CompressedSize, e.UncompressedSize)})
	}
	r.setExtent(e)
	return nil
}

type localHdr struct {
	name         string
	flags        uint16
	method       uint16
	crc          uint32
	csize, usize uint64
	zip64        bool
	aes          bool
	dataOffset   int64
}

func (r *Reader) localHeader(off int64) (localHdr, error) {
	b, err := r.readFull(off, localLen)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return localHdr{}, fmt.Errorf("local header at %d is past the end of the file", off)
		}
		return localHdr{}, err
	}
	if string(b[:4]) != sigLocal {
		return localHdr{}, fmt.Errorf("no local header at %d", off)
	}
	le := binary.LittleEndian
	h := localHdr{
		flags: le.Uint16(b[6:]), method: le.Uint16(b[8:]), crc: le.Uint32(b[14:]),
		csize: uint64(le.Uint32(b[18:])), usize: uint64(le.Uint32(b[22:])),
	}
	nameLen, extraLen := int(le.Uint16(b[26:])), int(le.Uint16(b[28:]))
	v, err := r.readFull(off+localLen, nameLen+extraLen)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return localHdr{}, fmt.Errorf("local header at %d runs past the end of the file", off)
		}
		return localHdr{}, err
	}
	h.name = string(v[:nameLen])
	h.zip64 = parseZip64(v[nameLen:], &h.usize, &h.csize, nil)
	h.aes = hasAESField(v[nameLen:])
	h.dataOffset = off + localLen + int64(nameLen+extraLen)
	return h, nil
}

// setExtent works out how many data bytes are present and where the entry
// ends, data descriptor included.
func (r *Reader) setExtent(e *Entry) {
	room := r.size - e.DataOffset
	if e.CompressedSize > uint64(room) {
		e.avail, e.short = room, true
		e.err = fmt.Errorf("zip: entry %q declares %d compressed bytes, %d remain in the file", e.Name, e.CompressedSize, room)
		r.note(Anomaly{Kind: SizeMismatch, Offset: e.HeaderOffset, Entry: e.Index, Message: e.err.Error()})
		r.incomplete(e.err)
		e.end = r.size
		return
	}
	e.avail = int64(e.CompressedSize)
	e.end = e.DataOffset + e.avail
	if e.LocalFlags&0x8 != 0 || e.Flags&0x8 != 0 {
		e.end = min(e.end+r.descriptorLen(e), r.size)
	}
	if e.Method == Store && e.CompressedSize != e.UncompressedSize && !storedEncrypted(e) {
		r.note(Anomaly{Kind: SizeMismatch, Offset: e.HeaderOffset, Entry: e.Index,
			Message: fmt.Sprintf("stored entry %q declares %d bytes stored but %d uncompressed", e.Name, e.CompressedSize, e.UncompressedSize)})
	}
}

// descriptorLen is the length of the data descriptor after an entry's
// data: its signature is optional and its sizes are 4 or 8 bytes, and
// writers disagree on when to use 8, so the length after which the next
// record starts wins; failing that, the zip64 flag decides.
func (r *Reader) descriptorLen(e *Entry) int64 {
	sizes := []int64{12, 20}
	if e.zip64 {
		sizes = []int64{20, 12}
	}
	if r.hasSig(e.end, sigDescript) {
		sizes = []int64{sizes[0] + 4, sizes[1] + 4}
	}
	for _, n := range sizes {
		b, err := r.readFull(e.end+n, 4)
		if err != nil {
			continue
		}
		switch string(b) {
		case sigLocal, sigCentral, sigEnd, sigEnd64:
			return n
		}
	}
	return sizes[0]
}

// walk follows local headers from the start of the archive, as a streaming
// reader would, and adds the entries the central directory does not list.
func (r *Reader) walk(ctx context.Context, byOffset map[int64]*Entry) error {
	pos := int64(-1)
	if r.hasSig(0, sigLocal) {
		pos = 0
	} else {
		for _, e := range r.Entries {
			if e.headerOK && (pos < 0 || e.HeaderOffset < pos) {
				pos = e.HeaderOffset
			}
		}
	}
	if pos < 0 && r.End < 0 {
		// No directory to anchor the walk: take the first local header
		// in the head, past whatever was prepended.
		head, err := r.readFull(0, int(min(r.size, formats.HeadSize)))
		if err != nil {
			return err
		}
		if i := bytes.Index(head, []byte(sigLocal)); i >= 0 {
			pos = int64(i)
		}
	}
	for i := 0; pos >= 0 && pos < r.size; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if e := byOffset[pos]; e != nil {
			if !e.headerOK || e.end <= pos {
				return nil
			}
			pos = e.end
			continue
		}
		if !r.hasSig(pos, sigLocal) {
			return nil
		}
		if len(r.Entries) >= r.max {
			r.incomplete(&formats.LimitError{Limit: "zip-entries", Max: int64(r.max)})
			return nil
		}
		h, err := r.localHeader(pos)
		if err != nil {
			var re *formats.ReadError
			if errors.As(err, &re) {
				return err
			}
			r.incomplete(fmt.Errorf("zip: %w", err))
			return nil
		}
		e := &Entry{
			Index: -1, Name: h.name, LocalName: h.name, Flags: h.flags, LocalFlags: h.flags, Method: h.method,
			CRC32: h.crc, CompressedSize: h.csize, UncompressedSize: h.usize,
			HeaderOffset: pos, DataOffset: h.dataOffset, zip64: h.zip64, aes: h.aes, DirOffset: -1, headerOK: true, r: r,
		}
		if h.flags&0x8 != 0 && h.csize == 0 {
			if err := r.findDescriptor(ctx, e); err != nil {
				return err
			}
		}
		r.Entries = append(r.Entries, e)
		if r.End >= 0 {
			r.note(Anomaly{Kind: LocalOnly, Offset: pos, Entry: len(r.Entries) - 1,
				Message: fmt.Sprintf("entry %q has a local header but is not in the central directory", e.Name)})
		}
		if e.err != nil {
			return nil
		}
		r.setExtent(e)
		if e.end <= pos {
			return nil
		}
		pos = e.end
	}
	return nil
}

// findDescriptor finds where the data of a local-only entry ends when its
// header defers the sizes to a data descriptor: the first descriptor
// signature whose compressed size equals the distance travelled. It scans,
// never decompresses, so a bomb costs no more than its own bytes.
func (r *Reader) findDescriptor(ctx context.Context, e *Entry) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r.ra, e.DataOffset, r.size-e.DataOffset), 64<<10)
	var win [28]byte // signature, crc, then sizes of 4 or 8 bytes
	have := 0
	le := binary.LittleEndian
	for off := int64(0); ; off++ {
		if off%(1<<20) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if have == len(win) {
			copy(win[:], win[1:])
			have--
		}
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &formats.ReadError{Err: fmt.Errorf("zip: scan entry %q for its data descriptor: %w", e.Name, err)}
		}
		win[have] = c
		have++
		// A match is judged once the window is full or at the end.
		if have == len(win) && string(win[:4]) == sigDescript {
			at := uint64(off) - uint64(len(win)) + 1
			if uint64(le.Uint32(win[8:])) == at {
				e.CRC32, e.CompressedSize, e.UncompressedSize = le.Uint32(win[4:]), at, uint64(le.Uint32(win[12:]))
				return nil
			}
			if le.Uint64(win[8:]) == at {
				e.CRC32, e.CompressedSize, e.UncompressedSize, e.zip64 = le.Uint32(win[4:]), at, le.Uint64(win[16:]), true
				return nil
			}
		}
	}
	// The last descriptor can sit in the final 16 bytes, too short for
	// the full window.
	for k := 0; k+16 <= have; k++ {
		if string(win[k:k+4]) == sigDescript {
			at := uint64(r.size-e.DataOffset) - uint64(have-k)
			if uint64(le.Uint32(win[k+8:])) == at {
				e.CRC32, e.CompressedSize, e.UncompressedSize = le.Uint32(win[k+4:]), at, uint64(le.Uint32(win[k+12:]))
				return nil
			}
		}
	}
	e.err = fmt.Errorf("zip: local-only entry %q defers its size to a data descriptor that is not there", e.Name)
	r.note(Anomaly{Kind: SizeMismatch, Offset: e.HeaderOffset, Entry: -1, Message: e.err.Error()})
	r.incomplete(e.err)
	return nil
}

package zip

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelgate/modelgate/formats"
)

// Compression methods this reader decompresses. miniz (PyTorch) reads only
// Store and Deflate; Python's zipfile, which NumPy and joblib use, also
// reads BZIP2, LZMA and (3.14) Zstandard, so those are read too.
const (
	Store   uint16 = 0
	Deflate uint16 = 8
	BZIP2   uint16 = 12
	LZMA    uint16 = 14
	Zstd    uint16 = 93
	XZ      uint16 = 95
)

// Flag bits that make other readers refuse an entry. PyTorch's reader
// ignores them and reads the data as it stands, so this reader does too.
const (
	FlagEncrypted       uint16 = 0x1
	FlagPatched         uint16 = 0x20
	FlagStrongEncrypted uint16 = 0x40
	// FlagMasked (central-directory encryption: local header values
	// masked) in a central-directory record makes PyTorch's reader (miniz)
	// refuse the whole archive, "unsupported encryption", while Python's
	// zipfile ignores it.
	FlagMasked uint16 = 0x2000
)

// Dictionary and window caps for the LZMA-family and Zstandard methods:
// their headers state the buffer the decoder allocates.
const (
	maxDict   = 256 << 20
	maxWindow = 256 << 20
)

// Entry is one member of the archive.
type Entry struct {
	// Index is the entry's position in the central directory, or -1 for
	// an entry only a local header lists.
	Index int
	// Name is the central-directory name (the local name for a local-only
	// entry); LocalName is the name in the local header.
	Name, LocalName string
	Method          uint16
	// Flags are the central-directory flags; LocalFlags the local ones.
	Flags, LocalFlags uint16
	CRC32             uint32
	// CompressedSize and UncompressedSize are as declared (zip64 applied);
	// never trust them before comparing with what the file holds.
	CompressedSize, UncompressedSize uint64
	CreatorVersion                   uint16
	ExternalAttrs                    uint32
	// HeaderOffset is where the local header starts, DataOffset where the
	// data starts (both absolute), DirOffset where the central-directory
	// record is (-1 for local-only entries).
	HeaderOffset, DataOffset, DirOffset int64

	r              *Reader
	declaredOffset uint64
	zip64          bool
	headerOK       bool
	avail          int64 // data bytes present in the file
	short          bool  // the file ends before the declared data does
	end            int64 // just past the data and any descriptor
	err            error // why the data cannot be read
	aes            bool  // a WinZip AES extra field (0x9901) is present
	encryption     string

	mu   sync.Mutex
	read readResult
}

type readResult struct {
	done bool
	crc  uint32
	size int64
}

// Readable reports whether the entry's data can be read, and if not why.
func (e *Entry) Readable() error { return e.err }

// Encryption names the encryption that makes the entry's data unreadable
// ("traditional PKWARE", "WinZip AES"), or is "" when its data can be
// read as it stands, whatever its flags say (see Reader.checkEncryption).
func (e *Entry) Encryption() string { return e.encryption }

// DataSize is the number of compressed bytes present in the file.
func (e *Entry) DataSize() int64 { return e.avail }

// Supported reports whether the entry's method can be decompressed.
func (e *Entry) Supported() bool {
	switch e.Method {
	case Store, Deflate, BZIP2, LZMA, Zstd, XZ:
		return true
	}
	return false
}

// UnixMode returns the Unix mode bits the creator stored, when it was a
// Unix-like system.
func (e *Entry) UnixMode() (fs.FileMode, bool) {
	switch e.CreatorVersion >> 8 {
	case 3, 19: // Unix, OS X
	default:
		return 0, false
	}
	m := e.ExternalAttrs >> 16
	if m == 0 {
		return 0, false
	}
	mode := fs.FileMode(m & 0o777)
	switch m & 0o170000 {
	case 0, 0o100000: // Python's zipfile stores bare permission bits
	case 0o040000:
		mode |= fs.ModeDir
	case 0o120000:
		mode |= fs.ModeSymlink
	case 0o020000:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case 0o060000:
		mode |= fs.ModeDevice
	case 0o010000:
		mode |= fs.ModeNamedPipe
	case 0o140000:
		mode |= fs.ModeSocket
	default:
		mode |= fs.ModeIrregular
	}
	return mode, true
}

// OpenRaw returns the compressed bytes present in the file.
func (e *Entry) OpenRaw() (*io.SectionReader, error) {
	if !e.headerOK {
		return nil, e.err
	}
	return io.NewSectionReader(e.r.ra, e.DataOffset, e.avail), nil
}

// Open returns the entry's data, decompressed by its method whatever its
// flags say. Reading it to the end records the CRC and size actually read
// (see Checked). A method this reader does not know gives an error wrapping
// formats.ErrUnsupported; data cut short by the end of the file ends in
// io.ErrUnexpectedEOF.
func (e *Entry) Open() (io.ReadCloser, error) {
	raw, err := e.OpenRaw()
	if err != nil {
		return nil, err
	}
	if e.err != nil && !e.short {
		return nil, e.err
	}
	var src io.Reader = raw
	if e.short {
		src = &shortReader{r: raw}
	}
	var rc io.ReadCloser
	switch e.Method {
	case Store:
		rc = io.NopCloser(src)
	case Deflate:
		rc = flate.NewReader(bufio.NewReaderSize(src, 32<<10))
	case BZIP2:
		rc = io.NopCloser(bzip2.NewReader(bufio.NewReaderSize(src, 32<<10)))
	case Zstd:
		d, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("zip: entry %q: zstd: %w", e.Name, err)
		}
		rc = d.IOReadCloser()
	case XZ:
		d, err := xz.NewReader(bufio.NewReaderSize(src, 32<<10))
		if err != nil {
			return nil, fmt.Errorf("zip: entry %q: xz: %w", e.Name, err)
		}
		rc = io.NopCloser(d)
	case LZMA:
		d, err := e.openLZMA(src)
		if err != nil {
			return nil, fmt.Errorf("zip: entry %q: lzma: %w", e.Name, err)
		}
		rc = io.NopCloser(d)
	default:
		return nil, fmt.Errorf("zip: entry %q: compression method %d: %w", e.Name, e.Method, formats.ErrUnsupported)
	}
	return &crcReader{rc: rc, e: e}, nil
}

// openLZMA turns the zip LZMA layout (version, properties size, the five
// property bytes) into the classic header the lzma package reads.
func (e *Entry) openLZMA(src io.Reader) (io.Reader, error) {
	var h [9]byte
	if _, err := io.ReadFull(src, h[:]); err != nil {
		return nil, fmt.Errorf("read properties: %w", err)
	}
	if h[2] != 5 || h[3] != 0 {
		return nil, fmt.Errorf("properties size %d, want 5", int(h[2])|int(h[3])<<8)
	}
	var classic [13]byte
	copy(classic[:5], h[4:9])
	size := e.UncompressedSize
	if e.Flags&0x2 != 0 { // an end marker closes the stream instead
		size = ^uint64(0)
	}
	for i := range 8 {
		classic[5+i] = byte(size >> (8 * i))
	}
	return lzma.ReaderConfig{DictCap: maxDict}.NewReader(io.MultiReader(bytes.NewReader(classic[:]), bufio.NewReaderSize(src, 32<<10)))
}

// Checked reports the CRC-32 and size of the data as last read to the end,
// and whether it has been read to the end at all.
func (e *Entry) Checked() (crc uint32, size int64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.read.crc, e.read.size, e.read.done
}

func (e *Entry) finish(crc uint32, size int64) {
	e.mu.Lock()
	e.read = readResult{done: true, crc: crc, size: size}
	e.mu.Unlock()
}

// crcReader computes the CRC of what passes through and records it at EOF.
type crcReader struct {
	rc  io.ReadCloser
	e   *Entry
	crc uint32
	n   int64
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	c.n += int64(n)
	if err == io.EOF {
		c.e.finish(c.crc, c.n)
	} else if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("zip: entry %q: %w", c.e.Name, err)
	}
	return n, err
}

func (c *crcReader) Close() error { return c.rc.Close() }

// shortReader turns the clean end of a truncated entry into
// io.ErrUnexpectedEOF, so nobody mistakes it for the whole entry.
type shortReader struct{ r io.Reader }

func (s *shortReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// trackingReaderAt gives random access to a stored entry and computes its
// CRC as a side effect of reads that advance through it in order, which is
// how analyzers usually read: the check costs no extra pass.
type trackingReaderAt struct {
	sr   *io.SectionReader
	e    *Entry
	mu   sync.Mutex
	next int64
	crc  uint32
}

func (t *trackingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := t.sr.ReadAt(p, off)
	t.mu.Lock()
	defer t.mu.Unlock()
	if end := off + int64(n); off <= t.next && end > t.next {
		t.crc = crc32.Update(t.crc, crc32.IEEETable, p[t.next-off:n])
		t.next = end
		if t.next == t.sr.Size() {
			t.e.finish(t.crc, t.next)
		}
	}
	return n, err
}

// Input returns the entry as a formats.Input named name: random access over
// the archive for a stored entry (free), a re-openable decompressing stream
// otherwise. Unreadable and unsupported entries give an Input whose Open
// fails with the reason, so the engine marks that member inconclusive.
func (e *Entry) Input(name string) *formats.Input {
	if e.err == nil && e.Method == Store {
		sr, _ := e.OpenRaw()
		if sr.Size() == int64(e.CompressedSize) {
			return formats.NewInput(name, &trackingReaderAt{sr: sr, e: e}, sr.Size())
		}
	}
	packed := e.avail
	if e.Method == Store {
		packed = 0
	}
	return formats.NewStreamInput(name, -1, packed, e.Open)
}

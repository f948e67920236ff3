// Package compress unwraps single-stream compressed files — gzip (every
// member of a multi-member file), bzip2, xz, lzma-alone, Zstandard, LZ4
// frames, zlib and joblib's old z-files — and hands the decompressed bytes back to the engine as
// one member, so the engine sniffs and analyzes what is inside.
//
// It never decompresses on its own account: the member is a re-openable
// stream the engine reads, counting every byte against its decompressed-size
// and ratio caps, so memory stays flat (no buffering of the output) and a
// bomb stops at the caps. It never writes to disk. A stream that does not
// decompress cleanly to its end is an error, and the file is inconclusive.
package compress

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelgate/modelgate/formats"
)

// Decoder memory caps. The LZMA dictionary and the Zstandard window are
// stated by the (hostile) header and allocated by the decoder; larger ones
// make the stream an error instead of a memory hazard. Real files use at
// most 64 MiB (xz -9, zstd -19) unless made with long-range options.
const (
	MaxDict   = 256 << 20
	MaxWindow = 256 << 20
)

// decoders open a decompressing reader for each format.
var decoders = map[string]func(io.Reader) (io.ReadCloser, error){
	formats.Gzip: func(r io.Reader) (io.ReadCloser, error) {
		return gzip.NewReader(r) // multi-member by default, like gunzip
	},
	formats.Bzip2: func(r io.Reader) (io.ReadCloser, error) {
		return io.NopCloser(bzip2.NewReader(r)), nil
	},
	formats.XZ: func(r io.Reader) (io.ReadCloser, error) {
		br := bufio.NewReaderSize(r, 64<<10)
		if err := checkXZDict(br); err != nil {
			return nil, err
		}
		d, err := xz.ReaderConfig{}.NewReader(br)
		return io.NopCloser(d), err
	},
	formats.LZMA: func(r io.Reader) (io.ReadCloser, error) {
		d, err := lzma.ReaderConfig{DictCap: MaxDict}.NewReader(r)
		return io.NopCloser(d), err
	},
	formats.Zstd: func(r io.Reader) (io.ReadCloser, error) {
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(MaxWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	},
	formats.LZ4: func(r io.Reader) (io.ReadCloser, error) {
		return io.NopCloser(lz4.NewReader(r)), nil
	},
	formats.Zlib: func(r io.Reader) (io.ReadCloser, error) {
		return zlib.NewReader(r)
	},
	formats.JoblibZFile: openZFile,
}

func init() {
	for format := range decoders {
		formats.Register(format, Analyzer{Format: format})
	}
}

// Analyzer unwraps one compression format.
type Analyzer struct{ Format string }

// Analyze hands the decompressed stream back to the engine as one member
// named by MemberName, with an unknown size and the compressed size as its
// packed size, and returns any decompression error the reads met.
func (a Analyzer) Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	m, err := Member(a.Format, in)
	if err != nil {
		return err
	}
	if err := s.Scan(ctx, m.Input); err != nil {
		return fmt.Errorf("%s %q: %w", a.Format, in.Name, err)
	}
	if err := m.Err(); err != nil {
		return fmt.Errorf("%s %q: %w", a.Format, in.Name, err)
	}
	return nil
}

// Stream is the decompressed member of a compressed input.
type Stream struct {
	Input *formats.Input

	mu  sync.Mutex
	err error
}

// Err returns the first decompression error any reader of the member met.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Stream) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// Member returns the decompressed stream of in for format, for analyzers
// (joblib, say) that unwrap a compressed payload themselves.
func Member(format string, in *formats.Input) (*Stream, error) {
	dec, ok := decoders[format]
	if !ok {
		return nil, fmt.Errorf("compress: %s: %w", format, formats.ErrUnsupported)
	}
	packed := in.Size
	if packed < 0 {
		packed = in.Packed // nested in another stream: judge against the outer size
	}
	st := &Stream{}
	st.Input = formats.NewStreamInput(MemberName(in.Name), -1, max(packed, 0), func() (io.ReadCloser, error) {
		src, err := in.Open()
		if err != nil {
			return nil, &formats.ReadError{Err: fmt.Errorf("open %s: %w", in.Name, err)}
		}
		var (
			tail *xzTail
			r    io.Reader = src
		)
		if format == formats.XZ {
			tail = &xzTail{r: src}
			r = tail
		}
		d, err := dec(bufio.NewReaderSize(r, 64<<10))
		if err != nil {
			src.Close()
			err = fmt.Errorf("decompress %s %q: %w", format, in.Name, err)
			st.fail(err)
			return nil, err
		}
		s := &stream{d: d, src: src, st: st, what: format + " " + in.Name}
		if tail != nil {
			s.end = tail.check
		}
		return s, nil
	})
	return st, nil
}

// stream reads the decoder, records its first error and closes both
// layers.
type stream struct {
	d    io.ReadCloser
	src  io.Closer
	st   *Stream
	what string
	end  func() error // checks what the decoder accepts as the end, when it is lax
}

func (r *stream) Read(p []byte) (int, error) {
	n, err := r.d.Read(p)
	if err == io.EOF && r.end != nil {
		if eerr := r.end(); eerr != nil {
			err = eerr
		}
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("decompress %s: %w", r.what, err)
		r.st.fail(err)
	}
	return n, err
}

func (r *stream) Close() error {
	derr := r.d.Close()
	serr := r.src.Close()
	return errors.Join(derr, serr)
}

// suffixes maps a compression extension to what replaces it in the member
// name: nothing, or ".tar" for the tarball shorthands.
var suffixes = map[string]string{
	".gz": "", ".gzip": "", ".tgz": ".tar", ".taz": ".tar",
	".bz2": "", ".bz": "", ".tbz": ".tar", ".tbz2": ".tar", ".tb2": ".tar",
	".xz": "", ".txz": ".tar", ".lzma": "", ".tlz": ".tar",
	".zst": "", ".zstd": "", ".tzst": ".tar",
	".lz4": "", ".z": "", ".zz": "", ".zlib": "",
}

// MemberName names the decompressed member after the compressed file: its
// base name without the compression extension (model.pkl.gz -> model.pkl,
// w.tgz -> w.tar). A name without a known extension is kept as it is
// (model.joblib -> model.joblib): the location "model.joblib!model.joblib"
// then says the bytes inside the compressed file were meant.
func MemberName(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == "/" || base == "" {
		return "data"
	}
	ext := path.Ext(base)
	if repl, ok := suffixes[strings.ToLower(ext)]; ok && len(base) > len(ext) {
		return base[:len(base)-len(ext)] + repl
	}
	return base
}

// xzTail remembers the end of an xz file as the decoder reads it: up to
// xzTailMax bytes before a run of zero bytes (stream padding), and how
// long that run is.
type xzTail struct {
	r     io.Reader
	last  []byte
	zeros int64
	eof   bool
}

// xzTailMax covers a stream footer and an index of thousands of blocks.
const xzTailMax = 64 << 10

func (t *xzTail) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	b := p[:n]
	if i := bytes.LastIndexFunc(b, func(c rune) bool { return c != 0 }); i < 0 {
		t.zeros += int64(n)
	} else {
		// The zeros before b's last non-zero byte were data, not padding.
		t.last = append(t.last, make([]byte, min(t.zeros, xzTailMax))...)
		t.last = append(t.last, b[:i+1]...)
		if len(t.last) > 2*xzTailMax {
			t.last = append(t.last[:0], t.last[len(t.last)-xzTailMax:]...)
		}
		t.zeros = int64(n - i - 1)
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

// check is asked when the decoder reports the end. The xz package ends
// without complaint when the file stops right after a block, before the
// stream's index and footer that xz -t requires, and when the index
// indicator is damaged. The file must end in a stream footer (its CRC32
// right and its magic "YZ") followed by stream padding in whole four-byte
// units, and the index the footer points back to must start with its
// indicator and match its CRC32.
func (t *xzTail) check() error {
	if !t.eof {
		return nil
	}
	if len(t.last) > xzTailMax {
		t.last = t.last[len(t.last)-xzTailMax:]
	}
	bad := fmt.Errorf("xz stream does not end in an index and footer: %w", io.ErrUnexpectedEOF)
	if len(t.last) < 12 || t.zeros%4 != 0 {
		return bad
	}
	f := t.last[len(t.last)-12:]
	if string(f[10:12]) != "YZ" || f[8] != 0 || f[9] > 0x0f || crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f[0:4]) {
		return bad
	}
	back := (int64(binary.LittleEndian.Uint32(f[4:8])) + 1) * 4
	if back+12 > int64(len(t.last)) {
		return nil // an index beyond the window: the decoder's word
	}
	idx := t.last[int64(len(t.last))-12-back : len(t.last)-12]
	if idx[0] != 0 || crc32.ChecksumIEEE(idx[:len(idx)-4]) != binary.LittleEndian.Uint32(idx[len(idx)-4:]) {
		return fmt.Errorf("xz index before the footer is damaged: %w", io.ErrUnexpectedEOF)
	}
	return nil
}

// checkXZDict refuses an xz stream whose first block asks for an LZMA2
// dictionary above MaxDict: the decoder would size its buffer by it. Later
// blocks are not checked here; the buffer they ask for fills only as fast
// as the engine lets the output grow.
func checkXZDict(br *bufio.Reader) error {
	head, _ := br.Peek(12 + 1)
	if len(head) < 13 || head[12] == 0 {
		return nil // too short, or no block: the decoder reports it
	}
	hdr, _ := br.Peek(12 + (int(head[12])+1)*4)
	if len(hdr) < 14 {
		return nil
	}
	b := hdr[12:]
	flags := b[1]
	p := 2
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && p < len(b); i++ {
			c := b[p]
			p++
			v |= uint64(c&0x7f) << (7 * i)
			if c < 0x80 {
				return v, true
			}
		}
		return 0, false
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed, uncompressed size
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return nil
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(b)-p) {
			return nil
		}
		if id == 0x21 && n == 1 && b[p] <= 40 {
			d := b[p]
			if dict := uint64(2|d&1) << (d/2 + 11); dict > MaxDict {
				return fmt.Errorf("xz dictionary of %d bytes exceeds %d", dict, MaxDict)
			}
		}
		p += int(n)
	}
	return nil
}

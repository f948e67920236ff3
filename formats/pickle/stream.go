package pickle

import (
	"bytes"
	"errors"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// bufSize is the read buffer of a Stream. It bounds how many bytes of one
// argument are ever held at once; longer arguments are read through.
const bufSize = 64 << 10

// Stream is the buffered, offset-counting reader the pickle machine reads
// through. Hooks receive it to consume raw bytes that a loader reads
// outside the opcode stream (joblib array data); a Stream passed back to
// Scan is used as is, so a nested scan continues at the same position.
type Stream struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte in buf
	end  int   // end of buffered bytes
	base int64 // offset of buf[0] in the input
	err  error // sticky error from r
	// frameLeft is, while an OnBuild hook runs, how many bytes of the
	// current protocol-4 FRAME follow the BUILD.
	frameLeft int64
}

// FrameLeft tells an OnBuild hook how many bytes of the current FRAME
// follow the BUILD. A loader that reads out of band from the file, as
// joblib does, reads after the frame while the opcodes go on inside it.
func (s *Stream) FrameLeft() int64 { return s.frameLeft }

// NewStream returns a Stream reading r, whose first byte is at offset base
// of the input.
func NewStream(r io.Reader, base int64) *Stream {
	return &Stream{r: r, buf: make([]byte, bufSize), base: base}
}

// Offset is the input offset of the next byte Read would return.
func (s *Stream) Offset() int64 { return s.base + int64(s.pos) }

// fill reads more bytes, keeping the unread ones; it reports whether any
// byte was added.
func (s *Stream) fill() bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.pos, s.end = 0, n
	}
	for tries := 0; tries < 100 && s.end < len(s.buf); tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	if s.end == len(s.buf) {
		return false
	}
	s.err = io.ErrNoProgress
	return false
}

// failure is the error to report when the input ended early.
func (s *Stream) failure() error {
	if s.err == nil || s.err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return readErr(s.err)
}

// ReadByte returns the next byte.
func (s *Stream) ReadByte() (byte, error) {
	if s.pos < s.end {
		b := s.buf[s.pos]
		s.pos++
		return b, nil
	}
	return s.slowByte()
}

func (s *Stream) slowByte() (byte, error) {
	if !s.fill() && s.pos >= s.end {
		return 0, s.failure()
	}
	b := s.buf[s.pos]
	s.pos++
	return b, nil
}

// AtEOF reports whether the input has no more bytes. A read error other
// than EOF is returned.
func (s *Stream) AtEOF() (bool, error) {
	if s.pos < s.end {
		return false, nil
	}
	if s.fill() || s.pos < s.end {
		return false, nil
	}
	if s.err == io.EOF {
		return true, nil
	}
	return false, readErr(s.err)
}

// next returns the next n bytes (n <= bufSize), valid until the next read.
func (s *Stream) next(n int) ([]byte, error) {
	for s.end-s.pos < n {
		if !s.fill() {
			// Consume what there is so the error offset points past it.
			s.pos = s.end
			return nil, s.failure()
		}
	}
	b := s.buf[s.pos : s.pos+n]
	s.pos += n
	return b, nil
}

// Read implements io.Reader.
func (s *Stream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if s.pos >= s.end && !s.fill() && s.pos >= s.end {
		if s.err == nil {
			return 0, io.ErrNoProgress
		}
		return 0, s.err
	}
	n := copy(p, s.buf[s.pos:s.end])
	s.pos += n
	return n, nil
}

// Discard skips n bytes without keeping them. It returns an error when the
// input ends first.
func (s *Stream) Discard(n int64) error {
	for n > 0 {
		if s.pos >= s.end && !s.fill() && s.pos >= s.end {
			return s.failure()
		}
		k := int64(s.end - s.pos)
		if k > n {
			k = n
		}
		s.pos += int(k)
		n -= k
	}
	return nil
}

// line reads through the next '\n'. It keeps at most keep bytes of the line
// (without the newline) in dst and returns them with the line's full length.
func (s *Stream) line(dst []byte, keep int) ([]byte, int64, error) {
	dst = dst[:0]
	var total int64
	for {
		if s.pos >= s.end && !s.fill() && s.pos >= s.end {
			return dst, total, s.failure()
		}
		chunk := s.buf[s.pos:s.end]
		i := bytes.IndexByte(chunk, '\n')
		seg := chunk
		if i >= 0 {
			seg = chunk[:i]
		}
		if room := keep - len(dst); room > 0 {
			dst = append(dst, seg[:min(room, len(seg))]...)
		}
		total += int64(len(seg))
		if i >= 0 {
			s.pos += i + 1
			return dst, total, nil
		}
		s.pos = s.end
	}
}

func readErr(err error) error {
	var re *formats.ReadError
	if errors.As(err, &re) {
		return err
	}
	return &formats.ReadError{Err: err}
}

// has reports whether at least n more bytes can be read, buffering them
// (the buffer grows to n when it must; n is the caller's to bound).
func (s *Stream) has(n int) (bool, error) {
	if n > len(s.buf) {
		buf := make([]byte, n)
		s.end = copy(buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.pos, s.buf = 0, buf
	}
	if len(s.peek(n)) >= n {
		return true, nil
	}
	if s.err != nil && s.err != io.EOF {
		return false, readErr(s.err)
	}
	return false, nil
}

// peek returns up to n of the next bytes without consuming them; fewer
// when the input ends first.
func (s *Stream) peek(n int) []byte {
	for s.end-s.pos < n && s.fill() {
	}
	return s.buf[s.pos:min(s.end, s.pos+n)]
}

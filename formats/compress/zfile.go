package compress

import (
	"bufio"
	"fmt"
	"io"

	"github.com/klauspost/compress/zlib"

	"github.com/modelgate/modelgate/formats"
)

// openZFile reads a joblib z-file as joblib's read_zfile does: the header,
// then zlib.decompress(rest, 15, length), which ignores bytes after the
// zlib stream, then `assert len(data) == length`. A stream whose size
// disagrees with the header is an error (joblib refuses it), reported once
// the whole stream has been read, so its content is still analyzed.
func openZFile(r io.Reader) (io.ReadCloser, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	head, _ := br.Peek(32)
	length, off, ok := formats.ZFileHeader(head)
	if !ok {
		return nil, fmt.Errorf("joblib z-file header %q is not a length joblib reads", head)
	}
	if _, err := br.Discard(off); err != nil {
		return nil, err
	}
	z, err := zlib.NewReader(br)
	if err != nil {
		return nil, err
	}
	return &zfile{z: z, want: length}, nil
}

type zfile struct {
	z    io.ReadCloser
	want int64
	got  int64
}

func (f *zfile) Read(p []byte) (int, error) {
	n, err := f.z.Read(p)
	f.got += int64(n)
	if err == io.EOF && f.got != f.want {
		return n, fmt.Errorf("joblib z-file states %d bytes but holds %d; joblib refuses it", f.want, f.got)
	}
	return n, err
}

func (f *zfile) Close() error { return f.z.Close() }

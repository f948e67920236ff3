package scanner

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/modelgate/modelgate/formats"
)

// budgeted wraps a stream member so every byte read from it is charged to
// the file's decompressed-bytes budget and checked against the member's
// compression ratio. The caps live here, once, for every container. The
// flag it returns is set once any reader of the member reached its end.
func (fs *fileScan) budgeted(m *formats.Input) (*formats.Input, *atomic.Bool) {
	var whole atomic.Bool
	return formats.NewStreamInput(m.Name, m.Size, m.Packed, func() (io.ReadCloser, error) {
		rc, err := m.Open()
		if err != nil {
			return nil, err
		}
		return &budgetReader{rc: rc, fs: fs, packed: m.Packed, whole: &whole}, nil
	}), &whole
}

// drain reads a stream member to its end, so that a member its analyzers
// only sniffed is still decompressed completely once: a bomb meets the
// caps, a corrupt stream is an error, and a container's check of the
// member (a zip entry's CRC) sees every byte.
func drain(ctx context.Context, m *formats.Input) error {
	rc, err := m.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := rc.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decompress: %w", err)
		}
	}
}

type budgetReader struct {
	rc     io.ReadCloser
	fs     *fileScan
	packed int64
	n      int64
	whole  *atomic.Bool
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.whole.Store(true)
	}
	if n > 0 {
		b.n += int64(n)
		lim := b.fs.limits
		if total := b.fs.decompressed.Add(int64(n)); total > lim.Decompressed {
			return n, &formats.LimitError{Limit: "decompressed-bytes", Max: lim.Decompressed}
		}
		if b.packed > 0 && b.n > lim.RatioFloor && b.n/b.packed > lim.Ratio {
			return n, &formats.LimitError{Limit: "compression-ratio", Max: lim.Ratio}
		}
	}
	return n, err
}

func (b *budgetReader) Close() error { return b.rc.Close() }

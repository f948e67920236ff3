package scanner

import (
	"io"

	"github.com/modelgate/modelgate/formats"
)

// budgeted wraps a stream member so every byte read from it is charged to
// the file's decompressed-bytes budget and checked against the member's
// compression ratio. The caps live here, once, for every container.
func (fs *fileScan) budgeted(m *formats.Input) *formats.Input {
	return formats.NewStreamInput(m.Name, m.Size, m.Packed, func() (io.ReadCloser, error) {
		rc, err := m.Open()
		if err != nil {
			return nil, err
		}
		return &budgetReader{rc: rc, fs: fs, packed: m.Packed}, nil
	})
}

type budgetReader struct {
	rc     io.ReadCloser
	fs     *fileScan
	packed int64
	n      int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
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

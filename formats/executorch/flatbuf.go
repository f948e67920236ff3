package executorch

import (
	"errors"
	"io"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/internal/flatbuf"
)

// errBounds marks a flatbuffer offset or length outside the program.
var errBounds = flatbuf.ErrBounds

// fb reads flatbuffer tables of a program held in memory (the program
// part of a .pte is its first program_size bytes; segments after it are
// never read here).
type fb = flatbuf.Reader

type table = flatbuf.Table

func newFB(b []byte) *fb { return flatbuf.Mem(b, "executorch") }

// readProgram reads the first n bytes of ra.
func readProgram(ra io.ReaderAt, n int64) ([]byte, error) {
	b := make([]byte, n)
	if _, err := ra.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, &formats.ReadError{Err: err}
	}
	return b, nil
}

package catboost

import (
	"encoding/binary"
	"math"

	"github.com/modelgate/modelgate/formats/internal/flatbuf"
)

// fbuf reads a flatbuffer held in memory, checking every offset it
// follows against the buffer's bounds.
type fbuf = flatbuf.Reader

type table = flatbuf.Table

func newFbuf(b []byte) *fbuf { return flatbuf.Mem(b, "catboost") }

// anyTables lets a table vector be as long as the buffer holds: the
// vector's length is checked against the buffer before any table is.
const anyTables = math.MaxInt32

// ints reads the vector field i of t of int32.
func ints(b *fbuf, t table, i int) ([]int32, error) {
	start, n, err := b.Vector(t, i, 4)
	if err != nil || n == 0 {
		return nil, err
	}
	raw, err := b.Bytes(start, 4*n)
	if err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for k := range out {
		out[k] = int32(binary.LittleEndian.Uint32(raw[4*k:]))
	}
	return out, nil
}

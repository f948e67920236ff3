package numpy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/modelgate/modelgate/formats"
)

// Array is what an .npy header says of its array, for a model card.
type Array struct {
	// Descr is the header's descr when it is a type string ("<f4",
	// "|O"); a structured dtype is "structured".
	Descr string
	Shape []int64
	// Elements is the product of the shape (1 for a scalar). An object
	// array's shape is in its header too, so its count needs no
	// unpickling.
	Elements uint64
	Object   bool
}

// Describe reads the .npy header at the start of r, and nothing after it:
// never the array data, never an object array's pickle. It judges
// nothing; the file is expected to have been scanned already.
func Describe(r io.Reader) (*Array, error) {
	h, err := readHeader(bufio.NewReaderSize(r, 4096), quiet{})
	if err != nil {
		return nil, err
	}
	d, err := descrToDtype(h.Descr, 0)
	if err != nil {
		return nil, fmt.Errorf("npy descr: %w", err)
	}
	a := &Array{Descr: "structured", Shape: h.Shape, Elements: 1, Object: d.object}
	if s, ok := h.Descr.(string); ok {
		a.Descr = s
	}
	for _, n := range h.Shape {
		if n < 0 {
			return nil, fmt.Errorf("npy shape %v: negative dimension", h.Shape)
		}
		hi, lo := bits.Mul64(a.Elements, uint64(n))
		if hi != 0 {
			return nil, errors.New("npy shape overflows")
		}
		a.Elements = lo
	}
	return a, nil
}

// quiet drops the findings of a header read for facts.
type quiet struct{}

func (quiet) Report(formats.Finding)                     {}
func (quiet) Scan(context.Context, *formats.Input) error { return nil }
func (quiet) Limits() formats.Limits                     { return formats.DefaultLimits() }

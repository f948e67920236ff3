package formats

import (
	"context"
	"errors"
	"fmt"
)

// Limits bound the work one top-level file may cause. A limit that is hit
// makes the file inconclusive with the limit named; it is never clean.
type Limits struct {
	// Depth is how many containers deep members are followed.
	Depth int
	// Members is the most members one top-level file may expand to.
	Members int
	// Decompressed is the most bytes all members of one top-level file may
	// decompress to, together.
	Decompressed int64
	// Ratio is the largest decompressed:packed ratio allowed for a member
	// larger than RatioFloor bytes.
	Ratio int64
	// RatioFloor is the size under which the ratio is not checked (small
	// members of zeros compress absurdly well and are harmless).
	RatioFloor int64
	// Buffer is the most bytes of a compressed member held in memory when
	// its analyzer needs random access.
	Buffer int64

	// Opcodes is the most pickle opcodes executed per pickle stream.
	Opcodes int64
	// Stack is the deepest the pickle stack (and mark stack) may grow.
	Stack int
	// Memo is the most memo entries one pickle may create.
	Memo int
	// Pickles is the most pickle streams read from one input, counting
	// streams concatenated after STOP and nested pickles.
	Pickles int

	// Quick asks analyzers to read only what analysis needs: the engine
	// trusts the origin's digests instead of hashing every byte, so checks
	// that would read whole members just to verify them (a zip entry's
	// CRC) are skipped.
	Quick bool
}

// DefaultLimits are generous for real models and strict for attacks.
func DefaultLimits() Limits {
	return Limits{
		Depth:        8,
		Members:      100_000,
		Decompressed: 64 << 30,
		Ratio:        200,
		RatioFloor:   16 << 20,
		Buffer:       512 << 20,
		Opcodes:      100_000_000,
		Stack:        1_000_000,
		Memo:         10_000_000,
		// A torch model pickled with plain pickle embeds one legacy
		// torch.save stream, five pickles, per storage: ResNet-50's 320
		// make 1,600.
		Pickles: 20_000,
	}
}

// LimitError reports a resource limit that was hit.
type LimitError struct {
	Limit string // the limit's name, e.g. "pickle-opcodes"
	Max   int64
}

func (e *LimitError) Error() string { return fmt.Sprintf("limit reached: %s (%d)", e.Limit, e.Max) }

// ErrUnsupported marks a recognised format this build cannot analyze.
var ErrUnsupported = errors.New("unsupported format")

// Reason classifies why a file is inconclusive, for reports and policies.
func Reason(err error) string {
	var le *LimitError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &le):
		return "limit"
	case errors.Is(err, ErrUnsupported):
		return "unsupported"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.As(err, new(*ReadError)):
		return "read-error"
	default:
		return "parse-error"
	}
}

// ReadError wraps an I/O failure of the underlying file or stream, as
// opposed to bytes that do not parse.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "read: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

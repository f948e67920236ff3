package fetch

import (
	"context"
	"fmt"
	"strings"
)

// Options configure how targets are fetched.
type Options struct{}

// ErrUsage marks a target that is malformed or of an unsupported kind: a
// usage error, not a failure to fetch.
type ErrUsage struct{ Msg string }

func (e *ErrUsage) Error() string { return e.Msg }

// Open resolves a target string to a Source.
func Open(ctx context.Context, target string, opts Options) (Source, error) {
	if i := strings.Index(target, "://"); i > 0 {
		return nil, &ErrUsage{Msg: fmt.Sprintf("%s: %s:// targets are not supported by this build; give a local path", target, target[:i])}
	}
	return NewLocal(target)
}

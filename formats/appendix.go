package formats

import (
	"context"
	"io"
	"slices"
	"sync"
)

// AppendixCheck decides whether the first start bytes of ra are a model of
// the check's format that carries the archive found from start on as part
// of itself: TFLite metadata's associated files, which tflite-support's
// MetadataPopulator appends to the FlatBuffer as a zip. It answers only
// when the model parses within those bytes and carries the metadata that
// goes with such an archive, and returns nil otherwise. A check reads ra
// itself and must be bounded like an analyzer.
type AppendixCheck func(ctx context.Context, ra io.ReaderAt, start int64, names []string) (*Appendix, error)

// Appendix is what a check learned about an archive its model carries.
type Appendix struct {
	Format string // filled in by ExplainPrefix
	Note   string // one line for the report
	// Unlisted are members the model's metadata does not record: no
	// loader of the model looks them up by name.
	Unlisted []string
	// Layouts are the layouts the archive may match and still belong to
	// the model (a llamafile's weights and .args, which its own
	// executable reads); any other layout keeps the file a polyglot.
	Layouts []string
}

var (
	appendixMu sync.RWMutex
	appendices = map[string]AppendixCheck{}
)

// RegisterAppendix makes c the appendix check of format.
func RegisterAppendix(format string, c AppendixCheck) {
	appendixMu.Lock()
	defer appendixMu.Unlock()
	appendices[format] = c
}

// ExplainPrefix runs the registered appendix checks, in format-name order,
// on the start bytes that precede an archive whose members are names, and
// returns what the first that accepts them found. An error of a check
// counts as a no: the prefix then stays unexplained.
func ExplainPrefix(ctx context.Context, ra io.ReaderAt, start int64, names []string) *Appendix {
	appendixMu.RLock()
	keys := make([]string, 0, len(appendices))
	for k := range appendices {
		keys = append(keys, k)
	}
	appendixMu.RUnlock()
	slices.Sort(keys)
	for _, k := range keys {
		appendixMu.RLock()
		c := appendices[k]
		appendixMu.RUnlock()
		if a, err := c(ctx, ra, start, names); err == nil && a != nil {
			a.Format = k
			return a
		}
	}
	return nil
}

// Appender is implemented by the engine's Scope. An analyzer whose reading
// of a file turned out to be part of the format at offset 0 (an appendix
// ExplainPrefix accepted) calls Appended with its format, and the engine
// then does not count that reading when it reports the file as a polyglot.
type Appender interface {
	Appended(format string)
}

// MarkAppended tells s, when it is an Appender, that the reading of format
// belongs to the format at offset 0.
func MarkAppended(s Scope, format string) {
	if a, ok := s.(Appender); ok {
		a.Appended(format)
	}
}

package tar

import (
	"fmt"
	"io"
	"io/fs"

	"github.com/modelgate/modelgate/formats"
)

type treeEntry struct {
	name   string
	k      int   // entry index, for re-walking a stream
	at     int64 // data offset in a random-access tar
	size   int64
	direct bool // a plain section of a random-access tar
	sec    *io.SectionReader
}

// tree is the archive's regular files as a formats.Tree. A duplicated
// name opens its last entry, the one extraction leaves on disk.
type tree struct {
	names  []string
	byName map[string]treeEntry
	rewalk func(k int) func() (io.ReadCloser, error)
}

func (t *tree) add(e treeEntry) {
	if t.byName == nil {
		t.byName = map[string]treeEntry{}
	}
	if _, dup := t.byName[e.name]; !dup {
		if len(t.names) >= maxNames {
			return
		}
		t.names = append(t.names, e.name)
	}
	t.byName[e.name] = e
}

func (t *tree) Names() []string { return t.names }

// Open returns a member: a section of a random-access tar, or a stream
// that re-reads a streamed tar up to the entry.
func (t *tree) Open(name string) (*formats.Input, error) {
	e, ok := t.byName[name]
	if !ok {
		return nil, fmt.Errorf("tar: open %q: %w", name, fs.ErrNotExist)
	}
	if e.direct {
		return formats.NewInput(name, io.NewSectionReader(e.sec, e.at, e.size), e.size), nil
	}
	return formats.NewStreamInput(name, e.size, 0, t.rewalk(e.k)), nil
}

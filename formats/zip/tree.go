package zip

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Tree returns the archive's files as a formats.Tree, for the layouts that
// check an archive as a whole (a PyTorch checkpoint's storages against its
// pickle, say). Names are the central-directory names in directory order,
// then local-only names, each once and without directories; a duplicated
// name opens its first entry, as a reader walking the directory finds it.
// Compressed entries open as streams the engine has not capped: a layout
// must bound what it reads from them.
func (r *Reader) Tree() formats.Tree {
	t := &tree{r: r, byName: make(map[string]int, len(r.Entries))}
	for i, e := range r.Entries {
		if strings.HasSuffix(e.Name, "/") && e.CompressedSize == 0 {
			continue
		}
		if _, dup := t.byName[e.Name]; dup {
			continue
		}
		t.byName[e.Name] = i
		t.names = append(t.names, e.Name)
	}
	return t
}

type tree struct {
	r      *Reader
	names  []string
	byName map[string]int
}

func (t *tree) Names() []string { return t.names }

func (t *tree) Open(name string) (*formats.Input, error) {
	i, ok := t.byName[name]
	if !ok {
		return nil, fmt.Errorf("zip: open %q: %w", name, fs.ErrNotExist)
	}
	return t.r.Entries[i].Input(name), nil
}

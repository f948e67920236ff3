package pytorch

import (
	"context"
	"errors"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// failingTree is a memTree whose named record fails to read with an I/O
// error (a stalled origin, a vanished file) rather than ending short.
type failingTree struct {
	*memTree
	fail string
}

type errReaderAt struct{}

func (errReaderAt) ReadAt([]byte, int64) (int, error) {
	return 0, errors.New("no data for 60s (the server stalled)")
}

func (t failingTree) Open(name string) (*formats.Input, error) {
	if name == t.fail {
		return formats.NewInput(name, errReaderAt{}, 16), nil
	}
	return t.memTree.Open(name)
}

// TestDataFilesVouchOnlyWhatWasRead: a storage record is vouched for only
// when its first bytes were read and are not the NumPy magic. A record
// whose read fails is analyzed (and so ends the file inconclusive): an
// origin that stalls on that one read and serves the bytes again to the
// hash would otherwise have an NPY object array, which np.load of the
// same zip unpickles, vouched for unseen.
func TestDataFilesVouchOnlyWhatWasRead(t *testing.T) {
	base := func() *memTree {
		return tree("archive/data.pkl", dataPkl(4), "archive/data/0", string(make([]byte, 16)))
	}
	s := formats.Discard{}
	for _, tc := range []struct {
		name  string
		tree  formats.Tree
		vouch bool
	}{
		{"raw storage", base(), true},
		{"npy magic", tree("archive/data.pkl", dataPkl(4), "archive/data/0", "\x93NUMPY\x01\x00"+string(make([]byte, 8))), false},
		{"short record", tree("archive/data.pkl", dataPkl(4), "archive/data/0", "\x93NU"), true},
		{"empty record", tree("archive/data.pkl", dataPkl(4), "archive/data/0", ""), true},
		{"read fails", failingTree{base(), "archive/data/0"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := zipLayout{}.DataFiles(context.Background(), tc.tree, s)["archive/data/0"]
			if got != tc.vouch {
				t.Errorf("vouched %v, want %v", got, tc.vouch)
			}
		})
	}
}

package zip

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// seenLayout records the trees the zip analyzer hands to layouts.
type seenLayout struct{ trees *[][]string }

func (l seenLayout) Match(names []string) bool { return slices.Contains(names, "layout/marker") }
func (l seenLayout) AnalyzeTree(_ context.Context, t formats.Tree, _ formats.Scope) error {
	*l.trees = append(*l.trees, t.Names())
	in, err := t.Open("layout/data.pkl")
	if err != nil {
		return err
	}
	rc, err := in.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(b, pkl) {
		*l.trees = append(*l.trees, []string{"bad data"})
	}
	return nil
}

var layoutTrees [][]string

func init() { formats.RegisterLayout("zip-test", seenLayout{&layoutTrees}) }

func TestLayouts(t *testing.T) {
	data := rawZip{entries: []rawEntry{
		{name: "layout/"}, {name: "layout/data.pkl", method: Deflate, data: pkl},
		{name: "layout/data.pkl", data: []byte("second")}, {name: "layout/marker", data: []byte("1")},
	}}.bytes(t)
	layoutTrees = nil
	if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "l.zip", data); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"layout/data.pkl", "layout/marker"}}
	if len(layoutTrees) != 1 || !slices.Equal(layoutTrees[0], want[0]) {
		t.Errorf("layout saw %q, want %q", layoutTrees, want)
	}
}

package tensorflow

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func FuzzSavedModel(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/saved_model.pb")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(savedModel(graphDef(nodeDef("c", "Const", constStrings(graphDef(nodeDef("w", "WriteFile")))), nodeDef("p", "PrintV2", strAttr("output_stream", "/tmp/x")))))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Walk(context.Background(), b, func(formats.Finding) {})
	})
}

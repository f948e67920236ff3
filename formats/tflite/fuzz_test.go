package tflite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func FuzzTFLite(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.tflite")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add(tflModel([]obj{opCode(32, "FlexWriteFile"), opCode(32, "Custom")},
		[]obj{operator(0, flexOptions("WriteFile", nodeDef("w", "WriteFile"))), operator(1, []byte{1})},
		[]obj{buffer([]byte{1, 2}, 0, 0), buffer(nil, 100, 4)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(formats.Finding) {})
	})
}

func FuzzAssociatedFiles(f *testing.F) {
	for _, b := range appendixSamples() {
		f.Add(b, uint16(len(b)))
	}
	f.Add(tflWithMetadata(metadataName, metaFB([]string{"labels.txt"}, "vocab.txt")), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, start uint16) {
		s := min(int64(start), int64(len(b)))
		_, _ = AssociatedFiles(context.Background(), bytes.NewReader(b), s, []string{"labels.txt"})
	})
}

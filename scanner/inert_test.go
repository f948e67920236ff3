package scanner_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner"
)

func blob(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	b := []byte("\xde\xc0\xad\x0b")
	for len(b) < n {
		b = append(b, byte(r.IntN(256)))
	}
	return b
}

// pngWith is a 4x4 PNG with data in a private chunk before IEND.
func pngWith(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	img := b.Bytes()
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, "prIv"...), data...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	return slices.Concat(img[:len(img)-12], c, img[len(img)-12:])
}

// testTensor is a serialized float TensorProto of two elements.
func testTensor() []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendBytes(b, make([]byte, 8))
}

// TestInertAndUnidentified scans directories whose files match no format
// on their own bytes: what a layout identifies as a model's data, and
// inert companions, are skipped with what they are; anything else is
// inconclusive and marked unidentified.
func TestInertAndUnidentified(t *testing.T) {
	onnxModel, err := os.ReadFile("../formats/onnx/testdata/external_ok/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	lfs := "version https://git-lfs.github.com/spec/v1\noid sha256:" + strings.Repeat("0f", 32) + "\nsize 99\n"
	type want struct {
		outcome scanner.Outcome
		reason  string
		text    string // in the note or error
	}
	tests := []struct {
		name  string
		files map[string][]byte
		want  map[string]want
	}{
		{"onnx external data", map[string][]byte{"model.onnx": onnxModel, "weights.bin": blob(16384)},
			map[string]want{"weights.bin": {scanner.Skipped, "", "inert: ONNX external data of model.onnx"}}},
		{"raw data with no model", map[string][]byte{"weights.bin": blob(16384)},
			map[string]want{"weights.bin": {scanner.Inconclusive, "unsupported", "unidentified binary data (16.0 KB"}}},
		{"onnx test tensors", map[string][]byte{"model.onnx": onnxModel, "weights.bin": blob(16384),
			"test_data_set_0/input_0.pb": testTensor(), "test_data_set_0/output_0.pb": blob(64)},
			map[string]want{
				"test_data_set_0/input_0.pb":  {scanner.Skipped, "", "inert: ONNX test tensor of model.onnx"},
				"test_data_set_0/output_0.pb": {scanner.Inconclusive, "unsupported", "unidentified"},
			}},
		{"index that is no table", map[string][]byte{"ckpt.index": blob(100), "ckpt.data-00000-of-00001": blob(100)},
			map[string]want{
				"ckpt.index":               {scanner.Inconclusive, "unsupported", "unidentified"},
				"ckpt.data-00000-of-00001": {scanner.Inconclusive, "unsupported", "unidentified"},
			}},
		{"lfs pointer", map[string][]byte{"data.csv": []byte(lfs)},
			map[string]want{"data.csv": {scanner.Inconclusive, "read-error", "Git LFS pointer to sha256:0f0f"}}},
		{"companions", map[string][]byte{"README.md": []byte("# m\n"), "vocab.txt": []byte("a\nb\n"), "empty": nil},
			map[string]want{
				"README.md": {scanner.Skipped, "", "inert: Markdown text"},
				"vocab.txt": {scanner.Skipped, "", "inert: text"},
				"empty":     {scanner.Skipped, "", "inert: empty file"},
			}},
		{"empty file named as a model", map[string][]byte{"model.pt": nil, "model.safetensors": {}},
			map[string]want{
				"model.pt":          {scanner.Skipped, "", "inert: empty file"},
				"model.safetensors": {scanner.Skipped, "", "inert: empty file"},
			}},
		// A zip reader opens an image whose last bytes hold a zip.
		{"image holding a zip", map[string][]byte{"logo.png": pngWith(t, zipOf(t, member{"data.pkl", []byte("\x80\x02cos\nsystem\n.")}))},
			map[string]want{"logo.png": {scanner.Inconclusive, "unsupported", "PNG image that also holds a zip end record"}}},
		{"binary named as text", map[string][]byte{"README.md": blob(300)},
			map[string]want{"README.md": {scanner.Inconclusive, "unsupported", "unidentified binary data"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rep := scanPath(t, dir)
			for name, w := range tt.want {
				var got *scanner.FileResult
				for i := range rep.Files {
					if rep.Files[i].Path == filepath.Join(dir, filepath.FromSlash(name)) {
						got = &rep.Files[i]
					}
				}
				if got == nil {
					t.Fatalf("%s not in the report", name)
				}
				text := got.Note + got.Error
				if got.Outcome != w.outcome || got.Reason != w.reason || !strings.Contains(text, w.text) {
					t.Errorf("%s: %s (%s) %q, want %s (%s) with %q", name, got.Outcome, got.Reason, text, w.outcome, w.reason, w.text)
				}
				if got.Unidentified != (w.outcome == scanner.Inconclusive) {
					t.Errorf("%s: unidentified %v", name, got.Unidentified)
				}
			}
		})
	}
}

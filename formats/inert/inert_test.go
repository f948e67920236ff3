package inert

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
)

func identify(t *testing.T, name string, data []byte, whole bool) Identity {
	t.Helper()
	in := formats.NewInput(name, bytes.NewReader(data), int64(len(data)))
	h, err := formats.ReadHead(in)
	if err != nil {
		t.Fatal(err)
	}
	id, err := Identify(context.Background(), in, h, whole)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// withPNGChunk inserts a chunk before a PNG's IEND.
func withPNGChunk(img []byte, typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, typ...), data...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	return slices.Concat(img[:len(img)-12], c, img[len(img)-12:])
}

// withJPEGSegments inserts n application segments of marker m, each of
// size bytes, after a JPEG's SOI.
func withJPEGSegments(img []byte, m byte, n, size int) []byte {
	out := slices.Clone(img[:2])
	for range n {
		out = append(out, 0xff, m)
		out = binary.BigEndian.AppendUint16(out, uint16(size+2))
		out = append(out, noise(size)...)
	}
	return append(out, img[2:]...)
}

func zipOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create(name)
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// countsDisagree sets a zip's end record to count no entries on its disk.
func countsDisagree(z []byte) []byte {
	z = slices.Clone(z)
	i := bytes.LastIndex(z, []byte("PK\x05\x06"))
	z[i+8], z[i+9] = 0, 0
	return z
}

// utf8Zip is a stored zip of a pickle whose bytes are all valid UTF-8, as a
// sentencepiece piece's text must be.
func utf8Zip(t *testing.T) []byte {
	t.Helper()
	for pad := range 4096 {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		w, err := z.CreateHeader(&zip.FileHeader{Name: "model.pkl", Method: zip.Store})
		if err == nil {
			_, err = w.Write(append([]byte("cos\nsystem\n(S'id'\ntR."), bytes.Repeat([]byte(" "), pad)...))
		}
		if err == nil {
			err = z.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(b.Bytes()) {
			return b.Bytes()
		}
	}
	t.Fatal("no zip of valid UTF-8")
	return nil
}

func noise(n int) []byte {
	r := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

func encoded(t *testing.T, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pb appends a length-delimited protobuf field.
func pb(b []byte, num int, body []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

func spPiece(text string, typ byte) []byte {
	p := pb(nil, 1, []byte(text))
	p = append(p, 2<<3|5, 0, 0, 0x80, 0xbf) // score -1.0
	return append(p, 3<<3, typ)
}

func TestIdentify(t *testing.T) {
	spm := pb(pb(pb(nil, 1, spPiece("<unk>", 2)), 1, spPiece("▁the", 1)), 2, pb(nil, 1, []byte("corpus.txt")))
	long := strings.Repeat("é", 1<<20) // runes cross every 1 MiB chunk boundary
	nulLate := append([]byte(strings.Repeat("text line\n", 20000)), 0)
	nulLate = append(nulLate, strings.Repeat("more text\n", 20000)...)
	tagLate := strings.Repeat("a: 1\n", (1<<20)/5) + "x: !!python/object/apply:os.system ['id']\n"
	// The chunk boundary (1 MiB) falls inside tags whose escaped
	// spellings are longer than the bytes the rune check carries.
	tagAcross := func(tag string, at int) []byte {
		n := (1 << 20) - at - len("x: ")
		pad := strings.Repeat("a: 1\n", n/5) + strings.Repeat("#", n%5)
		return []byte(pad + "x: " + tag + " ['id']\n")
	}
	verbatim := "!<tag:yaml.org,2002:%70%79%74%68%6f%6e/%6f%62%6a%65%63%74/apply:os.system>"
	escaped := "!!%70%79%74%68%6f%6e/%6f%62%6a%65%63%74/%61%70%70%6c%79:os.system"
	fingerprint := []byte{0x08, 0x96, 0x01, 0x10, 0x01, 0x18, 0x02, 0x20, 0x03, 0x28, 0x04, 0x32, 0x02, 0x08, 0x01}
	real, err := os.ReadFile("testdata/sentencepiece_test_model.model")
	if err != nil {
		t.Fatal(err)
	}
	pngImg := encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	jpegImg := encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	zipped := zipOf(t, "model.pkl", []byte("\x80\x04cos\nsystem\n."))
	tests := []struct {
		name  string
		data  []byte
		whole bool
		class Class
		what  string // in the description
	}{
		{"README.md", []byte("# Model\n\nUse it.\n"), true, Inert, "Markdown text"},
		{"README.md", noise(5000), true, Unidentified, "unidentified binary data (4.9 KB, entropy"},
		{"config.json", []byte("\xef\xbb\xbf{\"a\": 1}\n"), true, Inert, "JSON text"},
		{"vocab.txt", []byte("[PAD]\n[UNK]\n##ing\n日本\n"), true, Inert, "text"},
		{"merges.txt", []byte("#version: 0.2\nĠ t\nĠ a\n"), true, Inert, "text"},
		{"LICENSE", []byte("Apache License\n"), true, Inert, "license text"},
		{"data.csv", []byte("a,b\n1,2\n"), true, Inert, "delimited text"},
		{"modeling.py", []byte("import torch\n"), true, Inert, "Python source"},
		{"empty.bin", nil, true, Inert, "empty file"},
		{"long.txt", []byte(long), true, Inert, "text"},
		{"late-nul.txt", nulLate, true, Unidentified, "unidentified binary data"},
		{"late-nul.txt", nulLate, false, Inert, "text"}, // quick: head and tail only
		{"latin1.txt", []byte("caf\xe9 cr\xe8me\n"), true, Unidentified, "text that is not valid UTF-8"},
		{"controls.txt", bytes.Repeat([]byte("a\x01\x02\x03"), 100), true, Unidentified, "text with control characters"},
		{"hparams.yaml", []byte("x: !!python/object/apply:os.system ['id']\n"), true, Unidentified, "PyYAML python tags"},
		{"hparams.yaml", []byte(tagLate), true, Unidentified, "PyYAML python tags"},
		{"hparams.yaml", tagAcross(verbatim, 40), true, Unidentified, "PyYAML python tags"},
		{"hparams.yaml", tagAcross(verbatim, 70), true, Unidentified, "PyYAML python tags"},
		{"hparams.yaml", tagAcross(escaped, 50), true, Unidentified, "PyYAML python tags"},
		{"hparams.yaml", tagAcross("!<"+strings.Repeat("x", 100<<10), 80<<10), true, Unidentified, "PyYAML python tags"},
		{"hparams.yaml", tagAcross("!<"+strings.Repeat("x", 10<<10), 5<<10), true, Inert, "YAML text"},
		{"graph.pbtxt", []byte("node { name: \"a\" op: \"PyFunc\" }\n"), true, Unidentified, "protobuf text"},
		{"deploy.prototxt", []byte("layer { type: \"Python\" }\n"), true, Unidentified, "Caffe"},
		{"MLmodel", []byte("flavors:\n  python_function:\n    loader_module: x\n"), true, Unidentified, "MLflow"},
		{"logo.png", pngImg, true, Inert, "PNG image"},
		{"logo.png", append(slices.Clone(pngImg), "a few bytes an editor left"...), true, Inert, "PNG image"},
		{"logo.png", append(slices.Clone(pngImg), noise(5000)...), true, Unidentified, "binary"},
		{"logo.png", pngImg[:len(pngImg)-4], true, Unidentified, "binary"},
		// Room for a payload inside a well-formed image: a zip any zip
		// reader finds from the end, or a large private chunk.
		{"logo.png", withPNGChunk(pngImg, "prIv", zipped), true, Unidentified, "PNG image that also holds a zip end record"},
		{"logo.png", withPNGChunk(pngImg, "prIv", noise(100<<10)), true, Unidentified, "PNG image with 100.0 KB of chunks of no known type"},
		{"logo.png", withPNGChunk(pngImg, "prIv", noise(1<<10)), true, Inert, "PNG image"},
		{"logo.png", withPNGChunk(pngImg, "mkBF", noise(100<<10)), true, Inert, "PNG image"},
		{"logo.png", withPNGChunk(pngImg, "PRIV", nil), true, Unidentified, "critical chunk of unknown type \"PRIV\""},
		{"photo.jpg", slices.Concat(jpegImg[:len(jpegImg)-2], zipped, []byte("\xff\xd9")), true, Unidentified, "JPEG image that also holds a zip end record"},
		// Python's zipfile reads neither entry count of the end record,
		// and looks for it in the last 1<<16 + 22 bytes.
		{"logo.png", withPNGChunk(pngImg, "tEXt", countsDisagree(zipped)), true, Unidentified, "PNG image that also holds a zip end record"},
		{"logo.png", withPNGChunk(pngImg, "tEXt", slices.Concat(zipped, bytes.Repeat([]byte("x"), 1<<16+22-22-4-12))), true, Unidentified, "PNG image that also holds a zip end record"},
		{"logo.png", withPNGChunk(pngImg, "tEXt", slices.Concat(zipped, bytes.Repeat([]byte("x"), 1<<16+22-22-4-12+1))), true, Inert, "PNG image"},
		// An end record whose central directory is not where it says.
		{"logo.png", withPNGChunk(pngImg, "tEXt", slices.Concat([]byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x30\x00\x00\x00"), make([]byte, 6))), true, Inert, "PNG image"},
		{"tokenizer.model", pb(pb(nil, 1, spPiece(string(utf8Zip(t)), 1)), 2, pb(nil, 1, []byte("corpus.txt"))), true, Unidentified, "zip end record"},
		{"photo.jpg", withJPEGSegments(jpegImg, 0xef, 3, 60000), true, Unidentified, "JPEG image with 175.8 KB of application segments of no known use"},
		{"photo.jpg", withJPEGSegments(jpegImg, 0xef, 1, 60000), true, Inert, "JPEG image"},
		{"photo.jpg", withJPEGSegments(jpegImg, 0xe1, 3, 60000), true, Inert, "JPEG image"}, // Exif, XMP
		{"anim.gif", slices.Concat(encoded(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }), zipped, []byte(";")), true, Unidentified, "GIF image that also holds a zip end record"},
		{"font.woff2", append([]byte("wOF2\x00\x01\x00\x00\x00\x00\x00\x14"), make([]byte, 8)...), true, Inert, "WOFF"},
		{"font.woff2", append([]byte("wOF2\x00\x01\x00\x00\x00\x00\x00\x15"), make([]byte, 8)...), true, Unidentified, "binary"},
		{"font.ttf", sfntFont(), true, Inert, "TrueType"},
		{"favicon.ico", append([]byte("\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00\x04\x00\x00\x00\x16\x00\x00\x00"), 1, 2, 3, 4), true, Inert, "ICO"},
		{"app.db", append([]byte("SQLite format 3\x00\x02\x00"), make([]byte, 512-18)...), true, Inert, "SQLite"},
		{"photo.jpg", encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }), true, Inert, "JPEG image"},
		{"anim.gif", encoded(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }), true, Inert, "GIF image"},
		{"logo.svg", []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"), true, Inert, "SVG image"},
		{"sample.wav", append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 28)...), true, Inert, "WAV audio"},
		{"paper.pdf", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"), true, Inert, "PDF document"},
		{".DS_Store", append([]byte("\x00\x00\x00\x01Bud1"), make([]byte, 100)...), true, Inert, "Finder"},
		// Spark's ML pipeline writer leaves one beside every part file.
		{".part-00000.crc", []byte("crc\x00\x00\x00\x02\x00\x05\x45\xa9\xa1"), true, Inert, "Hadoop checksum"},
		{".part-00000.crc", []byte("crc\x00\x00\x00\x02\x00\x05\x45\xa9"), true, Unidentified, "binary"},
		{"tokenizer.model", spm, true, Inert, "sentencepiece"},
		{"spiece.model", real, true, Inert, "sentencepiece"},
		{"tokenizer.model", append(slices.Clone(spm), 6<<3|2, 0), true, Unidentified, "binary"},
		{"tokenizer.model", spm[:len(spm)-1], true, Unidentified, "binary"},
		{"fingerprint.pb", fingerprint, true, Inert, "SavedModel fingerprint"},
		{"frozen_graph.pb", fingerprint, true, Unidentified, "binary"},
		{"model.safetensors", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:" + strings.Repeat("ab", 32) + "\nsize 1234\n"), true, LFSPointer, "sha256:abab"},
		{"__pycache__/m.cpython-311.pyc", append([]byte("\xa7\x0d\x0d\x0a\x00\x00\x00\x00"), noise(64)...), true, Unidentified, "Python bytecode"},
		{"notes.txt", []byte("\xff\xfeh\x00i\x00"), true, Unidentified, "UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := identify(t, tt.name, tt.data, tt.whole)
			if got.Class != tt.class || !strings.Contains(got.What, tt.what) {
				t.Errorf("got class %d %q, want class %d with %q", got.Class, got.What, tt.class, tt.what)
			}
		})
	}
}

// sfntFont is a TrueType table directory with one table inside the file.
func sfntFont() []byte {
	b := []byte("\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00")
	b = append(b, "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04"...)
	return append(b, 1, 2, 3, 4)
}

func FuzzIdentify(f *testing.F) {
	f.Add("README.md", []byte("# x\n"))
	f.Add("tokenizer.model", pb(nil, 1, spPiece("a", 1)))
	f.Add("fingerprint.pb", []byte{0x08, 0x01, 0x32, 0x00})
	f.Add("logo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xae\x42\x60\x82"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		in := formats.NewInput(name, bytes.NewReader(data), int64(len(data)))
		h, err := formats.ReadHead(in)
		if err != nil {
			return
		}
		for _, whole := range []bool{true, false} {
			id, err := Identify(context.Background(), in, h, whole)
			if err == nil && id.What == "" {
				t.Fatal("no description")
			}
		}
	})
}

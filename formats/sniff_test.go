package formats

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pierrec/lz4/v4"
)

func head(name string, b []byte) Head {
	return Head{Name: name, Size: int64(len(b)), Prefix: b, Suffix: b}
}

func safetensorsBytes() []byte {
	hdr := []byte(`{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(b, hdr...), 0, 0, 0, 0)
}

func zipEnd(comment string) []byte {
	b := []byte("PK\x05\x06")
	b = append(b, make([]byte, 16)...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(comment)))
	return append(b, comment...)
}

func TestSniff(t *testing.T) {
	tarHeader := tarBytes(t, true)
	pe := make([]byte, 0x100)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	hdf5UserBlock := append(make([]byte, 512), "\x89HDF\r\n\x1a\n\x00\x00"...)

	tests := []struct {
		name string
		file string
		data []byte
		want []string
	}{
		{"pickle proto 2", "a", []byte("\x80\x02]q\x00."), []string{Pickle}},
		{"pickle proto 5", "a", []byte("\x80\x05\x95\x00"), []string{Pickle}},
		{"torch legacy proto 2", "a", []byte("\x80\x02\x8a\x0a" + torchMagic + ".\x80\x02M\xe9\x03."), []string{TorchLegacy}},
		{"torch legacy proto 4", "a", []byte("\x80\x04\x95\x0d\x00\x00\x00\x00\x00\x00\x00\x8a\x0a" + torchMagic + ".\x80\x04"), []string{TorchLegacy}},
		{"torch legacy proto 1", "a", []byte("L119547037146038801333356L\n.M\xe9\x03."), []string{TorchLegacy}},
		{"torch magic not alone", "a", []byte("\x80\x02\x8a\x0a" + torchMagic + "\x85."), []string{Pickle}},
		{"zip local header", "a", append([]byte("PK\x03\x04rest"), zipEnd("")...), []string{Zip}},
		{"empty zip", "a", zipEnd(""), []string{Zip}},
		{"pickle then zip", "a", append([]byte("\x80\x02N."), zipEnd("hi")...), []string{Pickle, Zip}},
		{"zip end with wrong comment length", "a", append([]byte("xx"), append(zipEnd(""), 'x')...), nil},
		{"numpy", "a", []byte("\x93NUMPY\x01\x00"), []string{NumPy}},
		{"gguf", "a", []byte("GGUF\x03\x00\x00\x00"), []string{GGUF}},
		{"ggml", "a", []byte("lmgg\x01\x00\x00\x00"), []string{GGML}},
		{"7z", "a", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), []string{SevenZip}},
		{"gzip", "a", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\xc8\x04\x00\xac\x2a\x93\xd8\x02\x00\x00\x00"), []string{Gzip}},
		{"bzip2", "a", []byte("BZh91AY&SY\x00"), []string{Bzip2}},
		{"xz", "a", []byte("\xfd7zXZ\x00\x00"), []string{XZ}},
		{"lzma alone", "a", []byte("\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00"), []string{LZMA}},
		{"zstd", "a", []byte("\x28\xb5\x2f\xfd\x00"), []string{Zstd}},
		{"lz4", "a", []byte("\x04\x22\x4d\x18\x64\x40\xa7"), []string{LZ4}},
		{"zlib", "a", []byte("\x78\x9c\x01\x02"), []string{Zlib}},
		// A zlib header alone is one two-byte pair in 31: these decode as
		// no deflate stream, so they are not a second reading.
		// (the pickle package registers the probe that reads it as a pickle)
		{"protocol-0 pickle with a zlib-like head", "a", []byte("(S'a'\np0\nS'b'\np1\ntp2\n."), nil},
		{"safetensors header length 376", "a", append([]byte("\x78\x01\x00\x00\x00\x00\x00\x00"), []byte(`{"a":1}`+strings.Repeat(" ", 369))...), []string{Safetensors}},
		{"tflite", "a", []byte("\x1c\x00\x00\x00TFL3\x00\x00"), []string{TFLite}},
		{"safetensors", "a", safetensorsBytes(), []string{Safetensors}},
		{"safetensors with a PROTO-like length", "a", append(binary.LittleEndian.AppendUint64(nil, 384), append([]byte("{}"), make([]byte, 382)...)...), []string{Safetensors}},
		{"hdf5", "a", []byte("\x89HDF\r\n\x1a\n\x00\x00"), []string{HDF5}},
		{"hdf5 after user block", "a", hdf5UserBlock, []string{HDF5}},
		{"tar", "a", tarHeader, []string{Tar}},
		{"elf", "a", []byte("\x7fELF\x02\x01\x01"), []string{Executable}},
		{"pe", "a", pe, []string{Executable}},
		{"onnx", "m.onnx", []byte("\x08\x07\x12\x07pytorch"), []string{ONNX}},
		{"saved model", "saved_model.pb", []byte("\x08\x01\x12\x03abc"), []string{SavedModel}},
		{"saved model without schema version (TF1 Hub module)", "saved_model.pb", []byte("\x12\x03\x0a\x01\x00"), []string{SavedModel}},
		{"saved model whose meta graph overruns the file", "saved_model.pb", []byte("\x12\x10abc"), nil},
		{"plain text", "README.md", []byte("# A model\n\nIt does things.\n"), nil},
		{"json", "config.json", []byte(`{"architectures": ["Bert"]}`), nil},
		{"empty", "a", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sniff(head(tt.file, tt.data))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Sniff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadHeadSmallAndLarge(t *testing.T) {
	small := []byte("\x80\x02N.")
	h, err := ReadHead(NewInput("s", bytes.NewReader(small), int64(len(small))))
	if err != nil || !bytes.Equal(h.Prefix, small) || !bytes.Equal(h.Suffix, small) {
		t.Fatalf("small: %v %q %q", err, h.Prefix, h.Suffix)
	}
	big := make([]byte, HeadSize+TailSize+10)
	big[len(big)-1] = 7
	h, err = ReadHead(NewInput("b", bytes.NewReader(big), int64(len(big))))
	if err != nil || len(h.Prefix) != HeadSize || len(h.Suffix) != TailSize || h.Suffix[TailSize-1] != 7 {
		t.Fatalf("big: %v %d %d", err, len(h.Prefix), len(h.Suffix))
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x80\x02N."))
	f.Add(safetensorsBytes())
	f.Add(zipEnd("x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Sniff(Head{Name: "x", Size: int64(len(b)), Prefix: b, Suffix: b})
	})
}

// TestRegisteredProbes: a probe an analyzer package registers names a
// format only for bytes nothing else identified.
func TestRegisteredProbes(t *testing.T) {
	RegisterProbe("test-zz", func(h Head) bool { return bytes.HasPrefix(h.Prefix, []byte("ZZ")) })
	defer func() {
		probeMu.Lock()
		delete(probes, "test-zz")
		probeMu.Unlock()
	}()
	if got := Sniff(Head{Size: 4, Prefix: []byte("ZZzz")}); !slices.Equal(got, []string{"test-zz"}) {
		t.Errorf("ZZzz: %v", got)
	}
	if got := Sniff(Head{Size: 6, Prefix: []byte("GGUFZZ")}); !slices.Equal(got, []string{GGUF}) {
		t.Errorf("GGUFZZ: %v", got)
	}
}

// tarBytes is a one-file tar written by archive/tar; without ustar, its
// magic and version are blanked and the checksum redone, as a pre-POSIX
// (v7) header has none.
func tarBytes(t *testing.T, ustar bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	if err := w.WriteHeader(&tar.Header{Name: "file.txt", Mode: 0o644, Size: 2, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hi"))
	w.Close()
	b := buf.Bytes()
	if !ustar {
		clear(b[257:265])
		clear(b[265:512]) // uname, gname, devices, prefix: v7 has none
		setTarChecksum(b)
	}
	return b
}

func setTarChecksum(b []byte) {
	copy(b[148:156], "        ")
	var sum int
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

// TestSniffWeakMagic checks every magic short enough to occur in ordinary
// data: it is a reading only when what follows it decodes. Real files of
// each format are still found; ordinary data that starts with the same
// bytes is not taken for them.
func TestSniffWeakMagic(t *testing.T) {
	sample := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("compress", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var legacy bytes.Buffer
	lw := lz4.NewWriter(&legacy)
	if err := lw.Apply(lz4.LegacyOption(true)); err != nil {
		t.Fatal(err)
	}
	lw.Write(bytes.Repeat([]byte("model weights "), 300))
	lw.Close()
	// A safetensors file whose header length's low bytes spell magic.
	st := func(magic string) []byte {
		b := make([]byte, 8)
		copy(b, magic)
		n := binary.LittleEndian.Uint64(b)
		hdr := append([]byte(`{"__metadata__":{"a":"b"}}`), bytes.Repeat([]byte(" "), int(min(n, 1<<20))-26)...)
		return append(b, hdr...)
	}
	text := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20))
	v7 := tarBytes(t, false)
	badV7 := slices.Clone(v7)
	copy(badV7[124:136], "12x45678901\x00") // size is not octal
	setTarChecksum(badV7)
	ustarLike := slices.Clone(text)
	copy(ustarLike[257:], "ustar\x0000")
	for _, tt := range []struct {
		name   string
		data   []byte
		format string
		want   bool
	}{
		{"gzip file", sample("model.pkl.gz"), Gzip, true},
		{"multi-member gzip", sample("multi.pkl.gz"), Gzip, true},
		{"safetensors header of 559,903 bytes", st("\x1f\x8b\x08"), Gzip, false},
		{"lzma-alone file", sample("model.pkl.lzma"), LZMA, true},
		{"protocol-1 pickle of [0, 0, 0]", []byte("](J\x00\x00\x00\x00M\x00\x00M\x00\x00e."), LZMA, false},
		{"protocol-1 list with a memo", []byte("]q\x00(K\x01K\x02e."), LZMA, false},
		{"lz4 frame", sample("model.pkl.lz4"), LZ4, true},
		{"lz4 frame magic then text", append([]byte("\x04\x22\x4d\x18"), text...), LZ4, false},
		{"lz4 legacy file", legacy.Bytes(), LZ4, true},
		{"lz4 legacy magic then text", append([]byte("\x02\x21\x4c\x18"), text...), LZ4, false},
		{"lz4 legacy magic then a match before any output", []byte("\x02\x21\x4c\x18\x05\x00\x00\x00\x04\x01\x00\x00\x00"), LZ4, false},
		{"zlib file", sample("model.pkl.z"), Zlib, true},
		{"safetensors header of 376 bytes", st("\x78\x01"), Zlib, false},
		{"safetensors header of 40,056 bytes", st("\x78\x9c"), Zlib, false},
		{"protocol-0 pickle", []byte("(S'a'\np0\nS'b'\np1\ntp2\n."), Zlib, false},
		{"ustar file", tarBytes(t, true), Tar, true},
		{"v7 tar file", v7, Tar, true},
		{"v7 header whose size is not octal", badV7, Tar, false},
		{"text with ustar at 257", ustarLike, Tar, false},
		{"text", text, Tar, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Contains(Sniff(head("a", tt.data)), tt.format)
			if got != tt.want {
				t.Errorf("sniffed as %s: %v, want %v (%q)", tt.format, got, tt.want, Sniff(head("a", tt.data)))
			}
		})
	}
}

// TestSniffSafetensorsLengths sniffs a safetensors file for every header
// length below 64 KiB whose low byte begins a weak magic (zlib, gzip,
// lzma-alone, lz4): each is a safetensors file and nothing else (lengths of
// 128 + 256k also start like a pickle's PROTO and are left to that test).
func TestSniffSafetensorsLengths(t *testing.T) {
	buf := bytes.Repeat([]byte(" "), 8+1<<16)
	for _, low := range []byte{0x08, 0x18, 0x28, 0x38, 0x48, 0x58, 0x68, 0x78, 0x1f, 0x5d, 0x02, 0x04} {
		for hi := range 256 {
			n := int(low) | hi<<8
			if n < 2 {
				continue
			}
			b := buf[:8+n]
			binary.LittleEndian.PutUint64(b, uint64(n))
			copy(b[8:], "{}")
			if got := Sniff(head("a", b)); !slices.Equal(got, []string{Safetensors}) {
				t.Errorf("header length %d: %q", n, got)
			}
		}
	}
}

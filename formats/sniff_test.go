package formats

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
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
	tarHeader := make([]byte, 1024)
	copy(tarHeader, "file.txt")
	copy(tarHeader[257:], "ustar\x0000")
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
		{"gzip", "a", []byte("\x1f\x8b\x08\x00\x00\x00"), []string{Gzip}},
		{"bzip2", "a", []byte("BZh91AY&SY\x00"), []string{Bzip2}},
		{"xz", "a", []byte("\xfd7zXZ\x00\x00"), []string{XZ}},
		{"lzma alone", "a", []byte("\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00"), []string{LZMA}},
		{"zstd", "a", []byte("\x28\xb5\x2f\xfd\x00"), []string{Zstd}},
		{"lz4", "a", []byte("\x04\x22\x4d\x18\x00"), []string{LZ4}},
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

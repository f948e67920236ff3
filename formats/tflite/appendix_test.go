package tflite

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// metaFB builds a ModelMetadata FlatBuffer (identifier M001) with one
// subgraph whose output tensor records files as associated files and
// whose input tensor has a BERT tokenizer recording vocab.
func metaFB(files []string, vocab string) []byte {
	b := &fbb{buf: make([]byte, 8)}
	copy(b.buf[4:], metadataID)
	afs := func(names ...string) obj {
		var items []obj
		for _, n := range names {
			items = append(items, tbl(ref(str(n))))
		}
		return vecOf(items...)
	}
	input := tbl(ref(str("ids")))
	if vocab != "" {
		bert := tbl(ref(afs(vocab)))
		input = tbl(ref(str("ids")), absent(), absent(), absent(), ref(vecOf(tbl(scalar(1, unitBert), ref(bert)))))
	}
	output := tbl(ref(str("probability")), absent(), absent(), absent(), absent(), absent(), ref(afs(files...)))
	sg := tbl(absent(), absent(), ref(vecOf(input)), ref(vecOf(output)))
	root := tbl(ref(str("classifier")), absent(), absent(), ref(vecOf(sg)))(b)
	binary.LittleEndian.PutUint32(b.buf, uint32(root))
	return b.buf
}

// tflWithMetadata builds a model whose metadata entry name points at a
// buffer holding meta, the way MetadataPopulator writes it.
func tflWithMetadata(name string, meta []byte) []byte {
	b := &fbb{buf: make([]byte, 8)}
	copy(b.buf[4:], "TFL3")
	root := tbl(scalar(4, 3), ref(vecOf(opCode(0, ""))), ref(vecOf(tbl(absent(), absent(), absent(), ref(vecOf(operator(0, nil)))))),
		ref(str("populated")), ref(vecOf(buffer(nil, 0, 0), buffer(meta, 0, 0))), absent(),
		ref(vecOf(tbl(ref(str(name)), scalar(4, 1)))))(b)
	binary.LittleEndian.PutUint32(b.buf, uint32(root))
	return b.buf
}

// appendZip appends a zip of files after prefix as Python's zipfile in
// append mode does: offsets count from the start of the file.
func appendZip(prefix []byte, files ...string) []byte {
	var out bytes.Buffer
	out.Write(prefix)
	w := zip.NewWriter(&out)
	w.SetOffset(int64(len(prefix)))
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Store})
		if err != nil {
			panic(err)
		}
		if _, err := f.Write([]byte(files[i+1])); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// osSystemPickle is pickle.dumps of a __reduce__ to os.system (protocol 2).
const osSystemPickle = "\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."

func appendixSamples() map[string][]byte {
	labeled := tflWithMetadata(metadataName, metaFB([]string{"labels.txt"}, "vocab.txt"))
	return map[string][]byte{
		"metadata_labels.tflite":        appendZip(labeled, "labels.txt", "cat\ndog\n", "vocab.txt", "[PAD]\n"),
		"metadata_unrecorded.tflite":    appendZip(labeled, "labels.txt", "cat\ndog\n", "extra.txt", "x"),
		"metadata_pickle_member.tflite": appendZip(labeled, "labels.txt", osSystemPickle),
		"metadata_torch_layout.tflite": appendZip(tflWithMetadata(metadataName, metaFB([]string{"archive/data.pkl"}, "")),
			"archive/data.pkl", osSystemPickle),
		"no_metadata_zip.tflite": appendZip(tflModel([]obj{opCode(0, "")}, []obj{operator(0, nil)}, nil), "labels.txt", "cat\n"),
	}
}

func TestAssociatedFiles(t *testing.T) {
	labeled := tflWithMetadata(metadataName, metaFB([]string{"labels.txt"}, "vocab.txt"))
	real, err := os.ReadFile(filepath.Join("testdata", "tflite-support", "test_model_nl_classifier_with_associated_label.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		start    int64 // 0: where the zip's first record is
		members  []string
		ok       bool
		unlisted []string
	}{
		{"recorded labels and tokenizer vocab", labeled, 0, []string{"labels.txt", "vocab.txt"}, true, nil},
		{"empty zip", labeled, 0, nil, true, nil},
		{"member not recorded", labeled, 0, []string{"labels.txt", "model.pkl"}, true, []string{"model.pkl"}},
		{"other metadata name", tflWithMetadata("min_runtime_version", metaFB([]string{"labels.txt"}, "")), 0, []string{"labels.txt"}, false, nil},
		{"metadata without M001", tflWithMetadata(metadataName, []byte("not a flatbuffer at all")), 0, []string{"labels.txt"}, false, nil},
		{"no metadata", tflModel([]obj{opCode(0, "")}, nil, nil), 0, []string{"labels.txt"}, false, nil},
		{"prefix is a pickle", []byte(osSystemPickle), 0, []string{"labels.txt"}, false, nil},
		{"zip starts inside the model", labeled, int64(len(labeled)) - 20, []string{"labels.txt"}, false, nil},
		{"unreached bytes before the zip", append(slices.Clone(labeled), make([]byte, 64)...), 0, []string{"labels.txt"}, false, nil},
		{"real tflite-support model", real, 1624, []string{"test_labels.txt"}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := tc.start
			if start == 0 {
				start = int64(len(tc.data))
			}
			a, err := AssociatedFiles(context.Background(), bytes.NewReader(tc.data), start, tc.members)
			if tc.ok != (a != nil) {
				t.Fatalf("appendix %v (err %v), want %v", a, err, tc.ok)
			}
			if a != nil && !slices.Equal(a.Unlisted, tc.unlisted) {
				t.Fatalf("unlisted %q, want %q", a.Unlisted, tc.unlisted)
			}
		})
	}
}

// TestAppendixSamples keeps the files the engine's tests scan
// (scanner/appendix_test.go) equal to what the builders make; go test
// -update rewrites them.
func TestAppendixSamples(t *testing.T) {
	for name, data := range appendixSamples() {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s differs from its builder (run go test -update)", p)
		}
	}
}

func TestLargeFlexOptions(t *testing.T) {
	// A Flex NodeDef larger than 1 MiB (a SentencePiece model in an attr,
	// as in tflite-support's wiki40b-lm-en.tflite) is read and judged.
	big := nodeDef("sp", "SentencepieceOp")
	var value, entry []byte
	value = protowire.AppendTag(value, 2, protowire.BytesType) // AttrValue.s
	value = protowire.AppendBytes(value, make([]byte, 1<<20+1000))
	entry = protowire.AppendTag(entry, 1, protowire.BytesType)
	entry = protowire.AppendString(entry, "model")
	entry = protowire.AppendTag(entry, 2, protowire.BytesType)
	entry = protowire.AppendBytes(entry, value)
	big = protowire.AppendTag(big, 5, protowire.BytesType) // NodeDef.attr
	big = protowire.AppendBytes(big, entry)
	m := tflModel([]obj{opCode(32, "FlexSentencepieceOp")}, []obj{operator(0, flexOptions2("SentencepieceOp", big))}, nil)
	var rules []string
	if _, err := Walk(context.Background(), bytes.NewReader(m), int64(len(m)), func(f formats.Finding) { rules = append(rules, f.Rule) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rules, RuleFlexOp) || slices.Contains(rules, RuleFlexMismatch) {
		t.Fatalf("findings %v, want the Flex op judged from its NodeDef", rules)
	}
}

// flexOptions2 encodes [op, NodeDef] with 32-bit FlexBuffer widths, as
// the Flex delegate's writer does once a NodeDef outgrows 16-bit offsets.
func flexOptions2(op string, nodeDef []byte) []byte {
	var b []byte
	str := func(s []byte) int {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		at := len(b)
		b = append(append(b, s...), 0)
		return at
	}
	s1, s2 := str([]byte(op)), str(nodeDef)
	b = binary.LittleEndian.AppendUint32(b, 2)
	v := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(v-s1))
	b = binary.LittleEndian.AppendUint32(b, uint32(v+4-s2))
	b = append(b, fbtString<<2|2, fbtString<<2|2)
	r := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(r-v))
	return append(b, fbtVector<<2|2, 4)
}

func TestLargeCustomOptions(t *testing.T) {
	// Models over 2 GB keep custom options after the flatbuffer, at
	// large_custom_options_offset; the interpreter reads them there and
	// refuses a range outside the file.
	opts := flexOptions("WriteFile", nodeDef("w", "WriteFile"))
	build := func(off, size uint64) []byte {
		op := tbl(scalar(4, 0), absent(), absent(), absent(), absent(), absent(), absent(), absent(), absent(), scalar(8, off), scalar(8, size))
		return tflModel([]obj{opCode(32, "FlexWriteFile")}, []obj{op}, nil)
	}
	n := uint64(len(build(2, 0)))
	for _, tc := range []struct {
		name    string
		data    []byte
		rule    string
		wantErr bool
	}{
		{"options after the flatbuffer", append(build(n, uint64(len(opts))), opts...), RuleFlexOp, false},
		{"options beyond the file", build(n, uint64(len(opts))), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rules []string
			_, err := Walk(context.Background(), bytes.NewReader(tc.data), int64(len(tc.data)), func(f formats.Finding) { rules = append(rules, f.Rule) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if tc.rule != "" && !slices.Contains(rules, tc.rule) {
				t.Fatalf("findings %v, want %s", rules, tc.rule)
			}
		})
	}
}

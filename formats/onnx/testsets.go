package onnx

import (
	"io"
	"path"
	"regexp"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

// ONNX's backend test layout keeps a model's inputs and expected outputs
// beside it as serialized TensorProtos: DIR/model.onnx and
// DIR/test_data_set_N/input_K.pb, output_K.pb. The test runners read them
// as tensors; their bytes alone match no format, so the layout identifies
// them when they have a TensorProto's shape.
var testTensorName = regexp.MustCompile(`^test_data_set_[0-9]+/(input|output)_[0-9]+\.pb$`)

// maxTestTensorBytes caps a test tensor read whole for the shape check.
const maxTestTensorBytes = 16 << 20

// markTestTensors marks the test tensors beside the model name.
func markTestTensors(t formats.Tree, name string, names []string, s formats.Scope) error {
	dir := path.Dir(name)
	for _, n := range names {
		rel, ok := strings.CutPrefix(n, dir+"/")
		if dir == "." {
			rel, ok = n, true
		}
		if !ok || !testTensorName.MatchString(rel) {
			continue
		}
		in, err := t.Open(n)
		if err != nil {
			return err
		}
		if in.Size <= 0 || in.Size > maxTestTensorBytes || !in.RandomAccess() {
			// A streamed archive member is not buffered: only a target's
			// own files have outcomes that identifying them changes.
			continue
		}
		ra, size, err := in.ReaderAt(maxTestTensorBytes)
		if err != nil {
			return err
		}
		b := make([]byte, size)
		if _, err := ra.ReadAt(b, 0); err != nil && err != io.EOF {
			return &formats.ReadError{Err: err}
		}
		if tensorShaped(b) {
			formats.MarkData(s, n, "ONNX test tensor of "+path.Base(name))
		}
	}
	return nil
}

// tensorShaped reports whether b parses as a TensorProto whose fields all
// have the numbers and wire types onnx.proto gives them, with a data type
// and no external data (a test tensor holds its own numbers).
func tensorShaped(b []byte) bool {
	typed := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		want := protowire.BytesType
		switch num {
		case 2, 14: // data_type, data_location
			want = protowire.VarintType
			typed = typed || num == 2
		case 1, 5, 7, 11: // dims, int32/int64/uint64 data: varint or packed
			if typ == protowire.VarintType {
				want = typ
			}
		case 4: // float_data: fixed32 or packed
			if typ == protowire.Fixed32Type {
				want = typ
			}
		case 10: // double_data: fixed64 or packed
			if typ == protowire.Fixed64Type {
				want = typ
			}
		case 3, 6, 8, 9, 12, 16: // segment, string_data, name, raw_data, doc_string, metadata_props
		default: // 13, external_data, and unknown fields
			return false
		}
		if typ != want {
			return false
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return false
		}
		b = b[n:]
	}
	return typed
}

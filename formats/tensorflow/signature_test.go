package tensorflow

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func msg(fields ...[]byte) []byte { return slices.Concat(fields...) }

func bytesField(n protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, n, protowire.BytesType), v)
}

func varintField(n protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), v)
}

// tensorInfo is a map<string, TensorInfo> entry of a SignatureDef.
func tensorInfo(key string, dtype uint64, dims ...int64) []byte {
	var shape []byte
	for _, d := range dims {
		shape = append(shape, bytesField(2, varintField(1, uint64(d)))...)
	}
	return msg(bytesField(1, []byte(key)), bytesField(2, msg(bytesField(1, []byte(key+":0")), varintField(2, dtype), bytesField(3, shape))))
}

// TestSignatures: a SavedModel's facts are its signature defs and the
// Keras class of its root object; what does not parse is left out and the
// walk goes on.
func TestSignatures(t *testing.T) {
	sig := msg(
		bytesField(1, tensorInfo("x", 1, -1, 3)),
		bytesField(1, tensorInfo("a", 9)),
		bytesField(2, tensorInfo("y", 19, -1, 1)),
		bytesField(3, []byte("tensorflow/serving/predict")))
	root := bytesField(1, bytesField(4, msg(bytesField(1, []byte("_tf_keras_sequential")), bytesField(3, []byte(`{"class_name": "Sequential", "name": "s"}`)))))
	other := bytesField(1, bytesField(4, bytesField(3, []byte(`{"class_name": "Dense"}`))))
	meta := msg(
		bytesField(5, msg(bytesField(1, []byte("serving_default")), bytesField(2, sig))),
		// A signature whose inputs are not a message is left out.
		bytesField(5, msg(bytesField(1, []byte("broken")), bytesField(2, varintField(1, 7)))),
		bytesField(7, msg(root, other)))
	g, err := Walk(context.Background(), bytesField(2, meta), func(formats.Finding) {})
	if err != nil {
		t.Fatal(err)
	}
	s, ok := g.Signatures["serving_default"]
	if !ok || s.Method != "tensorflow/serving/predict" || !slices.Equal(s.Inputs, []string{"a: int64[]", "x: float32[-1,3]"}) ||
		!slices.Equal(s.Outputs, []string{"y: float16[-1,1]"}) {
		t.Errorf("signatures %+v", g.Signatures)
	}
	if b, ok := g.Signatures["broken"]; ok && (len(b.Inputs) > 0 || len(b.Outputs) > 0) {
		t.Errorf("broken signature read as %+v", b)
	}
	if g.Class != "Sequential" {
		t.Errorf("class %q, want the root's Sequential", g.Class)
	}
}

package coreml

import (
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"
)

// Builders of Core ML protobufs after coremltools' Model.proto, for the
// crafted samples (coremltools is not packaged in Debian).

func msg(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = append(b, f...)
	}
	return b
}

func sub(num protowire.Number, fields ...[]byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), msg(fields...))
}

func str(num protowire.Number, s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
}

func varint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

// model is a top-level Model: specificationVersion, a description with
// one input named x, and the model type field given.
func model(spec uint64, typ []byte) []byte {
	return msg(varint(fSpecVersion, spec), sub(fDescription, sub(1, str(1, "x"))), typ)
}

func nnLayer(name string, params ...[]byte) []byte {
	return sub(1, append([][]byte{str(1, name), str(2, "x"), str(3, "y")}, params...)...)
}

var relu = sub(130, sub(10)) // activation { ReLU {} }

func customLayer(class string) []byte { return sub(500, str(10, class), str(40, "crafted")) }

func loopLayer(body ...[]byte) []byte { return sub(615, varint(1, 3), sub(4, body...)) }

func blobValue(file string, off uint64) []byte {
	return sub(5, str(1, file), varint(2, off))
}

// program is an ML program with one function "main" whose block holds a
// const op whose value is in a weight file.
func program(file string, off uint64) []byte {
	op := sub(3, str(1, "const"), sub(5, str(1, "val"), sub(2, blobValue(file, off))))
	block := sub(2, str(2, "y"), op)
	fn := sub(2, str(1, "main"), sub(2, str(2, "CoreML7"), sub(3, str(1, "CoreML7"), block)))
	return sub(tMLProgram, varint(1, 1), fn)
}

// weightFile is a MIL blob storage file holding one blob of data.
func weightFile(data []byte) []byte {
	b := make([]byte, 128)
	binary.LittleEndian.PutUint32(b[0:], 1)
	binary.LittleEndian.PutUint32(b[4:], 2)
	binary.LittleEndian.PutUint32(b[64:], blobSentinel)
	binary.LittleEndian.PutUint32(b[68:], 11)
	binary.LittleEndian.PutUint64(b[72:], uint64(len(data)))
	binary.LittleEndian.PutUint64(b[80:], 128)
	return append(b, data...)
}

const manifestJSON = `{"fileFormatVersion":"1.0.0","itemInfoEntries":{"A1":{"author":"com.apple.CoreML","description":"CoreML Model Specification","name":"model.mlmodel","path":"com.apple.CoreML/model.mlmodel"},"B2":{"author":"com.apple.CoreML","description":"CoreML Model Weights","name":"weights","path":"com.apple.CoreML/weights"}},"rootModelIdentifier":"A1"}`

// samples are the .mlmodel files of testdata; go test -update writes them.
func samples() map[string][]byte {
	return map[string][]byte{
		"nn_benign.mlmodel":       model(4, sub(tNeuralNetwork, nnLayer("relu", relu))),
		"pipeline_benign.mlmodel": model(3, sub(tPipeline, sub(1, model(3, sub(900))), sub(1, model(3, sub(tNeuralNetwork, nnLayer("relu", relu)))))),
		"custom_model.mlmodel":    model(4, sub(tCustomModel, str(10, "EvilPredictor"))),
		"custom_layer.mlmodel":    model(4, sub(tNeuralNetwork, nnLayer("loop", loopLayer(nnLayer("hook", customLayer("NativeHook")))))),
		"linked_ok.mlmodel":       model(4, sub(tLinkedModel, sub(1, sub(1, str(1, "Other.mlmodelc")), sub(2, str(1, "$BUNDLE_MAIN"))))),
		"linked_escape.mlmodel":   model(4, sub(tLinkedModel, sub(1, sub(1, str(1, "../../../../tmp/evil.mlmodelc"))))),
		"weight_escape.mlmodel":   model(7, program("/etc/passwd", 64)),
		"nested_pipeline_custom.mlmodel": model(3, sub(tPipelineClassifier, sub(1,
			sub(1, model(3, sub(900))), sub(1, model(3, sub(tCustomModel, str(10, "Hidden"))))))),
		"truncated_layer.mlmodel": model(4, sub(tNeuralNetwork, []byte{0x0a, 0x7f, 0x0a, 0x01})),
	}
}

// packageFiles is an .mlpackage holding an ML program and its weights.
func packageFiles(manifest string, weights []byte) map[string][]byte {
	return map[string][]byte{
		"Manifest.json":                            []byte(manifest),
		"Data/com.apple.CoreML/model.mlmodel":      model(7, program("@model_path/weights/weight.bin", 64)),
		"Data/com.apple.CoreML/weights/weight.bin": weights,
	}
}

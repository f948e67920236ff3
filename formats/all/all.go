// Package all registers every analyzer this build has with package
// formats. Import it for its side effects, as a program imports image/png.
package all

import (
	_ "github.com/modelgate/modelgate/formats/catboost"
	_ "github.com/modelgate/modelgate/formats/compress"
	_ "github.com/modelgate/modelgate/formats/coreml"
	_ "github.com/modelgate/modelgate/formats/executorch"
	_ "github.com/modelgate/modelgate/formats/gguf"
	_ "github.com/modelgate/modelgate/formats/hfrepo"
	_ "github.com/modelgate/modelgate/formats/keras"
	_ "github.com/modelgate/modelgate/formats/lightgbm"
	_ "github.com/modelgate/modelgate/formats/llamafile"
	_ "github.com/modelgate/modelgate/formats/mlflow"
	_ "github.com/modelgate/modelgate/formats/msgpack"
	_ "github.com/modelgate/modelgate/formats/numpy"
	_ "github.com/modelgate/modelgate/formats/onnx"
	_ "github.com/modelgate/modelgate/formats/openvino"
	_ "github.com/modelgate/modelgate/formats/paddle"
	_ "github.com/modelgate/modelgate/formats/pickle"
	_ "github.com/modelgate/modelgate/formats/prototext"
	_ "github.com/modelgate/modelgate/formats/pytorch"
	_ "github.com/modelgate/modelgate/formats/pyyaml"
	_ "github.com/modelgate/modelgate/formats/safetensors"
	_ "github.com/modelgate/modelgate/formats/sevenzip"
	_ "github.com/modelgate/modelgate/formats/skops"
	_ "github.com/modelgate/modelgate/formats/tar"
	_ "github.com/modelgate/modelgate/formats/tensorflow"
	_ "github.com/modelgate/modelgate/formats/tflite"
	_ "github.com/modelgate/modelgate/formats/torchserve"
	_ "github.com/modelgate/modelgate/formats/xgboost"
	_ "github.com/modelgate/modelgate/formats/zip"
)

package formats

import (
	"context"
	"slices"
	"sync"
)

// Format names, as Sniff reports them and analyzers register under them.
const (
	Pickle = "pickle"
	// TorchLegacy is PyTorch's pre-1.6 torch.save format: a pickle of the
	// magic number followed by four more pickles and raw storage bytes.
	TorchLegacy = "pytorch-legacy"
	Zip         = "zip"
	Tar         = "tar"
	SevenZip    = "7z"
	Gzip        = "gzip"
	Bzip2       = "bzip2"
	XZ          = "xz"
	LZMA        = "lzma"
	Zstd        = "zstd"
	LZ4         = "lz4"
	Zlib        = "zlib"
	// JoblibZFile is joblib's pre-0.10 compressed pickle ("ZF" + length +
	// zlib); see ZFileHeader.
	JoblibZFile = "joblib-zfile"
	NumPy       = "numpy"
	Safetensors = "safetensors"
	GGUF        = "gguf"
	GGML        = "ggml"
	ONNX        = "onnx"
	HDF5        = "hdf5"
	TFLite      = "tflite"
	SavedModel  = "savedmodel"
	// TFCheckpointIndex is a TensorFlow tensor-bundle index (.index): a
	// LevelDB-format table of the tensors in the checkpoint's data shards.
	TFCheckpointIndex = "tf-checkpoint-index"
	// TFCheckpointState is the text CheckpointState proto TensorFlow names
	// "checkpoint", which says which checkpoint prefix is the latest.
	TFCheckpointState = "tf-checkpoint-state"
	// TFGraphDef is a serialized GraphDef (a frozen graph) and TFMetaGraph a
	// serialized MetaGraphDef (a TF1 .meta file).
	TFGraphDef  = "tf-graphdef"
	TFMetaGraph = "tf-metagraph"
	Executable  = "executable"
	// OpenVINO is an OpenVINO IR .xml; CoreML a Core ML .mlmodel;
	// ExecuTorch an ExecuTorch .pte program and ExecuTorchData the .ptd
	// file of named tensors a program may load. Their packages' probes
	// identify them.
	OpenVINO       = "openvino-ir"
	CoreML         = "coreml"
	ExecuTorch     = "executorch"
	ExecuTorchData = "executorch-data"
	// Formats of gradient-boosted tree libraries and of frameworks whose
	// files their packages' probes identify by structure: XGBoost (JSON,
	// UBJSON and legacy binary models), LightGBM text models, CatBoost
	// .cbm, msgpack checkpoints (Flax, Orbax) and PaddlePaddle programs and
	// parameters.
	XGBoost       = "xgboost"
	LightGBM      = "lightgbm"
	CatBoost      = "catboost"
	Msgpack       = "msgpack"
	PaddleProgram = "paddle-program"
	PaddleParams  = "paddle-params"
	// PyYAML is YAML text carrying PyYAML python tags, which formats/inert
	// names when it reads such text (no magic identifies YAML).
	PyYAML = "pyyaml"
	// ProtoText is protobuf text (.pbtxt, .prototxt): a TensorFlow
	// GraphDef or a Caffe net, which formats/inert names by its name.
	ProtoText = "prototext"
)

// Names lists, sorted, every format name Sniff can report: the names a
// policy's formats.allow may use.
func Names() []string {
	n := []string{
		Pickle, TorchLegacy, Zip, Tar, SevenZip, Gzip, Bzip2, XZ, LZMA, Zstd, LZ4, Zlib,
		JoblibZFile, NumPy, Safetensors, GGUF, GGML, ONNX, HDF5, TFLite, SavedModel,
		TFCheckpointIndex, TFCheckpointState, TFGraphDef, TFMetaGraph, Executable,
		OpenVINO, CoreML, ExecuTorch, ExecuTorchData,
		XGBoost, LightGBM, CatBoost, Msgpack, PaddleProgram, PaddleParams,
		PyYAML, ProtoText,
	}
	slices.Sort(n)
	return n
}

// Analyzer inspects one input of the format it is registered for. It
// reports what it finds through s, hands container members back through
// s.Scan, and returns an error when it could not read the whole input —
// the engine then marks the input inconclusive, keeping every finding
// already reported. An analyzer must honour ctx inside its loops and must
// never allocate according to a length it has not checked against the
// bytes that remain.
type Analyzer interface {
	Analyze(ctx context.Context, in *Input, s Scope) error
}

// AnalyzerFunc adapts a function to Analyzer.
type AnalyzerFunc func(ctx context.Context, in *Input, s Scope) error

// Analyze calls f.
func (f AnalyzerFunc) Analyze(ctx context.Context, in *Input, s Scope) error { return f(ctx, in, s) }

// Scope is the engine as an analyzer sees it.
type Scope interface {
	// Report records a finding at an offset of the input being analyzed.
	Report(f Finding)
	// Scan analyzes a member of the input being analyzed (an archive
	// entry, a decompressed stream, a nested pickle) as a file of its own:
	// it is sniffed and dispatched, its findings are located under
	// "<input>!<member.Name>", and the engine's depth, member-count,
	// decompressed-size and ratio caps are applied here, once. The error
	// is a limit or a cancellation that should stop the container too.
	Scan(ctx context.Context, member *Input) error
	// Limits are the bounds in force.
	Limits() Limits
}

// Discard is a Scope that keeps nothing and scans no member: the scope of
// a second reading of bytes whose findings the engine has from its own
// analysis of them (a layout re-reading a pickle for what it declares).
type Discard struct{ Lim Limits }

// Report implements Scope.
func (Discard) Report(Finding) {}

// Scan implements Scope.
func (Discard) Scan(context.Context, *Input) error { return nil }

// Limits implements Scope.
func (d Discard) Limits() Limits { return d.Lim }

var (
	registryMu sync.RWMutex
	analyzers  = map[string]Analyzer{}
)

// Register makes a an analyzer for format. A later registration for the
// same format replaces an earlier one.
func Register(format string, a Analyzer) {
	registryMu.Lock()
	defer registryMu.Unlock()
	analyzers[format] = a
}

// Registered lists, sorted, the formats that have an analyzer.
func Registered() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	n := make([]string, 0, len(analyzers))
	for f := range analyzers {
		n = append(n, f)
	}
	slices.Sort(n)
	return n
}

// Lookup returns the analyzer registered for format.
func Lookup(format string) (Analyzer, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	a, ok := analyzers[format]
	return a, ok
}

package tensorflow

import "github.com/modelgate/modelgate/formats"

// OpClass says what a TensorFlow op can do beyond computing on tensors.
type OpClass int

// Op classes, from harmless to code execution.
const (
	Compute    OpClass = iota // an ordinary op
	Checkpoint                // reads or writes the model's own checkpoint
	Debug                     // writes summaries or debug dumps
	ReadsFiles                // reads files named by its inputs
	WritesFile                // writes files named by its inputs
	Network                   // talks to other hosts
	Python                    // calls a Python function
	Nested                    // deserializes a graph at run time
)

func (c OpClass) String() string {
	return [...]string{"compute", "checkpoint", "debug", "file read", "file write", "network", "python", "nested graph"}[c]
}

var opClasses = map[string]OpClass{}

func class(c OpClass, ops ...string) {
	for _, o := range ops {
		opClasses[o] = c
	}
}

func init() {
	class(Python, "PyFunc", "PyFuncStateless", "EagerPyFunc")
	class(ReadsFiles, "ReadFile", "MatchingFiles", "ImmutableConst",
		"WholeFileReader", "WholeFileReaderV2", "TextLineReader", "TextLineReaderV2",
		"FixedLengthRecordReader", "FixedLengthRecordReaderV2", "TFRecordReader", "TFRecordReaderV2",
		"IdentityReader", "IdentityReaderV2", "LMDBReader", "ReaderRead", "ReaderReadV2",
		"ReaderReadUpTo", "ReaderReadUpToV2", "TextLineDataset", "TFRecordDataset", "TFRecordDatasetV2",
		"FixedLengthRecordDataset", "FixedLengthRecordDatasetV2", "LoadAndRemapMatrix", "LoadDataset",
		"SnapshotDataset", "SnapshotDatasetV2", "SnapshotDatasetReader", "ExperimentalLMDBDataset",
		"LMDBDataset", "ExperimentalSqlDataset", "SqlDataset", "DecodeProtoV2")
	class(WritesFile, "WriteFile", "SaveDataset", "SaveDatasetV2", "DatasetToTFRecord",
		"ExperimentalDatasetToTFRecord")
	class(Checkpoint, "SaveV2", "RestoreV2", "MergeV2Checkpoints", "Save", "Restore", "RestoreSlice",
		"SaveSlices", "ShardedFilename", "ShardedFilespec", "InitializeTableFromTextFile",
		"InitializeTableFromTextFileV2")
	class(Debug, "CreateSummaryFileWriter", "CreateSummaryDbWriter", "WriteSummary", "WriteAudioSummary",
		"WriteGraphSummary", "WriteHistogramSummary", "WriteImageSummary", "WriteRawProtoSummary",
		"WriteScalarSummary", "ImportEvent", "FlushSummaryWriter", "DebugIdentity", "DebugIdentityV2",
		"DebugIdentityV3", "DebugNanCount", "DebugNumericSummary", "DebugNumericSummaryV2")
	class(Network, "RpcServer", "RpcClient", "RpcCall", "RpcServerStart", "RpcServerRegister",
		"RpcCheckStatus", "RpcGetValue", "Rpc", "TryRpc", "DeleteRpcFutureResource",
		"CollectiveInitializeCommunicator", "CollectiveAssignGroupV2", "SendTPUEmbeddingGradients")
	class(Nested, "DatasetFromGraph", "WrapDatasetVariant", "UnwrapDatasetVariant", "GraphDefToDataset")
}

// ClassifyOp returns what an op does beyond computing, and the severity a
// model containing it deserves. TFLite's Flex ops are judged with it too.
func ClassifyOp(op string) (OpClass, formats.Severity) {
	c := opClasses[op]
	switch c {
	case Python:
		return c, formats.Critical
	case ReadsFiles, WritesFile, Network:
		return c, formats.High
	case Nested, Debug:
		return c, formats.Medium
	}
	return c, formats.Info
}

// printStreams are the output_stream values of PrintV2 that are not files.
var printStreams = map[string]bool{
	"stderr": true, "stdout": true, "log(info)": true, "log(warning)": true, "log(error)": true,
}

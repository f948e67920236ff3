package tensorflow

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RulePythonOp  = "MG720"
	RuleFileRead  = "MG721"
	RuleFileWrite = "MG722"
	RuleNetworkOp = "MG723"
	RuleNested    = "MG724"
	RuleAssetPath = "MG725"
	RuleDebugOp   = "MG726"
	RuleStructure = "MG728"

	RuleIndexInvalid = "MG740"
	RuleDataRange    = "MG741"
	RuleChecksum     = "MG742"
	RuleOverlap      = "MG743"
	RuleStatePath    = "MG744"
	RuleVariant      = "MG745"
	RuleLevelDB      = "MG746"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RulePythonOp, Severity: formats.Critical, Title: "TensorFlow graph calls Python",
			Doc: "The graph has a PyFunc, PyFuncStateless or EagerPyFunc node. They call a Python function registered in the process that built the graph; in a fresh process they fail, so their presence in a shipped model is bait or an attack chain. Do not load the model."},
		{ID: RuleFileRead, Severity: formats.High, Title: "TensorFlow graph reads files",
			Doc: "A node reads files named by its inputs or attributes (ReadFile, MatchingFiles, ImmutableConst, file readers and file datasets). Loading or serving the model can read any file the process can (JFrog TFLOW-MALOPS) and leak it through the outputs. Ordinary inference graphs do not read files."},
		{ID: RuleFileWrite, Severity: formats.High, Title: "TensorFlow graph writes files",
			Doc: "A node writes files (WriteFile, SaveDataset, DatasetToTFRecord, PrintV2 to a file path). Serving the model can overwrite files such as ~/.ssh/authorized_keys or the model's own checkpoint for persistence. Ordinary inference graphs do not write files."},
		{ID: RuleNetworkOp, Severity: formats.High, Title: "TensorFlow graph talks to the network",
			Doc: "A node is an RPC or collective-communication op, or a path constant is a remote URL (gs://, s3://, hdfs://, http://). Running the model connects to other hosts."},
		{ID: RuleNested, Severity: formats.Medium, Title: "TensorFlow graph deserializes a nested graph",
			Doc: "A node (DatasetFromGraph and similar) builds a graph from a serialized GraphDef held in a constant, which hides its ops from scanners that read only the outer graph (the tfhunt nested WriteFile PoC), or a checkpoint's string or variant tensor holds a serialized GraphDef (tf.data iterator state carries its dataset's graph, which restoring the iterator instantiates). modelgate parses the nested graph and reports its ops as well."},
		{ID: RuleAssetPath, Severity: formats.High, Title: "SavedModel asset path escapes the model directory",
			Doc: "An asset_file_def filename is absolute or has a '..' segment, so the ops that read assets read a file outside the SavedModel."},
		{ID: RuleDebugOp, Severity: formats.Medium, Title: "TensorFlow graph writes summaries or debug dumps",
			Doc: "A node writes summaries or debug data (summary writers, DebugIdentity with debug_urls). Running the model writes files or sends tensors to a debug server. Inference graphs exported for serving do not contain them."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "SavedModel structure invalid",
			Doc: "The SavedModel has no meta graph, or a nested graph is nested too deep. TensorFlow refuses it or reads it differently from other tools."},
		{ID: RuleIndexInvalid, Severity: formats.Medium, Title: "TensorFlow checkpoint index invalid",
			Doc: "A checkpoint index (variables.index, model.ckpt-N.index) is damaged or edited: a table block fails its CRC32C, keys are out of order or unreachable by a lookup, the bundle header is missing or demands a newer reader, or an entry has an invalid shape or a data type TensorFlow aborts on (resource, reference types). TensorFlow refuses the checkpoint, or a lookup and a full iteration read different tensors. Checkpoints written by TensorFlow never do this: get the checkpoint again from its source."},
		{ID: RuleDataRange, Severity: formats.Medium, Title: "TensorFlow checkpoint tensor outside its data",
			Doc: "An index entry names a data shard the checkpoint does not have (shard 7 of 2), a byte range that is negative or does not match the tensor's shape, or bytes past the end of a shard that is truncated. Restoring fails with a data-loss error, or the index was edited to read bytes it should not. Get the checkpoint again from its source."},
		{ID: RuleChecksum, Severity: formats.Medium, Title: "TensorFlow checkpoint tensor checksum mismatch",
			Doc: "A tensor's bytes in a data shard do not match the CRC32C its index entry records. TensorFlow refuses to restore it: the shard was damaged or its weights were altered after the index was written."},
		{ID: RuleOverlap, Severity: formats.Medium, Title: "TensorFlow checkpoint tensors share bytes",
			Doc: "Two index entries point at overlapping bytes of the same data shard. TensorFlow's writer lays tensors out one after another, so this index was edited: the same bytes restore as two tensors."},
		{ID: RuleStatePath, Severity: formats.Medium, Title: "TensorFlow checkpoint state points outside the directory",
			Doc: "The 'checkpoint' file (CheckpointState) names a checkpoint by an absolute path, a path with '..', or a URL. tf.train.latest_checkpoint returns that path as is, so restoring reads weights from elsewhere (from the network for gs://, s3://, hdfs://, http://: high) instead of the files scanned here. TF1's Saver wrote absolute paths of the machine that trained the model: when the named checkpoint is present beside the file, the finding is low."},
		{ID: RuleLevelDB, Severity: formats.Info, Title: "LevelDB table that is not a TensorFlow checkpoint index",
			Doc: "The file is a table in the LevelDB format TensorFlow's checkpoint index shares (the same footer magic), but its first key is not a tensor bundle's header and its name does not end in .index, the only name TensorFlow opens a checkpoint index by. Its blocks were read and their checksums verified. Such tables hold key/value data, for example the vocabulary of a TFLite regex tokenizer (index.ldb); nothing loads them as code."},
		{ID: RuleVariant, Severity: formats.Info, Title: "TensorFlow checkpoint holds variant tensors",
			Doc: "Some tensors have the DT_VARIANT type (dataset iterator state, tensor lists). Restoring them runs the C++ decoder registered for their type name in the loading process; nothing in the file is executed, but their contents are not tensors of numbers."},
	} {
		formats.RegisterRule(r)
	}
}

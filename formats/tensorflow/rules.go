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
			Doc: "A node (DatasetFromGraph and similar) builds a graph from a serialized GraphDef held in a constant, which hides its ops from scanners that read only the outer graph (the tfhunt nested WriteFile PoC). modelgate parses the nested graph and reports its ops as well."},
		{ID: RuleAssetPath, Severity: formats.High, Title: "SavedModel asset path escapes the model directory",
			Doc: "An asset_file_def filename is absolute or has a '..' segment, so the ops that read assets read a file outside the SavedModel."},
		{ID: RuleDebugOp, Severity: formats.Medium, Title: "TensorFlow graph writes summaries or debug dumps",
			Doc: "A node writes summaries or debug data (summary writers, DebugIdentity with debug_urls). Running the model writes files or sends tensors to a debug server. Inference graphs exported for serving do not contain them."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "SavedModel structure invalid",
			Doc: "The SavedModel has no meta graph, or a nested graph is nested too deep. TensorFlow refuses it or reads it differently from other tools."},
	} {
		formats.RegisterRule(r)
	}
}

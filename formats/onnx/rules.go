package onnx

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RulePyOp           = "MG601"
	RuleMemAddr        = "MG602"
	RulePythonOp       = "MG603"
	RuleATen           = "MG604"
	RuleCustomDomain   = "MG605"
	RuleEPContext      = "MG606"
	RuleNetworkOp      = "MG607"
	RuleVendorDomain   = "MG608"
	RuleExternalPath   = "MG610"
	RuleExternalKeys   = "MG611"
	RuleExternalFile   = "MG612"
	RuleExternalInline = "MG613"
	RuleTensorSize     = "MG614"
	RuleStructure      = "MG620"
	RuleTooLarge       = "MG621"
	RuleFunctionCycle  = "MG622"
	RuleORTConfig      = "MG623"
	RuleShadowFunction = "MG624"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RulePyOp, Severity: formats.Critical, Title: "ONNX PyOp node runs Python",
			Doc: "A node has op_type PyOp. onnxruntime builds with language interop ops import the module named by the node's `module` attribute and instantiate `class_name` when the session is created, then call it on every run: arbitrary Python code chosen by the model file. No exporter writes PyOp into a model meant for distribution; do not load the model."},
		{ID: RuleMemAddr, Severity: formats.Critical, Title: "ONNX external data names onnxruntime's in-memory marker",
			Doc: "A tensor's external-data location (or a string attribute) holds the _ORT_MEM_ADDR_ marker, which makes onnxruntime treat the offset as a raw process memory address (fixed by onnxruntime PRs #28709 and #29011). A file never legitimately contains it: it is an arbitrary memory read attempt."},
		{ID: RulePythonOp, Severity: formats.High, Title: "ONNX PythonOp node calls a Python autograd function",
			Doc: "A node has op_type PythonOp or PythonOpGrad (onnxruntime training), which dispatches to a Python autograd function by name at run time. It is only meaningful inside the ORTModule process that exported it; in a distributed model it means Python code will be looked up and called."},
		{ID: RuleATen, Severity: formats.High, Title: "ONNX ATen node runs a PyTorch operator by name",
			Doc: "A node has op_type ATen, which onnxruntime forwards to the PyTorch ATen operator named in its `operator` attribute when torch is present. Operators such as aten::save or aten::from_file read and write files. Check the listed operator names."},
		{ID: RuleCustomDomain, Severity: formats.Medium, Title: "ONNX node in an unknown custom operator domain",
			Doc: "A node's domain is not a standard ONNX domain, one whose kernels ship inside onnxruntime, a known vendor's domain (MG608), or a function defined in the model. Running it requires the host to register a native custom-operator library nobody vouches for, i.e. native code shipped beside the model; the model alone cannot make it run. Make sure you know and trust the library the model expects."},
		{ID: RuleEPContext, Severity: formats.High, Title: "ONNX EPContext node with a cached engine",
			Doc: "An EPContext node carries an execution provider's compiled context: with embed_mode=1 an opaque vendor binary (TensorRT engine, QNN context) that can embed plugin code and that modelgate cannot inspect (medium), with embed_mode=0 a file path that onnxruntime opens: medium inside the model's directory, high when the path is absolute, a URL or has a '..' segment (path-traversal fixes in onnxruntime PRs #19174, #28605, #28725). Only load such a model from a trusted producer on the hardware it was compiled for."},
		{ID: RuleNetworkOp, Severity: formats.High, Title: "ONNX node sends network requests",
			Doc: "A node is one of onnxruntime-extensions' cloud operators (AzureTritonInvoker, AzureTextToText, OpenAIAudioToText, ...) or has a URL-valued attribute: running the model sends data to a remote endpoint."},
		{ID: RuleVendorDomain, Severity: formats.Low, Title: "ONNX node needs a known vendor's operator library",
			Doc: "A node's domain belongs to a known vendor's custom-operator library (onnxruntime-extensions' ai.onnx.contrib, QONNX, FINN, Brevitas, OpenVINO, TensorRT plugins; the list and its sources are in formats/onnx/domains.tsv). The operator only runs if the host installs and registers that library; the model cannot make it execute anything by itself. Operators of these libraries that reach the network or run Python are reported by their own rules."},
		{ID: RuleExternalPath, Severity: formats.High, Title: "ONNX external data location escapes the model directory",
			Doc: "A tensor's external-data location is absolute, has a drive letter, a UNC or URL form, a '..' segment, or control characters. Loaders that follow it read any file the process can read into the model's weights (CVE-2022-25882, CVE-2024-27318), and re-saving writes outside the directory (CVE-2025-51480)."},
		{ID: RuleExternalKeys, Severity: formats.Medium, Title: "ONNX external data entry malformed",
			Doc: "A tensor's external-data entries have an unknown or duplicate key, an empty location, or an offset or length that is not a non-negative decimal integer or whose sum overflows, a length of 0, or a location with a leading '.' or '/' that onnx before 1.16 strips. The onnx checker rejects most of them; older onnx set every key as an attribute (CVE-2026-34445) and read to end of file on a negative or zero length, and loaders disagree on which bytes such an entry names."},
		{ID: RuleExternalFile, Severity: formats.High, Title: "ONNX external data file missing, too short or not a regular file",
			Doc: "The file a tensor's external data points to is a symlink or other non-regular file (CVE-2026-27489, CVE-2026-34447), or is shorter than offset+length, or two tensors' ranges overlap: its loader is made to read something other than the shipped weights. A file that is not among the scanned files at all (the model was scanned without its directory, or shipped without its data) is reported at low: it holds nothing a loader could read, and the model cannot load without it; scan the model's directory to check the data."},
		{ID: RuleExternalInline, Severity: formats.Medium, Title: "ONNX tensor has both external and inline data",
			Doc: "A tensor declares external data and also carries inline data fields. The onnx checker rejects this; readers disagree about which data wins, so the model can show one set of weights to a scanner and another to a runtime."},
		{ID: RuleTensorSize, Severity: formats.Medium, Title: "ONNX tensor data size inconsistent with its shape",
			Doc: "An inline tensor's raw_data length differs from its dims times its element size, a dimension is negative, or the product overflows. The onnx checker rejects it, and several onnx and onnxruntime memory-safety bugs were reached exactly this way."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "ONNX model structure invalid",
			Doc: "The model has no graph, an IR version outside the known range, no operator-set import (IR version 3 and later) or one where IR versions 1 and 2 allow none, or bytes after the last valid field. The reference loader rejects it or reads it differently from other tools; treat the file as crafted."},
		{ID: RuleTooLarge, Severity: formats.Medium, Title: "ONNX file of 2 GiB or more",
			Doc: "Protobuf's C++ parser refuses messages of 2 GiB or more, so the standard onnx and onnxruntime loaders cannot read the file; large models keep their weights in external data. A file this size reads differently in different tools."},
		{ID: RuleFunctionCycle, Severity: formats.Medium, Title: "ONNX model-local functions call each other in a cycle",
			Doc: "A model-local function reaches itself through its nodes. Inlining never ends; the onnx checker overflowed its stack on such models (GHSA-7w46-vvrh-m8q5)."},
		{ID: RuleORTConfig, Severity: formats.Low, Title: "ONNX model carries an onnxruntime configuration",
			Doc: "metadata_props has an ort_config entry, which onnxruntime applies as session options when ORT_LOAD_CONFIG_FROM_MODEL=1; profiling options write files. Review the options."},
		{ID: RuleShadowFunction, Severity: formats.Medium, Title: "ONNX model-local function in a standard domain",
			Doc: "A model-local function is defined in a standard operator domain (ai.onnx, ai.onnx.ml, ai.onnx.preview.training), so nodes that look like standard operators run the function's body instead. Scanners and reviewers that trust standard op names miss the logic; runtimes disagree about which definition wins."},
	} {
		formats.RegisterRule(r)
	}
}

// Package pytorch checks PyTorch checkpoints as torch.load and
// torch.jit.load read them: the legacy torch.save format (five stacked
// pickles, then raw storages) as an analyzer, and the zip format (data.pkl,
// data/<key> storages, version and byteorder records, TorchScript code/)
// as a layout over the zip's members. Every pickle in them is run through
// the pickle machine; this package adds what only the whole checkpoint
// shows — storages against the sizes the pickle declares (CVE-2026-24747),
// members torch would not see, and TorchScript operators that touch files
// or native code (CVE-2025-32434). It never loads a tensor or runs a
// TorchScript program.
package pytorch

import (
	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle"
)

// Rule IDs.
const (
	RuleLegacyHeader     = "MG310"
	RuleStorageSize      = "MG311"
	RuleTrailingData     = "MG312"
	RuleOutsideRoot      = "MG313"
	RuleLayout           = "MG314"
	RuleMissingStorage   = "MG315"
	RuleUnusedStorage    = "MG316"
	RuleRecord           = "MG317"
	RuleTorchScript      = "MG320"
	RuleTorchScriptOps   = "MG321"
	RuleTorchScriptExtra = "MG322"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleLegacyHeader, Severity: formats.Medium, Title: "Legacy PyTorch file with an unexpected header pickle",
			Doc: "A legacy (pre-1.6) torch.save file starts with the magic number, the protocol version 1001 and a " +
				"sys_info dictionary. This one has other values there, which torch.save never writes: the file was " +
				"made by hand, and torch.load may still run its pickles before noticing. Re-save the model with a " +
				"current PyTorch, preferably as safetensors."},
		{ID: RuleStorageSize, Severity: formats.High, Title: "Tensor storage size disagrees with the declared size",
			Doc: "The pickle declares a storage of one size and the bytes stored for it have another. PyTorch before " +
				"2.10 did not check this in its weights_only loader (CVE-2026-24747), so a short storage let crafted " +
				"checkpoints corrupt memory. Real exporters always write exact sizes: treat the file as hostile."},
		{ID: RuleTrailingData, Severity: formats.Medium, Title: "Data after the last storage of a legacy PyTorch file",
			Doc: "Bytes follow the storages a legacy torch.save file declares. torch.load ignores them, so they are a " +
				"place to hide a payload from tools that stop at the pickles; modelgate analyzes them as a file of " +
				"their own. Re-save the model."},
		{ID: RuleOutsideRoot, Severity: formats.Medium, Title: "Archive member outside the PyTorch checkpoint's root folder",
			Doc: "torch.load reads only members under the folder of the archive's first entry. Members elsewhere are " +
				"invisible to PyTorch but visible to other tools and scanners, which is how a benign-looking " +
				"checkpoint can smuggle content past a review. Real checkpoints keep everything under one root."},
		{ID: RuleLayout, Severity: formats.Medium, Title: "PyTorch archive layout is not what torch.save writes",
			Doc: "The archive has no <root>/data.pkl, or several checkpoint roots, so different readers disagree about " +
				"which pickle is the model. Re-save the model with torch.save."},
		{ID: RuleMissingStorage, Severity: formats.Medium, Title: "Tensor storage referenced by the pickle is missing",
			Doc: "data.pkl refers to a storage record the file does not contain. torch.load fails on the file, or, in " +
				"readers that tolerate it, reads other memory. The checkpoint is corrupt or crafted."},
		{ID: RuleUnusedStorage, Severity: formats.Low, Title: "Storage record that no tensor uses",
			Doc: "The archive holds data/<key> records that data.pkl never refers to. PyTorch ignores them; they " +
				"still travel with the model and are scanned like any other member. Re-save to drop them."},
		{ID: RuleRecord, Severity: formats.Low, Title: "Malformed PyTorch version or byteorder record",
			Doc: "The archive's version or byteorder record holds something torch.save does not write. Loaders may " +
				"misread every tensor (a wrong byte order) or refuse the file."},
		{ID: RuleTorchScript, Severity: formats.Info, Title: "TorchScript program",
			Doc: "The archive is a TorchScript module: torch.jit.load compiles and runs the code under code/, and " +
				"torch.load on PyTorch 2.5 and earlier dispatched to it even with weights_only=True " +
				"(CVE-2025-32434). modelgate checks the code for operators that reach files or native code " +
				"(MG321); a program is still more than weights — load it only where running its code is fine."},
		{ID: RuleTorchScriptOps, Severity: formats.High, Title: "TorchScript code reaches files, processes or native operators",
			Doc: "The TorchScript code calls an operator that writes or reads arbitrary files (aten::save, " +
				"aten::from_file) or loads native libraries, however it is spelled (aliases, getattr, parentheses, " +
				"ops.aten), in code/ or in a mobile archive's bytecode.pkl. Running this module can write a .bashrc or " +
				"authorized_keys, read secrets, or run native code (Black Hat USA 2025, CVE-2025-32434). Do not load " +
				"it. Operators of extension namespaces are MG324 (known libraries) and MG325 (unknown ones)."},
		{ID: RuleTorchScriptExtra, Severity: formats.Info, Title: "TorchScript extra files",
			Doc: "The module carries extra/ files that torch.jit.load hands to the caller's _extra_files. They are " +
				"scanned like any other member; code that reads them decides what they can do."},
	} {
		formats.RegisterRule(r)
	}
	formats.Register(formats.TorchLegacy, formats.AnalyzerFunc(analyzeLegacy))
	formats.RegisterLayout("pytorch", zipLayout{})
}

// storage is a storage a pickle declares through a persistent ID.
type storage struct {
	typ    string // e.g. "FloatStorage"
	numel  int64
	offset int64 // of the BINPERSID that declared it
}

// elementSize is the size in bytes of one element of each storage type.
var elementSize = map[string]int64{
	"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
	"LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
	"BoolStorage": 1, "ComplexDoubleStorage": 16, "ComplexFloatStorage": 8,
	"QUInt8Storage": 1, "QInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
	"UntypedStorage": 1, "Float8_e5m2Storage": 1, "Float8_e4m3fnStorage": 1,
}

// declared reads a persistent ID of the form ('storage', StorageType, key,
// location, numel[, view]) and records it in into. Other IDs are left for
// the pickle findings.
func declared(off int64, pid pickle.Value, into map[string]storage) {
	tag, _ := pid.Index(0)
	if t, _ := tag.Text(); t != "storage" || pid.Kind() != pickle.KindTuple {
		return
	}
	typ, _ := pid.Index(1)
	key, _ := pid.Index(2)
	numel, _ := pid.Index(4)
	k, ok := key.Text()
	if !ok {
		return
	}
	mod, name, _ := typ.Global()
	if mod != "torch" && mod != "torch.storage" {
		name = ""
	}
	n, _ := numel.Int()
	into[k] = storage{typ: name, numel: n, offset: off}
}

package scanner

import (
	"encoding/binary"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Engine rules: what the engine itself finds while identifying files.
const (
	RuleLooseExtension = "MG001"
	RuleDisguised      = "MG002"
	RulePolyglot       = "MG003"
	RuleExecutable     = "MG004"
	RuleDigestMismatch = "MG005"
	RulePolicyInTarget = "MG006"
)

// PolicyFileName is the name of a promotion-gate policy file. A file of
// that name inside a scanned target is never applied; it is reported
// (RulePolicyInTarget) so a reviewer sees the attempt.
const PolicyFileName = ".modelgate.yaml"

func init() {
	formats.RegisterRule(formats.Rule{
		ID: RuleLooseExtension, Severity: formats.Info,
		Title: "Extension does not name the file's format",
		Doc: "The file's bytes are a different format from the one its extension suggests, in a way " +
			"loaders tolerate (a PyTorch zip named .bin, a compressed joblib named .pkl). Nothing is " +
			"hidden: modelgate identifies files by content. Rename the file if tools downstream route by name.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleDisguised, Severity: formats.High,
		Title: "Code-carrying format disguised as a data-only one",
		Doc: "The file's name says it is a data-only format (safetensors, GGUF, ONNX, NumPy, text) but its " +
			"bytes are a format that can run code when loaded (a pickle, an archive that may hold one, an " +
			"executable). Scanners and reviewers that trust extensions skip such files, and a loader that " +
			"sniffs content (torch.load, numpy.load with allow_pickle, joblib) would run it. High when the " +
			"content has findings or could not be fully read: the name then helps hide them. Low when " +
			"modelgate read the whole content and found nothing, since it identifies files by their bytes " +
			"and the name hid nothing from it; rename the file so that tools routing by name treat it as " +
			"what it is.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RulePolyglot, Severity: formats.Medium,
		Title: "File is valid as more than one format (polyglot)",
		Doc: "Different loaders would read this file differently: for example a pickle at offset 0 " +
			"(what pickle.load and joblib.load run) with a zip appended (what zip readers and some " +
			"scanners see). modelgate analyzes every reading, and reports the file itself because real " +
			"exporters never write polyglots. High when one of the readings is a pickle. A zip that a " +
			"model carries as part of its own format is not a second reading: the associated files " +
			"tflite-support appends after a TFLite model with TFLITE_METADATA are noted as MG216 instead.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleExecutable, Severity: formats.Medium,
		Title: "Native executable inside a model artifact",
		Doc: "An ELF, PE or Mach-O binary was found among the model's files or inside one of its " +
			"containers. Model loaders do not run it, but tooling around the model (a llamafile, a custom " +
			"op library loaded by ONNX Runtime or TensorFlow) might. Remove it, or allow it explicitly in " +
			"the policy once you know what it is.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleDigestMismatch, Severity: formats.High,
		Title: "File content does not match the digest its origin states",
		Doc: "The bytes scanned are not the bytes the registry, hub or manifest says the file has. The " +
			"file was altered in transit or at rest, or the origin's metadata is wrong; either way the " +
			"scan result cannot be tied to the published artifact. Fetch it again and compare.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RulePolicyInTarget, Severity: formats.Info,
		Title: "Gate policy file inside the scanned artifact",
		Doc: "The artifact carries a file named " + PolicyFileName + ", the name of a modelgate policy. A policy " +
			"is configuration of the gate, chosen by whoever runs it; one shipped inside the artifact would let " +
			"the uploader choose the verdict, so modelgate never applies it (only --policy or the working " +
			"directory's). Loading the model does nothing with the file; it is reported because shipping a " +
			"policy with a model is an attempt to steer a scanner, or a packaging mistake worth a look.",
	})
}

// extension describes what a file extension promises.
type extension struct {
	formats  []string // formats the extension may legitimately hold at offset 0
	rawData  bool     // also names raw tensor data (ONNX external data): unrecognised bytes are no anomaly
	dataOnly bool     // the extension names a format that cannot carry code
}

var compressed = []string{formats.Gzip, formats.Bzip2, formats.XZ, formats.LZMA, formats.Zstd, formats.LZ4, formats.Zlib, formats.JoblibZFile}

var extensions = map[string]extension{
	".safetensors": {formats: []string{formats.Safetensors}, dataOnly: true},
	".gguf":        {formats: []string{formats.GGUF}, dataOnly: true},
	".ggml":        {formats: []string{formats.GGML}, dataOnly: true},
	".onnx":        {formats: []string{formats.ONNX}, dataOnly: true},
	".npy":         {formats: []string{formats.NumPy}, dataOnly: true},
	".npz":         {formats: []string{formats.Zip}, dataOnly: true},
	".tflite":      {formats: []string{formats.TFLite}, dataOnly: true},
	".mlmodel":     {formats: []string{formats.CoreML}, dataOnly: true},
	".pte":         {formats: []string{formats.ExecuTorch}, dataOnly: true},
	".ptd":         {formats: []string{formats.ExecuTorchData}, dataOnly: true},
	".ptl":         {formats: []string{formats.Zip}},
	".llamafile":   {formats: []string{formats.Executable}},
	".txt":         {dataOnly: true},
	".dat":         {dataOnly: true},
	".json":        {dataOnly: true},
	".md":          {dataOnly: true},
	".csv":         {dataOnly: true},
	".yaml":        {dataOnly: true},
	".yml":         {dataOnly: true},
	".jinja":       {dataOnly: true},
	".h5":          {formats: []string{formats.HDF5}},
	".hdf5":        {formats: []string{formats.HDF5}},
	".keras":       {formats: []string{formats.Zip}},
	".pb":          {dataOnly: true},
	".pkl":         {formats: []string{formats.Pickle}},
	".pickle":      {formats: []string{formats.Pickle}},
	".dill":        {formats: []string{formats.Pickle}},
	".joblib":      {formats: append([]string{formats.Pickle}, compressed...)},
	".pt":          {formats: []string{formats.Zip, formats.TorchLegacy, formats.Pickle, formats.Tar}},
	".pth":         {formats: []string{formats.Zip, formats.TorchLegacy, formats.Pickle, formats.Tar}},
	".ckpt":        {formats: []string{formats.Zip, formats.TorchLegacy, formats.Pickle}},
	".bin":         {formats: []string{formats.TorchLegacy, formats.Pickle}, rawData: true},
	".jit":         {formats: []string{formats.Zip}},
	".zip":         {formats: []string{formats.Zip}},
	".7z":          {formats: []string{formats.SevenZip}},
	".tar":         {formats: []string{formats.Tar}},
	".gz":          {formats: []string{formats.Gzip}},
	".tgz":         {formats: []string{formats.Gzip}},
	".bz2":         {formats: []string{formats.Bzip2}},
	".xz":          {formats: []string{formats.XZ}},
	".lzma":        {formats: []string{formats.LZMA}},
	".zst":         {formats: []string{formats.Zstd}},
	".lz4":         {formats: []string{formats.LZ4}},
	".z":           {formats: []string{formats.Zlib}},
	".ubj":         {formats: []string{formats.XGBoost}, dataOnly: true},
	".cbm":         {formats: []string{formats.CatBoost}, dataOnly: true},
	".msgpack":     {formats: []string{formats.Msgpack}, dataOnly: true},
	".pdmodel":     {formats: []string{formats.PaddleProgram}},
	".pdiparams":   {formats: []string{formats.PaddleParams}, dataOnly: true},
	".pdparams":    {formats: []string{formats.Pickle}},
	".pdopt":       {formats: []string{formats.Pickle}},
}

// codeCarrying are formats whose loading can run code, directly or through
// what they may contain.
var codeCarrying = append([]string{formats.Pickle, formats.TorchLegacy, formats.Zip, formats.Tar, formats.SevenZip, formats.Executable}, compressed...)

func ext(name string) string { return strings.ToLower(path.Ext(name)) }

// checkExtension compares the formats found in a file with what its name
// promises: a code-carrying format under a data-only name is a disguise;
// any other disagreement is only loose naming.
func checkExtension(name string, kinds []string) []formats.Finding {
	e, ok := extensions[ext(name)]
	if !ok || len(kinds) == 0 || slices.Contains(e.formats, kinds[0]) {
		return nil
	}
	if e.dataOnly && slices.Contains(codeCarrying, kinds[0]) {
		return []formats.Finding{formats.NewFinding(RuleDisguised, formats.NoOffset,
			"%s content in a file named %s", kinds[0], ext(name)).With("format", kinds[0])}
	}
	if len(e.formats) == 0 {
		// A generic extension (.txt, .pb) promises only "no code".
		return nil
	}
	return []formats.Finding{formats.NewFinding(RuleLooseExtension, formats.NoOffset,
		"%s content in a file named %s", kinds[0], ext(name)).With("format", kinds[0])}
}

// claimedFormat returns the extension of a name whose extension promises a
// format with a recognisable signature, or "" when the name promises
// nothing Sniff could confirm.
func claimedFormat(name string) string {
	if base := strings.ToLower(path.Base(name)); base == "saved_model.pb" {
		// The name TensorFlow's loader opens in a SavedModel directory,
		// whatever the bytes; ".pb" alone promises nothing.
		return base
	}
	e, ok := extensions[ext(name)]
	if !ok || len(e.formats) == 0 || e.rawData {
		return ""
	}
	return ext(name)
}

// describeHead says what was read at the start of a file whose name
// claims format ext but whose bytes match no format: for safetensors, the
// header length and why it cannot be one; otherwise the first bytes.
func describeHead(ext string, h formats.Head) string {
	p := h.Prefix
	if ext == ".safetensors" && len(p) >= 8 {
		n := binary.LittleEndian.Uint64(p)
		switch {
		case n > safetensorsMaxHeader:
			return fmt.Sprintf("its first 8 bytes give a header length of %d bytes, over the %d the safetensors loader accepts", n, safetensorsMaxHeader)
		case h.Size >= 8 && n > uint64(h.Size-8):
			return fmt.Sprintf("its first 8 bytes give a header length of %d bytes, more than the %d bytes that follow", n, h.Size-8)
		case len(p) > 8:
			return fmt.Sprintf("its header (%d bytes) does not start with a JSON object: %s", n, firstBytes(p[8:]))
		}
	}
	return "it starts " + firstBytes(p)
}

// safetensorsMaxHeader is the largest header the safetensors library
// reads (MAX_HEADER_SIZE).
const safetensorsMaxHeader = 100_000_000

// firstBytes shows up to 16 leading bytes in hex, and as text when they
// are printable.
func firstBytes(p []byte) string {
	p = p[:min(len(p), 16)]
	if len(p) == 0 {
		return "with no bytes"
	}
	s := fmt.Sprintf("% x", p)
	if strings.IndexFunc(string(p), func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0 {
		s += fmt.Sprintf(" (%q)", p)
	}
	return s
}

// polyglot reports a file that can be read as several formats. Readings
// that merely nest (an HDF5 user block, a tar holding the rest) are
// polyglots too: real exporters write one format per file.
func polyglot(kinds []string) (formats.Finding, bool) {
	if len(kinds) < 2 {
		return formats.Finding{}, false
	}
	f := formats.NewFinding(RulePolyglot, formats.NoOffset, "file is valid as %s", strings.Join(kinds, " and ")).
		With("formats", strings.Join(kinds, ","))
	if slices.Contains(kinds, formats.Pickle) || slices.Contains(kinds, formats.TorchLegacy) {
		f = f.At(formats.High)
	}
	return f, true
}

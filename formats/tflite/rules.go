package tflite

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleCustomOp       = "MG730"
	RuleFlexOp         = "MG731"
	RuleFlexMismatch   = "MG732"
	RuleBufferRange    = "MG733"
	RuleUnknownBuiltin = "MG734"
	RuleStructure      = "MG735"
	RuleVendorCustomOp = "MG736"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleCustomOp, Severity: formats.Medium, Title: "TFLite custom operator of an unknown library",
			Doc: "An operator code is CUSTOM with a custom_code that neither TFLite nor a known kernel library (MG736) ships. The interpreter only runs the model if the host registers a native kernel under that name, i.e. native code distributed beside the model; the model alone cannot make it run. Make sure you know and trust that kernel."},
		{ID: RuleVendorCustomOp, Severity: formats.Low, Title: "TFLite custom operator of a known library",
			Doc: "An operator code is CUSTOM with a custom_code that a known project's kernel library registers (MediaPipe, TensorFlow Text, SentencePiece, the audio microfrontend; the list and its sources are in formats/tflite/customops.tsv). The interpreter only runs it if the host links and registers that library; the model cannot make it execute anything by itself."},
		{ID: RuleFlexOp, Severity: formats.Low, Title: "TFLite Flex operator runs a TensorFlow op",
			Doc: "A Flex operator runs a full TensorFlow kernel through the Flex delegate; its custom options hold a serialized NodeDef, which modelgate decodes and judges like a SavedModel op. The finding takes the severity of that op: critical for Python ops, high for file and network ops (checkpoint ops such as Save, Restore, SaveV2 and RestoreV2, and InitializeTableFromTextFile, included: a TFLite model has no checkpoint, so they read and write the files their inputs name), low otherwise."},
		{ID: RuleFlexMismatch, Severity: formats.High, Title: "TFLite Flex operator's NodeDef does not match its name",
			Doc: "A Flex operator's custom_code names one TensorFlow op while its NodeDef runs another, or the custom options are not a NodeDef at all. The Flex delegate executes the NodeDef, so the name shown by tools hides what runs."},
		{ID: RuleBufferRange, Severity: formats.Medium, Title: "TFLite buffer outside the file",
			Doc: "A buffer's offset and size (used for data stored after the flatbuffer in models over 2 GB) reach past the end of the file or overlap another buffer. The interpreter reads out of bounds or two tensors share bytes; the file was not written by the converter."},
		{ID: RuleUnknownBuiltin, Severity: formats.Medium, Title: "TFLite unknown builtin operator code",
			Doc: "An operator code's builtin code is negative or beyond the schema this build knows. Old interpreters had out-of-bounds reads on unexpected codes; a newer converter could also have written it, so check the model's producer."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "TFLite model structure invalid",
			Doc: "An operator refers to an operator code that does not exist. The interpreter rejects the model, or older versions read out of bounds."},
	} {
		formats.RegisterRule(r)
	}
}

package coreml

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleCustomModel = "MG960"
	RuleCustomLayer = "MG961"
	RuleLinkedModel = "MG962"
	RuleFileEscape  = "MG963"
	RuleSerialized  = "MG964"
	RuleStructure   = "MG965"
	RulePackage     = "MG966"
	RuleUnknownOp   = "MG967"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleCustomModel, Severity: formats.Medium, Title: "Core ML custom model runs an app's native class",
			Doc: "The model (or a model of its pipeline) is a customModel: Core ML hands prediction to the Objective-C/Swift class named by className, which the app loading the model must contain. The model carries no code, but it runs whatever that class does; make sure you know and trust it."},
		{ID: RuleCustomLayer, Severity: formats.Medium, Title: "Core ML neural network has a custom layer",
			Doc: "A neural network layer is a custom layer: Core ML runs it through the MLCustomLayer class named by className, native code the app must contain. The model cannot make it execute anything by itself; make sure you know and trust that class."},
		{ID: RuleLinkedModel, Severity: formats.Low, Title: "Core ML linked model loads another model file",
			Doc: "The model is a linkedModel: at load time Core ML opens another compiled model by file name along a search path. What runs is that file, which this scan did not see unless it is part of the scanned target; scan it too."},
		{ID: RuleFileEscape, Severity: formats.High, Title: "Core ML model refers to a file outside itself",
			Doc: "A linked model's file name or search path, or an ML program's weight file, is an absolute path or climbs out of the model with \"..\". Core ML opens that file when it loads the model, so the model reads (and runs, for a linked model) whatever is at that path on the host."},
		{ID: RuleSerialized, Severity: formats.Low, Title: "Core ML serialized model of a private format",
			Doc: "The model is a serializedModel: opaque bytes that Core ML hands to the framework named by its identifier. modelgate cannot read inside it; only Apple frameworks register such identifiers."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "Core ML model structure invalid",
			Doc: "A field of the Model protobuf has the wrong wire type, a length beyond its message, or the model has no model type. Core ML rejects such a file; it was not written by coremltools, and readers that skip what they cannot parse see a different model."},
		{ID: RulePackage, Severity: formats.High, Title: "Core ML package manifest refers outside the package",
			Doc: "An item of an .mlpackage's Manifest.json has a path that is absolute or climbs out of the package's Data directory with \"..\". Core ML opens items by these paths, so the package makes it read a file that is not part of it."},
		{ID: RuleUnknownOp, Severity: formats.Low, Title: "Core ML ML program operation of no known opset",
			Doc: "An operation of the ML program has a type that no MIL opset of coremltools defines (formats/coreml/milops.tsv, from coremltools' op definitions for iOS15 to iOS18 and its coreml dialect). Core ML runs ML programs only from its built-in operations and has no way to register custom ones, so it refuses such a program unless the operation belongs to an OS release newer than this table; the file was not written by the coremltools this table comes from. Nothing the model supplies runs."},
	} {
		formats.RegisterRule(r)
	}
}

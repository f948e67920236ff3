package openvino

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleUnknownExtension = "MG940"
	RuleVendorExtension  = "MG941"
	RuleWeights          = "MG942"
	RuleStructure        = "MG943"
	RuleTemplate         = "MG944"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleUnknownExtension, Severity: formats.Medium, Title: "OpenVINO layer needs an unknown extension",
			Doc: "A layer of the IR is not an operation of any OpenVINO opset (its version is not \"opsetN\", or its type is in no opset table of formats/openvino/opsets.tsv), and no known extension library provides it. OpenVINO only reads the model if the host has loaded an extension (a native library, core.add_extension) that registers that type: native code distributed beside the model, which the model itself cannot make run. Make sure you know and trust that extension. A type added by an opset newer than this build's table is reported here too."},
		{ID: RuleVendorExtension, Severity: formats.Low, Title: "OpenVINO layer from a known extension library",
			Doc: "A layer's type is provided by a known project's extension library (openvino_tokenizers; the list and its sources are in formats/openvino/extensions.tsv). OpenVINO reads the model only if the host loads that library; the model cannot make it execute anything by itself."},
		{ID: RuleWeights, Severity: formats.Medium, Title: "OpenVINO constant outside its weights file",
			Doc: "A Const layer's offset and size are not numbers, overflow, or reach past the end of the .bin weights file beside the .xml. OpenVINO rejects the model or, in versions that map the file, reads bytes it should not; the IR was not written by OpenVINO's serializer."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "OpenVINO IR structure invalid",
			Doc: "The IR has a DOCTYPE (entity declarations that XML readers treat differently; OpenVINO's serializer never writes one), two layers with one id, or an edge between layers that do not exist. Readers disagree on such a graph, and OpenVINO's serializer does not write it."},
		{ID: RuleTemplate, Severity: formats.High, Title: "OpenVINO tokenizer chat template reaches beyond its data",
			Doc: "The IR's model-level rt_info holds a chat_template (as openvino_tokenizers writes into openvino_tokenizer.xml and openvino_detokenizer.xml), which OpenVINO GenAI renders for every chat prompt. The template has a construct no chat template needs, found by the same checks as a tokenizer_config.json or GGUF chat template: one built to reach objects outside the template's data (a sandbox escape in a Python Jinja renderer), a computed attribute lookup, a tag that loads another template, a filter or test that is not Jinja's own, a construct that exhausts CPU or memory when rendered, or a template that does not parse. The finding's severity and details.kind say which. GenAI's own renderer is C++, but tools that read the template back into Python (transformers, optimum) render it with jinja2."},
	} {
		formats.RegisterRule(r)
	}
}

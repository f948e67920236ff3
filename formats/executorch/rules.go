package executorch

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleUnknownOp      = "MG950"
	RuleVendorOp       = "MG951"
	RuleUnknownBackend = "MG952"
	RuleBackend        = "MG953"
	RuleSegment        = "MG954"
	RuleStructure      = "MG955"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleUnknownOp, Severity: formats.Medium, Title: "ExecuTorch operator of an unknown kernel library",
			Doc: "The program calls an operator whose namespace neither ExecuTorch's own kernel libraries nor a known project's (formats/executorch/vendors.tsv) provide. The runtime only runs the program if the host links and registers a native kernel of that name: native code distributed beside the model, which the program cannot make run by itself. Make sure you know and trust that kernel."},
		{ID: RuleVendorOp, Severity: formats.Low, Title: "ExecuTorch operator of a known kernel library",
			Doc: "The program calls an operator of a known project's kernel library (the LLM custom ops, Arm Cortex-M, Cadence; the list and its sources are in formats/executorch/vendors.tsv). The host must link that library; the program cannot make it execute anything by itself."},
		{ID: RuleUnknownBackend, Severity: formats.Medium, Title: "ExecuTorch delegate to an unknown backend",
			Doc: "A delegate names a backend id that no known ExecuTorch backend registers. The runtime hands the delegate's opaque payload to whatever native backend the host registered under that id; make sure you know and trust it. The payload was handed to modelgate's analyzers as a member where it lies in the file."},
		{ID: RuleBackend, Severity: formats.Info, Title: "ExecuTorch delegate to a known backend",
			Doc: "A delegate runs part of the program on a known backend (XNNPACK, Core ML, Vulkan, QNN, ...; see formats/executorch/vendors.tsv). Its payload is compiled for that backend and opaque to this scan except where modelgate recognises its format (a Core ML delegate's model, say), in which case it is analyzed as a member."},
		{ID: RuleSegment, Severity: formats.Medium, Title: "ExecuTorch segment outside the file",
			Doc: "The extended header, the flat tensor header of a .ptd, or a data segment (weights, delegate payloads, named tensors) gives an offset and size that reach past the end of the file, before the segment base, or overflow. The runtime reads bytes that are not the segment, or rejects the program; the exporter never writes this."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "ExecuTorch program structure invalid",
			Doc: "An instruction refers to an operator or delegate the plan does not have, a delegate, constant or named tensor refers to a segment or inline blob that does not exist, or the extended header (of a .pte) or flat tensor header (of a .ptd) is missing or corrupt. Older runtimes read out of bounds on such indices; the exporter never writes them."},
	} {
		formats.RegisterRule(r)
	}
}

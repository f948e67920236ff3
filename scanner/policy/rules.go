package policy

import "github.com/modelgate/modelgate/formats"

// Rule IDs of the gate's own findings.
const (
	RuleFormatNotAllowed  = "MG090"
	RuleSignatureRequired = "MG091"
)

func init() {
	formats.RegisterRule(formats.Rule{
		ID: RuleFormatNotAllowed, Severity: formats.High,
		Title: "File format not allowed by the policy",
		Doc: "The policy lists the formats that may be promoted (for example only safetensors and GGUF), and " +
			"this file's bytes are another format, or match no format modelgate knows (and are not inert text, " +
			"images or tokenizer files). The file may be harmless, but the gate exists so that " +
			"formats able to carry code never reach production. Convert the model to an allowed format, or " +
			"change the policy's formats.allow after review; unidentified content a reviewer vouches for is " +
			"accepted by path with formats.unidentified.",
	})
	formats.RegisterRule(formats.Rule{
		ID: RuleSignatureRequired, Severity: formats.High,
		Title: "Signature required by the policy was not verified",
		Doc: "The policy requires a verified signature (an identity and issuer, or a key) for this file, and " +
			"no signature could be verified for it. Without one the file cannot be tied to the producer the " +
			"policy trusts. This build has no signature verifier yet, so every file a signature requirement " +
			"covers is reported this way and left inconclusive: the gate fails closed rather than pass an " +
			"unchecked requirement.",
	})
}

// codeExecutionRules are rules whose findings mean loading the file runs
// code or reaches outside the process: lowering, disabling or waiving them
// needs the explicit flag, whatever their registered severity.
var codeExecutionRules = map[string]bool{
	"MG102": true, // denylisted global: code execution
	"MG103": true, // denylisted global: files and network
	"MG115": true, // denylisted global: introspection and interpreter primitives
}

// needsFlag reports whether loosening rule id needs CodeExecutionFlag.
func needsFlag(id string) bool {
	if codeExecutionRules[id] {
		return true
	}
	r, ok := formats.LookupRule(id)
	return ok && r.Severity == formats.Critical
}

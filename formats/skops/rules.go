package skops

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleDenied    = "MG150"
	RuleRisky     = "MG151"
	RuleUnknown   = "MG152"
	RuleMisused   = "MG153"
	RuleMethod    = "MG154"
	RuleOperator  = "MG155"
	RuleMalformed = "MG156"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleDenied, Severity: formats.Critical, Title: "skops file names a type or function that can execute code",
			Doc: "A node of the skops schema.json names a module and class or function on modelgate's denylist of code-execution, process, import and nested-loader primitives (builtins.eval, os.system, subprocess, pickle.loads, ...). skops.io.load imports it and, depending on the node's loader, calls it with arguments from the file (ConstructorFromReduceNode, ListNode, DictNode), builds it, or hands it to the model, which calls it (FunctionNode: a FunctionTransformer's func). skops refuses untrusted types by default, but users routinely pass get_untrusted_types() as trusted, and skops before 0.10 accepted trusted=True (CVE-2024-37065). Do not load the file."},
		{ID: RuleRisky, Severity: formats.High, Title: "skops file names a type or function that reaches files, the network or interpreter internals",
			Doc: "A node of the skops schema.json names a denylisted global that reads or writes files, opens connections, or introspects the interpreter (open, pathlib, socket, type, getattr-like helpers). Loading the file with that type trusted imports it and uses it as the node's loader does. Do not load it unless you know why a model needs it."},
		{ID: RuleUnknown, Severity: formats.Medium, Title: "skops file names a type that is not on the allowlist",
			Doc: "A node of the skops schema.json names a module and class or function that is not on modelgate's allowlist of known-safe ML globals (the same allowlist pickles are judged against). skops.io.load imports the module, which runs its import-time code, and then calls, builds or holds the object as the node's loader does; skops itself refuses it unless it is passed as trusted. Check the name in the finding: if it is a class of a library you trust, accept it by policy; otherwise do not load the file."},
		{ID: RuleMisused, Severity: formats.Medium, Title: "skops loader uses an allowlisted global in a way the allowlist does not permit",
			Doc: "The global is on the allowlist for some uses only (built without its constructor, called, or only held as a value) and the node's loader uses it another way: ObjectNode builds it with __new__ and restores its state; ConstructorFromReduceNode, ListNode, DictNode, NdArrayNode and LossNode call it with arguments from the file (scikit-learn's own Cython loss classes excepted, which take only floats). A class that libraries only rebuild runs its __init__ on arguments the file chose. Do not load the file unless you know the library does this."},
		{ID: RuleMethod, Severity: formats.High, Title: "skops MethodNode looks up a method by name",
			Doc: "A MethodNode rebuilds an object and returns getattr(object, name) with a method name from the file; the model later calls that bound method. Before skops 0.12 the audit did not cover the method name (CVE-2025-54413), so any attribute of a trusted object, including dunder ones that lead to code execution, could be reached. It is critical when the dotted name is on the denylist, high otherwise: review which method is bound and why the model stores a bound method."},
		{ID: RuleOperator, Severity: formats.High, Title: "skops OperatorFuncNode builds an operator from file data",
			Doc: "An OperatorFuncNode returns operator.attrgetter, itemgetter or methodcaller built from arguments in the file; the model later calls it on its own objects. methodcaller calls any method by name and attrgetter walks dotted attribute paths, so the file chooses what runs; skops before 0.12 trusted these nodes by default (CVE-2025-54412). It is critical when the operator is on the denylist (methodcaller, attrgetter), high otherwise. Do not load the file unless you know why the model stores an operator."},
		{ID: RuleMalformed, Severity: formats.Medium, Title: "skops schema malformed or naming a loader skops does not define",
			Doc: "The skops schema.json has a protocol skops does not write, a node whose loader skops does not define (an extension or a future skops version may, and would import and call the node's type), a node without a module or class, a bound method without a name, a bit generator whose name is not a constant, a data member that the archive does not contain, or data after the JSON object. skops fails on most of these before constructing anything, but readers of the file disagree about it, which is how payloads hide. Re-save the model with skops.io.dump."},
	} {
		formats.RegisterRule(r)
	}
}

package pickle

import "github.com/modelgate/modelgate/formats"

// Rule IDs of the pickle machine. They never change meaning.
const (
	RuleUnknownGlobal   = "MG101"
	RuleDeniedGlobal    = "MG102"
	RuleRiskyGlobal     = "MG103"
	RuleDynamicGlobal   = "MG104"
	RuleNestedPickle    = "MG105"
	RuleGlobalMutation  = "MG106"
	RuleFrame           = "MG107"
	RuleTrailingData    = "MG108"
	RuleMissingMemo     = "MG109"
	RuleBadOpcode       = "MG110"
	RuleProto           = "MG111"
	RuleComputedCall    = "MG112"
	RuleExtension       = "MG113"
	RuleTypeConfusion   = "MG114"
	RuleIntrospection   = "MG115"
	RuleMisusedGlobal   = "MG116"
	RuleMainGlobal      = "MG117"
	RuleUnvouchedDunder = "MG118"
	RuleProjectGlobal   = "MG119"
	RuleJoblibState     = "MG120"
	RuleJoblibFile      = "MG121"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleUnknownGlobal, Severity: formats.Medium, Title: "pickle imports a global that is not on the allowlist",
			Doc: "Loading this pickle imports a module attribute that is not on modelgate's allowlist of known-safe ML globals. " +
				"A loader imports and may call it, so it can run code; PyTorch's weights_only loader would refuse it. " +
				"Check the global in the finding's details: if it is a class from a library you trust, load the file with that " +
				"library's safe loader or convert it to safetensors; otherwise do not load it. Low when only pickle.load's reading " +
				"of a joblib dump's array bytes (details.reading) imports it, from a module no known library provides (MG119): " +
				"joblib.load never imports it, and pickle.load would also need a module of that name on the host."},
		{ID: RuleDeniedGlobal, Severity: formats.Critical, Title: "pickle imports a global that can execute code",
			Doc: "The pickle imports a global on the denylist of code-execution, process, import or nested-loader primitives " +
				"(os.system, builtins.eval, subprocess, pickle.loads, ...). Loading the file runs attacker-chosen code. " +
				"Do not load it; treat the file and its source as compromised. A Keras model loader called exactly the way " +
				"Keras pickles a model (deserialize_model_from_bytecode on constant bytes or a uint8 array, _unpickle_model " +
				"on a BytesIO) is reported info instead: the embedded .keras archive or SavedModel tar is analyzed as a Keras " +
				"model loaded with safe_mode off, and its own findings (Lambda layers, foreign modules) stand."},
		{ID: RuleRiskyGlobal, Severity: formats.High, Title: "pickle imports a global that reaches files or the network",
			Doc: "The pickle imports a denylisted global that reads or writes files or opens network connections " +
				"(open, socket, urllib, pathlib, tempfile, ...). Loading the file can leak or overwrite data. " +
				"Do not load it unless you know why a model file needs this."},
		{ID: RuleIntrospection, Severity: formats.High, Title: "pickle imports an introspection or interpreter primitive",
			Doc: "The pickle imports a denylisted global that reaches into the interpreter rather than the outside world: " +
				"attribute and namespace introspection (type, dir, super, inspect, copy hooks, any builtin outside the pure " +
				"set) or interpreter switches (resource limits, tracing, exit). Alone it reads no file and runs no command, but " +
				"such primitives are the links of chains that end in code execution (type(x).__subclasses__() ...). " +
				"Do not load it unless you know why a model file needs this."},
		{ID: RuleMisusedGlobal, Severity: formats.Medium, Title: "allowlisted global used in a way the allowlist does not permit",
			Doc: "The global is on the allowlist for some uses only: built as a class (NEWOBJ, copyreg._reconstructor, " +
				"which run no constructor on the pickle's arguments), called as a function (REDUCE, OBJ, INST, or through an " +
				"instance attribute the pickle set that BUILD, APPEND(S) or ADDITEMS calls: __setstate__, extend, append, add), " +
				"or only held as a value. This pickle uses it another way, e.g. calls a class that libraries only ever rebuild, which runs " +
				"its __init__ on arguments the file chose, calls a function stored as a value, or hands an omegaconf config to code that " +
				"reads it (anywhere in the arguments of a call other than the values a list or dict builder stores, or in the BUILD " +
				"state of a class whose __setstate__ is not a plain attribute update), which resolves its interpolations " +
				"with the loading program's resolvers. That is how an allowed " +
				"class becomes a gadget; no library writes it. Do not load the file unless you know the library does this."},
		{ID: RuleMainGlobal, Severity: formats.Low, Title: "pickle refers to the loading program's own definitions",
			Doc: "The pickle names a class or function of __main__, the program that saved it (a notebook's class Net, a " +
				"script's tokenizer function), and only builds that class the way pickle rebuilds an instance (NEWOBJ, " +
				"copyreg._reconstructor with base object) or holds the name as a value, for example as a FunctionTransformer's " +
				"func or a vectorizer's tokenizer. Loading it imports nothing: find_class returns the attribute of the loading " +
				"program's own main module. In any other program loading fails with an AttributeError; in a program that " +
				"defines the name, building the instance runs that program's own __new__ and __setstate__, and a holder later " +
				"calls that program's own function. The file brings no code, but it can only be loaded by the code that saved " +
				"it: load it there, or re-save the weights as a state_dict or safetensors and the estimator's parameters " +
				"without the script's functions. A pickle that calls a __main__ name (REDUCE, OBJ, INST), names a dotted, " +
				"dunder or __mp_main__ attribute, or one spelled like a function scripts import by name to run processes, " +
				"touch files or unpickle (system, Popen, remove, loads, ...), is reported as not on the allowlist (MG101) " +
				"instead. A policy can raise " +
				"this rule (rules.MG117: medium) to fail the gate on such files."},
		{ID: RuleProjectGlobal, Severity: formats.Low, Title: "pickle refers to the saving project's own module",
			Doc: "The pickle names a class or function of a module that no known library provides: not CPython's standard " +
				"library (2.7 to 3.14), not a distribution the most-downloaded-PyPI lists held since 2018 nor a module one of " +
				"20,000 indexed distributions installs, not a library on modelgate's lists, Debian's or a git-installed one real " +
				"checkpoints name (detectron2, ldm, YOLOv5's models); a library outside all of them is taken for project code. " +
				"That is the saving project's own " +
				"code (model.Net, titanic_model.preprocessors.ToInteger), and the pickle only builds the class the way pickle " +
				"rebuilds an instance (NEWOBJ, copyreg._reconstructor with base object) or holds the name as a value, for " +
				"example as a FunctionTransformer's func. Loading it imports that module from the loading program's sys.path: " +
				"where there is none, loading fails with ModuleNotFoundError before running any of it; where there is (the " +
				"project's checkout, or a file of that name in the directory a notebook or python -c runs in), importing runs " +
				"the module's top-level code and building the instance runs its __new__ and __setstate__. The file brings no " +
				"code, but loading it runs code the host has under that name: load it only from the project that saved it, " +
				"never from a folder holding Python files you have not reviewed (scan the folder: modelgate reports the Python " +
				"files a model directory, repository or archive carries). It is medium when the module is there to import: " +
				"a .py, package, bytecode, extension module or symlink of that name in the folder holding the pickle, a folder " +
				"above it in the scanned directory or archive or at its root, on disk beside a file scanned on its own too, " +
				"and for a pickle inside a checkpoint's zip or another archive, beside that archive. A pickle that calls " +
				"such a name (REDUCE, OBJ, INST), " +
				"names a dotted or dunder attribute of it, or one spelled like a function scripts import by name to run " +
				"processes, touch files or unpickle (system, Popen, remove, loads, ...), is reported as not on the allowlist " +
				"(MG101) instead. A policy can raise this rule (rules.MG119: medium) to fail the gate on such files."},
		{ID: RuleUnvouchedDunder, Severity: formats.Medium, Title: "loading runs a method of an allowlisted object that the allowlist does not vouch for",
			Doc: "Unpickling runs more of an object than the way it is built: an object set as a dict key or set element " +
				"(SETITEM(S), DICT, ADDITEMS, FROZENSET, or handed to set, frozenset, dict, Counter, OrderedDict) is hashed with its " +
				"__hash__ and compared with colliding keys by its __eq__; an allowlisted builtin called with it runs its __str__, " +
				"__repr__, __format__, __len__, __iter__, __lt__, __add__, __index__ ... (str, repr, len, list, sorted, sum, int, " +
				"isinstance's metaclass __instancecheck__); str, repr and format render the items of lists, tuples, dicts and sets, an " +
				"exception's arguments and an instance's arguments and state with repr (or str); an allowlisted callable outside " +
				"builtins (collections.deque, torch.optim optimizers ...) may iterate, hash or compare anything its arguments hold. " +
				"The allowlist generator inspects those methods of each allowlisted " +
				"class and vouches for the ones that are object's or a builtin's, reviewed C code, or Python code that reaches no " +
				"process, code execution, import by name, file, network or nested unpickling. This pickle hands an object to " +
				"one it did not vouch for, e.g. an omegaconf config as a dict key (its __eq__ resolves interpolations with the " +
				"loading program's resolvers) or a pandas Series to builtins.str (its __repr__ reaches code that opens files). " +
				"Medium when the method is merely not vouched for; high or critical when its code names a file, network, " +
				"process, import or loader function. No library pickles this; do not load the file unless you know why it does."},
		{ID: RuleDynamicGlobal, Severity: formats.Critical, Title: "STACK_GLOBAL with a computed module or name",
			Doc: "A STACK_GLOBAL opcode takes its module or name from something other than a constant string (the result of a " +
				"call, a number, bytes, a global). The imported name is only known at load time, which is how payloads hide from " +
				"scanners. No legitimate pickler writes this. Do not load the file."},
		{ID: RuleNestedPickle, Severity: formats.High, Title: "payload handed to a nested pickle loader",
			Doc: "A call passes bytes to a function that unpickles them (pickle.loads, torch.storage._load_from_bytes, ...). " +
				"When the bytes are constant modelgate scans them as a pickle of their own and this finding is informational; its " +
				"findings are listed with a nested offset. When they are computed at load time, too large to re-read, or " +
				"unparsable, the nested pickle cannot be checked and the finding is high: do not load the file."},
		{ID: RuleGlobalMutation, Severity: formats.High, Title: "pickle overwrites attributes of a class or module",
			Doc: "BUILD, SETITEM, APPEND or ADDITEMS is applied to a global (a class, function or module, or an Enum member its class returns) " +
				"instead of an object the pickle created, so loading it changes library code for the rest of the process, for example redirecting " +
				"torch._utils to builtins.eval. It is critical when the same pickle then imports more globals. Do not load it."},
		{ID: RuleFrame, Severity: formats.High, Title: "opcode straddles a FRAME boundary",
			Doc: "An opcode starts inside a protocol-4 FRAME and ends after it, or a FRAME starts inside another. Picklers never " +
				"write this; CPython versions disagree on how to read it (cpython#154848), so different loaders and scanners see " +
				"different opcodes. modelgate reads on linearly and reports what follows. Do not trust the file."},
		{ID: RuleTrailingData, Severity: formats.Medium, Title: "data after the end of the pickle",
			Doc: "Bytes follow the pickle's STOP opcode and do not form another pickle. pickle.load ignores them, but loaders that " +
				"read several pickles from one file (joblib, legacy PyTorch) may not, and this is where broken-pickle payloads " +
				"hide. Low when they are only padding. Check where the file came from."},
		{ID: RuleMissingMemo, Severity: formats.High, Title: "memo reference to a missing key",
			Doc: "A GET opcode refers to a memo slot nothing was stored in. A loader fails there, but every call before it has " +
				"already run; no pickler writes this and it is a known way to crash scanners. Do not load the file."},
		{ID: RuleBadOpcode, Severity: formats.High, Title: "invalid pickle opcode",
			Doc: "The pickle contains a byte that is not a pickle opcode. A loader stops with an error there, after running " +
				"everything before it; crafted files use this to break scanners while keeping the payload. Do not load the file."},
		{ID: RuleProto, Severity: formats.Medium, Title: "PROTO opcode out of place",
			Doc: "A PROTO opcode appears after the first opcode or more than once. Picklers write exactly one, first. Changing the " +
				"protocol mid-stream changes how globals are resolved (compat aliases, dotted names), which can mislead scanners."},
		{ID: RuleComputedCall, Severity: formats.High, Title: "call of a computed object",
			Doc: "A call opcode (REDUCE, OBJ, NEWOBJ, ...) calls something that is not an imported global: the result of an " +
				"earlier call, a persistent object or an extension-registry entry. The same holds for an instance attribute the " +
				"unpickler calls in place of the class's method, when the pickle stored such an object there: __setstate__ " +
				"(called by a later BUILD), extend or append (APPEND, APPENDS), add (ADDITEMS), or a __class__ set by a BUILD " +
				"slot state. What runs is decided at load time, which is how call chains hide their target. Do not load the file."},
		{ID: RuleExtension, Severity: formats.Medium, Title: "extension registry reference",
			Doc: "EXT1/EXT2/EXT4 load a global through copyreg's extension registry, which is empty unless the loading program " +
				"registered codes. The global cannot be identified from the file. Do not load it unless you know the registry."},
		{ID: RuleTypeConfusion, Severity: formats.Medium, Title: "container opcode applied to a non-container",
			Doc: "SETITEM, APPEND, ADDITEMS or BUILD targets a value of the wrong type (a string, number or tuple). Standard " +
				"loaders fail there, restricted loaders have been corrupted this way (CVE-2026-24747). No pickler writes it."},
		{ID: RuleJoblibState, Severity: formats.Medium, Title: "joblib array wrapper that joblib.dump never writes",
			Doc: "joblib.load replaces every NumpyArrayWrapper (and pre-0.10 NDArrayWrapper) with an array it reads right after " +
				"the wrapper's BUILD, whatever opcode made the wrapper and whatever attributes it has. This wrapper is built " +
				"another way than joblib's pickler builds it, or has attributes or values joblib never writes (an alignment " +
				"other than 16, an order other than C or F, attributes that shadow the wrapper's read methods). Readers can then " +
				"disagree on where the pickle resumes after the array bytes. The file was crafted: re-save it with joblib.dump."},
		{ID: RuleJoblibFile, Severity: formats.Critical, Title: "joblib wrapper loads a file outside the dump's folder",
			Doc: "A pre-0.10 joblib NDArrayWrapper or ZNDArrayWrapper names a companion file that joblib.load opens as " +
				"os.path.join(folder of the file, filename). NDArrayWrapper loads it with numpy.load(allow_pickle=True), which " +
				"unpickles whatever that file holds (critical); ZNDArrayWrapper reads it as array data (high). An absolute or " +
				"'..' name, one in a sub-folder (which joblib never wrote, and which a scan of the model's files may skip, such " +
				"as .git/), or one computed at load time, reaches files the scan of the dump did not vouch for. Info when the companion file is " +
				"next to the dump, as old joblib versions wrote it: scan it with the dump."},
	} {
		formats.RegisterRule(r)
	}
}

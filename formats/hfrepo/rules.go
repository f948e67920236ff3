package hfrepo

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleAutoMap         = "MG801"
	RuleAutoMapCross    = "MG802"
	RulePython          = "MG803"
	RulePythonDangerous = "MG804"
	RuleCustomGenerate  = "MG805"
	RuleTemplateEscape  = "MG806"
	RuleTemplateParse   = "MG807"
	RuleTemplateLoader  = "MG808"
	RuleTemplateDoS     = "MG809"
	RuleTargetDangerous = "MG810"
	RuleTarget          = "MG811"
	RuleLFSPointer      = "MG812"
	RuleIndexPath       = "MG813"
	RuleIndexMissing    = "MG814"
	RuleMalformed       = "MG815"
	// Template rules are numbered from MG850, apart from the config rules
	// (MG830 and up).
	RuleTemplateComputed = "MG850"
	RuleTemplateUnknown  = "MG851"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleAutoMap, Severity: formats.High, Title: "repository code run by trust_remote_code (auto_map)",
			Doc: "config.json, tokenizer_config.json or a processor, generation or adapter *_config.json has an auto_map: loading the model with trust_remote_code=True imports the named module_file.py from the repository and runs it with the user's privileges. The finding lists every module and class and whether the .py file is in the scanned tree (a missing file is fetched from the Hub at load time and was not scanned). The Python itself is reported by MG803/MG804. It is high, not critical, because many legitimate architectures ship code this way; a human must review the code before the model is promoted, and the load should pin code_revision."},
		{ID: RuleAutoMapCross, Severity: formats.Critical, Title: "auto_map loads code from another repository",
			Doc: "An auto_map entry has the form owner/repo--module.Class: trust_remote_code=True downloads module.py from a different Hugging Face repository, at that repository's current revision, when the model loads. That code is not part of the artifact, is not pinned by the model's revision and was not scanned; whoever controls the other repository (or re-registers its deleted namespace) controls what runs. It is critical because the gate cannot vouch for code it never saw; vendor the module into the repository, or pin and review the other repository's commit."},
		{ID: RulePython, Severity: formats.Medium, Title: "Python code shipped with the model",
			Doc: "The repository contains a .py file: remote code that trust_remote_code, custom_generate, a diffusers custom pipeline or a README's instructions would run. It is never executed by the scan; the finding gives a static summary (imported modules, relative imports, network, dynamic-import and pickle-loading calls) so the reviewer knows where to look. Review it before trusting the model."},
		{ID: RulePythonDangerous, Severity: formats.High, Title: "shipped Python code uses process, exec or socket primitives",
			Doc: "A .py file in the repository calls or imports process execution (os.system, os.popen, os.exec*, subprocess, pty), dynamic code evaluation (eval, exec, compile, __import__, marshal.loads), raw sockets or ctypes. Modeling code has no need for them; they are what droppers and reverse shells hidden in remote code use. The finding names each primitive and its first line. Comments and string literals are ignored, so obfuscated payloads may still hide in data: review the file."},
		{ID: RuleCustomGenerate, Severity: formats.Medium, Title: "custom generation method shipped (custom_generate/)",
			Doc: "The repository has a custom_generate/ directory: transformers' generate(custom_generate=...) imports custom_generate/generate.py from it with trust_remote_code=True and may install custom_generate/requirements.txt. It replaces the decoding loop with the repository's own code. Review it like any remote code."},
		{ID: RuleTemplateEscape, Severity: formats.Critical, Title: "chat template reaches Python internals",
			Doc: "A Jinja chat template (tokenizer_config.json chat_template, in either the string or the named-list form, chat_template.jinja, chat_template.json, additional_chat_templates/*.jinja or a processor config) looks up a dunder or private attribute or a Python object internal (mro, frames, code, globals), or names one in a string, a str.format field, an attr/map/selectattr argument, a concatenation, a join or an escape sequence, or uses an object such as self, config, request, os, lipsum or cycler. Rendered by an unsandboxed Jinja2 environment (llama-cpp-python before 0.2.72, CVE-2024-34359; SGLang, CVE-2026-5760) that walks from an object to os or builtins and runs code on the serving host. The real chat templates of published models never do any of it (docs/chat-templates.md); the checks are those applied to GGUF templates (MG520)."},
		{ID: RuleTemplateParse, Severity: formats.Medium, Title: "chat template does not parse",
			Doc: "A chat template in the repository is not valid Jinja for the scanner, is too large or too deeply nested to check safely, uses a tag Jinja2 does not know or leaves a block open, or Jinja2's own lexer splits it into code and text differently from the scanner's parser (a raw section or comment ended by a Unicode space, for example), so code may have been hidden from the checks. It could not be fully checked; Jinja2, minja or minijinja may still render it. Review the template."},
		{ID: RuleTemplateComputed, Severity: formats.High, Title: "chat template looks up attributes by computed names",
			Doc: "A chat template looks up an attribute or item whose name is computed when it renders: x[key] where key is not a literal, an integer, or a key of the mapping it indexes; attr, map('attr'), map(attribute=), selectattr, groupby or sort with a computed name; str.format on a format string that is not a literal; map or select applying a filter or test named at render time. Jinja falls back to attribute access for a string key, so such a template can spell __init__ or __globals__ at render time from pieces no check sees (underscores taken from an object's string form, center, format, %, ~, replace, join) or take the name from a user's message. It is critical when the lookup applies to one of Jinja's own objects (namespace, cycler, joiner, lipsum, range, dict), whose __init__.__globals__ holds the os module. Real chat templates index messages by integers and mappings by their own keys, and never need it."},
		{ID: RuleTemplateUnknown, Severity: formats.Medium, Title: "chat template uses a filter or test Jinja2 does not define",
			Doc: "A chat template uses a filter or test that is not one of Jinja2 3.1's built-ins (or the pure from_json and regex_replace some renderers add). Jinja2 refuses such a template, but a renderer that registers a filter or test of that name runs the host's code on the template's arguments: the template depends on what the serving host exposes. Real chat templates use only Jinja2's own."},
		{ID: RuleTemplateLoader, Severity: formats.Medium, Title: "chat template loads other templates",
			Doc: "A chat template uses include, import, extends or from, which read other templates through the renderer's loader (files on the serving host, in some deployments). Chat templates never need them."},
		{ID: RuleTemplateDoS, Severity: formats.Low, Title: "chat template can exhaust resources",
			Doc: "A chat template is unusually large, loops over huge ranges or repeats strings enormous numbers of times; even a sandboxed renderer can be made to hang or run out of memory."},
		{ID: RuleTargetDangerous, Severity: formats.High, Title: "Hydra _target_ names a code-execution callable",
			Doc: "A YAML or JSON config has a Hydra/NeMo _target_ (or jsonargparse class_path, or the top-level target of a NeMo model_config.yaml, which restore_from imports and calls with the config) naming a callable that runs commands, evaluates code, imports modules, opens sockets or loads pickles: os.*, subprocess.*, builtins eval/exec/compile/__import__/getattr/open, importlib, runpy, pickle/dill/joblib/torch/numpy load, hydra.utils.get_method/get_class/call/instantiate and the like, and such a module or a dunder attribute reached through a package's name (torch.utils.data.dataloader.os.posix_spawn: Hydra follows every dotted part with getattr). hydra.utils.instantiate and NeMo's restore_from call it with the config's arguments when the model loads (NeMo CVE-2025-23304; the same class found in Uni2TS and FlexTok). Reject the model."},
		{ID: RuleTarget, Severity: formats.Medium, Title: "Hydra _target_ outside known-safe packages",
			Doc: "A YAML or JSON config has a Hydra/NeMo _target_ (or jsonargparse class_path, or the top-level target of a NeMo model_config.yaml) that is instantiated when the model loads and is not under a known-safe prefix: torch.nn., torch.optim., torch.utils.data., torchmetrics., torchvision.transforms., torchvision.models., torchaudio.transforms., torchaudio.models., nemo.collections., nemo.core.classes., nemo.core.neural_types., nemo.core.optim., megatron.core., pytorch_lightning.callbacks., pytorch_lightning.loggers., lightning.pytorch.callbacks., lightning.pytorch.loggers., timm.models., timm.layers., and, by their whole names only, NVIDIA's text normalizers nemo_text_processing.text_normalization.normalize.Normalizer and nemo_text_processing.inverse_text_normalization.inverse_normalize.InverseNormalizer (a pickle-loading or code-loading name under those prefixes is still MG810). An unknown target may be repository code or a third-party package that runs code on import; check what it names. A bare name NeMo reads as a switch of its own (AutoTokenizer in MagpieTTS configs: load a Hugging Face tokenizer by name) is low."},
		{ID: RuleLFSPointer, Severity: formats.Medium, Title: "Git LFS pointer where weights should be: the weights were NOT scanned",
			Doc: "A weight file (.safetensors, .bin, .gguf, .onnx, ...) is a Git LFS pointer of about 130 bytes (\"version https://git-lfs.github.com/spec/v1\", an oid and a size), not the weights: the repository was cloned without git lfs pull. The real file, identified by the pointer's sha256 oid and size, was never scanned, so the scan cannot vouch for it even though the pointer itself is harmless. Fetch the LFS objects (git lfs pull, or the Hub's resolve URLs) and scan again."},
		{ID: RuleIndexPath, Severity: formats.High, Title: "shard index names a file outside the model directory",
			Doc: "A shard named in a pytorch_model.bin.index.json (or another non-safetensors *.index.json) weight_map is absolute, contains '..', a backslash, a drive letter, a URL or a NUL, so a loader joining it to the model directory would open a file elsewhere. Real indexes name plain files next to them. Reject the index. (Safetensors indexes are checked by MG420-MG425.)"},
		{ID: RuleIndexMissing, Severity: formats.Medium, Title: "shard index names a shard that is not in the tree",
			Doc: "A shard named in a pytorch_model.bin.index.json (or another non-safetensors *.index.json) weight_map is not among the scanned files: the model cannot load as published, or a loader fetches a file the scan never saw. Scan the complete repository."},
		{ID: RuleMalformed, Severity: formats.Low, Title: "repository config malformed or ambiguous",
			Doc: "A repository configuration (config.json, a *_config.json, a shard index, a YAML or JSON file with instantiation keys) is not strict UTF-8 JSON or YAML as Python loads it, or has a key twice in one object. Python's json keeps the last duplicate silently while other readers keep the first, so two tools can see different auto_map, chat_template or _target_ values; a duplicate of one of those keys is high. A config that does not parse could not be checked and makes the scan inconclusive."},
	} {
		formats.RegisterRule(r)
	}
}

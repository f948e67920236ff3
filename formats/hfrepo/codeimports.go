package hfrepo

import (
	"bytes"
	"errors"
	"path"
	"regexp"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// This file reads the configuration files, other than auto_map, through
// which sentence-transformers, diffusers and PEFT import a class or module
// by name when a model loads. docs/code-importing-configs.md lists each key
// with the loader code read and how it is judged here.

// Rule IDs of code-importing configurations. They never change meaning
// once released.
const (
	RuleConfigRunsCode   = "MG830"
	RuleConfigImports    = "MG831"
	RuleCommunityPipe    = "MG832"
	RuleBaseModelPath    = "MG833"
	RuleConfigCallsNamed = "MG834"
	RuleUnsafeUnpickle   = "MG835"
	RuleComponentSource  = "MG836"
	RuleHubKernel        = "MG837"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleConfigRunsCode, Severity: formats.Critical, Title: "configuration makes the loader run code without trust_remote_code",
			Doc: "A loader imports Python code named in the repository's configuration without any opt-in: a sentence-transformers modules.json type outside sentence_transformers. of the form module.Class or owner/repo--module.Class is loaded through transformers' get_class_from_dynamic_module whenever the model is loaded from a local directory or cache path, with or without trust_remote_code (sentence-transformers 3.4 and later; from a Hub id, and in 3.1 to 3.3, only with trust_remote_code=True); a diffusers model_index.json custom pipeline (_class_name [module, Class] with module.py in the repository) or custom component ([module, Class] with <component>/<module>.py) runs with no trust_remote_code when diffusers before 0.38 loads the pipeline from a local directory (from the Hub, and from 0.38 on, it needs trust_remote_code); a _class_name naming owner/repo or a .py path makes diffusers before 0.38, loading by Hub id, fetch that repository's pipeline.py or that host file and run it with no opt-in. The code may be in the repository, in another repository at its current revision, or in a file on the host. It is critical because loading the model runs it; review the code or reject the model."},
		{ID: RuleConfigImports, Severity: formats.Medium, Title: "configuration imports an installed Python module it names",
			Doc: "A configuration names a module that the loader imports with importlib and then uses a class of: a sentence-transformers modules.json or Router/Asym types value outside sentence_transformers. with more than one dot, a WordEmbeddings tokenizer_class, a diffusers model_index.json component library that is not diffusers, transformers, onnxruntime.training or a diffusers pipeline module, a PEFT adapter_config.json auto_mapping.parent_library or megatron_core outside the packages PEFT allows. Importing runs the module's top-level code, so whatever is installed under that name runs at load; real configs name only the libraries' own packages. PEFT 0.19 and later refuse parent libraries outside diffusers, lerobot and transformers unless the caller allows them."},
		{ID: RuleCommunityPipe, Severity: formats.Medium, Title: "diffusers community pipeline downloaded and run",
			Doc: "model_index.json names a custom pipeline ([name, Class] in _class_name) that is not in the repository: DiffusionPipeline.from_pretrained, loading the pipeline by its Hub id, downloads <name>.py from the diffusers community-pipelines mirror on the Hub (for the installed diffusers version, or main) and runs it, without trust_remote_code. The code is curated by the diffusers project but is not part of the artifact and was not scanned. Pin and review it, or vendor it into the repository."},
		{ID: RuleBaseModelPath, Severity: formats.Medium, Title: "PEFT adapter loads its base model from a local path",
			Doc: "adapter_config.json base_model_name_or_path is a filesystem path (absolute, relative with .., ~, or with more than one slash) rather than a Hub repository id: AutoPeftModel loads the base model's weights and configuration from that place on the loading host, outside the artifact and the scan. Real adapters name the Hub id of their base model."},
		{ID: RuleConfigCallsNamed, Severity: formats.High, Title: "configuration names a function the loader calls",
			Doc: "A sentence-transformers Dense module's config.json activation_function is imported with import_from_string and called with no arguments on every load, whatever it names; a CrossEncoder config.json sentence_transformers.activation_fn (or sbert_ce_default_activation_function) is imported and called when the model is loaded with trust_remote_code=True (any value starting with torch. is called without it). Real models name torch.nn activation classes; anything else runs an arbitrary installed callable at load. The CrossEncoder case is medium because it needs trust_remote_code."},
		{ID: RuleUnsafeUnpickle, Severity: formats.High, Title: "configuration turns off safe unpickling of the weights",
			Doc: "A sentence-transformers sentence_bert_config.json sets model_args.weights_only to false. sentence-transformers passes model_args to transformers' from_pretrained (the caller's own arguments win, but a default left unset is taken from the file), which then reads pytorch_model.bin with torch.load(weights_only=False): the full pickle machine, so any callable in the weights runs at load. Real models never set it; the weights themselves are scanned as pickles, but the switch is there to make a payload run."},
		{ID: RuleComponentSource, Severity: formats.Low, Title: "diffusers modular pipeline loads a component from outside the artifact",
			Doc: "A modular_model_index.json component's loading spec names pretrained_model_name_or_path: ModularPipeline loads that component's weights and configuration from another Hub repository (low: scan that repository too, and pin its revision), or from a path on the loading host or a URL (medium: outside the artifact and the scan). Its type_hint library is judged like a model_index.json library (MG831)."},
		{ID: RuleHubKernel, Severity: formats.Medium, Title: "config.json selects attention kernels from a Hub repository",
			Doc: "config.json sets attn_implementation (or _attn_implementation) to a Hub repository reference (owner/repo[@revision][:function]). PretrainedConfig takes the value from the file, and transformers with the kernels package installed may download that repository's compiled kernels, native code, and run them in every attention call (integrations/hub_kernels.load_and_register_attn_kernel); recent versions refuse repositories outside kernels-community unless the caller passes allow_all_kernels=True. kernels-community references are low: curated, but unpinned and outside the artifact. Real configs name sdpa, eager or flash_attention_2, or nothing."},
	} {
		formats.RegisterRule(r)
	}
}

// codeImports dispatches the code-importing configuration checks by file
// name.
func (a *analysis) codeImports(name string) {
	switch path.Base(name) {
	case "modules.json":
		a.stModules(name)
	case "model_index.json":
		a.diffusersIndex(name)
	case "modular_model_index.json":
		a.modularIndex(name)
	case "adapter_config.json":
		a.peftAdapter(name)
	case "config.json":
		a.crossEncoder(name)
		a.hubKernel(name)
	case "sentence_bert_config.json":
		a.stModelArgs(name)
	}
}

// codeImportingConfig reports whether codeImports parses name: such a file
// is checked, never inert.
func codeImportingConfig(name string) bool {
	switch path.Base(name) {
	case "modules.json", "model_index.json", "modular_model_index.json", "adapter_config.json",
		"config.json", "sentence_bert_config.json":
		return true
	}
	return false
}

// listing parses a small JSON file read whole by its loader, reporting it
// when it is malformed.
func (a *analysis) listing(name string) *jvalue {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		a.fail(name, err)
		return nil
	}
	root, doc, err := parseJSONTree(data)
	if err != nil {
		var le *formats.LimitError
		if !errors.As(err, &le) {
			a.report(name, formats.NewFinding(RuleMalformed, formats.NoOffset, "%s does not parse as JSON (%v); it could not be checked", path.Base(name), err))
		}
		a.fail(name, err)
		return nil
	}
	for _, d := range doc.dups {
		a.report(name, formats.NewFinding(RuleMalformed, d.off, "key %q appears twice in one object; Python keeps the last, other readers the first", truncate(d.key, 100)).
			With("key", truncate(d.key, 100)).At(formats.High))
	}
	return root
}

// topKeys reads the named top-level members of a config that config()
// also reads; config() reports its errors, so they are not repeated here.
func (a *analysis) topKeys(name string, keys ...string) map[string]*jvalue {
	if !a.names[name] {
		return nil
	}
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		return nil
	}
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	doc, err := parseJSON(data, want, nil)
	if err != nil {
		return nil
	}
	return doc.top
}

func str(v *jvalue) (string, bool) {
	if v == nil || v.kind != jString {
		return "", false
	}
	return v.str, true
}

// stModules checks a sentence-transformers modules.json: a list of
// {"idx", "name", "path", "type"} records, each loaded by
// SentenceTransformer._load_module_class_from_ref.
func (a *analysis) stModules(name string) {
	root := a.listing(name)
	if root == nil || root.kind != jArray {
		return
	}
	base := dir(name)
	for _, e := range root.arr {
		typ := e.get("type")
		if _, ok := str(typ); !ok {
			continue
		}
		sub, _ := str(e.get("path"))
		a.stModule(name, base, typ, path.Join(base, sub), false, 0)
	}
}

// maxRouterDepth bounds Router modules nested in Router modules.
const maxRouterDepth = 4

// stModule judges one module type. from is the file naming it; viaRouter
// marks types read by Router/Asym, which use import_from_string only.
func (a *analysis) stModule(from, base string, typ *jvalue, moddir string, viaRouter bool, depth int) {
	ref := typ.str
	if rest, ok := strings.CutPrefix(ref, "sentence_transformers."); ok {
		switch rest[strings.LastIndexByte(rest, '.')+1:] {
		case "Dense":
			a.stDense(path.Join(moddir, "config.json"))
		case "Router", "Asym":
			if depth < maxRouterDepth {
				a.stRouter(base, moddir, depth+1)
			}
		case "WordEmbeddings":
			a.stWordEmbeddings(path.Join(moddir, "wordembedding_config.json"))
		}
		return
	}
	// transformers' get_class_from_dynamic_module splits the reference
	// once at "--" and once at "."; any other shape raises ValueError and
	// sentence-transformers falls back to import_from_string.
	repo, local, cross := "", ref, false
	if parts := strings.Split(ref, "--"); len(parts) == 2 {
		repo, local, cross = parts[0], parts[1], true
	}
	module, class, dotted := strings.Cut(local, ".")
	dynamic := dotted && !strings.Contains(class, ".") && strings.Count(ref, "--") <= 1
	if !viaRouter && dynamic {
		var f formats.Finding
		if cross {
			f = formats.NewFinding(RuleConfigRunsCode, typ.off,
				"modules.json type %q: SentenceTransformer loads %s.py from another repository, %s, at its current revision and runs it, with no trust_remote_code when the model is loaded from a local path: code outside this artifact, unpinned and unscanned",
				truncate(ref, 200), truncate(module, 100), truncate(repo, 100)).With("repository", truncate(repo, 200))
		} else {
			file := path.Join(base, module+".py")
			msg := "modules.json type %q: SentenceTransformer imports %s.py from the repository and runs it whenever the model is loaded from a local path, with no trust_remote_code"
			if !a.names[file] {
				msg += " (the file is not in the scanned tree: loaded from the Hub with trust_remote_code=True, or an installed module of that name)"
			}
			f = formats.NewFinding(RuleConfigRunsCode, typ.off, msg, truncate(ref, 200), truncate(module, 100)).With("module", truncate(module, 200))
		}
		a.report(from, f.With("type", truncate(ref, 300)))
		return
	}
	i := strings.LastIndexByte(ref, '.')
	if i < 0 || strings.ContainsAny(ref, "/-") {
		// import_from_string refuses a name without a dot, and no module
		// name holds a slash or a dash: nothing is imported.
		return
	}
	mod := ref[:i]
	a.report(from, formats.NewFinding(RuleConfigImports, typ.off,
		"module type %q: sentence-transformers imports the installed module %q (import_from_string) and calls its class's load(); real models use sentence_transformers. classes",
		truncate(ref, 200), truncate(mod, 100)).With("type", truncate(ref, 300)))
}

// stDense checks a Dense module's activation_function, which Dense.load
// imports and calls with no arguments.
func (a *analysis) stDense(cfg string) {
	v := a.topKeys(cfg, "activation_function")["activation_function"]
	fn, ok := str(v)
	if !ok || strings.HasPrefix(fn, "torch.") {
		return
	}
	a.report(cfg, formats.NewFinding(RuleConfigCallsNamed, v.off,
		"Dense activation_function %q: sentence-transformers imports it and calls it with no arguments on every load", truncate(fn, 200)).
		With("callable", truncate(fn, 300)))
}

// stRouter checks a Router (or legacy Asym) module's types, each imported
// with import_from_string and loaded from <module>/<key>.
func (a *analysis) stRouter(base, moddir string, depth int) {
	cfg := path.Join(moddir, "router_config.json")
	if !a.names[cfg] {
		cfg = path.Join(moddir, "config.json")
	}
	types := a.topKeys(cfg, "types")["types"]
	if types == nil || types.kind != jObject {
		return
	}
	for _, m := range types.obj {
		if _, ok := str(m.val); ok {
			a.stModule(cfg, base, m.val, path.Join(moddir, m.key), true, depth)
		}
	}
}

// stWordEmbeddings checks the tokenizer class WordEmbeddings.load imports.
func (a *analysis) stWordEmbeddings(cfg string) {
	v := a.topKeys(cfg, "tokenizer_class")["tokenizer_class"]
	cls, ok := str(v)
	if !ok || strings.HasPrefix(cls, "sentence_transformers.") || !strings.Contains(cls, ".") {
		return
	}
	a.report(cfg, formats.NewFinding(RuleConfigImports, v.off,
		"WordEmbeddings tokenizer_class %q: sentence-transformers imports the installed module %q and calls its load()",
		truncate(cls, 200), truncate(cls[:strings.LastIndexByte(cls, '.')], 100)).With("type", truncate(cls, 300)))
}

// crossEncoder checks the activation function a CrossEncoder config.json
// names. Most config.json files are transformers configs without it, so
// the bytes are searched first (escaped keys are parsed anyway).
func (a *analysis) crossEncoder(name string) {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil || !bytes.Contains(data, []byte("activation_f")) && !bytes.Contains(data, []byte(`\u`)) {
		return
	}
	top := a.topKeys(name, "sentence_transformers", "sbert_ce_default_activation_function")
	v := top["sbert_ce_default_activation_function"]
	if st := top["sentence_transformers"]; st.get("activation_fn") != nil {
		v = st.get("activation_fn")
	}
	fn, ok := str(v)
	if !ok || strings.HasPrefix(fn, "torch.") {
		return
	}
	a.report(name, formats.NewFinding(RuleConfigCallsNamed, v.off,
		"CrossEncoder activation_fn %q: loaded with trust_remote_code=True, sentence-transformers imports it and calls it with no arguments", truncate(fn, 200)).
		With("callable", truncate(fn, 300)).At(formats.Medium))
}

// stModelArgs checks the model_args a Transformer module's config hands
// to transformers' from_pretrained (Transformer._load_init_kwargs: the
// file's values are overridden by the caller's, and trust_remote_code and
// revision always by the caller's).
func (a *analysis) stModelArgs(name string) {
	args := a.topKeys(name, "model_args")["model_args"]
	if v := args.get("weights_only"); v != nil && v.kind == jBool && v.str == "false" {
		a.report(name, formats.NewFinding(RuleUnsafeUnpickle, v.off,
			"model_args.weights_only is false: transformers' from_pretrained then reads pytorch_model.bin with torch.load(weights_only=False), running any callable its pickle names"))
	}
}

// hubKernelRef is transformers' is_kernel pattern for an attention
// implementation loaded from the Hub.
var hubKernelRef = regexp.MustCompile(`^[^/:]+/[^/:]+(?:@[^/:]+)?(?::[^/:]+)?$`)

// hubKernel checks a transformers config.json's attention implementation.
func (a *analysis) hubKernel(name string) {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil || !bytes.Contains(data, []byte("attn_implementation")) && !bytes.Contains(data, []byte(`\u`)) {
		return
	}
	top := a.topKeys(name, "attn_implementation", "_attn_implementation")
	for _, key := range []string{"attn_implementation", "_attn_implementation"} {
		v := top[key]
		ref, ok := str(v)
		ref = strings.TrimPrefix(ref, "paged|")
		if !ok || !hubKernelRef.MatchString(ref) {
			continue
		}
		f := formats.NewFinding(RuleHubKernel, v.off,
			"%s %q: transformers with the kernels package may download that repository's compiled attention kernels and run them", key, truncate(ref, 200)).
			With("kernel", truncate(ref, 300))
		if strings.HasPrefix(ref, "kernels-community/") {
			f = f.At(formats.Low)
		}
		a.report(name, f)
	}
}

// diffusersLibraries are the libraries diffusers' LOADABLE_CLASSES names.
var diffusersLibraries = map[string]bool{"diffusers": true, "transformers": true, "onnxruntime.training": true}

// diffusersIndex checks a diffusers model_index.json: _class_name, and
// each component's [library, class] pair, which load_sub_model resolves
// through get_class_obj_and_candidates.
func (a *analysis) diffusersIndex(name string) {
	root := a.listing(name)
	if root == nil || root.kind != jObject {
		return
	}
	base := dir(name)
	for _, m := range root.obj {
		v := m.val
		if v.kind != jArray || len(v.arr) < 2 {
			continue
		}
		lib, ok := str(v.arr[0])
		if !ok {
			continue
		}
		class, _ := str(v.arr[1])
		if m.key == "_class_name" {
			a.customPipeline(name, base, lib, class, v)
			continue
		}
		if strings.HasPrefix(m.key, "_") {
			continue
		}
		file := path.Join(base, m.key, lib+".py")
		switch {
		case a.names[file]:
			a.report(name, formats.NewFinding(RuleConfigRunsCode, v.off,
				"component %q is custom code %s (class %s): DiffusionPipeline.from_pretrained runs it, without trust_remote_code when diffusers before 0.38 loads a local directory",
				truncate(m.key, 100), file, truncate(class, 100)).With("module", file))
		default:
			a.foreignLibrary(name, m.key, lib, class, v)
		}
	}
}

// foreignLibrary reports a component library diffusers would import from
// the installed packages.
func (a *analysis) foreignLibrary(name, component, lib, class string, v *jvalue) {
	if diffusersLibraries[lib] || diffusersPipelineModules[lib] {
		return
	}
	a.report(name, formats.NewFinding(RuleConfigImports, v.off,
		"component %q names library %q: diffusers imports that installed module (importlib.import_module) and loads class %s from it; real pipelines use diffusers, transformers or a diffusers pipeline module",
		truncate(component, 100), truncate(lib, 100), truncate(class, 100)).With("library", truncate(lib, 200)))
}

// modularIndex checks a diffusers modular_model_index.json: components
// are [library, Class, spec]; ModularPipeline resolves the spec's
// type_hint with simple_get_class_obj (an import, no repository code) and
// loads the component from the spec's pretrained_model_name_or_path.
func (a *analysis) modularIndex(name string) {
	root := a.listing(name)
	if root == nil || root.kind != jObject {
		return
	}
	for _, m := range root.obj {
		v := m.val
		if strings.HasPrefix(m.key, "_") || v.kind != jArray || len(v.arr) != 3 {
			continue
		}
		if lib, ok := str(v.arr[0]); ok {
			class, _ := str(v.arr[1])
			a.foreignLibrary(name, m.key, lib, class, v)
		}
		spec := v.arr[2]
		if th := spec.get("type_hint"); th != nil && th.kind == jArray && len(th.arr) == 2 {
			if lib, ok := str(th.arr[0]); ok {
				class, _ := str(th.arr[1])
				a.foreignLibrary(name, m.key, lib, class, th)
			}
		}
		src := spec.get("pretrained_model_name_or_path")
		from, ok := str(src)
		if !ok || from == "" {
			continue
		}
		f := formats.NewFinding(RuleComponentSource, src.off,
			"component %q is loaded from another repository, %s: its weights and configuration are not part of this artifact and were not scanned", truncate(m.key, 100), truncate(from, 200))
		if localPath(from) || strings.Contains(from, "://") {
			f = formats.NewFinding(RuleComponentSource, src.off,
				"component %q is loaded from %q, a path on the loading host or a URL: outside the artifact and the scan", truncate(m.key, 100), truncate(from, 200)).At(formats.Medium)
		}
		a.report(name, f.With("source", truncate(from, 300)))
	}
}

// customPipeline judges _class_name [module, Class], which
// DiffusionPipeline.from_pretrained treats as a custom pipeline.
func (a *analysis) customPipeline(name, base, module, class string, v *jvalue) {
	file := path.Join(base, module+".py")
	var f formats.Finding
	switch {
	case strings.HasSuffix(module, ".py") || strings.Contains(module, "\\") || strings.HasPrefix(module, "."):
		f = formats.NewFinding(RuleConfigRunsCode, v.off,
			"_class_name names the pipeline file %q: loading by Hub id, diffusers runs that file from the loading host, outside the artifact (without trust_remote_code before 0.38)", truncate(module, 200))
	case a.names[file]:
		f = formats.NewFinding(RuleConfigRunsCode, v.off,
			"_class_name makes %s (class %s) the pipeline: DiffusionPipeline.from_pretrained runs it, without trust_remote_code when diffusers before 0.38 loads a local directory",
			file, truncate(class, 100))
	case strings.Contains(module, "/"):
		f = formats.NewFinding(RuleConfigRunsCode, v.off,
			"_class_name makes %s/pipeline.py, from another repository at its current revision, the pipeline when loaded by Hub id (without trust_remote_code before diffusers 0.38): code outside this artifact, unpinned and unscanned",
			truncate(module, 200))
	default:
		f = formats.NewFinding(RuleCommunityPipe, v.off,
			"_class_name makes community pipeline %q (class %s) the pipeline: loading by Hub id, diffusers downloads it from the community-pipelines mirror and runs it, without trust_remote_code",
			truncate(module, 100), truncate(class, 100))
	}
	a.report(name, f.With("pipeline", truncate(module, 200)))
}

// peftImportAllowlist is PEFT's get_default_import_allowlist (0.19).
var peftImportAllowlist = []string{"diffusers", "lerobot", "megatron-core", "transformers"}

// peftAdapter checks the adapter_config.json keys PEFT imports or loads
// from.
func (a *analysis) peftAdapter(name string) {
	top := a.topKeys(name, "auto_mapping", "megatron_core", "megatron_config", "base_model_name_or_path")
	if am := top["auto_mapping"]; am != nil {
		if lib, ok := str(am.get("parent_library")); ok && !allowed(lib, peftImportAllowlist) {
			a.report(name, formats.NewFinding(RuleConfigImports, am.get("parent_library").off,
				"auto_mapping.parent_library %q: AutoPeftModel imports that module to find the base model class (PEFT before 0.19 imports any module; later versions refuse it unless the caller allows it)",
				truncate(lib, 200)).With("library", truncate(lib, 200)))
		}
	}
	if mc, ok := str(top["megatron_core"]); ok && top["megatron_config"] != nil && top["megatron_config"].kind != jNull && !allowed(mc, []string{"megatron"}) {
		a.report(name, formats.NewFinding(RuleConfigImports, top["megatron_core"].off,
			"megatron_core %q: PEFT's LoRA imports that module for tensor-parallel layers (later versions refuse names outside megatron)", truncate(mc, 200)).
			With("library", truncate(mc, 200)))
	}
	if bm, ok := str(top["base_model_name_or_path"]); ok && localPath(bm) {
		a.report(name, formats.NewFinding(RuleBaseModelPath, top["base_model_name_or_path"].off,
			"base_model_name_or_path %q is a path on the loading host: AutoPeftModel loads the base model from there, outside the artifact", truncate(bm, 200)).
			With("path", truncate(bm, 300)))
	}
}

// allowed reports whether module is one of the packages or inside one.
func allowed(module string, packages []string) bool {
	for _, p := range packages {
		if module == p || strings.HasPrefix(module, p+".") {
			return true
		}
	}
	return false
}

// localPath reports whether a model reference is a filesystem path rather
// than a Hub repository id (owner/name or name).
func localPath(ref string) bool {
	return strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "~") || strings.HasPrefix(ref, ".") ||
		strings.Contains(ref, "..") || strings.ContainsAny(ref, "\\:") || strings.Count(ref, "/") > 1
}

// diffusersPipelineModules are the modules of diffusers.pipelines (and
// its deprecated pipelines) as of diffusers 0.40.0.dev0: a component
// library that is one of them is taken from diffusers itself.
var diffusersPipelineModules = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`
		ace_step allegro animatediff anyflow audioldm2 aura_flow bria bria_fibo chroma chronoedit cogvideo
		cogview3 cogview4 consisid consistency_models controlnet controlnet_hunyuandit controlnet_sd3 cosmos ddim
		ddpm deepfloyd_if deprecated diffusion_gemma dit dreamlite easyanimate ernie_image flux flux2 glm_image
		helios hidream_image hunyuan_image hunyuan_video hunyuan_video1_5 hunyuandit ideogram4 joyimage kandinsky
		kandinsky2_2 kandinsky3 kandinsky5 kolors krea2 latent_consistency_models latent_diffusion latte ledits_pp
		llada2 longcat_audio_dit longcat_image ltx ltx2 lucy lumina lumina2 marigold mochi motif_video
		nucleusmoe_image omnigen ovis_image pag pixart_alpha prx qwenimage sana sana_video shap_e skyreels_v2
		stable_audio stable_audio_3 stable_cascade stable_diffusion stable_diffusion_3 stable_diffusion_xl
		stable_video_diffusion t2i_adapter visualcloze wan z_image
		alt_diffusion amused audio_diffusion audioldm blip_diffusion controlnet_xs dance_diffusion i2vgen_xl
		latent_diffusion_uncond musicldm paint_by_example pia pndm repaint score_sde_ve semantic_stable_diffusion
		spectrogram_diffusion stable_diffusion_attend_and_excite stable_diffusion_diffedit stable_diffusion_gligen
		stable_diffusion_ldm3d stable_diffusion_panorama stable_diffusion_safe stable_diffusion_sag
		stable_diffusion_variants stochastic_karras_ve text_to_video_synthesis unclip unidiffuser
		versatile_diffusion vq_diffusion wuerstchen`) {
		m[n] = true
	}
	return m
}()

package llamafile

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleLlamafile = "MG970"
	RuleArgsPath  = "MG971"
	RuleArgsLocal = "MG972"
	RuleArgsHost  = "MG973"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleLlamafile, Severity: formats.Info, Title: "llamafile: an executable carrying its model",
			Doc: "The file is a native executable (an Actually Portable Executable, ELF or PE) with a zip appended that holds GGUF weights: a llamafile. Running it runs the executable's native code, which modelgate does not analyze (MG004 reports the executable); the GGUF weights and the .args file inside are analyzed as members of its zip."},
		{ID: RuleArgsPath, Severity: formats.High, Title: "llamafile .args loads a file or URL from outside the llamafile",
			Doc: "The default arguments a llamafile runs with (.args) make it open a file by an absolute path, a path with \"..\" or a home-relative path, or download a model from a URL or Hugging Face repository (--model-url, --hf-repo). The llamafile then loads weights, adapters, projectors, grammars or prompt caches that are not part of it and that this scan never saw, or writes logs and caches where its arguments say."},
		{ID: RuleArgsLocal, Severity: formats.Medium, Title: "llamafile .args names a file the llamafile does not carry",
			Doc: "The default arguments (.args) name a file, by a relative path, that is not a member of the llamafile's zip. llamafile looks for it in the working directory, so what it loads depends on where it is run and was not scanned."},
		{ID: RuleArgsHost, Severity: formats.Low, Title: "llamafile .args serves on every network interface",
			Doc: "The default arguments (.args) bind the llamafile's server to every interface (--host 0.0.0.0 or ::), so running it exposes the model and its API to the network without the user asking."},
	} {
		formats.RegisterRule(r)
	}
}

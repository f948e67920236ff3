package mlflow

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleLoaderModule = "MG860"
	RuleCode         = "MG861"
	RuleShadow       = "MG862"
	RuleModelCode    = "MG863"
	RulePickleModule = "MG864"
	RuleMissing      = "MG865"
	RuleMalformed    = "MG866"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleLoaderModule, Severity: formats.High, Title: "MLflow model loads through a custom loader_module",
			Doc: "The python_function flavor of MLmodel names a loader_module that is not one of MLflow's own flavor modules (mlflow.sklearn, mlflow.pytorch, mlflow.pyfunc.model, ...). mlflow.pyfunc.load_model and mlflow models serve import that module, from the model's code/ directory or from an installed package, and call its _load_pyfunc: the model is code that runs on load. The finding says whether the module is shipped with the model (its Python is summarized by MG803/MG804). Review the code before promoting the model."},
		{ID: RuleCode, Severity: formats.Medium, Title: "MLflow model ships code that is imported at load",
			Doc: "A flavor of MLmodel has a code directory (code_paths at save time). MLflow puts it on sys.path before loading the model, and the model's pickles, loader module or flavor import its modules: that Python runs with the loader's privileges. The finding lists the top-level modules; each .py file is summarized by MG803/MG804. Review them."},
		{ID: RuleShadow, Severity: formats.High, Title: "MLflow model code shadows a package the loader imports",
			Doc: "A flavor's code directory defines a top-level module or package with the name of one MLflow, its flavors or the standard library import while loading (mlflow, sklearn, numpy, torch, cloudpickle, pickle, os, json, ...). MLflow puts the directory first on sys.path, so that file runs instead of the real package the first time anything imports it: code execution that no loader_module or pickle reveals. Reject the model."},
		{ID: RuleModelCode, Severity: formats.High, Title: "MLflow model from code executes a Python file at load",
			Doc: "The python_function flavor has a model_code_path (MLflow 'models from code'): loading the model executes that Python file to build it. The file is summarized by MG803/MG804; the model is code and must be reviewed like any code before it is promoted."},
		{ID: RulePickleModule, Severity: formats.High, Title: "MLflow pytorch model names its own pickle module",
			Doc: "pickle_module_info.txt in the pytorch flavor's model_data names the module mlflow.pytorch.load_model imports and passes to torch.load as pickle_module; it is not MLflow's default (mlflow.pytorch.pickle_module) or a standard pickle module. Importing it runs its code, and its Unpickler decides what the model file may import. Reject the model unless you know the module."},
		{ID: RuleMissing, Severity: formats.Medium, Title: "MLmodel names a file that is not in the package",
			Doc: "MLmodel's python_model or model_code_path names a file the scanned tree does not contain. The loader would read whatever is at that path when the model loads (a file added later, or one outside the model directory), which the scan never saw. Scan the complete model directory."},
		{ID: RuleMalformed, Severity: formats.Low, Title: "MLmodel malformed",
			Doc: "A file named MLmodel mentions flavors but is not YAML that MLflow can read, or its python_function flavor has no loader_module. MLflow fails to load it; other tools may read it differently. Re-save the model with MLflow."},
	} {
		formats.RegisterRule(r)
	}
}

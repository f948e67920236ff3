// Package mlflow checks MLflow model directories: an MLmodel file (YAML
// whose flavors mapping says how each library loads the model) and the
// files it names. mlflow.pyfunc.load_model puts the model's code/
// directory first on sys.path, imports the python_function flavor's
// loader_module and calls its _load_pyfunc; the pytorch flavor imports the
// module named in pickle_module_info.txt and hands it to torch.load;
// models from code execute model_code_path; and the environment managers
// install conda.yaml, python_env.yaml and requirements.txt.
//
// It is a formats.Layout: MLmodel is identified by its bytes (a YAML
// mapping with a flavors mapping), wherever it sits in the tree. It
// reports a loader_module outside MLflow's own flavors, code that shadows
// the packages the loaders import, models from code, a custom torch
// pickle module, files MLmodel names that the package lacks, and what the
// dependency lists would install (package pyreq). Pickles, Python files
// and weights are analyzed on their own by the registry and the hfrepo
// layout. Nothing is imported, executed or installed.
package mlflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/internal/pyyaml"
	"github.com/modelgate/modelgate/formats/pyreq"
)

// Name is the layout's name in the formats registry.
const Name = "mlflow"

// Bounds: an MLmodel is a few kilobytes, dependency lists too.
const (
	maxMLmodelBytes = 1 << 20
	maxModels       = 1024
)

func init() {
	formats.RegisterLayout(Name, Layout{})
}

// Layout is the MLflow model directory layout.
type Layout struct{}

// Match reports whether the tree has a file named MLmodel; whether it is
// one is decided by its bytes.
func (Layout) Match(names []string) bool {
	return slices.ContainsFunc(names, isMLmodel)
}

func isMLmodel(name string) bool { return path.Base(name) == "MLmodel" }

// AnalyzeTree checks every MLflow model of the tree.
func (Layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	var errs []error
	models := 0
	for _, n := range names {
		if !isMLmodel(n) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		models++
		if models > maxModels {
			errs = append(errs, &formats.LimitError{Limit: "mlflow-models", Max: maxModels})
			break
		}
		m := &model{tree: t, scope: s, names: names, set: set, mlmodel: n, dir: dir(n)}
		if err := m.check(); err != nil {
			errs = append(errs, fmt.Errorf("mlflow: %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// model is one MLflow model directory.
type model struct {
	tree    formats.Tree
	scope   formats.Scope
	names   []string
	set     map[string]bool
	mlmodel string
	dir     string
	errs    []error
	code    map[string]bool   // code directories already reported
	env     map[string]string // environment files MLmodel names, by kind
}

func (m *model) check() error {
	data, err := read(m.tree, m.mlmodel, maxMLmodelBytes)
	if err != nil {
		return err
	}
	root, err := pyyaml.Parse(data)
	if err != nil {
		// Not YAML, or not an MLmodel: MLflow cannot load it either.
		if bytes.Contains(data, []byte("flavors")) {
			m.report(m.mlmodel, formats.NewFinding(RuleMalformed, formats.NoOffset, "MLmodel does not parse as YAML (%v); MLflow cannot load it, other readers may", err))
			return fmt.Errorf("parse: %w", err)
		}
		return nil
	}
	flavors := pyyaml.Get(root, "flavors")
	if flavors == nil || flavors.Kind != yaml.MappingNode {
		return nil
	}
	// MLflow 2 logs copies of MLmodel and the environment files under
	// metadata/ next to the model (for get_model_dependencies): the copy
	// loads nothing itself, so only its dependency lists are judged.
	if !m.metadataCopy() {
		for _, e := range pyyaml.Entries(flavors) {
			name, conf := e.Key, e.Value
			switch name {
			case "python_function":
				m.pyfunc(conf)
			case "pytorch":
				m.pytorch(conf)
			}
			m.codePaths(name, conf)
		}
	}
	m.environment()
	if meta := join(m.dir, "registered_model_meta"); m.set[meta] {
		m.registeredMeta(meta)
	}
	if len(m.errs) == 0 {
		formats.MarkChecked(m.scope, m.mlmodel)
	}
	return errors.Join(m.errs...)
}

// metadataCopy reports an MLmodel in a metadata/ directory whose parent
// holds the model's own MLmodel.
func (m *model) metadataCopy() bool {
	return path.Base(m.dir) == "metadata" && m.set[join(path.Dir(m.dir), "MLmodel")]
}

// registeredMeta checks registered_model_meta, the YAML MLflow writes
// with a registered model's name and version: data no loader runs.
func (m *model) registeredMeta(name string) {
	b, err := read(m.tree, name, maxMLmodelBytes)
	if err != nil {
		m.errs = append(m.errs, fmt.Errorf("%s: %w", name, err))
		return
	}
	if _, err := pyyaml.Parse(b); err != nil {
		m.report(name, formats.NewFinding(RuleMalformed, formats.NoOffset, "registered_model_meta does not parse as YAML (%v)", err))
		return
	}
	formats.MarkChecked(m.scope, name)
}

// pyfunc checks the python_function flavor: the module imported to load
// the model, models from code, and the pickled PythonModel.
func (m *model) pyfunc(conf *yaml.Node) {
	loader := pyyaml.Scalar(pyyaml.Get(conf, "loader_module"))
	switch {
	case loader == "":
		m.report(m.mlmodel, formats.NewFinding(RuleMalformed, formats.NoOffset, "python_function flavor has no loader_module; mlflow.pyfunc.load_model fails"))
	case !knownLoader(loader):
		where := "an installed package"
		if f := m.moduleFile(conf, loader); f != "" {
			where = f + " (shipped with the model, scanned)"
		}
		m.report(m.mlmodel, formats.NewFinding(RuleLoaderModule, formats.NoOffset,
			"python_function loader_module %q is not an MLflow flavor: mlflow.pyfunc.load_model imports it from %s and calls its _load_pyfunc", loader, where).
			With("loader_module", loader))
	}
	if p := pyyaml.Scalar(pyyaml.Get(conf, "model_code_path")); p != "" {
		// MLflow records the path the code had when it was logged (an
		// absolute path on that machine) and loads the file of that base
		// name from the model directory (os.path.basename, which on the
		// POSIX hosts that serve models splits at "/" only).
		base := p[strings.LastIndexByte(p, '/')+1:]
		m.report(m.mlmodel, formats.NewFinding(RuleModelCode, formats.NoOffset,
			"model from code: loading executes the model's Python file %s (model_code_path %s)", base, p).
			With("model_code_path", p).With("file", base))
		m.needFile("model_code_path", base)
	}
	if p := pyyaml.Scalar(pyyaml.Get(conf, "python_model")); p != "" {
		m.needFile("python_model", p)
	}
	// env is a conda file name (MLflow 1.x) or {conda, virtualenv}: the
	// environment managers build from those files.
	env := pyyaml.Get(conf, "env")
	if p := pyyaml.Scalar(env); p != "" {
		m.envFile("env", p, "conda")
	}
	for _, k := range []string{"conda", "virtualenv"} {
		if p := pyyaml.Scalar(pyyaml.Get(env, k)); p != "" {
			m.envFile("env."+k, p, k)
		}
	}
}

// envFile records an environment file MLmodel names, to be judged with
// the checker of its kind; one the package lacks is reported.
func (m *model) envFile(key, rel, kind string) {
	n := join(m.dir, rel)
	if !m.set[n] {
		m.needFile(key, rel)
		return
	}
	if m.env == nil {
		m.env = map[string]string{}
	}
	m.env[n] = kind
}

// knownLoader reports MLflow's own flavor modules, which load their
// flavor's files with the library's loader.
func knownLoader(mod string) bool {
	if strings.HasPrefix(mod, "mlflow.pyfunc.loaders.") && !strings.Contains(mod[len("mlflow.pyfunc.loaders."):], ".") {
		return true
	}
	return slices.Contains(mlflowFlavors, mod)
}

// mlflowFlavors are the modules MLflow writes as loader_module (mlflow
// 1.x-2.x: each flavor's save_model calls pyfunc.add_to_model with
// loader_module=its own module).
var mlflowFlavors = []string{
	"mlflow.catboost", "mlflow.diviner", "mlflow.dspy", "mlflow.fastai", "mlflow.gluon", "mlflow.h2o",
	"mlflow.johnsnowlabs", "mlflow.keras", "mlflow.langchain", "mlflow.lightgbm", "mlflow.llama_index",
	"mlflow.mleap", "mlflow.onnx", "mlflow.openai", "mlflow.paddle", "mlflow.pmdarima", "mlflow.promptflow",
	"mlflow.prophet", "mlflow.pyfunc.model", "mlflow.pytorch", "mlflow.sentence_transformers", "mlflow.shap",
	"mlflow.sklearn", "mlflow.spacy", "mlflow.spark", "mlflow.statsmodels", "mlflow.tensorflow",
	"mlflow.transformers", "mlflow.xgboost", "mlflow.keras.load", "mlflow.tensorflow.keras",
}

// moduleFile returns the shipped file a module name resolves to in the
// flavor's code directory, "" when there is none.
func (m *model) moduleFile(conf *yaml.Node, mod string) string {
	rel := strings.ReplaceAll(mod, ".", "/")
	for _, c := range m.codeDirs(conf) {
		for _, f := range []string{rel + ".py", rel + "/__init__.py"} {
			if n := join(m.dir, c, f); m.set[n] {
				return n
			}
		}
	}
	return ""
}

// codeDirs are the flavor's code directories, as MLflow adds them to
// sys.path: <model>/<code> (and each entry of it, for old models).
func (m *model) codeDirs(conf *yaml.Node) []string {
	c := pyyaml.Scalar(pyyaml.Get(conf, "code"))
	if c == "" {
		return nil
	}
	return []string{c}
}

// codePaths checks a flavor's code directory: MLflow prepends it to
// sys.path before the flavor's library is imported, so a module there
// replaces an installed package of the same name.
func (m *model) codePaths(flavor string, conf *yaml.Node) {
	for _, c := range m.codeDirs(conf) {
		if m.code[c] {
			continue
		}
		if m.code == nil {
			m.code = map[string]bool{}
		}
		m.code[c] = true
		prefix := join(m.dir, c) + "/"
		mods := map[string]bool{}
		for _, n := range m.names {
			rest, ok := strings.CutPrefix(n, prefix)
			if !ok || !strings.HasSuffix(rest, ".py") {
				continue
			}
			// code/mod.py is module mod, code/pkg/x.py is package pkg.
			if top, _, _ := strings.Cut(strings.TrimSuffix(rest, ".py"), "/"); top != "" {
				mods[top] = true
			}
		}
		if len(mods) == 0 {
			continue
		}
		list := sortedKeys(mods)
		var shadow []string
		for _, mod := range list {
			if shadowed[mod] {
				shadow = append(shadow, mod)
			}
		}
		if len(shadow) > 0 {
			m.report(m.mlmodel, formats.NewFinding(RuleShadow, formats.NoOffset,
				"%s flavor's code directory %s is put first on sys.path at load and holds %s, which replaces the installed package of that name when MLflow or the model imports it",
				flavor, c, strings.Join(shadow, ", ")).With("modules", strings.Join(shadow, ",")).With("code", c))
			continue
		}
		m.report(m.mlmodel, formats.NewFinding(RuleCode, formats.NoOffset,
			"%s flavor's code directory %s is put on sys.path at load: the model imports its modules (%s)", flavor, c, strings.Join(list, ", ")).
			With("modules", strings.Join(list, ",")).With("code", c))
	}
}

// shadowed are top-level module names a code directory must not define:
// what MLflow and its flavors import while loading, and the standard
// library modules they use. A file of that name runs instead.
var shadowed = map[string]bool{
	"mlflow": true, "sklearn": true, "numpy": true, "pandas": true, "scipy": true, "torch": true,
	"tensorflow": true, "keras": true, "xgboost": true, "lightgbm": true, "catboost": true,
	"transformers": true, "cloudpickle": true, "dill": true, "joblib": true, "yaml": true,
	"pickle": true, "os": true, "sys": true, "json": true, "importlib": true, "typing": true,
	"logging": true, "pathlib": true, "shutil": true, "tempfile": true, "copyreg": true,
	"functools": true, "collections": true, "re": true, "io": true, "abc": true, "packaging": true,
	"pydantic": true, "requests": true, "urllib3": true, "google": true, "onnx": true, "onnxruntime": true,
}

// pytorch checks the pytorch flavor's pickle module: _load_model reads
// <model_data>/pickle_module_info.txt and imports the module it names as
// torch.load's pickle_module.
func (m *model) pytorch(conf *yaml.Node) {
	data := pyyaml.Scalar(pyyaml.Get(conf, "model_data"))
	if data == "" {
		return
	}
	info := join(m.dir, data, "pickle_module_info.txt")
	if !m.set[info] {
		return
	}
	b, err := read(m.tree, info, 4096)
	if err != nil {
		m.errs = append(m.errs, fmt.Errorf("%s: %w", info, err))
		return
	}
	// importlib.import_module fails on surrounding whitespace, so a
	// padded known name imports nothing.
	mod := string(b)
	if !slices.Contains(pickleModules, strings.TrimSpace(mod)) {
		m.report(info, formats.NewFinding(RulePickleModule, formats.NoOffset,
			"pytorch flavor loads the model with torch.load(pickle_module=%q): MLflow imports that module at load and unpickles with it", truncate(mod, 120)).
			With("pickle_module", truncate(mod, 200)))
	}
	formats.MarkChecked(m.scope, info)
}

// pickleModules are the pickle modules MLflow and torch write: the
// default mlflow.pytorch.pickle_module (cloudpickle) and the plain ones.
var pickleModules = []string{"mlflow.pytorch.pickle_module", "pickle", "cloudpickle", "dill"}

// needFile reports a file MLmodel names that the package does not have:
// the loader would read something the scan never saw.
func (m *model) needFile(key, rel string) {
	n := join(m.dir, rel)
	if !m.set[n] && !m.hasDir(n) {
		m.report(m.mlmodel, formats.NewFinding(RuleMissing, formats.NoOffset, "MLmodel's %s names %s, which is not in the scanned files", key, rel).
			With("key", key).With("path", rel))
	}
}

func (m *model) hasDir(d string) bool {
	for _, n := range m.names {
		if strings.HasPrefix(n, d+"/") {
			return true
		}
	}
	return false
}

// environment judges the model directory's dependency lists: those
// MLflow writes under fixed names and those MLmodel's env names.
func (m *model) environment() {
	var included []string
	c := pyreq.Checker{
		Shipped: func(name string) bool { return m.set[join(m.dir, name)] },
		Include: func(name string) { included = append(included, join(m.dir, name)) },
	}
	checks := map[string]func([]byte) []formats.Finding{
		"requirements": c.Requirements, "conda": c.Conda, "virtualenv": c.PythonEnv,
	}
	files := map[string]string{
		join(m.dir, "requirements.txt"): "requirements", join(m.dir, "constraints.txt"): "requirements",
		join(m.dir, "conda.yaml"): "conda", join(m.dir, "python_env.yaml"): "virtualenv",
	}
	for n, kind := range m.env {
		files[n] = kind
	}
	queue := sortedKeys(files)
	done := map[string]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		check := checks[files[n]]
		if !m.set[n] || done[n] {
			continue
		}
		done[n] = true
		b, err := read(m.tree, n, pyreq.MaxBytes)
		if err != nil {
			m.errs = append(m.errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		for _, fd := range check(b) {
			m.report(n, fd)
		}
		formats.MarkChecked(m.scope, n)
		// Files included with -r or -c are read by pip as part of the
		// list; each is judged once, however often it is included.
		for _, inc := range included {
			if !done[inc] && len(done) < maxIncludes {
				files[inc] = "requirements"
				queue = append(queue, inc)
			}
		}
		included = included[:0]
	}
}

// maxIncludes bounds the dependency files one model's lists reach.
const maxIncludes = 64

func (m *model) report(member string, f formats.Finding) { m.scope.Report(f.In(member)) }

// join joins tree names, cleaning "." and leading "./"; a name that
// climbs out of the tree keeps its "..", so it matches no file.
func join(parts ...string) string {
	return strings.TrimPrefix(path.Join(parts...), "./")
}

func dir(name string) string {
	d := path.Dir(name)
	if d == "." {
		return ""
	}
	return d
}

func read(t formats.Tree, name string, max int64) ([]byte, error) {
	return formats.ReadFile(t, name, max, "mlflow-file-bytes")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

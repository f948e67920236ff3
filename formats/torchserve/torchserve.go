// Package torchserve checks TorchServe model archives (.mar): a zip (or,
// with --archive-format no-archive or tgz, a directory or tar) whose
// MAR-INF/MANIFEST.json names the model's handler, serialized weights,
// model definition file and requirements file.
//
// When TorchServe loads the model, the archive's directory is on the
// worker's sys.path: the handler is imported from the archive first and
// from ts.torch_handler only when the archive has no module of that name
// (ts/model_loader.py), the base handler imports modelFile to build an
// eager model, and with install_py_dep_per_model the requirementsFile is
// pip-installed. This package reports a handler shipped in the archive
// (code that runs at load), a handler neither shipped nor built in, the
// model definition module, modules that shadow packages the worker
// imports, files the manifest names that the archive lacks, and what the
// requirements would install (package pyreq).
//
// It is a formats.Layout identified by the manifest's bytes (a JSON
// object whose model entry names a handler), never by the extension. The
// weights and every Python file are analyzed on their own by the registry
// and the hfrepo layout. Nothing is imported, executed or installed.
package torchserve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pyreq"
)

// Name is the layout's name in the formats registry.
const Name = "torchserve"

const manifestName = "MAR-INF/MANIFEST.json"

// maxManifestBytes caps the manifest; real ones are a few hundred bytes.
const maxManifestBytes = 1 << 20

func init() {
	formats.RegisterLayout(Name, Layout{})
}

// Layout is the TorchServe model archive layout.
type Layout struct{}

// Match reports whether the tree has a MAR-INF/MANIFEST.json, at its root
// or one directory down (an archive unpacked into a folder).
func (Layout) Match(names []string) bool {
	return slices.ContainsFunc(names, isManifest)
}

func isManifest(n string) bool {
	return n == manifestName || strings.HasSuffix(n, "/"+manifestName) && strings.Count(n, "/") == 2
}

// manifest is the part of MANIFEST.json the loader reads.
type manifest struct {
	Handler, SerializedFile, ModelFile, RequirementsFile string
}

// parseManifest decodes MANIFEST.json with exact key matching, as
// Python's json does (Go's struct decoding would also take "HANDLER" for
// "handler", and keep whichever came last). ok is false when the JSON has
// no "model" object.
func parseManifest(data []byte) (m manifest, ok bool, err error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return m, false, err
	}
	var model map[string]any
	if raw, found := top["model"]; !found || json.Unmarshal(raw, &model) != nil || model == nil {
		return m, false, nil
	}
	str := func(k string) string { s, _ := model[k].(string); return s }
	return manifest{Handler: str("handler"), SerializedFile: str("serializedFile"), ModelFile: str("modelFile"),
		RequirementsFile: str("requirementsFile")}, true, nil
}

// AnalyzeTree checks every model archive of the tree.
func (Layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	var errs []error
	for _, n := range names {
		if !isManifest(n) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		root := strings.TrimSuffix(strings.TrimSuffix(n, manifestName), "/")
		a := &archive{tree: t, scope: s, names: names, set: set, manifest: n, root: root}
		if err := a.check(); err != nil {
			errs = append(errs, fmt.Errorf("torchserve: %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

type archive struct {
	tree     formats.Tree
	scope    formats.Scope
	names    []string
	set      map[string]bool
	manifest string
	root     string
}

func (a *archive) check() error {
	data, err := read(a.tree, a.manifest, maxManifestBytes)
	if err != nil {
		return err
	}
	model, ok, err := parseManifest(data)
	if !ok {
		if bytes.Contains(data, []byte("andler")) || bytes.Contains(data, []byte(`\u`)) {
			a.report(a.manifest, formats.NewFinding(RuleMalformed, formats.NoOffset, "MANIFEST.json does not parse as a TorchServe manifest; TorchServe cannot load it, other readers may"))
			if err != nil {
				return fmt.Errorf("parse: %w", err)
			}
		}
		return nil
	}
	a.handler(model.Handler)
	if model.ModelFile != "" {
		if f := a.file(model.ModelFile); a.set[f] {
			a.report(a.manifest, formats.NewFinding(RuleModelFile, formats.NoOffset,
				"modelFile %s is imported by the handler to build the model when it loads", model.ModelFile).With("model_file", f))
		} else {
			a.missing("modelFile", model.ModelFile)
		}
	}
	if model.SerializedFile != "" && !a.set[a.file(model.SerializedFile)] {
		a.missing("serializedFile", model.SerializedFile)
	}
	a.shadows()
	var errs []error
	if model.RequirementsFile != "" {
		if err := a.requirements(model.RequirementsFile); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		formats.MarkChecked(a.scope, a.manifest)
	}
	return errors.Join(errs...)
}

// builtinHandlers are the modules of ts.torch_handler a handler name
// selects when the archive ships no module of that name.
var builtinHandlers = []string{
	"base_handler", "image_classifier", "image_segmenter", "object_detector", "text_classifier",
	"text_handler", "vision_handler", "densenet_handler", "dali_handler", "dali_image_classifier",
	"vllm_handler", "trt_llm_handler",
}

// handler judges the manifest's handler: "module", "module.py" or
// "module:function", resolved as ts/model_loader.py does (the last path
// component, ".py" removed, imported from the archive's directory first).
func (a *archive) handler(h string) {
	if h == "" {
		a.report(a.manifest, formats.NewFinding(RuleMalformed, formats.NoOffset, "manifest names no handler; TorchServe cannot load the model"))
		return
	}
	mod, fn, _ := strings.Cut(h, ":")
	mod = strings.TrimSuffix(mod, ".py")
	mod = mod[strings.LastIndex(mod, "/")+1:]
	if shipped := a.module(mod); shipped != "" {
		msg := "handler %s is the archive's %s: TorchServe imports it when the model loads and runs its initialize and handle code"
		if slices.Contains(builtinHandlers, mod) {
			msg = "handler %s is the archive's %s, which TorchServe imports instead of its built-in handler of that name; it runs when the model loads"
		}
		a.report(a.manifest, formats.NewFinding(RuleHandler, formats.NoOffset, msg, h, shipped).
			With("handler", h).With("file", shipped).With("function", fn))
		return
	}
	if slices.Contains(builtinHandlers, mod) {
		return
	}
	a.report(a.manifest, formats.NewFinding(RuleHandlerHost, formats.NoOffset,
		"handler %s is neither in the archive nor a TorchServe built-in: the worker imports module %s from the serving host when the model loads", h, mod).
		With("handler", h).With("module", mod))
}

// module returns the archive file a top-level module name imports from.
func (a *archive) module(mod string) string {
	for _, f := range []string{mod + ".py", mod + "/__init__.py"} {
		if n := a.file(f); a.set[n] {
			return n
		}
	}
	return ""
}

// file is a manifest name as a tree name: model-archiver stores files at
// the archive's root under their base names.
func (a *archive) file(name string) string {
	return strings.TrimPrefix(path.Join(a.root, name), "/")
}

func (a *archive) missing(key, name string) {
	a.report(a.manifest, formats.NewFinding(RuleMissing, formats.NoOffset, "manifest's %s %s is not in the archive", key, name).
		With("key", key).With("file", name))
}

// shadowed are top-level modules the worker and handlers import; an
// archive module of that name runs in their place.
var shadowed = map[string]bool{
	"torch": true, "torchvision": true, "torchaudio": true, "torchtext": true, "ts": true, "numpy": true,
	"PIL": true, "json": true, "os": true, "sys": true, "io": true, "logging": true, "base64": true,
	"importlib": true, "pickle": true, "abc": true, "typing": true, "time": true, "uuid": true,
	"transformers": true, "yaml": true, "packaging": true,
}

// shadows reports archive modules named like packages the worker imports.
func (a *archive) shadows() {
	prefix := a.root
	if prefix != "" {
		prefix += "/"
	}
	var found []string
	for _, n := range a.names {
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok || !strings.HasSuffix(rest, ".py") {
			continue
		}
		top, _, _ := strings.Cut(strings.TrimSuffix(rest, ".py"), "/")
		if shadowed[top] && !slices.Contains(found, top) {
			found = append(found, top)
		}
	}
	if len(found) > 0 {
		a.report(a.manifest, formats.NewFinding(RuleShadow, formats.NoOffset,
			"the archive defines %s, which replaces the package of that name for the TorchServe worker and handler when the model loads", strings.Join(found, ", ")).
			With("modules", strings.Join(found, ",")))
	}
}

// requirements judges the requirementsFile TorchServe pip-installs when
// install_py_dep_per_model is set.
func (a *archive) requirements(name string) error {
	if !a.set[a.file(name)] {
		a.missing("requirementsFile", name)
		return nil
	}
	// pip reads files the list includes (-r, -c) relative to the
	// directory it runs in, the archive's; each is judged once.
	queue := []string{a.file(name)}
	c := pyreq.Checker{
		Shipped: func(n string) bool { return a.set[a.file(n)] },
		Include: func(n string) { queue = append(queue, a.file(n)) },
	}
	done := map[string]bool{}
	for len(queue) > 0 && len(done) < maxIncludes {
		f := queue[0]
		queue = queue[1:]
		if done[f] {
			continue
		}
		done[f] = true
		data, err := read(a.tree, f, pyreq.MaxBytes)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, fd := range c.Requirements(data) {
			a.report(f, fd)
		}
		formats.MarkChecked(a.scope, f)
	}
	return nil
}

// maxIncludes bounds the requirement files one archive's list reaches.
const maxIncludes = 64

func (a *archive) report(member string, f formats.Finding) { a.scope.Report(f.In(member)) }

func read(t formats.Tree, name string, max int64) ([]byte, error) {
	return formats.ReadFile(t, name, max, "torchserve-file-bytes")
}

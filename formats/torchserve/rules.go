package torchserve

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleHandler     = "MG880"
	RuleHandlerHost = "MG881"
	RuleModelFile   = "MG882"
	RuleShadow      = "MG883"
	RuleMissing     = "MG884"
	RuleMalformed   = "MG885"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleHandler, Severity: formats.High, Title: "TorchServe archive ships its own handler",
			Doc: "The model archive's MANIFEST.json names a handler that is a Python module inside the archive. TorchServe imports it from the archive before looking at its built-in handlers (so a shipped image_classifier.py replaces the built-in one) and runs its initialize and handle code when the model loads and on every request. It is high, not critical, because custom handlers are common; the code is summarized by MG803/MG804 and must be reviewed before the archive is registered."},
		{ID: RuleHandlerHost, Severity: formats.Medium, Title: "TorchServe handler is neither shipped nor built in",
			Doc: "The manifest's handler names a module that is not in the archive and is not one of TorchServe's built-in handlers: the worker imports whatever module of that name the serving host has on its path. What runs was not scanned. Ship the handler in the archive or use a built-in one."},
		{ID: RuleModelFile, Severity: formats.Medium, Title: "TorchServe archive ships a model definition module",
			Doc: "The manifest's modelFile is a Python module the base handler imports to build an eager-mode model before loading the state dict: its module-level code runs when the model loads. The code is summarized by MG803/MG804; review it, or ship a TorchScript model instead."},
		{ID: RuleShadow, Severity: formats.High, Title: "TorchServe archive shadows a package the worker imports",
			Doc: "The archive has a top-level Python module named like a package the TorchServe worker or handlers import (torch, ts, numpy, PIL, json, os, ...). The archive's directory is on the worker's sys.path, so that file can run in place of the real package when the model loads. Reject the archive."},
		{ID: RuleMissing, Severity: formats.Medium, Title: "TorchServe manifest names a file the archive lacks",
			Doc: "MANIFEST.json names a serializedFile, modelFile or requirementsFile that is not in the archive. The model cannot load as published, or the loader reads a file placed on the host later, which the scan never saw. Scan the complete archive."},
		{ID: RuleMalformed, Severity: formats.Low, Title: "TorchServe manifest malformed",
			Doc: "MAR-INF/MANIFEST.json mentions a handler but is not JSON TorchServe reads, or names no handler. TorchServe fails to load it; other tools may read it differently. Re-create the archive with torch-model-archiver."},
	} {
		formats.RegisterRule(r)
	}
}

package hfrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"gopkg.in/yaml.v3"
)

// safeTargetPrefixes are packages whose classes Hydra, NeMo and Lightning
// configs instantiate in ordinary models. A name under them is still
// dangerous when dangerousTarget says so (torch.load, a from_pretrained
// of anything).
var safeTargetPrefixes = []string{
	"torch.nn.", "torch.optim.", "torch.utils.data.", "torchmetrics.",
	"torchvision.transforms.", "torchvision.models.", "torchaudio.transforms.", "torchaudio.models.",
	"nemo.collections.", "nemo.core.classes.", "nemo.core.neural_types.", "nemo.core.optim.",
	"megatron.core.", "pytorch_lightning.callbacks.", "pytorch_lightning.loggers.",
	"lightning.pytorch.callbacks.", "lightning.pytorch.loggers.", "timm.models.", "timm.layers.",
}

// safeTargets are classes known safe by their whole name, not as a package
// prefix: Hydra follows every further dotted part with getattr, so
// Normalizer.__init__.__globals__.get would reach the module's globals.
var safeTargets = map[string]bool{
	// NVIDIA's text normalizers, which NeMo's TTS configs name: they
	// build grammars (and cache them in the directory the config names).
	"nemo_text_processing.text_normalization.normalize.Normalizer":                        true,
	"nemo_text_processing.inverse_text_normalization.inverse_normalize.InverseNormalizer": true,
}

// nemoSentinels are bare _target_ values NeMo's own code reads as a switch
// rather than handing them to Hydra (which imports the first part of a
// name as a module and so could call no bare name), and what each does.
var nemoSentinels = map[string]string{
	"AutoTokenizer": "NeMo's MagpieTTS reads it as its switch to load a Hugging Face tokenizer by the name in pretrained_model " +
		"(AutoTokenizer.from_pretrained, which fetches it from the Hub)",
}

// dangerousModules are top-level modules whose callables run commands,
// evaluate or import code, open connections or load pickles.
var dangerousModules = map[string]bool{
	"os": true, "posix": true, "nt": true, "subprocess": true, "pty": true, "commands": true,
	"builtins": true, "__builtin__": true, "__builtins__": true, "sys": true, "importlib": true,
	"runpy": true, "code": true, "codeop": true, "ctypes": true, "cffi": true, "pickle": true,
	"cPickle": true, "_pickle": true, "dill": true, "cloudpickle": true, "marshal": true,
	"shelve": true, "joblib": true, "socket": true, "shutil": true, "webbrowser": true,
	"multiprocessing": true, "urllib": true, "urllib2": true, "requests": true, "http": true,
	"httpx": true, "ftplib": true, "telnetlib": true, "smtplib": true, "pdb": true, "bdb": true,
	"timeit": true, "pydoc": true, "platform": true, "asyncio": true, "signal": true,
	"operator": true, "types": true, "inspect": true, "exec": true, "eval": true,
}

// commonSegments are names of dangerousModules that packages also use for
// submodules of their own (nemo's types, a signal-processing module), so
// they are dangerous only as the first part of a name.
var commonSegments = map[string]bool{"types": true, "signal": true, "platform": true, "code": true, "http": true}

// dangerousLeaves are callable names that run or load code whatever
// module they come from.
var dangerousLeaves = map[string]bool{
	"eval": true, "exec": true, "compile": true, "__import__": true, "system": true, "popen": true,
	"getattr": true, "setattr": true, "open": true, "load": true, "loads": true, "import_module": true,
	"run_path": true, "run_module": true, "check_output": true, "check_call": true, "Popen": true,
	"spawn": true, "get_method": true, "get_class": true, "get_object": true, "call": true,
	"instantiate": true, "_locate": true, "locate": true, "load_state_dict_from_url": true,
	"from_pretrained": true, "restore_from": true, "load_from_checkpoint": true,
}

var dottedRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// dangerousTarget says why a _target_ names a code-execution callable,
// or returns "".
func dangerousTarget(t string) string {
	parts := strings.Split(t, ".")
	leaf := parts[len(parts)-1]
	inner := ""
	for _, p := range parts[1:] {
		if strings.HasPrefix(p, "__") || dangerousModules[p] && !commonSegments[p] || p == "python_multiprocessing" {
			inner = p
			break
		}
	}
	switch {
	case dangerousModules[parts[0]]:
		return "module " + parts[0] + " runs commands, evaluates code, opens connections or loads pickles"
	case inner != "":
		// Hydra's _locate follows each dotted part with getattr, so a
		// package's name reaches the modules it imported
		// (torch.utils.data.dataloader.os.posix_spawn) and, through
		// dunder attributes, a function's globals.
		return "its part " + inner + " reaches a module that runs commands, evaluates code or loads pickles, or an attribute of the interpreter's internals"
	case dangerousLeaves[leaf], strings.HasPrefix(leaf, "exec"), strings.HasPrefix(leaf, "spawn"):
		return leaf + " runs, imports or loads code"
	case strings.HasPrefix(t, "hydra.") || strings.HasPrefix(t, "omegaconf."):
		return "Hydra/OmegaConf helpers resolve and call arbitrary names"
	case t == "torch.hub" || strings.HasPrefix(t, "torch.hub.") || strings.HasPrefix(t, "torch.jit.") || strings.HasPrefix(t, "torch.package."):
		return "it loads code or pickles"
	}
	return ""
}

func safeTarget(t string) bool {
	if safeTargets[t] {
		return true
	}
	for _, p := range safeTargetPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// judgeTarget reports one instantiation key's value.
func (a *analysis) judgeTarget(name, key, value string, off int64, line int) {
	t := strings.TrimSpace(value)
	var f formats.Finding
	switch why := dangerousTarget(t); {
	case why != "":
		f = formats.NewFinding(RuleTargetDangerous, off, "%s %q is instantiated when the config loads: %s", key, truncate(t, 200), why)
	case !dottedRE.MatchString(t):
		f = formats.NewFinding(RuleTarget, off, "%s %q is not a plain dotted name (an interpolation or obfuscation); what it instantiates cannot be checked statically", key, truncate(t, 200))
	case safeTarget(t):
		return
	case nemoSentinels[t] != "":
		f = formats.NewFinding(RuleTarget, off, "%s %q names no Python object: %s", key, t, nemoSentinels[t]).At(formats.Low)
	default:
		f = formats.NewFinding(RuleTarget, off, "%s %q is instantiated when the config loads and is outside the known-safe packages", key, truncate(t, 200))
	}
	f = f.With("key", key).With("target", truncate(t, 300))
	if line > 0 {
		f = f.With("line", fmt.Sprint(line))
	}
	a.report(name, f)
}

// targets judges the instantiation keys found in a JSON document.
func (a *analysis) targets(name string, hits []keyHit) {
	seen := map[string]bool{}
	for _, h := range hits {
		if h.value == nil || h.value.kind != jString || seen[h.key+"\x00"+h.value.str] {
			continue
		}
		seen[h.key+"\x00"+h.value.str] = true
		a.judgeTarget(name, h.key, h.value.str, h.off, 0)
	}
}

const (
	maxYAMLDocs  = 100
	maxYAMLDepth = 512
	maxYAMLNodes = 2_000_000
	// MaxYAMLBytes caps the YAML parsed into nodes: a node costs a few
	// hundred bytes, so the cap bounds memory where MaxConfigBytes would
	// not. Hydra and NeMo configs are kilobytes.
	MaxYAMLBytes = 2 << 20
)

// yaml checks a YAML file (Hydra, NeMo model_config.yaml, Lightning CLI)
// for instantiation keys. It is parsed into nodes, never decoded into
// values, so aliases are not expanded.
func (a *analysis) yaml(name string) {
	data, err := a.read(name, MaxYAMLBytes)
	var le *formats.LimitError
	if errors.As(err, &le) {
		// A large YAML is a dataset or a vocabulary, unless it has keys.
		found, cerr := a.contains(name, "_target_", "class_path")
		switch {
		case cerr != nil:
			a.fail(name, cerr)
		case found:
			a.fail(name, err)
		}
		return
	}
	if err != nil {
		a.fail(name, err)
		return
	}
	hits, perr := yamlTargets(data)
	if perr != nil {
		if errors.As(perr, &le) {
			a.fail(name, perr)
			return
		}
		// A YAML that yaml.v3 rejects may still load in PyYAML; the lines
		// that look like instantiation keys are judged all the same.
		hits = lineTargets(data)
		a.report(name, formats.NewFinding(RuleMalformed, formats.NoOffset, "YAML does not parse (%v); instantiation keys were looked for line by line", truncate(perr.Error(), 200)))
		if len(hits) > 0 {
			a.fail(name, fmt.Errorf("YAML with instantiation keys does not parse: %w", perr))
		}
	}
	if h, ok := nemoTarget(name, data); ok {
		hits = append(hits, h)
	}
	seen := map[string]bool{}
	for _, h := range hits {
		if seen[h.key+"\x00"+h.value] {
			continue
		}
		seen[h.key+"\x00"+h.value] = true
		a.judgeTarget(name, h.key, h.value, formats.NoOffset, h.line)
	}
}

type yamlHit struct {
	key, value string
	line       int
}

// yamlTargets walks every document's node tree for instantiation keys
// with scalar values. yaml.v3 is not known to panic on input since
// v3.0.0, but a recover keeps a parser bug from taking the scan down.
func yamlTargets(data []byte) (hits []yamlHit, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml parser failure: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	nodes := 0
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		if depth > maxYAMLDepth {
			return &formats.LimitError{Limit: "hfrepo-yaml-depth", Max: maxYAMLDepth}
		}
		nodes++
		if nodes > maxYAMLNodes {
			return &formats.LimitError{Limit: "hfrepo-yaml-nodes", Max: maxYAMLNodes}
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.AliasNode && v.Alias != nil {
					v = v.Alias
				}
				if k.Kind == yaml.ScalarNode && instantiationKeys[k.Value] && v.Kind == yaml.ScalarNode && len(hits) < maxCapturedKeys {
					hits = append(hits, yamlHit{key: k.Value, value: v.Value, line: k.Line})
				}
			}
		}
		// Alias nodes are not followed: their anchors are walked where
		// they are defined, and following them is how alias bombs blow up.
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for range maxYAMLDocs {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if err == io.EOF {
				return hits, nil
			}
			return hits, err
		}
		if err := walk(&doc, 0); err != nil {
			return hits, err
		}
	}
	return hits, &formats.LimitError{Limit: "hfrepo-yaml-documents", Max: maxYAMLDocs}
}

// lineKeyRE finds "_target_: value" and "class_path: value" on one line,
// quoted or not, in block or flow style.
var lineKeyRE = regexp.MustCompile(`(?:^|[\s{,])["']?(_target_|class_path)["']?\s*:\s*["']?([^"'\s,}#]+)`)

// lineTargets is the fallback for YAML the parser rejects.
func lineTargets(data []byte) []yamlHit {
	var hits []yamlHit
	for i, line := range strings.Split(string(data), "\n") {
		for _, m := range lineKeyRE.FindAllStringSubmatch(line, -1) {
			if len(hits) >= maxCapturedKeys {
				return hits
			}
			hits = append(hits, yamlHit{key: m[1], value: m[2], line: i + 1})
		}
	}
	return hits
}

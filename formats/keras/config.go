package keras

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/marshal"
	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Caps on a config.
const (
	MaxConfig = 64 << 20
	MaxDepth  = 256
)

// Embedded is a blob a config carries that is itself a file to scan, such
// as the pickled module of a TorchModuleWrapper.
type Embedded struct {
	Name string
	Data []byte
}

// Checker judges Keras configs. Report receives findings; their offset is
// At, the position of the config in its file.
type Checker struct {
	Report func(formats.Finding)
	At     int64
	// Version is the Keras version that saved the model, if known; it
	// is added to findings because the advisories depend on it.
	Version string
	// Embedded collects blobs to scan as files of their own.
	Embedded []Embedded
	seen     map[string]bool
}

// CheckJSON parses and judges one config document (config.json, an H5
// model_config or training_config attribute, a SavedModel layer's
// metadata). what names it in messages.
func (c *Checker) CheckJSON(data []byte, what string) error {
	if len(data) > MaxConfig {
		c.Report(formats.NewFinding(RuleConfigInvalid, c.At, "%s is %d bytes, over the %d-byte limit", what, len(data), MaxConfig))
		return &formats.LimitError{Limit: "keras-config-bytes", Max: MaxConfig}
	}
	if !utf8.Valid(data) {
		c.Report(formats.NewFinding(RuleConfigInvalid, c.At, "%s is not valid UTF-8", what))
		return fmt.Errorf("%s: invalid UTF-8", what)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		c.Report(formats.NewFinding(RuleConfigInvalid, c.At, "%s is not valid JSON: %v", what, err))
		return fmt.Errorf("%s: %w", what, err)
	}
	return c.walk(v, what, 0)
}

func (c *Checker) emit(key string, f formats.Finding) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	if c.Version != "" {
		f = f.With("keras_version", c.Version)
	}
	c.Report(f)
}

func (c *Checker) walk(v any, where string, depth int) error {
	if depth > MaxDepth {
		c.Report(formats.NewFinding(RuleConfigInvalid, c.At, "config nested deeper than %d levels at %s", MaxDepth, where))
		return &formats.LimitError{Limit: "keras-config-depth", Max: MaxDepth}
	}
	switch x := v.(type) {
	case map[string]any:
		c.object(x, where)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := c.walk(x[k], where+"."+k, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := c.walk(e, fmt.Sprintf("%s[%d]", where, i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// kerasModule reports whether Keras' safe loader imports mod itself.
func kerasModule(mod string) bool {
	for _, p := range []string{"keras", "keras_hub", "keras_cv", "keras_nlp", "tf_keras", "tensorflow.keras", "tensorflow.python.keras"} {
		if mod == p || strings.HasPrefix(mod, p+".") {
			return true
		}
	}
	return false
}

// projectClass reports a class (not a "function") of a module no known
// library provides (globals.ProjectModule), as Keras 3 writes a custom
// layer or model the training code defined: Keras 3.9 and later resolve
// it only from the loader's registered custom objects; older Keras
// imports the module, which only the project that saved the model has,
// and calls the class's from_config. A "function" stays RuleModule: the
// name could be one the module imported (from os import system).
func projectClass(mod, cn string) bool {
	return cn != "function" && globals.ProjectModule(mod) && globals.Identifier(cn) && !strings.HasPrefix(cn, "__")
}

// Functions of Keras that are not modelling APIs: Keras 3.11 refuses
// them in configs. The value is whether calling one switches the
// remaining protections off.
var gadgets = map[string]bool{
	"enable_unsafe_deserialization": true,
	"get_file":                      false, "load_model": false, "save_model": false, "load_weights": false,
	"save_weights": false, "load_img": false, "save_img": false, "deserialize_keras_object": false,
	"register_keras_serializable": false, "image_dataset_from_directory": false,
	"text_dataset_from_directory": false, "audio_dataset_from_directory": false,
	"get_custom_objects": false, "custom_object_scope": false, "disable_interactive_logging": false,
}

// reachesPythonBuiltins reports whether an object of module "builtins"
// can resolve to one of Python's builtins. tf.keras 2.13-2.15 and Keras 3
// write a loss, metric or activation given by name as a "function" of
// module "builtins" (binary_crossentropy); loading looks the name up in
// Keras's own activations, losses, metrics and the like first, then in
// the loader's custom objects, and only then (tf.keras, Keras 3 before
// 3.9) in vars(builtins), by the name, by the registered name, or by the
// first part of a one-dot qualified name (tf_keras/saving/
// serialization_lib.py _retrieve_class_or_fn). A name that is not one of
// Python's builtins is therefore Keras's own function or the loader's.
func reachesPythonBuiltins(names ...string) bool {
	for _, n := range names {
		outer, _, _ := strings.Cut(n, ".")
		if n != "" && (pythonBuiltins[outer] || strings.HasPrefix(outer, "_")) {
			return true
		}
	}
	return false
}

// pythonBuiltins are the names of Python's builtins module (dir(builtins)
// of CPython 3.11, and PythonFinalizationError of 3.13; every other name
// starting with "_" is treated as one too), and those the shells Keras
// models are often loaded in add to it: IPython's (Jupyter, Colab)
// get_ipython and display, Spyder's runfile, debugfile and runcell.
var pythonBuiltins = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`ArithmeticError AssertionError AttributeError BaseException
		BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError
		ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning
		EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup False FileExistsError
		FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning
		IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError
		MemoryError ModuleNotFoundError NameError None NotADirectoryError NotImplemented NotImplementedError
		OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError
		PythonFinalizationError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning
		StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError
		TimeoutError True TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError
		UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all
		anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright
		credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals
		hasattr hash help hex id input int isinstance issubclass iter len license list locals map max
		memoryview min next object oct open ord pow print property quit range repr reversed round set
		setattr slice sorted staticmethod str sum super tuple type vars zip
		get_ipython display runfile debugfile runcell`) {
		m[n] = true
	}
	return m
}()

// Builtin types Keras serializes with module "builtins".
var builtinTypes = map[string]bool{"tuple": true, "list": true, "dict": true, "int": true, "float": true, "str": true, "bool": true, "bytes": true}

func (c *Checker) object(m map[string]any, where string) {
	cn, _ := m["class_name"].(string)
	mod, hasMod := m["module"].(string)
	reg, _ := m["registered_name"].(string)
	name := cn
	if cfg, ok := m["config"].(string); ok && cn == "function" {
		name = cfg
	}
	switch cn {
	case "Lambda":
		c.lambda(m, where)
	case "__lambda__":
		cfg, _ := m["config"].(map[string]any)
		code, _ := cfg["code"].(string)
		c.bytecode(code, where)
	case "TorchModuleWrapper":
		c.torchModule(m, where)
	case "TFSMLayer":
		cfg, _ := m["config"].(map[string]any)
		fp, _ := cfg["filepath"].(string)
		c.emit("tfsm"+where, formats.NewFinding(RuleUnsafeClass, c.At, "TFSMLayer at %s loads the SavedModel at %q", where, fp).
			With("class_name", cn).With("filepath", fp))
	}
	if _, isGadget := gadgets[name]; isGadget && (cn == "function" || hasMod) && cn != "" {
		f := formats.NewFinding(RuleGadget, c.At, "config at %s calls %s.%s", where, mod, name).
			With("module", mod).With("name", name)
		if gadgets[name] {
			f = f.At(formats.Critical)
		}
		c.emit("gadget"+where, f)
	}
	if hasMod && cn != "" && !kerasModule(mod) && !(mod == "builtins" && builtinTypes[cn]) &&
		!(mod == "builtins" && !reachesPythonBuiltins(name, reg)) {
		if lib, ok := extensionOf(mod, name); ok {
			c.emit("module"+where, formats.NewFinding(RuleExtension, c.At, "config at %s uses %s from %s (module %q)", where, name, lib, mod).
				With("module", mod).With("class_name", cn).With("name", name).With("library", lib))
		} else if projectClass(mod, cn) {
			c.emit("module"+where, formats.NewFinding(RuleCustomObject, c.At, "config at %s needs class %s of module %q, which no known library provides (the saving project's own code)", where, cn, mod).
				With("module", mod).With("class_name", cn).With("registered_name", reg))
		} else {
			c.emit("module"+where, formats.NewFinding(RuleModule, c.At, "config at %s imports %s from module %q", where, name, mod).
				With("module", mod).With("class_name", cn).With("name", name))
		}
	}
	c.pathArgs(m, cn, where)
	if !hasMod && strings.Contains(reg, ">") && !kerasModule(strings.SplitN(reg, ">", 2)[0]) {
		c.emit("custom"+reg, formats.NewFinding(RuleCustomObject, c.At, "config at %s needs custom object %q", where, reg).
			With("registered_name", reg))
	}
}

// pathArgs reports constructor arguments that name a file the class
// reads while the model loads.
func (c *Checker) pathArgs(m map[string]any, cn, where string) {
	cfg, _ := m["config"].(map[string]any)
	if cn == "" || cfg == nil {
		return
	}
	for _, pa := range pathArgs {
		if !classMatches(pa.class, cn) {
			continue
		}
		v, ok := cfg[pa.arg].(string)
		if !ok || v == "" || pa.protoRule && isEmbeddedProto(v) {
			continue
		}
		c.emit("path"+where+"."+pa.arg, formats.NewFinding(RulePathArg, c.At, "%s at %s reads the file named by %s=%q when the model loads", cn, where, pa.arg, clip(v)).
			With("class_name", cn).With("argument", pa.arg).With("path", clip(v)))
	}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// lambda judges a Lambda layer's function and output_shape in both the
// Keras 2 form (a list or string of base64 bytecode, function_type
// "lambda") and the Keras 3 form (a nested __lambda__ object, reached by
// the walk itself).
func (c *Checker) lambda(m map[string]any, where string) {
	cfg, _ := m["config"].(map[string]any)
	for _, key := range []string{"function", "output_shape"} {
		typ, _ := cfg[key+"_type"].(string)
		if key == "output_shape" && typ == "" {
			typ, _ = cfg["output_shape_type"].(string)
		}
		switch fn := cfg[key].(type) {
		case []any:
			if len(fn) > 0 {
				if s, ok := fn[0].(string); ok {
					c.bytecode(s, where+"."+key)
				}
			}
		case string:
			switch typ {
			case "function":
				modKey := "module"
				if key == "output_shape" {
					modKey = "output_shape_module"
				}
				mod, _ := cfg[modKey].(string)
				if mod != "" && !kerasModule(mod) {
					c.emit("lambdafn"+where+key, formats.NewFinding(RuleModule, c.At, "Lambda at %s calls %s from module %q", where, fn, mod).
						With("module", mod).With("name", fn))
				}
				if !dottedName.MatchString(fn) {
					c.source(fn, where+"."+key)
				}
			default:
				// "lambda", or a type Keras does not write: judged by
				// what the string holds.
				c.bytecode(fn, where+"."+key)
			}
		}
	}
}

// bytecode reports a base64 marshal code object and the names it uses;
// a string that is not base64 at all is Python source text.
func (c *Checker) bytecode(b64 string, where string) {
	f := formats.NewFinding(RuleLambda, c.At, "Lambda at %s carries Python bytecode", where)
	raw, err := decodeBase64(b64)
	if err != nil && strings.TrimSpace(b64) != "" {
		c.source(b64, where)
		return
	}
	if err == nil {
		code, merr := marshal.Read(raw)
		if merr == nil {
			f.Message += " referring to " + strings.Join(code.Names, ", ")
			f = f.With("names", strings.Join(code.Names, ",")).With("functions", strings.Join(code.Functions, ",")).
				With("python", code.Layout)
		} else {
			f = f.With("marshal_error", merr.Error())
		}
	}
	c.emit("lambda"+where, f)
}

// A Python name or dotted path: what function_type "function" holds.
var dottedName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// Names in Python source that reach code execution, imports, processes,
// files or the network.
var dangerousSource = regexp.MustCompile(`\b(eval|exec|compile|__import__|import|importlib|os|subprocess|system|popen|spawn|open|builtins|__builtins__|getattr|globals|locals|pickle|marshal|socket|requests|urllib|http|shutil|sys|ctypes|pty)\b`)

// source reports a Lambda function given as Python source text: medium,
// high when the text names what runs code or reaches files or the network.
func (c *Checker) source(text string, where string) {
	f := formats.NewFinding(RuleLambdaSource, c.At, "Lambda at %s carries Python source text", where).With("source", clip(text))
	if names := dangerousSource.FindAllString(text, 16); len(names) > 0 {
		slices.Sort(names)
		names = slices.Compact(names)
		f.Message += " naming " + strings.Join(names, ", ")
		f = f.With("names", strings.Join(names, ",")).At(formats.High)
	}
	c.emit("lambdasrc"+where, f)
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// torchModule reports a TorchModuleWrapper and keeps its embedded module
// bytes (base64 or hex of torch.save output) for scanning.
func (c *Checker) torchModule(m map[string]any, where string) {
	cfg, _ := m["config"].(map[string]any)
	f := formats.NewFinding(RuleUnsafeClass, c.At, "TorchModuleWrapper at %s embeds a pickled torch module that torch.load runs", where).
		With("class_name", "TorchModuleWrapper")
	c.emit("torch"+where, f)
	s, _ := cfg["module"].(string)
	if s == "" {
		return
	}
	var data []byte
	if b, err := hex.DecodeString(s); err == nil {
		data = b
	} else if b, err := decodeBase64(s); err == nil {
		data = b
	}
	if len(data) > 0 && len(c.Embedded) < 64 {
		c.Embedded = append(c.Embedded, Embedded{Name: "torch_module_" + fmt.Sprint(len(c.Embedded)), Data: data})
	}
}

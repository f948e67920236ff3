package pytorch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle"
)

// Rule IDs of the TorchScript checks added with the parsing reader.
const (
	RuleTorchScriptForeign = "MG323"
	RuleTorchScriptVendor  = "MG324"
	RuleTorchScriptCustom  = "MG325"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleTorchScriptForeign, Severity: formats.Medium, Title: "TorchScript code torch.jit.save never writes",
			Doc: "A code/ source of a TorchScript archive calls a Python builtin TorchScript does not have (open, " +
				"__import__, eval, exec, setattr, ...), uses interpreter internals (__builtins__, __class__, " +
				"__globals__, ...), calls getattr with a computed name, or cannot be read as TorchScript at all. " +
				"torch.jit.load in PyTorch 1.13 rejects such code, so today it does not run; but torch.jit.save " +
				"never writes it, so the archive was edited by hand to reach past the TorchScript sandbox or to " +
				"make scanners and PyTorch read the code differently. A source that cannot be read also makes the " +
				"scan inconclusive. Re-export the model."},
		{ID: RuleTorchScriptVendor, Severity: formats.Low, Title: "TorchScript operator from a known extension library",
			Doc: "The TorchScript code calls an operator or class of a well-known PyTorch extension (torchvision::nms, " +
				"torchaudio, torchtext, PyG's torch_scatter/torch_sparse, fbgemm, TensorRT). torch.jit.load needs " +
				"that library imported first, and running the module runs its native kernels; the archive itself " +
				"carries no native code. Install the extension from a trusted source."},
		{ID: RuleTorchScriptCustom, Severity: formats.Medium, Title: "TorchScript operator from an unknown extension namespace",
			Doc: "The TorchScript code calls an operator (ops.<ns>.<op>) or uses a class (__torch__.torch.classes.<ns>) " +
				"of a namespace neither PyTorch nor a well-known extension registers. With nothing else installed " +
				"torch.jit.load refuses the module; where the host loads a library that registers the namespace, running " +
				"the module runs that library's native code with arguments the archive chooses. Find out which " +
				"extension the model needs and where it comes from before loading it."},
	} {
		formats.RegisterRule(r)
	}
}

// builtinNamespaces are operator (and custom-class) namespaces that
// PyTorch itself registers; others need a native extension loaded at run
// time.
var builtinNamespaces = map[string]bool{
	"aten": true, "prim": true, "quantized": true, "_quantized": true, "prepacked": true, "_caffe2": true,
	"profiler": true, "cuda": true, "mkldnn": true, "_nnapi": true, "xnnpack": true, "quantized_decomposed": true,
	"rnn": true, "profiling": true, "sparse": true, "c10d": true, "dist_c10d": true, "dist_rpc": true,
	"onednn": true, "mkl": true, "cudnn": true, "_c10d_functional": true, "inductor": true,
}

// vendorNamespaces belong to well-known extension libraries.
var vendorNamespaces = map[string]bool{
	"torchvision": true, "torchaudio": true, "torchtext": true, "torch_scatter": true, "torch_sparse": true,
	"torch_cluster": true, "torch_spline_conv": true, "fbgemm": true, "tensorrt": true,
}

// riskyOps are operators of PyTorch's own namespaces that reach files or
// native code, with what they do.
var riskyOps = map[string]string{
	"save":          "writes a pickle of a value to a file name the code chooses (torch.save)",
	"from_file":     "reads, or with shared=True maps, any file into a tensor (torch.from_file)",
	"load":          "names a loader of files (torch.load); PyTorch 1.13 registers no such operator, a build that does would read files",
	"_load_library": "names a loader of native libraries; PyTorch 1.13 registers no such operator",
	"load_library":  "names a loader of native libraries; PyTorch 1.13 registers no such operator",
}

// judgeOp returns the rule and message for an operator ns::name, or ok
// false for an ordinary builtin operator.
func judgeOp(ns, name string) (rule, msg string, ok bool) {
	switch {
	case builtinNamespaces[ns]:
		if what, risky := riskyOps[name]; risky {
			return RuleTorchScriptOps, what, true
		}
		return "", "", false
	case vendorNamespaces[ns]:
		return RuleTorchScriptVendor, fmt.Sprintf("needs the %s extension's native kernels", ns), true
	}
	return RuleTorchScriptCustom, fmt.Sprintf("comes from namespace %q, which needs a native extension the archive does not carry", ns), true
}

// judgeRef returns the operator or class a resolved reference names, and
// whether it is worth a finding.
func judgeRef(ref string) (what, rule, msg string, ok bool) {
	p := strings.Split(ref, ".")
	var ns, name string
	switch {
	case p[0] == "torch" && len(p) == 2:
		ns, name = "aten", p[1]
	case p[0] == "torch" && len(p) == 4 && p[1] == "ops":
		ns, name = p[2], p[3]
	case p[0] == "ops" && len(p) == 3:
		ns, name = p[1], p[2]
	case p[0] == "__torch__" && len(p) >= 5 && p[1] == "torch" && p[2] == "classes",
		p[0] == "torch" && len(p) >= 4 && p[1] == "classes":
		ns = p[2]
		if p[0] == "__torch__" {
			ns = p[3]
		}
		if builtinNamespaces[ns] {
			return "", "", "", false
		}
		rule, msg, _ := judgeOp(ns, "")
		return "class " + ref, rule, msg, true
	default:
		return "", "", "", false
	}
	rule, msg, ok = judgeOp(ns, name)
	return ns + "::" + name, rule, msg, ok
}

// hasSuffixFold is strings.HasSuffix under ASCII case folding (see Match).
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFoldASCII(s[len(s)-len(suffix):], suffix)
}

// maxSourceFindings caps the findings of one code/ file.
const maxSourceFindings = 100

// checkTorchScript reads the code/ sources of a TorchScript archive, and
// the operator tables of its mobile bytecode, for operators that reach
// files or native code.
func checkTorchScript(ctx context.Context, t formats.Tree, prefix string, names []string, s formats.Scope) error {
	var code, extra []string
	for _, n := range names {
		switch {
		case hasPrefixFold(n, prefix+"code/") && hasSuffixFold(n, ".py"):
			code = append(code, n)
		case hasPrefixFold(n, prefix+"extra/"):
			extra = append(extra, n)
		}
	}
	constants, bytecode := lookupFold(names, prefix+"constants.pkl"), lookupFold(names, prefix+"bytecode.pkl")
	if len(code) == 0 && !slices.Contains(names, constants) && !slices.Contains(names, bytecode) {
		return nil
	}
	s.Report(formats.NewFinding(RuleTorchScript, formats.NoOffset, "TorchScript module with %d source files", len(code)))
	if len(extra) > 0 {
		s.Report(formats.NewFinding(RuleTorchScriptExtra, formats.NoOffset, "%d extra files: %s", len(extra), strings.Join(extra, ", ")))
	}
	var errs []error
	inSource := map[string]bool{}
	for _, n := range code {
		if err := ctx.Err(); err != nil {
			return err
		}
		src, err := readSmall(t, n, maxSource)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		if err := checkSource(n, src, s, inSource); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	if slices.Contains(names, bytecode) {
		if err := checkBytecode(ctx, t, bytecode, s, inSource); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkSource reports what one code/ file reaches, and adds the operators
// it reaches to ops. Source that cannot be read is a finding and an error:
// never clean.
func checkSource(name string, src []byte, s formats.Scope, ops map[string]bool) error {
	uses, err := sourceUses(src)
	if err != nil {
		var le *formats.LimitError
		if !errors.As(err, &le) {
			s.Report(formats.NewFinding(RuleTorchScriptForeign, formats.NoOffset, "cannot be read as TorchScript (%v)", err).In(name))
		}
		return err
	}
	for i, u := range uses {
		if u.ref != "" {
			what, _, _, _ := judgeRef(u.ref)
			ops[what] = true
		}
		if i < maxSourceFindings {
			s.Report(useFinding(u, src).In(name))
		}
	}
	return nil
}

// sourceUses tokenizes and resolves one source file.
func sourceUses(src []byte) ([]tsUse, error) {
	toks, err := lexTorchScript(src)
	if err != nil {
		return nil, err
	}
	return resolveTorchScript(toks)
}

func useFinding(u tsUse, src []byte) formats.Finding {
	line := 1 + bytes.Count(src[:u.off], []byte("\n"))
	switch {
	case u.dynamic:
		return formats.NewFinding(RuleTorchScriptForeign, int64(u.off),
			"line %d: getattr with a computed name; TorchScript resolves only constant names, so the code was not written by torch", line).
			With("name", "getattr")
	case u.ref == "":
		return formats.NewFinding(RuleTorchScriptForeign, int64(u.off),
			"line %d: uses %s, which TorchScript does not provide: the code was not written by torch", line, u.name).
			With("name", u.name)
	}
	what, rule, msg, _ := judgeRef(u.ref)
	return formats.NewFinding(rule, int64(u.off), "line %d: %s (reached as %s) %s", line, what, u.ref, msg).
		With("operator", what).With("reference", u.ref)
}

// maxBytecodeOps bounds the operator table entries read from bytecode.pkl.
const maxBytecodeOps = 1 << 16

// checkBytecode reads the operator tables of a lite-interpreter archive's
// bytecode.pkl: _load_for_lite_interpreter runs these, not code/, so a
// table can name an operator its source does not show. inSource holds the
// operators found in code/.
func checkBytecode(ctx context.Context, t formats.Tree, name string, s formats.Scope, inSource map[string]bool) error {
	in, err := t.Open(name)
	if err != nil {
		return err
	}
	rc, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	res, err := pickle.Scan(ctx, io.LimitReader(rc, maxSource), formats.Discard{Lim: s.Limits()}, pickle.Options{MaxItems: maxBytecodeOps})
	if err != nil || len(res.Values) == 0 {
		// The engine reports the pickle's own error on the member.
		return nil
	}
	seen := map[string]bool{}
	var walkErr error
	var walk func(v pickle.Value, depth int)
	walk = func(v pickle.Value, depth int) {
		if depth > 16 || walkErr != nil || v.Kind() != pickle.KindTuple {
			return
		}
		if tag, _ := v.Index(0); v.Len() == 2 {
			if text, _ := tag.Text(); text == "operators" {
				table, _ := v.Index(1)
				walkErr = bytecodeOps(table, name, seen, inSource, s)
				return
			}
		}
		for i := 0; i < int(min(v.Len(), maxBytecodeOps)); i++ {
			e, _ := v.Index(i)
			walk(e, depth+1)
		}
	}
	walk(res.Values[0], 0)
	return walkErr
}

// bytecodeOps judges one operator table: a tuple of (name, overload,
// argument count) tuples.
func bytecodeOps(table pickle.Value, member string, seen, inSource map[string]bool, s formats.Scope) error {
	if table.Len() > maxBytecodeOps {
		return &formats.LimitError{Limit: "torchscript-bytecode-operators", Max: maxBytecodeOps}
	}
	for i := 0; i < int(table.Len()); i++ {
		e, _ := table.Index(i)
		op, _ := e.Index(0)
		full, ok := op.Text()
		if !ok {
			return fmt.Errorf("%s: operator table entry %d is not a name", member, i)
		}
		ns, name, ok := strings.Cut(full, "::")
		if !ok {
			return fmt.Errorf("%s: operator %q has no namespace", member, truncateOp(full))
		}
		rule, msg, risky := judgeOp(ns, name)
		if !risky || seen[full] {
			continue
		}
		seen[full] = true
		if !inSource[full] {
			msg += "; code/ does not show it, so the bytecode was not compiled from this source"
		}
		s.Report(formats.NewFinding(rule, formats.NoOffset, "mobile bytecode calls %s, which %s", truncateOp(full), msg).
			In(member).With("operator", truncateOp(full)))
	}
	return nil
}

func truncateOp(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

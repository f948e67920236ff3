// Package hfrepo checks a Hugging Face model repository (a directory, a
// snapshot, an archive of one) as a whole for the code it would run when
// loaded: auto_map entries that trust_remote_code follows, including
// cross-repository references; the sentence-transformers, diffusers and
// PEFT configurations that import classes or modules by name (see
// docs/code-importing-configs.md); Python files and custom_generate/; chat
// templates in tokenizer and processor configs; Hydra/NeMo _target_
// strings; Git LFS pointers standing where weights should be; and shard
// indexes that name files outside the model directory or missing from it.
//
// It is a formats.Layout. It reads only configuration files, Python
// sources, templates, the first bytes of small weight files and shard
// headers, each under a size cap. It never imports, executes or renders
// anything: Python is read as text, templates are parsed, not rendered,
// and _target_ strings are compared with lists, never resolved.
package hfrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Name is the layout's name in the formats registry.
const Name = "hfrepo"

// MaxConfigBytes caps the configuration, template and Python files read
// whole. Real ones are kilobytes to a few megabytes.
const MaxConfigBytes = 16 << 20

// maxFindingsPerFile stops one file from drowning the report.
const maxFindingsPerFile = 100

func init() {
	formats.RegisterLayout(Name, Layout{})
}

// Layout is the Hugging Face repository layout.
type Layout struct{}

// Match reports whether names look like a model repository: a config, a
// tokenizer config, Python, a template, YAML, a shard index or a weight
// file that could be an LFS pointer.
func (Layout) Match(names []string) bool {
	for _, n := range names {
		if kindOf(n) != kindNone {
			return true
		}
	}
	return false
}

type fileKind int

const (
	kindNone fileKind = iota
	kindConfig
	kindIndex
	kindJSON
	kindYAML
	kindPython
	kindTemplate
	kindWeight
)

// kindOf classifies a file by name. Names route only which checks read a
// file; no check trusts the name for what the bytes are.
func kindOf(name string) fileKind {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	switch {
	case ext == ".py" && strings.Contains("/"+name, "/code/__torch__"):
		// TorchScript sources of a torch.jit.save archive: the pytorch
		// layout checks their operators; they are not Hub remote code.
		return kindNone
	case ext == ".py" || ext == ".pyw":
		// .pyw: Windows imports it as a source module too.
		return kindPython
	case ext == ".jinja" || ext == ".j2":
		return kindTemplate
	case ext == ".yaml" || ext == ".yml":
		return kindYAML
	case strings.HasSuffix(base, ".index.json"):
		return kindIndex
	case base == "config.json" || base == "chat_template.json" || strings.HasSuffix(base, "_config.json"):
		return kindConfig
	case ext == ".json":
		return kindJSON
	case weightExts[ext]:
		return kindWeight
	}
	return kindNone
}

// AnalyzeTree checks t. It reports findings about a file with Finding.In
// and returns every error joined, after all checks ran, so that a file
// that could not be read never hides a finding about another.
func (Layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	a := &analysis{ctx: ctx, tree: t, scope: s, names: make(map[string]bool, len(names))}
	for _, n := range names {
		a.names[n] = true
	}
	for i, n := range names {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return errors.Join(append(a.errs, err)...)
			}
		}
		errs := len(a.errs)
		switch kindOf(n) {
		case kindPython:
			a.python(n)
		case kindTemplate:
			a.templateFile(n)
		case kindYAML:
			a.yaml(n)
		case kindIndex:
			a.index(n)
		case kindConfig:
			a.config(n)
		case kindJSON:
			a.otherJSON(n)
		case kindWeight:
			a.lfs(n)
		}
		a.codeImports(n)
		// A template or config is read whole and parsed, or the read
		// or parse fails: without an error it was checked, and is clean
		// unless reported.
		if k := kindOf(n); (k == kindTemplate || k == kindConfig || codeImportingConfig(n)) && len(a.errs) == errs {
			formats.MarkChecked(s, n)
		}
	}
	a.customGenerate(names)
	return errors.Join(a.errs...)
}

// analysis is one run of the layout over one tree.
type analysis struct {
	ctx   context.Context
	tree  formats.Tree
	scope formats.Scope
	names map[string]bool
	errs  []error
	count map[string]int // findings per file
}

func (a *analysis) report(name string, f formats.Finding) {
	if a.count == nil {
		a.count = map[string]int{}
	}
	a.count[name]++
	if a.count[name] > maxFindingsPerFile {
		return
	}
	a.scope.Report(f.In(name))
}

func (a *analysis) fail(name string, err error) {
	a.errs = append(a.errs, fmt.Errorf("%s: %w", name, err))
}

// read returns a file's bytes, at most max of them. A larger file is a
// LimitError, never a silently truncated read.
func (a *analysis) read(name string, max int64) ([]byte, error) {
	return formats.ReadFile(a.tree, name, max, "hfrepo-config-bytes")
}

// contains reports whether the file holds any of needles, reading it in
// chunks so that a large file costs no more memory than a chunk.
func (a *analysis) contains(name string, needles ...string) (bool, error) {
	in, err := a.tree.Open(name)
	if err != nil {
		return false, fmt.Errorf("open: %w", err)
	}
	rc, err := in.Open()
	if err != nil {
		return false, &formats.ReadError{Err: err}
	}
	defer rc.Close()
	longest := 0
	for _, n := range needles {
		longest = max(longest, len(n))
	}
	buf := make([]byte, 0, 1<<20)
	chunk := make([]byte, 1<<20)
	for {
		if err := a.ctx.Err(); err != nil {
			return false, err
		}
		n, rerr := rc.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for _, nd := range needles {
			if bytes.Contains(buf, []byte(nd)) {
				return true, nil
			}
		}
		// Keep the tail that could start a needle split across reads.
		if keep := longest - 1; len(buf) > keep {
			buf = append(buf[:0], buf[len(buf)-keep:]...)
		}
		if rerr == io.EOF {
			return false, nil
		}
		if rerr != nil {
			return false, &formats.ReadError{Err: rerr}
		}
	}
}

// dir is the directory of a tree name, "" at the root.
func dir(name string) string {
	d := path.Dir(name)
	if d == "." {
		return ""
	}
	return d
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// customGenerate reports each custom_generate/ directory once, on its
// generate.py when it has one.
func (a *analysis) customGenerate(names []string) {
	dirs := map[string][]string{}
	var order []string
	for _, n := range names {
		parts := strings.Split(n, "/")
		for i, p := range parts[:len(parts)-1] {
			if p != "custom_generate" {
				continue
			}
			d := strings.Join(parts[:i+1], "/")
			if _, ok := dirs[d]; !ok {
				order = append(order, d)
			}
			dirs[d] = append(dirs[d], strings.Join(parts[i+1:], "/"))
			break
		}
	}
	for _, d := range order {
		files := dirs[d]
		on := d + "/" + files[0]
		if a.names[d+"/generate.py"] {
			on = d + "/generate.py"
		}
		msg := "custom_generate/ replaces generate() with repository code when called with custom_generate and trust_remote_code=True"
		if slices.Contains(files, "requirements.txt") {
			msg += "; its requirements.txt installs packages"
		}
		a.report(on, formats.NewFinding(RuleCustomGenerate, formats.NoOffset, "%s", msg).With("files", listed(files)))
	}
}

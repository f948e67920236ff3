// Package pyreq judges the Python dependency lists model packages ship for
// their loaders to install: pip requirements files (requirements.txt,
// constraints.txt, a TorchServe requirementsFile), the pip section and
// channels of a conda environment (conda.yaml) and the dependency lists
// of an MLflow python_env.yaml.
//
// What it reports is where installed code would come from: a package
// index or find-links location the file chooses (an extra index is how
// dependency confusion works), a VCS checkout or URL archive, a local path
// or another requirements file, an editable install. A plain name with a
// version specifier, resolved from the installer's own index, is not
// reported. It reads text under a size cap and never installs, resolves
// or fetches anything.
package pyreq

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Rule IDs. They never change meaning once released.
const (
	RuleIndex     = "MG870"
	RuleURL       = "MG871"
	RuleLocal     = "MG872"
	RuleMalformed = "MG873"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleIndex, Severity: formats.High, Title: "dependency list chooses the package index",
			Doc: "A requirements file, conda environment or python_env.yaml shipped with the model sets where packages are downloaded from: --index-url, --extra-index-url, --find-links or --trusted-host in a pip list, or a conda channel given as a URL. The model's serving environment (MLflow's env manager, TorchServe's install_py_dep_per_model, mlflow models serve) installs from that host, which runs its packages' code. An extra index is how dependency-confusion attacks substitute a package of the same name (the December 2022 torchtriton compromise went through PyTorch's nightly index). Low for HTTPS URLs of the public index and of well-known framework vendors (download.pytorch.org, pypi.nvidia.com, conda.anaconda.org, ...), high otherwise. Remove the option and install from your own index."},
		{ID: RuleURL, Severity: formats.High, Title: "dependency installed from a URL or version-control checkout",
			Doc: "A dependency is a direct URL (name @ https://..., a bare archive URL) or a VCS checkout (git+, hg+, svn+, bzr+), or an editable install (-e). Installing it downloads and runs whatever that location serves when the environment is built, outside any index and usually unpinned by a hash. Vendor the package or pin it by name, version and --hash from your index."},
		{ID: RuleLocal, Severity: formats.Medium, Title: "dependency installed from a local path or another file",
			Doc: "A dependency is a local path (./pkg, ../x, /abs/path, file:..., a .whl or source archive) or the list includes another requirements or constraints file (-r, -c). The installer runs setup code from that path on the serving host: a file shipped inside the model package, or one that happens to exist where the model is deployed. Review what the path holds."},
		{ID: RuleMalformed, Severity: formats.Low, Title: "dependency list malformed",
			Doc: "A requirements file, conda environment or python_env.yaml could not be read as such (a YAML error, a dependency that is not a string, an option pip does not know). An installer may read it differently from the scan. Review it."},
	} {
		formats.RegisterRule(r)
	}
}

// MaxBytes caps a dependency list read whole. Real ones are kilobytes.
const MaxBytes = 1 << 20

// maxFindings bounds what one list reports.
const maxFindings = 50

// Checker judges dependency lists of one package.
type Checker struct {
	// Shipped reports whether a file another list includes (-r, -c), as
	// written, names a file of the package that is scanned on its own;
	// such an include is not reported. Nil reports every include.
	Shipped func(name string) bool
	// Include, when set, is told every shipped file an include names, so
	// that the caller judges it too (pip reads it as part of the list).
	Include func(name string)
}

// Requirements judges the lines of a pip requirements file and returns a
// finding for each line that takes code from somewhere other than the
// installer's index. Findings carry the line number in their details.
func (c Checker) Requirements(data []byte) []formats.Finding {
	var out []formats.Finding
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxBytes)
	var cont strings.Builder
	n, start := 0, 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if cont.Len() == 0 {
			start = n
		}
		// pip joins a line ending in a backslash with the next.
		if strings.HasSuffix(line, "\\") {
			cont.WriteString(strings.TrimSuffix(line, "\\"))
			cont.WriteByte(' ')
			continue
		}
		cont.WriteString(line)
		for _, f := range c.Line(cont.String()) {
			if len(out) < maxFindings {
				out = append(out, f.With("line", fmt.Sprint(start)))
			}
		}
		cont.Reset()
	}
	if cont.Len() > 0 {
		out = append(out, c.Line(cont.String())...)
	}
	if err := sc.Err(); err != nil {
		out = append(out, formats.NewFinding(RuleMalformed, formats.NoOffset, "requirements could not be read line by line: %v", err))
	}
	return out
}

// Line judges one logical requirements line (continuations joined).
func (c Checker) Line(line string) []formats.Finding {
	line = stripComment(line)
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	if strings.HasPrefix(line, "-") {
		return c.option(line)
	}
	// A requirement may carry per-requirement options after it
	// (--hash=..., --config-settings); the requirement is the first word
	// unless it is a "name @ url" reference.
	return requirement(line)
}

// stripComment removes a comment: '#' at the start or after whitespace, as
// pip's requirement-file parser does (a '#' inside a URL fragment such as
// #egg= is kept).
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// option judges a line starting with '-'.
func (c Checker) option(line string) []formats.Finding {
	name, value := splitOption(line)
	value = strings.Trim(value, `"'`)
	switch name {
	case "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host":
		return []formats.Finding{indexFinding(name, value)}
	case "-e", "--editable":
		return []formats.Finding{formats.NewFinding(RuleURL, formats.NoOffset, "editable install of %s runs its setup code from that location", value).
			With("option", name).With("value", value)}
	case "-r", "--requirement", "-c", "--constraint":
		if c.Shipped != nil && c.Shipped(value) {
			if c.Include != nil {
				c.Include(value)
			}
			return nil
		}
		return []formats.Finding{formats.NewFinding(RuleLocal, formats.NoOffset, "%s %s includes a dependency list that is not in the package", name, value).
			With("option", name).With("value", value)}
	case "--no-index", "--pre", "--prefer-binary", "--require-hashes", "--only-binary", "--no-binary", "--use-feature", "--hash":
		return nil
	}
	return []formats.Finding{formats.NewFinding(RuleMalformed, formats.NoOffset, "option %s is not one pip reads from a requirements file", name).
		With("option", name)}
}

// splitOption splits "--opt=value", "--opt value" and "-ivalue".
func splitOption(line string) (string, string) {
	if i := strings.IndexAny(line, " \t="); i >= 0 {
		return line[:i], strings.TrimSpace(line[i+1:])
	}
	if len(line) > 2 && line[1] != '-' {
		return line[:2], line[2:]
	}
	return line, ""
}

// requirement judges a requirement specifier, direct reference, URL or path.
func requirement(line string) []formats.Finding {
	spec := line
	if i := strings.Index(line, " --"); i >= 0 {
		spec = strings.TrimSpace(line[:i])
	}
	if i := strings.Index(spec, ";"); i >= 0 && !strings.Contains(spec[:i], "://") {
		spec = strings.TrimSpace(spec[:i])
	}
	target := spec
	if i := strings.Index(spec, "@"); i >= 0 && !strings.Contains(spec[:i], "://") && !strings.Contains(spec[:i], "/") {
		// PEP 508 direct reference: name @ url.
		target = strings.TrimSpace(spec[i+1:])
	}
	switch kind := classify(target); kind {
	case "vcs", "url":
		return []formats.Finding{formats.NewFinding(RuleURL, formats.NoOffset, "%s is installed from %s %s", spec, kindWord(kind), target).
			With("requirement", spec).With("source", target)}
	case "path":
		return []formats.Finding{formats.NewFinding(RuleLocal, formats.NoOffset, "%s is installed from the local path %s", spec, target).
			With("requirement", spec).With("source", target)}
	}
	return nil
}

func kindWord(kind string) string {
	if kind == "vcs" {
		return "the version-control checkout"
	}
	return "the URL"
}

// classify says whether a requirement target is a VCS URL, another URL, a
// local path, or a name.
func classify(t string) string {
	lower := strings.ToLower(t)
	for _, p := range []string{"git+", "hg+", "svn+", "bzr+", "git://"} {
		if strings.HasPrefix(lower, p) {
			return "vcs"
		}
	}
	if strings.HasPrefix(lower, "file:") {
		return "path"
	}
	if strings.Contains(lower, "://") {
		return "url"
	}
	if strings.HasPrefix(t, ".") || strings.HasPrefix(t, "/") || strings.HasPrefix(t, "~") || strings.Contains(t, "\\") ||
		len(t) > 2 && t[1] == ':' && (t[2] == '/' || t[2] == '\\') {
		return "path"
	}
	for _, ext := range []string{".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg"} {
		if strings.HasSuffix(lower, ext) {
			return "path"
		}
	}
	if strings.Contains(t, "/") {
		return "path"
	}
	return ""
}

// knownIndexHosts serve the public index and the wheel indexes of major
// framework vendors, which real requirements name to get CUDA builds
// (--extra-index-url https://download.pytorch.org/whl/cu118).
var knownIndexHosts = []string{
	"pypi.org", "files.pythonhosted.org", "download.pytorch.org", "pypi.nvidia.com", "pypi.ngc.nvidia.com",
	"conda.anaconda.org", "repo.anaconda.com", "data.pyg.org", "storage.googleapis.com/jax-releases",
}

// indexFinding reports an option that chooses where packages come from:
// low for a well-known vendor index over HTTPS, high otherwise.
func indexFinding(name, value string) formats.Finding {
	f := formats.NewFinding(RuleIndex, formats.NoOffset, "%s %s: packages are downloaded from a location the model chooses", name, value).
		With("option", name).With("value", value)
	if knownIndex(value) {
		f = f.At(formats.Low).With("vendor", "known")
	}
	return f
}

// knownIndex reports an https URL on a well-known index host.
func knownIndex(u string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(u), "https://")
	if !ok {
		return false
	}
	for _, h := range knownIndexHosts {
		if rest == h || strings.HasPrefix(rest, h+"/") {
			return true
		}
	}
	return false
}

package hfrepo

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// pyPattern is a construct of interest in Python code.
type pyPattern struct {
	label     string
	re        *regexp.Regexp
	dangerous bool // process, eval or socket primitive: MG804
}

// Patterns run on code with comments and string contents blanked, so
// that documentation mentioning os.system does not count. The (^|[^.\w])
// guards keep model.eval() and re.compile() from matching the builtins.
var pyPatterns = []pyPattern{
	{"os.system/popen/exec/spawn", regexp.MustCompile(`\bos\s*\.\s*(system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork|forkpty)\b`), true},
	{"subprocess", regexp.MustCompile(`\bsubprocess\b`), true},
	{"pty", regexp.MustCompile(`(?m)^\s*(import|from)\s+pty\b`), true},
	{"eval/exec/compile", regexp.MustCompile(`(^|[^.\w])(eval|exec|compile)\s*\(`), true},
	{"__import__", regexp.MustCompile(`\b__import__\b`), true},
	{"marshal.loads", regexp.MustCompile(`\bmarshal\s*\.\s*loads?\b`), true},
	{"socket", regexp.MustCompile(`(?m)(^\s*(import|from)\s+socket\b|\bsocket\s*\.\s*socket\s*\()`), true},
	{"ctypes", regexp.MustCompile(`(?m)^\s*(import|from)\s+ctypes\b`), true},
	{"network", regexp.MustCompile(`\b(requests\s*\.\s*(get|post|put|request|Session)|urllib\s*\.\s*request|urlopen|http\s*\.\s*client|httpx|aiohttp)\b`), false},
	{"dynamic import", regexp.MustCompile(`\b(importlib\s*\.\s*import_module|import_module\s*\()`), false},
	{"pickle loading", regexp.MustCompile(`\b(pickle|dill|cloudpickle|joblib)\s*\.\s*loads?\b|\btorch\s*\.\s*load\s*\(`), false},
	{"base64 decoding", regexp.MustCompile(`\b(b64decode|b32decode|b16decode|a85decode|decodebytes)\b`), false},
	{"os.environ", regexp.MustCompile(`\bos\s*\.\s*(environ|getenv)\b`), false},
}

var (
	importRE     = regexp.MustCompile(`(?m)^[ \t]*import[ \t]+([^\n;]+)`)
	fromImportRE = regexp.MustCompile(`(?m)^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import\b`)
)

// maxListed caps the names listed in one detail.
const maxListed = 40

// python summarizes a .py file shipped with the model.
func (a *analysis) python(name string) {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		a.report(name, formats.NewFinding(RulePython, formats.NoOffset, "Python file shipped with the model could not be read for a summary: review it"))
		a.fail(name, err)
		return
	}
	code := stripPython(data)
	imports, relative := pyImports(code)
	var dangerous, other []string
	for _, p := range pyPatterns {
		at := firstUse(p.re, code)
		if at < 0 {
			continue
		}
		hit := fmt.Sprintf("%s (line %d)", p.label, 1+bytes.Count(code[:at], []byte("\n")))
		if p.dangerous {
			dangerous = append(dangerous, hit)
		} else {
			other = append(other, hit)
		}
	}
	var missing []string
	for _, r := range relative {
		if mod := relativeFile(name, r); mod != "" && !a.names[mod+".py"] && !a.names[mod+"/__init__.py"] {
			missing = append(missing, r)
		}
	}
	var f formats.Finding
	if len(dangerous) > 0 {
		f = formats.NewFinding(RulePythonDangerous, formats.NoOffset, "Python code shipped with the model uses %s; it runs with trust_remote_code or custom code loading", strings.Join(dangerous, ", "))
	} else {
		summary := "no process, exec or socket primitives"
		if len(other) > 0 {
			summary = strings.Join(other, ", ")
		}
		f = formats.NewFinding(RulePython, formats.NoOffset, "Python code shipped with the model (remote code): %s", summary)
	}
	f = f.With("imports", listed(imports))
	if len(relative) > 0 {
		f = f.With("relative_imports", listed(relative))
	}
	if len(missing) > 0 {
		f = f.With("missing_relative_imports", listed(missing))
	}
	if len(dangerous)+len(other) > 0 {
		f = f.With("patterns", strings.Join(append(dangerous, other...), "; "))
	}
	f = f.With("lines", fmt.Sprint(1+bytes.Count(data, []byte("\n"))))
	a.report(name, f)
}

// firstUse returns where re first matches code other than in a method
// definition ("def eval(self):" defines, it does not call), or -1.
func firstUse(re *regexp.Regexp, code []byte) int {
	for _, loc := range re.FindAllIndex(code, 1000) {
		before := bytes.TrimRight(code[max(0, loc[0]-16):loc[0]+1], " \t(")
		if bytes.HasSuffix(before, []byte("def")) {
			continue
		}
		return loc[0]
	}
	return -1
}

func listed(names []string) string {
	if len(names) > maxListed {
		return strings.Join(names[:maxListed], " ") + fmt.Sprintf(" (+%d more)", len(names)-maxListed)
	}
	return strings.Join(names, " ")
}

// pyImports lists the top-level modules code imports, and its relative
// imports (".modeling_x"), each sorted and unique.
func pyImports(code []byte) (absolute, relative []string) {
	seen := map[string]bool{}
	add := func(m string) {
		m = strings.TrimSpace(m)
		if m == "" || seen[m] {
			return
		}
		seen[m] = true
		if strings.HasPrefix(m, ".") {
			relative = append(relative, m)
		} else {
			absolute = append(absolute, m)
		}
	}
	for _, m := range importRE.FindAllSubmatch(code, -1) {
		for _, part := range strings.Split(string(m[1]), ",") {
			fields := strings.Fields(strings.Trim(part, " \t()\\"))
			if len(fields) > 0 {
				add(strings.SplitN(fields[0], ".", 2)[0])
			}
		}
	}
	for _, m := range fromImportRE.FindAllSubmatch(code, -1) {
		mod := string(m[1])
		if !strings.HasPrefix(mod, ".") {
			mod = strings.SplitN(mod, ".", 2)[0]
		}
		add(mod)
	}
	slices.Sort(absolute)
	slices.Sort(relative)
	return absolute, relative
}

// relativeFile resolves a relative import of file name to a tree path
// without extension, or "" when it climbs out of the tree.
func relativeFile(name, rel string) string {
	dots := len(rel) - len(strings.TrimLeft(rel, "."))
	d := dir(name)
	for range dots - 1 {
		if d == "" {
			return ""
		}
		d = dir(d)
	}
	mod := strings.ReplaceAll(rel[dots:], ".", "/")
	if mod == "" {
		return ""
	}
	return path.Join(d, mod)
}

// stripPython returns src with comments and string-literal contents
// replaced by spaces (newlines kept, so line numbers hold). f-string
// contents are kept as code, since their braces hold expressions. It is
// a lexer, not a parser: it never fails, whatever the bytes.
func stripPython(src []byte) []byte {
	out := make([]byte, len(src))
	copy(out, src)
	blank := func(from, to int) {
		for k := from; k < to && k < len(out); k++ {
			if out[k] != '\n' {
				out[k] = ' '
			}
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#':
			j := i
			for j < len(src) && src[j] != '\n' {
				j++
			}
			blank(i, j)
			i = j
		case c == '\'' || c == '"':
			fstring := false
			for k := i - 1; k >= 0 && k >= i-3; k-- {
				p := src[k] | 0x20
				if p == 'f' {
					fstring = true
				}
				if p != 'f' && p != 'r' && p != 'b' && p != 'u' {
					break
				}
			}
			quote := src[i : i+1]
			if i+2 < len(src) && src[i+1] == c && src[i+2] == c {
				quote = src[i : i+3]
			}
			start := i + len(quote)
			j := start
			for j < len(src) {
				if src[j] == '\\' {
					j += 2
					continue
				}
				if len(quote) == 1 && src[j] == '\n' {
					break
				}
				if bytes.HasPrefix(src[j:], quote) {
					break
				}
				j++
			}
			end := min(j, len(src))
			if !fstring {
				blank(start, end)
			}
			i = min(end+len(quote), len(src))
			if len(quote) == 1 && end < len(src) && src[end] == '\n' {
				i = end
			}
		default:
			i++
		}
	}
	return out
}

package globals

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

var (
	//go:embed allow.tsv
	allowTSV string
	//go:embed deny.tsv
	denyTSV string
	// ecosystemFS holds the generated lists (tools/allowlist), one per
	// ecosystem.
	//go:embed ecosystems/*.tsv
	ecosystemFS embed.FS
	//go:embed compat.tsv
	compatTSV string
	//go:embed aliases.tsv
	aliasesTSV string
)

// The parsed lists are filled once at init and never written afterwards.
var (
	policy = mustParse(append([]source{{handFile, allowTSV}}, generated()...), denyTSV)
	compat = mustEmbedded("compat.tsv", parseCompat, compatTSV)
	// aliases maps attribute names commonly bound to modules to those modules.
	aliases = mustEmbedded("aliases.tsv", parseAliases, aliasesTSV)
)

// entry is a parsed list line with the form of its pattern.
type entry struct {
	Entry
	file string
	line int
	glob string // for "parent.prefix*" deny entries: prefix
}

// handFile is the hand-kept allow list; generated lists may repeat its
// exact entries to add uses.
const handFile = "allow.tsv"

// source is one embedded allow file.
type source struct{ name, text string }

// generated returns the embedded ecosystem lists in name order.
func generated() []source {
	names, err := fs.Glob(ecosystemFS, "ecosystems/*.tsv")
	if err != nil {
		panic("globals: embedded ecosystems: " + err.Error())
	}
	slices.Sort(names)
	out := make([]source, 0, len(names))
	for _, n := range names {
		b, err := ecosystemFS.ReadFile(n)
		if err != nil {
			panic("globals: embedded " + n + ": " + err.Error())
		}
		out = append(out, source{n, string(b)})
	}
	return out
}

// lists is the parsed policy with its lookup indexes.
type lists struct {
	version    string
	allow      []*entry
	deny       []*entry
	ecosystems []string // sorted names of the allow entries' ecosystems

	allowExact  map[[2]string]*entry // allowKey(module, name)
	allowPrefix map[string]*entry    // "module" of "module.*"
	denyPrefix  map[string]*entry    // dotted path of "a.b" and of "a.b.*"
	denyGlob    map[string][]*entry  // parent path of "parent.prefix*"
	// denyComponent holds "*.X" entries: any path component X after the first.
	denyComponent map[string]*entry
}

type compatTable struct {
	modules map[string]string
	names   map[[2]string][2]string
}

// mustEmbedded parses the embedded data file named file. A malformed
// embedded file is a programming error that the first test run reports,
// never an input error.
func mustEmbedded[T any](file string, parse func(string) (T, error), src string) T {
	v, err := parse(src)
	if err != nil {
		panic("globals: embedded " + file + ": " + err.Error())
	}
	return v
}

// mustParse parses the embedded lists. A malformed embedded list is a
// programming error that the first test run reports, never an input error.
func mustParse(allow []source, deny string) *lists {
	l, err := parseLists(allow, deny)
	if err != nil {
		panic("globals: embedded list: " + err.Error())
	}
	return l
}

// parseAliases reads "alias<TAB>module" lines.
func parseAliases(src string) (map[string][]string, error) {
	out := map[string][]string{}
	for i, line := range strings.Split(src, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 2 || !ident(f[0]) || !identPath(f[1]) {
			return nil, fmt.Errorf("line %d: malformed %q", i+1, line)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("line %d: duplicate alias %q", i+1, f[0])
		}
		out[f[0]] = strings.Split(f[1], ".")
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty table")
	}
	return out, nil
}

func parseLists(allowSrc []source, denySrc string) (*lists, error) {
	l := &lists{
		allowExact:    map[[2]string]*entry{},
		allowPrefix:   map[string]*entry{},
		denyPrefix:    map[string]*entry{},
		denyGlob:      map[string][]*entry{},
		denyComponent: map[string]*entry{},
	}
	dv, deny, err := parseTSV("deny.tsv", denySrc, 4)
	if err != nil {
		return nil, err
	}
	l.version = dv
	ecos := map[string]bool{}
	for _, src := range allowSrc {
		av, allow, err := parseTSV(src.name, src.text, 6)
		if err != nil {
			return nil, err
		}
		if av != dv {
			return nil, fmt.Errorf("%s version %q differs from deny.tsv version %q", src.name, av, dv)
		}
		for _, e := range allow {
			if err := l.addAllow(e); err != nil {
				return nil, fmt.Errorf("%s:%d: %q: %w", e.file, e.line, e.Pattern, err)
			}
			ecos[e.Category] = true
		}
	}
	for _, e := range deny {
		if err := l.addDeny(e); err != nil {
			return nil, fmt.Errorf("deny.tsv:%d: %q: %w", e.line, e.Pattern, err)
		}
	}
	for e := range ecos {
		l.ecosystems = append(l.ecosystems, e)
	}
	slices.Sort(l.ecosystems)
	return l, nil
}

// dataLines calls fn with each entry line of an embedded data file other
// than the allow and deny lists (blank lines and "#" lines are comments),
// and requires its "#version<TAB>" line to carry the lists' version. An
// error of fn stops it, prefixed with the line's number.
func dataLines(src string, fn func(line string) error) error {
	version := ""
	// One line at a time, not strings.Split: the lists run to tens of
	// thousands of lines, and a slice of them all is garbage at once.
	for i := 0; src != ""; i++ {
		var line string
		line, src, _ = strings.Cut(src, "\n")
		if v, ok := strings.CutPrefix(line, "#version\t"); ok {
			version = v
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	if version != policy.version {
		return fmt.Errorf("version %q differs from the lists' %q", version, policy.version)
	}
	return nil
}

// Observations an allow entry may state as its provenance.
var observations = []string{"pickled", "enumerated", "probed", "source-read", "parsed"}

// parseTSV reads "#version<TAB>v" and then entry lines of fields
// tab-separated fields; "#" starts a comment line. Deny lines (4 fields)
// are pattern, severity, category, reason; allow lines (6 fields) are
// pattern, uses, ecosystem, library, observed, reason.
func parseTSV(file, src string, fields int) (string, []*entry, error) {
	var version string
	var out []*entry
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		if v, ok := strings.CutPrefix(line, "#version\t"); ok {
			if version != "" || len(out) > 0 {
				return "", nil, fmt.Errorf("%s:%d: version line must come once, before the entries", file, n)
			}
			if v = strings.TrimSpace(v); v == "" {
				return "", nil, fmt.Errorf("%s:%d: empty version", file, n)
			}
			version = v
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != fields {
			return "", nil, fmt.Errorf("%s:%d: want %d tab-separated fields, got %d", file, n, fields, len(f))
		}
		for j, v := range f {
			if v == "" || strings.TrimSpace(v) != v {
				return "", nil, fmt.Errorf("%s:%d: field %d empty or padded with spaces", file, n, j+1)
			}
		}
		e := &entry{file: file, line: n}
		if fields == 4 {
			sev, err := formats.ParseSeverity(f[1])
			if err != nil {
				return "", nil, fmt.Errorf("%s:%d: %w", file, n, err)
			}
			e.Entry = Entry{Pattern: f[0], Severity: sev, Category: f[2], Reason: f[3]}
		} else {
			uses, err := parseUses(f[1])
			if err != nil {
				return "", nil, fmt.Errorf("%s:%d: %w", file, n, err)
			}
			if !ident(f[2]) {
				return "", nil, fmt.Errorf("%s:%d: ecosystem %q is not an identifier", file, n, f[2])
			}
			if !slices.Contains(observations, f[4]) {
				return "", nil, fmt.Errorf("%s:%d: observed %q is not one of %s", file, n, f[4], strings.Join(observations, ", "))
			}
			e.Entry = Entry{Pattern: f[0], Severity: formats.Info, Category: f[2], Reason: f[5],
				Uses: uses, Library: f[3], Observed: f[4]}
		}
		out = append(out, e)
	}
	if version == "" {
		return "", nil, fmt.Errorf("%s: no #version line", file)
	}
	if len(out) == 0 {
		return "", nil, fmt.Errorf("%s: no entries", file)
	}
	return version, out, nil
}

func (l *lists) addAllow(e *entry) error {
	if mod, ok := strings.CutSuffix(e.Pattern, ".*"); ok {
		if e.Uses != UseClass|UseReference && e.Uses != UseClass {
			return fmt.Errorf("a wildcard allows classes to build only (uses %q)", e.Uses)
		}
		if !identPath(mod) {
			return fmt.Errorf("module %q is not a dotted identifier", mod)
		}
		if _, dup := l.allowPrefix[mod]; dup {
			return fmt.Errorf("duplicate wildcard")
		}
		l.allowPrefix[mod] = e
		l.allow = append(l.allow, e)
		return nil
	}
	mod, name, err := splitPattern(e.Pattern)
	if err != nil {
		return err
	}
	k := allowKey(mod, name)
	if d, dup := l.allowExact[k]; dup {
		if d.file != handFile || e.file == handFile {
			return fmt.Errorf("duplicate of %s:%d", d.file, d.line)
		}
		// The generator repeats a hand entry only to add the uses it
		// checked for the same object's other names (an alias pickled
		// another way); the hand entry keeps its provenance.
		d.Uses |= e.Uses
		return nil
	}
	l.allowExact[k] = e
	l.allow = append(l.allow, e)
	return nil
}

func (l *lists) addDeny(e *entry) error {
	if e.Severity < formats.High {
		return fmt.Errorf("denylist severity must be high or critical, got %s", e.Severity)
	}
	if !slices.Contains(Categories, e.Category) {
		return fmt.Errorf("unknown category %q (want one of %s)", e.Category, strings.Join(Categories, ", "))
	}
	p := e.Pattern
	switch {
	case strings.HasPrefix(p, "*."):
		c := p[2:]
		if !ident(c) {
			return fmt.Errorf("component %q is not an identifier", c)
		}
		if _, dup := l.denyComponent[c]; dup {
			return fmt.Errorf("duplicate entry")
		}
		l.denyComponent[c] = e
	case strings.HasSuffix(p, ".*"):
		if err := l.addDenyPrefix(strings.TrimSuffix(p, ".*"), e); err != nil {
			return err
		}
	case strings.HasSuffix(p, "*"):
		i := strings.LastIndexByte(p, '.')
		if i <= 0 {
			return fmt.Errorf("glob must be parent.prefix*")
		}
		parent, last := p[:i], strings.TrimSuffix(p[i+1:], "*")
		if !identPath(parent) || !ident(last) {
			return fmt.Errorf("glob must be parent.prefix* with identifiers")
		}
		e.glob = last
		l.denyGlob[parent] = append(l.denyGlob[parent], e)
	default:
		mod, name, err := splitPattern(p)
		if err != nil {
			return err
		}
		if err := l.addDenyPrefix(mod+"."+name, e); err != nil {
			return err
		}
	}
	l.deny = append(l.deny, e)
	return nil
}

func (l *lists) addDenyPrefix(path string, e *entry) error {
	if !identPath(path) {
		return fmt.Errorf("%q is not a dotted identifier", path)
	}
	if _, dup := l.denyPrefix[path]; dup {
		return fmt.Errorf("duplicate of another entry for %q", path)
	}
	l.denyPrefix[path] = e
	return nil
}

// splitPattern splits "module:qual.name" at the colon and "module.name" at
// its last dot.
func splitPattern(p string) (string, string, error) {
	mod, name, ok := strings.Cut(p, ":")
	if !ok {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return "", "", fmt.Errorf("want module.name or module:name")
		}
		mod, name = p[:i], p[i+1:]
	}
	if !identPath(mod) || !identPath(name) {
		return "", "", fmt.Errorf("module %q or name %q is not a dotted identifier", mod, name)
	}
	return mod, name, nil
}

func identPath(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range strings.Split(s, ".") {
		if !ident(c) {
			return false
		}
	}
	return true
}

// Identifier reports whether s is an ASCII Python identifier, as the
// lists spell every name.
func Identifier(s string) bool { return ident(s) }

// ident accepts ASCII Python identifiers; the lists name no others.
func ident(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// parseCompat reads "I<TAB>old<TAB>new" and
// "N<TAB>oldmod<TAB>oldname<TAB>newmod<TAB>newname" lines.
func parseCompat(src string) (compatTable, error) {
	c := compatTable{modules: map[string]string{}, names: map[[2]string][2]string{}}
	for i, line := range strings.Split(src, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "I" && len(f) == 3 && identPath(f[1]) && identPath(f[2]):
			if _, dup := c.modules[f[1]]; dup {
				return c, fmt.Errorf("line %d: duplicate module %q", i+1, f[1])
			}
			c.modules[f[1]] = f[2]
		case f[0] == "N" && len(f) == 5 && identPath(f[1]) && ident(f[2]) && identPath(f[3]) && ident(f[4]):
			k := [2]string{f[1], f[2]}
			if _, dup := c.names[k]; dup {
				return c, fmt.Errorf("line %d: duplicate name %s.%s", i+1, f[1], f[2])
			}
			c.names[k] = [2]string{f[3], f[4]}
		default:
			return c, fmt.Errorf("line %d: malformed %q", i+1, line)
		}
	}
	if len(c.modules) == 0 || len(c.names) == 0 {
		return c, fmt.Errorf("empty table")
	}
	return c, nil
}

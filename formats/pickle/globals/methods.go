package globals

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// methodsTXT lists, per allowlisted class, the method names getattr binds
// on its instances (and on the class) without running code, written by
// tools/allowlist/methods.py: a pickle of a bound method obj.meth is
// getattr(obj, "meth").
//
//go:embed ecosystems/methods.txt
var methodsTXT string

// classMethods is one class's listable method names: the names of its
// groups less minus, and names.
type classMethods struct {
	ecosystem string
	groups    [][]string // each sorted, shared between classes
	minus     []string   // sorted
	names     []string   // sorted
}

func (c *classMethods) has(name string) bool {
	if _, ok := slices.BinarySearch(c.names, name); ok {
		return true
	}
	if _, ok := slices.BinarySearch(c.minus, name); ok {
		return false
	}
	for _, g := range c.groups {
		if _, ok := slices.BinarySearch(g, name); ok {
			return true
		}
	}
	return false
}

var methods = mustEmbedded("ecosystems/methods.txt", parseMethods, methodsTXT)

// parseMethods reads "=N<TAB>owner<TAB>names" group lines, which precede
// their use, and "name<TAB>modules<TAB>ecosystem<TAB>library<TAB>items"
// class lines, items being "=N", "-name" or a name.
func parseMethods(src string) (map[[2]string]*classMethods, error) {
	out := map[[2]string]*classMethods{}
	groups := map[string][]string{}
	err := dataLines(src, func(line string) error {
		f := strings.Split(line, "\t")
		if strings.HasPrefix(line, "=") {
			if len(f) != 3 {
				return fmt.Errorf("want 3 tab-separated fields in a group line, got %d", len(f))
			}
			names := strings.Split(f[2], ",")
			if err := methodNames(names); err != nil {
				return err
			}
			groups[f[0][1:]] = names
			return nil
		}
		if len(f) != 5 {
			return fmt.Errorf("want 5 tab-separated fields, got %d", len(f))
		}
		c := &classMethods{ecosystem: f[2]}
		for _, it := range strings.Split(f[4], ",") {
			switch {
			case strings.HasPrefix(it, "="):
				g, ok := groups[it[1:]]
				if !ok {
					return fmt.Errorf("group %q not defined before", it)
				}
				c.groups = append(c.groups, g)
			case strings.HasPrefix(it, "-"):
				c.minus = append(c.minus, it[1:])
			default:
				c.names = append(c.names, it)
			}
		}
		if err := methodNames(c.names); err != nil {
			return err
		}
		if err := methodNames(c.minus); err != nil {
			return err
		}
		for _, mod := range strings.Split(f[1], ",") {
			if !identPath(mod) || !identPath(f[0]) {
				return fmt.Errorf("malformed class %s.%s", mod, f[0])
			}
			k := allowKey(mod, f[0])
			if _, dup := out[k]; dup {
				return fmt.Errorf("class %s.%s listed twice", mod, f[0])
			}
			out[k] = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// methodNames checks a sorted list of listable names: identifiers, no
// underscore first (no dunder, no private name).
func methodNames(names []string) error {
	if !slices.IsSorted(names) {
		return fmt.Errorf("method names not sorted")
	}
	for _, n := range names {
		if !ident(n) || strings.HasPrefix(n, "_") {
			return fmt.Errorf("method name %q is not a public identifier", n)
		}
	}
	return nil
}

// method judges module.name as Class.meth, a method methods.txt lists
// for the class: allowed as a reference only (a bound method held as a
// value; a call of it is another use, reported by the pickle machine).
func method(module, name string, sel Selection) (Verdict, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return Verdict{}, false
	}
	c := methods[allowKey(module, name[:i])]
	if c == nil || !sel.Enabled(c.ecosystem) || !c.has(name[i+1:]) {
		return Verdict{}, false
	}
	return Verdict{Class: Allowed, Severity: formats.Info, Uses: UseReference, Ecosystem: c.ecosystem,
		Entry: module + ":" + name,
		Reason: "a method of " + module + "." + name[:i] + " that getattr binds without running code " +
			"(ecosystems/methods.txt): held as a value, never called at load"}, true
}

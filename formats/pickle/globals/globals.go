// Package globals judges the Python globals (module, name) that a pickle
// names through GLOBAL, STACK_GLOBAL or INST, against embedded, versioned
// allow and deny lists. It never imports, resolves or executes anything:
// a verdict is a pure function of two strings and the embedded data.
package globals

import "github.com/modelgate/modelgate/formats"

// Class is the outcome of judging a global.
type Class int

// Classes of verdict.
const (
	Allowed Class = iota
	Unknown
	Denied
)

// Verdict is the judgement on one global.
type Verdict struct {
	Class    Class
	Severity formats.Severity
	Category string
	Reason   string
	Entry    string
}

// Entry is one line of an embedded list.
type Entry struct {
	Pattern  string
	Severity formats.Severity
	Category string
	Reason   string
}

// Judge classifies module.name.
func Judge(module, name string) Verdict {
	return Verdict{Class: Unknown, Severity: formats.Medium}
}

// MapCompat applies Python 2 to 3 aliases.
func MapCompat(module, name string) (string, string) { return module, name }

// NestedLoader reports whether string arguments of module.name are pickles.
func NestedLoader(module, name string) bool { return false }

// Lists returns the embedded lists.
func Lists() (version string, allow, deny []Entry) { return "", nil, nil }

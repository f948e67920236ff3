package globals

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// dundersTXT lists, per allowlisted global, the methods loading can
// trigger on its instances or on its own object that the generator
// (tools/allowlist/dunders.py) does not vouch for.
//
//go:embed ecosystems/dunders.txt
var dundersTXT string

// Dunder is a set of methods the unpickler or an allowed builtin runs on
// an object it is handed: as a dict key or set element (__hash__,
// __eq__), or as an argument of str, len, sorted, int ...
type Dunder uint64

// The trigger methods, one bit each.
const (
	DunderHash Dunder = 1 << iota
	DunderEq
	DunderRepr
	DunderStr
	DunderFormat
	DunderLen
	DunderBool
	DunderIter
	DunderNext
	DunderReversed
	DunderLt
	DunderGt
	DunderLe
	DunderGe
	DunderAdd
	DunderRadd
	DunderIndex
	DunderInt
	DunderFloat
	DunderComplex
	DunderAbs
	DunderRound
	DunderTrunc
	DunderDivmod
	DunderRdivmod
	DunderPow
	DunderRpow
	DunderBytes
	DunderInstancecheck
	DunderSubclasscheck
	// Methods a mapping consumer runs on a state that is not a dict:
	// dict(state), dict.update(state) (torch.nn.Module's __setstate__)
	// call its keys and then __getitem__ per key, the C OrderedDict its
	// items when it has no keys, pickle.py's BUILD state.items(). keys
	// and items are ordinary methods: an instance attribute of the name
	// answers first (hooks.go).
	DunderGetitem
	DunderKeys
	DunderItems
)

var dunderNames = [...]string{"__hash__", "__eq__", "__repr__", "__str__", "__format__", "__len__", "__bool__",
	"__iter__", "__next__", "__reversed__", "__lt__", "__gt__", "__le__", "__ge__", "__add__", "__radd__",
	"__index__", "__int__", "__float__", "__complex__", "__abs__", "__round__", "__trunc__", "__divmod__",
	"__rdivmod__", "__pow__", "__rpow__", "__bytes__", "__instancecheck__", "__subclasscheck__",
	"__getitem__", "keys", "items"}

// String names the lowest method of d ("__hash__").
func (d Dunder) String() string {
	for i, n := range dunderNames {
		if d&(1<<i) != 0 {
			return n
		}
	}
	return "dunder(?)"
}

// Unvouched is what loading may run on one global's objects without the
// generator's vouching: Instance for the instances a pickle builds of
// the class, Value for the global's own object (a constant, or a class
// as a key or as isinstance's second argument).
type Unvouched struct {
	Instance, Value Dunder
	rows            []dunderRow
}

type dunderRow struct {
	value     bool
	set       Dunder
	severity  formats.Severity
	ecosystem string
	library   string
	reason    string
}

// Why returns the severity and reason of the first method of d that u
// does not vouch for on its instances (value false) or its own object.
func (u *Unvouched) Why(value bool, d Dunder) (Dunder, formats.Severity, string, bool) {
	if u == nil {
		return 0, 0, "", false
	}
	for _, r := range u.rows {
		if r.value == value && r.set&d != 0 {
			return r.set & d & -(r.set & d), r.severity, r.reason, true
		}
	}
	return 0, 0, "", false
}

var unvouched = mustEmbedded("ecosystems/dunders.txt", parseDunders, dundersTXT)

// UnvouchedOf returns what loading may run on module.name's instances or
// object that the generator did not vouch for, or nil when it vouched for
// every trigger method (the common case) or the global is not generated.
func UnvouchedOf(module, name string) *Unvouched {
	return unvouched[allowKey(module, name)]
}

// parseDunders reads pattern, of (instance or value), dunders
// (comma-separated), severity, ecosystem, library and reason.
func parseDunders(src string) (map[[2]string]*Unvouched, error) {
	out := map[[2]string]*Unvouched{}
	err := dataLines(src, func(line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return fmt.Errorf("want 7 tab-separated fields, got %d", len(f))
		}
		mod, name, err := splitPattern(f[0])
		if err != nil {
			return err
		}
		r := dunderRow{value: f[1] == "value", ecosystem: f[4], library: f[5], reason: f[6]}
		if f[1] != "value" && f[1] != "instance" {
			return fmt.Errorf("of %q is neither instance nor value", f[1])
		}
		for _, d := range strings.Split(f[2], ",") {
			j := -1
			for k, n := range dunderNames {
				if n == d {
					j = k
				}
			}
			if j < 0 {
				return fmt.Errorf("unknown dunder %q", d)
			}
			r.set |= 1 << j
		}
		if r.severity, err = formats.ParseSeverity(f[3]); err != nil {
			return err
		}
		if r.severity < formats.Medium || r.reason == "" {
			return errors.New("severity below medium or no reason")
		}
		k := allowKey(mod, name)
		u := out[k]
		if u == nil {
			u = &Unvouched{}
			out[k] = u
		}
		if r.value {
			u.Value |= r.set
		} else {
			u.Instance |= r.set
		}
		u.rows = append(u.rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

package pickle

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// Pieces of hand-made pickles for instance-attribute hooks: an allowlisted
// class built by NEWOBJ, a BUILD dict state and a BUILD slot state setting
// one attribute.
var linear = glob("torch.nn.modules.linear", "Linear") + emptyTuple + newobj

func attrState(k, v string) string { return emptyDict + sbu(k) + v + "s" }
func slotState(k, v string) string { return "N" + emptyDict + sbu(k) + v + "s" + tuple2 }

// hookValues are what a hook attribute holds, with the finding each must
// bring: the rule, and the global whose finding records the call.
var hookValues = []struct {
	name, v, rule, global string
}{
	{"class-only", glob("ultralytics.nn.tasks", "DetectionModel"), RuleMisusedGlobal, ""},
	{"unknown", glob("evilpkg.mod", "fn"), RuleUnknownGlobal, "evilpkg.mod.fn"},
	{"denied", glob("os", "system"), RuleDeniedGlobal, "os.system"},
	{"main", glob("__main__", "helper"), RuleUnknownGlobal, "__main__.helper"},
	{"computed", sbu("pid") + "Q", RuleComputedCall, ""},
	{"dynamic", sbu("os") + sbu("pid") + "Q" + stackGlobal, RuleComputedCall, ""},
}

// TestInstanceHooks asserts that a callable stored as an instance attribute
// the unpickler later looks up and calls (__setstate__ by BUILD, extend or
// append by APPEND(S), add by ADDITEMS) is judged as a call of that value,
// for every way a pickle sets one, and that data attributes of those names
// and ordinary BUILDs stay clean.
func TestInstanceHooks(t *testing.T) {
	type shape struct {
		name string
		make func(v string) []byte
		op   string // the opcode that calls the hook
	}
	shapes := []shape{
		{"__setstate__ in dict state, second BUILD", func(v string) []byte {
			return cat(proto(2), linear, attrState("__setstate__", v), build, sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ in slot state, second BUILD", func(v string) []byte {
			return cat(proto(2), linear, slotState("__setstate__", v), build, sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ set, no second BUILD", func(v string) []byte {
			return cat(proto(2), linear, attrState("__setstate__", v), build, stop)
		}, "BUILD"},
		{"__setstate__ set after a first BUILD", func(v string) []byte {
			return cat(proto(2), linear, attrState("training", "\x88"), build, attrState("__setstate__", v), build, "N", build, stop)
		}, "BUILD"},
		{"__setstate__ in an instance dict the slot state installed", func(v string) []byte {
			return cat(proto(2), linear, binput(0), "N", emptyDict, sbu("__dict__"), emptyDict, binput(1), "s", tuple2, build, pop,
				binget(1), sbu("__setstate__"), v, "s", pop, binget(0), sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ added to the state dict after BUILD", func(v string) []byte {
			return cat(proto(2), linear, emptyDict, binput(1), build, binget(1), sbu("__setstate__"), v, "s", pop, sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ item of an AttributeDict", func(v string) []byte {
			return cat(proto(2), glob("pytorch_lightning.utilities.parsing", "AttributeDict"), emptyTuple, newobj,
				mark, sbu("__setstate__"), v, "u", sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ beyond the kept items of SETITEMS", func(v string) []byte {
			return cat(proto(2), linear, emptyDict, mark, manyAttrs(80), sbu("__setstate__"), v, "u", build, sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ beyond the kept items of DICT", func(v string) []byte {
			return cat(proto(2), linear, mark, manyAttrs(80), sbu("__setstate__"), v, "d", build, sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ item of an OrderedDict BUILD state", func(v string) []byte {
			return cat(proto(2), linear, glob("collections", "OrderedDict"), emptyTuple, reduce, sbu("__setstate__"), v, "s", build, sbu("x"), build, stop)
		}, "BUILD"},
		{"__setstate__ item of an OrderedDict installed as __dict__", func(v string) []byte {
			return cat(proto(2), linear, binput(0), "N", emptyDict, sbu("__dict__"), glob("collections", "OrderedDict"), emptyTuple, reduce, binput(1), "s", tuple2, build, pop,
				binget(1), sbu("__setstate__"), v, "s", pop, binget(0), sbu("x"), build, stop)
		}, "BUILD"},
		{"append then APPEND", func(v string) []byte {
			return cat(proto(2), linear, attrState("append", v), build, sbu("x"), "a", stop)
		}, "APPEND"},
		{"extend then APPENDS", func(v string) []byte {
			return cat(proto(2), linear, attrState("extend", v), build, mark, sbu("x"), "e", stop)
		}, "APPENDS"},
		{"append in slot state then APPENDS", func(v string) []byte {
			return cat(proto(2), linear, slotState("append", v), build, mark, sbu("x"), sbu("y"), "e", stop)
		}, "APPENDS"},
		{"add then ADDITEMS", func(v string) []byte {
			return cat(proto(4), linear, attrState("add", v), build, mark, sbu("x"), "\x90", stop)
		}, "ADDITEMS"},
		{"extend item of an AttributeDict then APPENDS", func(v string) []byte {
			return cat(proto(2), glob("lightning.fabric.utilities.data", "AttributeDict"), emptyTuple, newobj,
				sbu("extend"), v, "s", mark, sbu("x"), "e", stop)
		}, "APPENDS"},
	}
	for _, sh := range shapes {
		for _, hv := range hookValues {
			t.Run(sh.name+"/"+hv.name, func(t *testing.T) {
				rec, _, err := scanBytes(t, sh.make(hv.v), Options{})
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if !slices.Contains(rec.Rules(), hv.rule) {
					t.Fatalf("rule %s not reported: %v", hv.rule, rec.Findings)
				}
				// An item-attribute class's hook items are judged as calls
				// already where SETITEM stores them (itemAttributes).
				setAt := strings.Contains(sh.name, "AttributeDict")
				if hv.global != "" && !slices.ContainsFunc(rec.Findings, func(f formats.Finding) bool {
					op := f.Details["call_opcode"]
					return f.Details["global"] == hv.global && (op == sh.op || setAt && strings.HasPrefix(op, "SETITEM"))
				}) {
					t.Errorf("no call of %s by %s recorded: %v", hv.global, sh.op, rec.Findings)
				}
			})
		}
	}
}

// manyAttrs is SETITEMS or DICT items: n attributes holding ints.
func manyAttrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(sbu(fmt.Sprintf("a%d", i)) + k1(byte(i)))
	}
	return b.String()
}

// TestInstanceHookCases covers the reviewer's reproducer, __class__ set by
// a slot state, and the benign shapes that must stay clean.
func TestInstanceHookCases(t *testing.T) {
	dm := glob("ultralytics.nn.tasks", "DetectionModel")
	tests := []struct {
		name string
		data []byte
		rule string // reported, or "" for nothing at medium or above
	}{
		{"reviewer's reproducer", []byte("\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81}\x8c\x0c__setstate__cultralytics.nn.tasks\nDetectionModel\nsb\x8c\x10https://x/y.yamlb."), RuleMisusedGlobal},
		{"__class__ set to a value-only class", cat(proto(2), linear, slotState("__class__", glob("collections.abc", "Mapping")), build, stop), RuleMisusedGlobal},
		{"__class__ set to an unknown class", cat(proto(2), linear, slotState("__class__", glob("click.evil", "Cls")), build, stop), RuleUnknownGlobal},
		{"__class__ set to a computed class", cat(proto(2), linear, slotState("__class__", sbu("pid")+"Q"), build, stop), RuleComputedCall},
		{"__class__ set to an allowed class", cat(proto(2), linear, slotState("__class__", dm), build, stop), ""},
		{"__class__ in a dict state changes nothing", cat(proto(2), linear, attrState("__class__", glob("collections.abc", "Mapping")), build, stop), ""},
		{"two BUILDs without hooks", cat(proto(2), linear, attrState("training", "\x88"), build, attrState("in_features", k1(3)), build, stop), ""},
		{"__setstate__ held only in a plain dict", cat(proto(2), attrState("__setstate__", dm), stop), ""},
		{"__setstate__ set to None", cat(proto(2), linear, attrState("__setstate__", "N"), build, sbu("x"), build, stop), ""},
		{"append attribute holding data, then APPEND", cat(proto(2), linear, attrState("append", "\x88"), build, sbu("x"), "a", stop), ""},
		{"extend attribute holding data, then APPENDS", cat(proto(2), linear, attrState("extend", sbu("mode")), build, mark, sbu("x"), "e", stop), ""},
		{"append attribute holding a class, no APPEND", cat(proto(2), linear, attrState("append", dm), build, stop), ""},
		{"APPENDS on an instance without hooks", cat(proto(2), linear, mark, sbu("x"), "e", stop), ""},
		{"append item of an OrderedDict, no APPEND", cat(proto(2), glob("collections", "OrderedDict"), emptyTuple, reduce, sbu("append"), dm, "s", stop), ""},
		{"many attributes beyond the kept items", cat(proto(2), linear, emptyDict, mark, manyAttrs(80), "u", build, sbu("x"), build, stop), ""},
		{"allowed function as __setstate__", cat(proto(2), linear, attrState("__setstate__", glob("builtins", "hash")), build, sbu("x"), build, stop), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRule(t, tt.data, tt.rule) })
	}
}

// TestInstanceHooksCPython runs each hook shape through CPython's C and
// pure-Python unpicklers with builtins.print as the hook: the marker must
// be printed (the loader really calls the attribute), and the scan must
// record the call of builtins.print by that opcode.
func TestInstanceHooksCPython(t *testing.T) {
	py := pythontest.Require(t)
	p := glob("builtins", "print")
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	tests := []struct {
		name string
		data []byte
		op   string
	}{
		{"__setstate__ in dict state", cat(proto(2), ns, attrState("__setstate__", p), build, sbu("MARK"), build, stop), "BUILD"},
		{"__setstate__ in slot state", cat(proto(2), ns, slotState("__setstate__", p), build, sbu("MARK"), build, stop), "BUILD"},
		{"__setstate__ in an installed instance dict", cat(proto(2), ns, binput(0), "N", emptyDict, sbu("__dict__"), emptyDict, binput(1), "s", tuple2, build, pop,
			binget(1), sbu("__setstate__"), p, "s", pop, binget(0), sbu("MARK"), build, stop), "BUILD"},
		{"__setstate__ item of an OrderedDict BUILD state", cat(proto(2), ns, glob("collections", "OrderedDict"), emptyTuple, reduce, sbu("__setstate__"), p, "s", build, sbu("MARK"), build, stop), "BUILD"},
		{"__setstate__ item of an OrderedDict installed as __dict__", cat(proto(2), ns, binput(0), "N", emptyDict, sbu("__dict__"), glob("collections", "OrderedDict"), emptyTuple, reduce, binput(1), "s", tuple2, build, pop,
			binget(1), sbu("__setstate__"), p, "s", pop, binget(0), sbu("MARK"), build, stop), "BUILD"},
		{"append then APPEND", cat(proto(2), ns, attrState("append", p), build, sbu("MARK"), "a", stop), "APPEND"},
		{"append then APPENDS", cat(proto(2), ns, attrState("append", p), build, mark, sbu("MARK"), "e", stop), "APPENDS"},
		{"extend shadowing UserList.extend, APPENDS", cat(proto(2), glob("collections", "UserList"), emptyTuple, newobj, attrState("extend", p), build, mark, sbu("MARK"), "e", stop), "APPENDS"},
		{"add then ADDITEMS", cat(proto(4), ns, attrState("add", p), build, mark, sbu("MARK"), "\x90", stop), "ADDITEMS"},
		// The key is computed: the dict state sets the attribute it equals.
		{"append under str(\"append\"), APPEND", cat(proto(2), ns, emptyDict, glob("builtins", "str"), sbu("append"), tuple1, reduce, p, "s", build,
			sbu("MARK"), "a", stop), "APPEND"},
		{"__setstate__ under str(\"__setstate__\") in slot state", cat(proto(2), ns, "N", emptyDict, glob("builtins", "str"), sbu("__setstate__"), tuple1, reduce,
			p, "s", tuple2, build, sbu("MARK"), build, stop), "BUILD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := loadPatched(t, py, "", tt.data)
			if !strings.Contains(out, "MARK") {
				t.Errorf("CPython did not call the hook: %s", out)
			}
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !slices.ContainsFunc(rec.Findings, func(f formats.Finding) bool {
				return f.Details["global"] == "builtins.print" && f.Details["call_opcode"] == tt.op
			}) {
				t.Errorf("no call of builtins.print by %s recorded: %v", tt.op, rec.Findings)
			}
		})
	}
	t.Run("reviewer's reproducer with print", func(t *testing.T) {
		py := pythontest.Require(t, "torch")
		data := []byte("\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81}\x8c\x0c__setstate__cbuiltins\nprint\nsb\x8c\x10https://x/y.yamlb.")
		if out := loadPatched(t, py, "", data); strings.Count(out, "https://x/y.yaml") != 2 {
			t.Errorf("CPython did not call the hook in both unpicklers: %s", out)
		}
	})
}

// TestInstanceHooksCap asserts that a hook set on an instance beyond the
// ones the machine tracks is still judged, as called where it is set.
func TestInstanceHooksCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(proto(2))
	for i := 0; i < maxHooks; i++ {
		b.WriteString(linear + attrState("__setstate__", glob("builtins", "hash")) + build + pop)
	}
	b.WriteString(linear + attrState("__setstate__", glob("ultralytics.nn.tasks", "DetectionModel")) + build + stop)
	rec, _, err := scanBytes(t, []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rec.Rules(), RuleMisusedGlobal) {
		t.Errorf("hook beyond the cap not reported: %v", rec.Findings)
	}
}

// TestStateValuesArrays: a values attribute holding an array (every tree
// of a forest keeps one, and a MultiOutputRegressor of random forests
// holds more trees than maxHooks) takes no hook slot and is never a call;
// an array BUILT over a callable values does not undo the call
// Adam.__setstate__ made of the callable.
func TestStateValuesArrays(t *testing.T) {
	array := glob("numpy.core.multiarray", "_reconstruct") + glob("numpy", "ndarray") + "K\x00" + tuple1 + sbu("b") + "\x87" + reduce
	var b strings.Builder
	b.WriteString(proto(2) + emptyList + mark)
	for i := 0; i < maxHooks+10; i++ {
		b.WriteString(linear + attrState("values", array) + build)
	}
	b.WriteString("e" + stop)
	rec, _, err := scanBytes(t, []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if worst, any := rec.Max(); any && worst >= formats.Medium {
		t.Errorf("a forest's arrays reported: %v", rec.Findings)
	}
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	box := glob("gymnasium.spaces.box", "Box")
	adam := cat(proto(2), glob("torch.optim.adam", "Adam"), emptyTuple, newobj, emptyDict, sbu("defaults"), emptyDict, "s",
		sbu("param_groups"), emptyList, "s", sbu("state"), ns, attrState("values", box), build,
		attrState("values", array), build, "s", build, stop)
	mustFail(t, map[string][]byte{"Adam state whose values a class, then an array": adam})
}

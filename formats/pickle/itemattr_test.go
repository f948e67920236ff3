package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestItemAttributes asserts that a value put into a scikit-learn Bunch or
// a Lightning AttributeDict under a name CPython's unpickler looks up on
// the instance (extend and append for APPEND(S), __setstate__ for BUILD),
// or under a computed key, is judged as a call: those classes' __getattr__
// returns the item, so the unpickler calls it with the pickle's
// arguments. Each gate-failing stream was run with /usr/bin/python3
// (Bunch from scikit-learn 1.2, and a __main__ class of AttributeDict's
// shape) and calls the stored value; the Bunch whose append is gensim's
// IndexedCorpus unpickles the file "<argument>.index".
func TestItemAttributes(t *testing.T) {
	bunch := glob("sklearn.utils", "Bunch")
	attrDict := glob("pytorch_lightning.utilities.parsing", "AttributeDict")
	mainF := glob("__main__", "f")
	newBunch := bunch + emptyTuple + newobj
	setitem := "s"
	appendOp, appends := "a", "e"
	recon := glob("copyreg", "_reconstructor")
	tests := []struct {
		name string
		data []byte
		rule string // a finding of this rule at medium or above
		gate bool   // some finding is medium or above
	}{
		{"Bunch extend, APPENDS", cat(proto(2), newBunch, sbu("extend"), mainF, setitem, mark, sbu("/etc/passwd"), appends, stop),
			RuleUnknownGlobal, true},
		{"Bunch append, APPEND", cat(proto(2), newBunch, sbu("append"), mainF, setitem, sbu("/etc/passwd"), appendOp, stop),
			RuleUnknownGlobal, true},
		{"Bunch append is gensim IndexedCorpus, which unpickles <path>.index", cat(proto(2), newBunch, sbu("append"),
			glob("gensim.corpora.mmcorpus", "IndexedCorpus"), setitem, sbu("/tmp/x"), appendOp, stop), RuleMisusedGlobal, true},
		{"SETITEMS batch", cat(proto(2), newBunch, mark, sbu("data"), k1(1), sbu("extend"), mainF, "u", mark, sbu("x"), appends, stop),
			RuleUnknownGlobal, true},
		{"copyreg.__newobj__ instance", cat(proto(2), glob("copyreg", "__newobj__"), bunch, tuple1, reduce, sbu("extend"), mainF, setitem, stop),
			RuleUnknownGlobal, true},
		{"AttributeDict __setstate__ item, then BUILD", cat(proto(2), attrDict, emptyTuple, newobj, sbu("__setstate__"),
			glob("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint"), setitem, sbu("http://x/"), build, stop), RuleMisusedGlobal, true},
		{"AttributeDict BUILD slotstate sets append", cat(proto(2), attrDict, emptyTuple, newobj, "N", emptyDict, sbu("append"), mainF, setitem,
			tuple2, build, sbu("x"), appendOp, stop), RuleUnknownGlobal, true},
		{"_reconstructor with a dict state", cat(proto(2), recon, bunch, glob("builtins", "dict"), emptyDict, sbu("append"), mainF, setitem,
			"\x87", reduce, sbu("x"), appendOp, stop), RuleUnknownGlobal, true},
		{"_reconstructor with a list of pairs", cat(proto(2), recon, bunch, glob("builtins", "dict"), "]", sbu("append"), mainF, tuple2, appendOp,
			"\x87", reduce, sbu("x"), appendOp, stop), RuleUnknownGlobal, true},
		{"computed key", cat(proto(2), newBunch, glob("builtins", "str"), "C\x06extend", sbu("ascii"), tuple2, reduce, mainF, setitem,
			mark, sbu("x"), appends, stop), RuleUnknownGlobal, true},
		{"an object the pickle built under extend", cat(proto(2), newBunch, sbu("extend"), bunch, emptyTuple, newobj, setitem, stop),
			RuleComputedCall, true},
		// What real Bunch and AttributeDict pickles hold stays clean.
		{"Bunch of data", cat(proto(2), newBunch, mark, sbu("data"), k1(1), sbu("target_names"), mark, sbu("a"), sbu("b"), "l",
			sbu("frame"), "N", "u", stop), "", false},
		{"extend holding a constant", cat(proto(2), newBunch, sbu("extend"), k1(1), setitem, stop), "", false},
		{"hparams holding an allowed class", cat(proto(2), attrDict, emptyTuple, newobj, sbu("dtype"), glob("torch", "float32"), setitem, stop), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, _ := rec.Max(); (worst >= formats.Medium) != tt.gate {
				t.Errorf("worst %s, gate fails = %v: %s", worst, tt.gate, list(rec.Findings))
			}
			if tt.rule == "" {
				return
			}
			for _, f := range rec.Findings {
				if f.Rule == tt.rule && f.Severity >= formats.Medium {
					return
				}
			}
			t.Errorf("no %s finding at medium or above: %s", tt.rule, list(rec.Findings))
		})
	}
}

// TestProtocolHookReads asserts that an allowed pure builtin handed an
// instance whose protocol hook (__len__, __iter__) opens the path its
// state names does not pass: gensim's TextCorpus.__len__ reads self.input
// through utils.file_or_filename (smart_open, so a URL too). With
// /usr/bin/python3 and gensim 4.2 this stream returns the line count of
// the file it names.
func TestProtocolHookReads(t *testing.T) {
	for _, mod := range []string{"gensim.corpora.wikicorpus", "gensim.corpora", "gensim.corpora.textcorpus"} {
		corpus := cat(glob(mod, "TextCorpus"), emptyTuple, newobj, emptyDict, mark, sbu("input"), sbu("/etc/passwd"),
			sbu("length"), "N", "u", build)
		data := cat(proto(2), glob("builtins", "len"), string(corpus), tuple1, reduce, stop)
		rec, _, err := scanBytes(t, data, Options{})
		if err != nil {
			t.Fatalf("error %v", err)
		}
		if worst, _ := rec.Max(); worst < formats.Medium {
			t.Errorf("%s.TextCorpus: worst %s: %s", mod, worst, list(rec.Findings))
		}
	}
}

// TestResolvingKeys asserts that an omegaconf DictConfig or ListConfig
// the pickle builds and then uses as a dict key or set element does not
// pass: their __hash__ is hash(str(self)) and their __eq__ resolves both
// operands' interpolations, so two configs of the same text compared by
// the unpickler's dict run the resolvers the loading program registered.
// With /usr/bin/python3 and omegaconf 2.2, a dict pickled with two such
// keys ({"k": "${spy:x}"}) called the program's "spy" resolver twice
// while loading. The keys are reported as unvouched __eq__ (MG118, the
// generator lists it), the configs a callee reads as misuse (MG116). A
// config held as a value stays clean.
func TestResolvingKeys(t *testing.T) {
	cfg := func(module, class string) string {
		return glob(module, class) + emptyTuple + newobj + emptyDict + sbu("_content") + emptyDict + "s" + build
	}
	dc, lc := cfg("omegaconf.dictconfig", "DictConfig"), cfg("omegaconf.listconfig", "ListConfig")
	reconDC := glob("copyreg", "__newobj__") + glob("omegaconf.dictconfig", "DictConfig") + tuple1 + reduce
	tests := []struct {
		name string
		data []byte
		gate bool
		rule string
	}{
		{"SETITEMS keys", cat(proto(2), emptyDict, mark, dc, k1(1), dc, k1(2), "u", stop), true, RuleUnvouchedDunder},
		{"SETITEM key, built by copyreg.__newobj__", cat(proto(2), emptyDict, reconDC, k1(1), "s", stop), true, RuleUnvouchedDunder},
		{"DICT opcode key", cat(mark, lc, "I1\n", "d", stop), true, RuleUnvouchedDunder},
		{"FROZENSET element", cat(proto(4), mark, dc, dc, "\x91", stop), true, RuleUnvouchedDunder},
		{"ADDITEMS element", cat(proto(4), "\x8f", mark, dc, "\x90", stop), true, RuleUnvouchedDunder},
		{"builtins.set of configs", cat(proto(2), glob("builtins", "set"), mark, dc, dc, "l", tuple1, reduce, stop), true, RuleUnvouchedDunder},
		{"builtins.dict of pairs", cat(proto(2), glob("builtins", "dict"), mark, dc, k1(1), tuple2, "l", tuple1, reduce, stop), true, RuleUnvouchedDunder},
		{"Counter of configs", cat(proto(2), glob("collections", "Counter"), mark, lc, lc, "l", tuple1, reduce, stop), true, RuleUnvouchedDunder},
		// A callee that reads a config's items resolves them: with
		// /usr/bin/python3 and omegaconf 2.2, list(lc), sorted, max, all,
		// tuple, "".join(lc), dict(dc), sum([lc], lc0) and a DictConfig
		// BUILD state of a scikit-learn estimator (BaseEstimator.__setstate__
		// pops from and copies it) each called the "mark" resolver.
		{"builtins.list of a config", cat(proto(2), glob("builtins", "list"), lc, tuple1, reduce, stop), true, RuleMisusedGlobal},
		{"str.join of a config", cat(proto(2), glob("builtins", "getattr"), sbu(""), sbu("join"), tuple2, reduce, lc, tuple1, reduce, stop), true, RuleMisusedGlobal},
		{"builtins.dict of a config", cat(proto(2), glob("builtins", "dict"), dc, tuple1, reduce, stop), true, RuleMisusedGlobal},
		{"builtins.sum adding configs", cat(proto(2), glob("builtins", "sum"), mark, lc, "l", lc, tuple2, reduce, stop), true, RuleMisusedGlobal},
		{"config as a BUILD state", cat(proto(2), glob("sklearn.linear_model._base", "LinearRegression"), emptyTuple, newobj, dc, build, stop), true, RuleMisusedGlobal},
		// Lightning checkpoints hold configs as values.
		{"config as a value", cat(proto(2), emptyDict, sbu("hyper_parameters"), dc, "s", stop), false, ""},
		{"configs in a list", cat(proto(2), mark, dc, lc, "l", stop), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, _ := rec.Max()
			if (worst >= formats.Medium) != tt.gate {
				t.Errorf("worst %s, gate fails = %v: %s", worst, tt.gate, list(rec.Findings))
			}
			seen := false
			for _, f := range rec.Findings {
				seen = seen || f.Rule == tt.rule
				if tt.gate && f.Rule != RuleMisusedGlobal && f.Rule != RuleUnvouchedDunder {
					t.Errorf("unexpected finding %s", list(rec.Findings))
				}
			}
			if tt.gate && !seen {
				t.Errorf("no %s finding: %s", tt.rule, list(rec.Findings))
			}
		})
	}
}

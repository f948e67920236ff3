package pickle

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSkorchPickles asserts the skorch entries and the nested pickle a
// net's BUILD state carries: the bytes NeuralNet.__setstate__ unpickles
// (under __cuda_dependent_attributes__, or cuda_dependent_attributes_
// before skorch 0.6) are scanned with the whole policy, whichever key
// the loading version reads, and torch_load_kwargs may only carry
// constant weights_only and mmap flags. The files are
// testdata/skorch/make.py's nets and hostile variants.
func TestSkorchPickles(t *testing.T) {
	const clf = "skorch.classifier"
	net := func(items string) []byte {
		return cat(proto(2), glob(clf, "NeuralNetClassifier"), emptyTuple, newobj, "}", items, build, stop)
	}
	item := func(key, value string) string { return "(" + sbu(key) + value + "u" }
	system := glob("os", "system") + sbu("id") + tuple1 + reduce
	tests := []ruleCase{
		{"net with an empty nested pickle", net(item("__cuda_dependent_attributes__", binbytes("\x80\x02}q\x00."))), ""},
		{"net without its nested pickle", net(item("device", sbu("cpu"))), RuleNestedPickle},
		{"net with a computed nested pickle", net(item("__cuda_dependent_attributes__", system)), RuleDeniedGlobal},
		{"net with a str state", cat(proto(2), glob(clf, "NeuralNetClassifier"), emptyTuple, newobj, sbu("x"), build, stop), RuleNestedPickle},
		{"net with the nested pickle set twice", net(item("__cuda_dependent_attributes__", binbytes("\x80\x02}q\x00.")) +
			item("__cuda_dependent_attributes__", binbytes("\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R."))), RuleDeniedGlobal},
		// "".join(["__cuda_dependent_attributes__"]) is the key skorch >=
		// 0.6 reads; the old key's benign bytes must not stand in for it.
		{"net with a computed key beside the old key", net("(" + glob("builtins", "getattr") + sbu("") + sbu("join") + tuple2 + reduce +
			"]" + sbu("__cuda_dependent_attributes__") + "a" + tuple1 + reduce +
			binbytes("\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.") + "u" +
			item("cuda_dependent_attributes_", binbytes("\x80\x02}q\x00."))), RuleNestedPickle},
		{"net with a torch_load_kwargs flag", net(item("__cuda_dependent_attributes__", binbytes("\x80\x02}q\x00.")) +
			item("torch_load_kwargs", "}"+sbu("weights_only")+"\x88s")), ""},
		{"net with a torch_load_kwargs string", net(item("__cuda_dependent_attributes__", binbytes("\x80\x02}q\x00.")) +
			item("torch_load_kwargs", "}"+sbu("encoding")+sbu("latin1")+"s")), RuleNestedPickle},
		{"History built", cat(proto(2), glob("skorch.history", "History"), emptyTuple, newobj, stop), ""},
		{"PrintLog called", cat(proto(2), glob("skorch.callbacks.logging", "PrintLog"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"NeuralNetRegressor called", cat(proto(2), glob("skorch.regressor", "NeuralNetRegressor"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		// Not listed: it saves the net to files when the program trains.
		{"Checkpoint stays off", cat(proto(2), glob("skorch.callbacks.training", "Checkpoint"), emptyTuple, newobj, stop), RuleUnknownGlobal},
	}
	runRuleCases(t, tests)
	files := []struct {
		file string
		rule string
	}{
		{"net.pkl", ""},
		{"net_0.5.pkl", ""},
		{"hostile_nested_system.pkl", RuleDeniedGlobal},
		{"hostile_old_key_system.pkl", RuleDeniedGlobal},
		{"hostile_pickle_module.pkl", RuleNestedPickle},
		{"hostile_net_called.pkl", RuleMisusedGlobal},
		{"hostile_print_called.pkl", RuleIntrospection},
	}
	for _, tt := range files {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "skorch", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			t.Logf("%v", rec.Findings)
			checkRL(t, rec, tt.rule)
		})
	}
}

// binbytes is a BINBYTES opcode holding s.
func binbytes(s string) string {
	n := len(s)
	return "B" + string([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}) + s
}

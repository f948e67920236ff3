package pickle

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestConfigsAtDepth asserts where a DictConfig or ListConfig is read at
// load, however deep in the containers it sits: in the BUILD state of a
// class whose __setstate__ reads its state, in what an allowed callee
// reads or compares, in a key a dict builder hashes. A config a storing
// constructor keeps as a value, or a class stores unread as an attribute
// (torch.nn.Module, no __setstate__), stays clean: Lightning and Hydra
// checkpoints hold them so.
func TestConfigsAtDepth(t *testing.T) {
	dc := config
	module := func(state string) string {
		return glob("torch.nn.modules.linear", "Linear") + emptyTuple + newobj + state + build
	}
	estimator := func(state string) string {
		return glob("sklearn.linear_model._base", "LinearRegression") + emptyTuple + newobj + state + build
	}
	dict1 := func(k, v string) string { return emptyDict + sbu(k) + v + "s" }
	tests := []struct {
		name string
		data []byte
		gate bool
	}{
		// BUILD states.
		{"estimator state holding a config in a list", cat(proto(2), estimator(dict1("a", mark+dc+"l")), stop), true},
		{"estimator state holding a config in a dict of a tuple", cat(proto(2), estimator(dict1("a", dict1("b", dc+tuple1))), stop), true},
		{"estimator state holding a config in an OrderedDict call", cat(proto(2), estimator(dict1("a", glob("collections", "OrderedDict")+mark+sbu("k")+dc+tuple2+"l"+tuple1+reduce)), stop), true},
		{"config as the _metadata of a config's state", cat(proto(2), glob("omegaconf.dictconfig", "DictConfig"), emptyTuple, newobj, dict1("_metadata", dc), build, stop), true},
		{"estimator state holding an OrderedDict filled with a config", cat(proto(2), estimator(dict1("a", glob("collections", "OrderedDict")+emptyTuple+reduce+sbu("k")+dc+"s")), stop), true},
		{"nn.Module state holding a config attribute", cat(proto(2), module(dict1("hparams", dc)), stop), false},
		{"nn.Module state holding configs deep", cat(proto(2), module(dict1("hparams", mark+dc+dc+"l")), stop), false},
		// An allowlist row whose reviewed reason says BUILD is
		// nn.Module's __dict__ update, for a library not installed.
		{"fastai module state holding a config", cat(proto(2), glob("fastai.layers", "SEModule"), emptyTuple, newobj, dict1("cfg", dc), build, stop), false},
		{"nn.Module state with real _parameters, _modules, _buffers beside a config", cat(proto(2), module(dict1("_parameters", glob("collections", "OrderedDict")+emptyTuple+reduce)+sbu("_modules")+emptyDict+"s"+sbu("_buffers")+emptyDict+"s"+sbu("cfg")+dc+"s"), stop), false},
		{"nn.Module state whose _modules holds a config", cat(proto(2), module(dict1("_modules", mark+dc+"l")), stop), true},
		{"nn.Module slot state holding a config", cat(proto(2), module(emptyDict+dict1("cfg", dc)+tuple2), stop), true},
		{"nn.Module slot state holding constants", cat(proto(2), module(emptyDict+dict1("x", k1(1))+tuple2), stop), false},
		{"argparse.Namespace state holding a config", cat(proto(2), glob("argparse", "Namespace"), emptyTuple, newobj, dict1("cfg", dc), build, stop), false},
		{"config's own state holding nested configs", cat(proto(2), glob("omegaconf.dictconfig", "DictConfig"), emptyTuple, newobj, dict1("_content", dict1("a", dc)), build, stop), false},
		{"AttributeDict item holding a config", cat(proto(2), glob("lightning.fabric.utilities.data", "AttributeDict"), emptyTuple, newobj, sbu("cfg"), dc, "s", stop), false},
		// Calls.
		{"sorted of tuples of configs", cat(proto(2), glob("builtins", "sorted"), mark, dc, tuple1, dc, tuple1, "l", tuple1, reduce, stop), true},
		{"max of lists holding configs", cat(proto(2), glob("builtins", "max"), mark, mark, dc, "l", mark, dc, "l", "l", tuple1, reduce, stop), true},
		{"dict of pairs with a tuple key holding a config", cat(proto(2), glob("builtins", "dict"), mark, dc, tuple1, k1(1), tuple2, "l", tuple1, reduce, stop), true},
		{"frozenset of tuples holding configs", cat(proto(2), glob("builtins", "frozenset"), mark, dc, tuple1, "l", tuple1, reduce, stop), true},
		{"list of a list holding a config", cat(proto(2), glob("builtins", "list"), mark, dc, "l", tuple1, reduce, stop), false},
		{"dict of pairs with a config value", cat(proto(2), glob("builtins", "dict"), mark, sbu("k"), dc, tuple2, "l", tuple1, reduce, stop), false},
		{"OrderedDict of pairs with config values", cat(proto(2), glob("collections", "OrderedDict"), mark, sbu("k"), mark, dc, "l", tuple2, "l", tuple1, reduce, stop), false},
		{"checkpoint dict holding a config", cat(proto(2), dict1("hyper_parameters", dict1("cfg", dc)), stop), false},
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
			if !tt.gate {
				return
			}
			seen := false
			for _, f := range rec.Findings {
				seen = seen || f.Rule == RuleMisusedGlobal || f.Rule == RuleUnvouchedDunder
			}
			if !seen {
				t.Errorf("no %s or %s finding: %s", RuleMisusedGlobal, RuleUnvouchedDunder, list(rec.Findings))
			}
		})
	}
}

// TestConfigSamples scans the real pickles of testdata/configs
// (make_configs.py): configs a checkpoint or a module stores stay clean;
// configs sorted compares or pandas' __setstate__ unpacks are reported.
func TestConfigSamples(t *testing.T) {
	tests := []struct {
		file string
		gate bool
	}{
		{"checkpoint_p2.pkl", false},
		{"checkpoint_p4.pkl", false},
		{"module_p2.pkl", false},
		{"module_p4.pkl", false},
		{"sorted_pairs.pkl", true},
		{"series_flags.pkl", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "configs", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if got := any && worst >= formats.Medium; got != tt.gate {
				t.Errorf("gate fails = %v, want %v: %s", got, tt.gate, list(rec.Findings))
			}
			if tt.gate && !strings.Contains(list(rec.Findings), RuleMisusedGlobal) {
				t.Errorf("want an MG116 finding: %s", list(rec.Findings))
			}
		})
	}
}

// TestDepthLimits: past CPython's recursion limit a search stops, and
// the stream ends inconclusive, never clean, when something lies deeper.
func TestDepthLimits(t *testing.T) {
	nest := func(v string, n int) string { return v + strings.Repeat(tuple1, n) }
	tests := []struct {
		name, limit string
		data        []byte
	}{
		{"sorted of configs nested past the config depth", "pickle-config-depth", cat(proto(2), glob("builtins", "sorted"), mark, nest(config, maxConfigDepth+1), "l", tuple1, reduce, stop)},
		{"str of a Series nested past the dunder depth", "pickle-dunder-depth", cat(proto(2), glob("builtins", "str"), nest(series, maxShownDepth+1), tuple1, reduce, stop)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := scanBytes(t, tt.data, Options{})
			var le *formats.LimitError
			if !errors.As(err, &le) || le.Limit != tt.limit {
				t.Fatalf("err %v, want limit %s", err, tt.limit)
			}
		})
	}
}

// TestConfigSearchLimit: one list searched again by every BUILD that
// holds it would cost the product of their numbers; past maxConfigSteps
// the stream ends in a limit error, inconclusive, not clean.
func TestConfigSearchLimit(t *testing.T) {
	const items, builds = 4096, maxConfigSteps/4096 + 16
	var b strings.Builder
	b.WriteString(proto(2) + config + pop + mark + strings.Repeat("N", items) + "l" + binput(1) + pop)
	b.WriteString(glob("sklearn.linear_model._base", "LinearRegression") + binput(2) + pop)
	for range builds {
		b.WriteString(binget(2) + emptyTuple + newobj + emptyDict + sbu("a") + binget(1) + "s" + build + pop)
	}
	b.WriteString("N" + stop)
	_, err := Scan(context.Background(), strings.NewReader(b.String()), formatstest.NewRecorder(), Options{MaxItems: 2 * items})
	var le *formats.LimitError
	if !errors.As(err, &le) || le.Limit != "pickle-config-search" {
		t.Fatalf("err %v, want limit pickle-config-search", err)
	}
}

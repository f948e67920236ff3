package pickle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// Objects of allowlisted globals the dunder tests hand to triggers: an
// empty torch UntypedStorage (whose __str__ reaches torch's
// _import_dotted_name, ecosystems/dunders.txt), a pandas Series built the
// way pickle builds one (its __repr__ reaches Series.to_string, which names
// open), an omegaconf DictConfig (whose __eq__ resolves interpolations) and
// an xgboost Booster (iterating it falls back to __getitem__, which calls
// into ctypes).
var (
	storage = glob("torch.storage", "UntypedStorage") + emptyTuple + newobj
	series  = glob("copyreg", "_reconstructor") + glob("pandas.core.series", "Series") + glob("builtins", "object") + "N" + "\x87" + reduce
	config  = glob("omegaconf.dictconfig", "DictConfig") + emptyTuple + newobj + emptyDict + sbu("_content") + emptyDict + "s" + build
	booster = glob("copyreg", "_reconstructor") + glob("xgboost.core", "Booster") + glob("builtins", "object") + "N" + "\x87" + reduce
)

// call1 is a REDUCE of module.name on one argument.
func call1(module, name, arg string) string { return glob(module, name) + arg + tuple1 + reduce }

// TestDunderTriggers asserts that an object of an allowlisted global
// reaching a method the generator did not vouch for is reported (MG118,
// at the severity of what the method's code names), for every kind of
// trigger, and that the same objects held as values, or handed to a
// trigger whose method is vouched for, stay clean.
func TestDunderTriggers(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		sev  formats.Severity // 0: nothing at medium or above
	}{
		// Builtins called with the object.
		{"str of an UntypedStorage", cat(proto(2), call1("builtins", "str", storage), stop), formats.Critical},
		{"format of an UntypedStorage", cat(proto(2), glob("builtins", "format"), storage, sbu(""), tuple2, reduce, stop), formats.Critical},
		{"repr of a Series", cat(proto(2), call1("builtins", "repr", series), stop), formats.High},
		{"str of a Series, NEWOBJ of str", cat(proto(2), glob("builtins", "str"), series, tuple1, newobj, stop), formats.High},
		{"str.join of a Booster", cat(proto(2), glob("builtins", "getattr"), sbu(""), sbu("join"), tuple2, reduce, booster, tuple1, reduce, stop), formats.Critical},
		{"list of a Booster", cat(proto(2), call1("builtins", "list", booster), stop), formats.Critical},
		{"sorted of a Booster", cat(proto(2), call1("builtins", "sorted", booster), stop), formats.Critical},
		{"sorted of a list holding a Booster, whose comparisons are vouched for", cat(proto(2), glob("builtins", "sorted"), mark, booster, booster, "l", tuple1, reduce, stop), 0},
		// Dict keys and set elements.
		{"tuple key holding a DictConfig", cat(proto(2), emptyDict, config, k1(1), tuple2, k1(1), "s", stop), formats.Medium},
		{"set element in a tuple", cat(proto(4), "\x8f", mark, config, tuple1, "\x90", stop), formats.Medium},
		{"dict.__init__ of copyreg._reconstructor on pairs", cat(proto(2), glob("copyreg", "_reconstructor"), glob("collections", "OrderedDict"),
			glob("builtins", "dict"), mark, config, k1(1), tuple2, "l", "\x87", reduce, stop), formats.Medium},
		{"str of a Series rebuilt by torch._rebuild_from_type_v2", cat(proto(2), glob("builtins", "str"), glob("torch._tensor", "_rebuild_from_type_v2"),
			mark, glob("torch._utils", "_rebuild_parameter"), glob("pandas.core.series", "Series"), emptyTuple, "N", "t", reduce, tuple1, reduce, stop), formats.High},
		{"frozenset NEWOBJ of configs", cat(proto(2), glob("builtins", "frozenset"), mark, config, "l", tuple1, newobj, stop), formats.Medium},
		// str, repr and format render what containers and exceptions
		// hold: repr of every item, str of an exception's one argument.
		{"str of a list in a dict in a tuple holding a Series", cat(proto(2), glob("builtins", "str"), emptyDict, sbu("k"), mark, series, "l", "s", tuple1, tuple1, reduce, stop), formats.High},
		{"repr of a set holding a Series", cat(proto(4), glob("builtins", "repr"), "\x8f", mark, series, "\x90", tuple1, reduce, stop), formats.High},
		{"str of a KeyError holding a Series", cat(proto(2), call1("builtins", "str", call1("builtins", "KeyError", series)), stop), formats.High},
		{"str of an OSError of two arguments holding an UntypedStorage", cat(proto(2), glob("builtins", "str"), glob("builtins", "OSError"), k1(1), storage, tuple2, reduce, tuple1, reduce, stop), formats.Critical},
		{"str of a ValueError rebuilt by copyreg.__newobj__ holding an UntypedStorage", cat(proto(2), glob("builtins", "str"), glob("copyreg", "__newobj__"), glob("builtins", "ValueError"), storage, tuple2, reduce, tuple1, reduce, stop), formats.Critical},
		{"str of an Exception whose BUILD state sets args to a Series", cat(proto(2), glob("builtins", "str"), glob("builtins", "Exception"), emptyTuple, reduce,
			emptyDict, sbu("args"), series, tuple1, "s", build, tuple1, reduce, stop), formats.High},
		{"str of an OrderedDict built from pairs holding a Series", cat(proto(2), glob("builtins", "str"), glob("collections", "OrderedDict"), mark, sbu("k"), series, tuple2, "l", tuple1, reduce, tuple1, reduce, stop), formats.High},
		{"repr of an estimator whose BUILD state holds a Series", cat(proto(2), glob("builtins", "repr"), glob("copyreg", "_reconstructor"), glob("sklearn.linear_model._base", "LinearRegression"),
			glob("builtins", "object"), "N", "\x87", reduce, emptyDict, sbu("n_jobs"), series, "s", build, tuple1, reduce, stop), formats.High},
		// A callable outside builtins may iterate anything its arguments
		// hold: torch.optim.Adam iterates a param group's params.
		{"torch.optim.Adam of a param group holding a Booster", cat(proto(2), glob("torch.optim.adam", "Adam"), mark, emptyDict, sbu("params"), booster, "s", "l", tuple1, reduce, stop), formats.Critical},
		// It may render them too: an Enum repr's a value it does not know
		// in its ValueError.
		{"Enum class called with a tuple holding a Series", cat(proto(2), glob("omegaconf.base", "SCMode"), series, tuple1, tuple1, reduce, stop), formats.High},
		{"Enum class called with an int beside a Series", cat(proto(2), mark, series, glob("omegaconf.base", "SCMode"), k1(1), tuple1, reduce, "l", stop), 0},
		// BUILD: setattr of a slot state runs property setters; torch's
		// Module.__setattr__ tests names in _parameters, _modules, _buffers.
		{"slot state holding a Series", cat(proto(2), glob("sklearn.linear_model._base", "LinearRegression"), emptyTuple, newobj, "N", emptyDict, sbu("s"), mark, series, "l", "s", tuple2, build, stop), formats.High},
		{"Linear state whose _modules is a Booster", cat(proto(2), glob("torch.nn.modules.linear", "Linear"), emptyTuple, newobj, emptyDict, sbu("_modules"), booster, "s", build, stop), formats.Critical},
		{"Linear state holding a Booster attribute", cat(proto(2), glob("torch.nn.modules.linear", "Linear"), emptyTuple, newobj, emptyDict, sbu("b"), booster, "s", build, stop), 0},
		{"str of a list holding an UntypedStorage, whose repr is vouched for", cat(proto(2), glob("builtins", "str"), mark, storage, "l", tuple1, reduce, stop), 0},
		{"str of an Exception of two arguments holding an UntypedStorage, whose repr is vouched for", cat(proto(2), glob("builtins", "str"), glob("builtins", "Exception"), k1(1), storage, tuple2, reduce, tuple1, reduce, stop), 0},
		{"repr of a ValueError holding an UntypedStorage", cat(proto(2), call1("builtins", "repr", call1("builtins", "ValueError", storage)), stop), 0},
		{"collections.deque of a list of Boosters", cat(proto(2), glob("collections", "deque"), mark, booster, booster, "l", tuple1, reduce, stop), 0},
		{"torch storage rebuilt beside a Booster", cat(proto(2), mark, booster, glob("torch._utils", "_rebuild_tensor_v2"), mark, sbu("0"), "Q", k1(0), k1(2), tuple1, k1(1), tuple1, "\x89",
			glob("collections", "OrderedDict"), emptyTuple, reduce, "t", reduce, "l", stop), 0},
		// Vouched methods and values stay clean.
		{"isinstance against a legacy tensor type, whose metaclass check is reviewed", cat(proto(2), glob("builtins", "isinstance"), storage, glob("torch", "FloatTensor"), tuple2, reduce, stop), 0},
		{"UntypedStorage as a dict key", cat(proto(2), emptyDict, storage, k1(1), "s", stop), 0},
		{"hash of an UntypedStorage", cat(proto(2), call1("builtins", "hash", storage), stop), 0},
		{"len of an UntypedStorage", cat(proto(2), call1("builtins", "len", storage), stop), 0},
		{"Series as a dict value", cat(proto(2), emptyDict, sbu("s"), series, "s", stop), 0},
		{"str of a string beside a Series", cat(proto(2), mark, series, call1("builtins", "str", sbu("x")), "l", stop), 0},
		{"configs in a list", cat(proto(2), mark, config, config, "l", stop), 0},
		{"Booster as a BUILD target", cat(proto(2), booster, emptyDict, build, stop), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.sev == 0 {
				if any && worst >= formats.Medium {
					t.Errorf("benign form has findings: %s", list(rec.Findings))
				}
				return
			}
			found := false
			for _, f := range rec.Findings {
				if f.Rule == RuleUnvouchedDunder && f.Severity == tt.sev {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s MG118 finding: %s", tt.sev, list(rec.Findings))
			}
		})
	}
}

// TestDunderSamples scans the real pickles of testdata/dunders
// (make_dunders.py): objects libraries pickle as dict keys and set
// elements stay clean; a Series handed to str or format and tuple keys of
// equal configs are reported.
func TestDunderSamples(t *testing.T) {
	tests := []struct {
		file string
		sev  formats.Severity
	}{
		{"keys_p2.pkl", 0},
		{"keys_p4.pkl", 0},
		{"str_series.pkl", formats.High},
		{"format_series.pkl", formats.High},
		{"config_keys.pkl", formats.Medium},
		{"str_list_series.pkl", formats.High},
		{"format_exception_series.pkl", formats.High},
		{"deque_booster.pkl", formats.Critical},
		{"adam_booster.pkl", formats.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "dunders", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.sev == 0 && any && worst >= formats.Medium {
				t.Errorf("real keys have findings: %s", list(rec.Findings))
			}
			if tt.sev != 0 && (worst != tt.sev || !strings.Contains(list(rec.Findings), RuleUnvouchedDunder)) {
				t.Errorf("want a %s MG118 finding: %s", tt.sev, list(rec.Findings))
			}
		})
	}
}

// TestDunderTriggersReached proves the triggers against CPython's
// unpicklers (C and pure Python): loading each pickle runs the method the
// finding names, seen by a marker the patched method or the program's
// resolver prints.
func TestDunderTriggersReached(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "dunders", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	seriesMark := "import pandas.core.series as s\no = s.Series.to_string\n" +
		"s.Series.to_string = lambda self, *a, **k: (print('MARK'), o(self, *a, **k))[1]\n"
	boosterMark := "import xgboost.core as c\no = c.Booster.__getitem__\n" +
		"c.Booster.__getitem__ = lambda self, *a: (print('MARK'), o(self, *a))[1]\n"
	tests := []struct {
		name, module, preamble string
		data                   []byte
		// raises: loading fails after the method ran (Adam rejects a
		// parameter that is not a tensor once it has listed them).
		raises bool
	}{
		{"str of a Series runs Series.to_string", "pandas", seriesMark, read("str_series.pkl"), false},
		{"format of a Series runs Series.to_string", "pandas", seriesMark, read("format_series.pkl"), false},
		{"str of a list holding a Series runs Series.to_string", "pandas", seriesMark, read("str_list_series.pkl"), false},
		{"format of a ValueError holding a Series runs Series.to_string", "pandas", seriesMark, read("format_exception_series.pkl"), false},
		{"collections.deque of a Booster runs Booster.__getitem__", "xgboost", boosterMark, read("deque_booster.pkl"), false},
		{"torch.optim.Adam of a param group of a Booster runs Booster.__getitem__", "xgboost", "import torch\n" + boosterMark, read("adam_booster.pkl"), true},
		{"str of an UntypedStorage runs its __str__", "torch",
			"import torch.storage as s\no = s._StorageBase.__str__\ns._StorageBase.__str__ = lambda self: (print('MARK'), o(self))[1]\n",
			cat(proto(2), call1("builtins", "str", storage), stop), false},
		{"tuple keys of equal configs run DictConfig.__eq__", "omegaconf",
			"from omegaconf import OmegaConf\nOmegaConf.register_new_resolver('spy', lambda x: print('MARK') or x)\n",
			read("config_keys.pkl"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			py := pythontest.Require(t, tt.module)
			out := loadPatched(t, py, tt.preamble, tt.data)
			if strings.Count(out, "MARK") < 2 || (!tt.raises && strings.Contains(out, "error:")) {
				t.Errorf("both unpicklers should run the method: %s", out)
			}
		})
	}
}

// loadPatched loads data with the C and the pure-Python unpickler after
// running preamble, and returns what they printed.
func loadPatched(t *testing.T, py, preamble string, data []byte) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script := "import io, pickle, sys, warnings\nwarnings.simplefilter('ignore')\n" + preamble + `d = sys.stdin.buffer.read()
for load in (pickle.loads, lambda d: pickle._Unpickler(io.BytesIO(d)).load()):
    try:
        load(d)
    except Exception as e:
        print("error:", type(e).__name__, e)
`
	cmd := exec.CommandContext(ctx, py, "-c", script)
	cmd.Env = pythontest.Env(t.TempDir())
	cmd.Stdin = strings.NewReader(string(data))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v: %s", err, out)
	}
	return string(out)
}

// TestDunderShownUnkept asserts that str of a container holding more
// items than the machine keeps, or of an instance given items, in a
// stream naming a global with an unvouched __repr__, is inconclusive: an
// item it did not keep could be that global's instance.
func TestDunderShownUnkept(t *testing.T) {
	// 70 ints and then the Series: the list keeps the ints only.
	for name, data := range map[string][]byte{
		"list of 71 items": cat(proto(2), series, "q\x00", "0", glob("builtins", "str"), mark, strings.Repeat(k1(0), 70), "h\x00", "l", tuple1, reduce, stop),
		"config beyond a sorted list's kept items": cat(proto(2), glob("builtins", "sorted"), mark, strings.Repeat(k1(0), 70),
			glob("omegaconf.dictconfig", "DictConfig"), emptyTuple, newobj, "l", tuple1, reduce, stop),
		"OrderedDict filled by SETITEMS": cat(proto(2), series, "0", glob("builtins", "str"), glob("collections", "OrderedDict"), emptyTuple, reduce,
			mark, sbu("k"), k1(0), "u", tuple1, reduce, stop),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := scanBytes(t, data, Options{})
			var le *formats.LimitError
			if !errors.As(err, &le) {
				t.Fatalf("want a limit error, got %v", err)
			}
		})
	}
}

// TestDunderUnkeptScalars: a container that dropped only plain scalars
// holds no object, so a pandas Series pickle whose index has more names
// than the machine keeps is clean (the shap crime.pickle shape).
func TestDunderUnkeptScalars(t *testing.T) {
	var names strings.Builder
	for i := 0; i < 100; i++ {
		names.WriteString(sbu(fmt.Sprintf("col%d", i)))
	}
	data := cat(proto(2), series, "0", glob("pandas.core.indexes.base", "_new_Index"), glob("pandas.core.indexes.base", "Index"),
		emptyDict, sbu("data"), mark, names.String(), "l", "s", tuple2, reduce, stop)
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("error %v", err)
	}
	if worst, any := rec.Max(); any && worst >= formats.Medium {
		t.Errorf("findings: %s", list(rec.Findings))
	}
}

// TestDunderShownSharedInstances: an enum called with instances each
// built from the one before twice (2^40 paths through 80 cells) ends
// inconclusive at the cell bound too, since rendering an instance is
// assumed to render what it was built from.
func TestDunderShownSharedInstances(t *testing.T) {
	var b strings.Builder
	b.WriteString(proto(2) + series + "q\x00" + "0")
	for i := byte(1); i <= 40; i++ {
		b.WriteString(glob("argparse", "Namespace") + "h" + string([]byte{i - 1}) + "h" + string([]byte{i - 1}) + tuple2 + reduce + "q" + string([]byte{i}) + "0")
	}
	b.WriteString(glob("omegaconf.base", "SCMode") + "h\x28" + tuple1 + reduce + stop)
	start := time.Now()
	_, _, err := scanBytes(t, []byte(b.String()), Options{})
	var le *formats.LimitError
	if !errors.As(err, &le) || le.Limit != "pickle-dunder-cells" {
		t.Fatalf("want the dunder cell limit, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestDunderShownShared asserts that str of lists that share one list
// 64 times at each of six levels (64^6 paths through 6*64 cells) ends
// inconclusive at the walk's cell bound rather than visiting every path.
func TestDunderShownShared(t *testing.T) {
	var b strings.Builder
	b.WriteString(proto(2) + series + "0" + mark + strings.Repeat(k1(0), 64) + "l" + "q\x00" + "0")
	for i := byte(1); i <= 6; i++ {
		b.WriteString(mark + strings.Repeat("h"+string([]byte{i - 1}), 64) + "l" + "q" + string([]byte{i}) + "0")
	}
	b.WriteString(glob("builtins", "str") + "h\x06" + tuple1 + reduce + stop)
	start := time.Now()
	_, _, err := scanBytes(t, []byte(b.String()), Options{})
	var le *formats.LimitError
	if !errors.As(err, &le) || le.Limit != "pickle-dunder-cells" {
		t.Fatalf("want the dunder cell limit, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

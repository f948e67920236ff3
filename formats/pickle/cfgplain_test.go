package pickle

import (
	"errors"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestPlainConfigs asserts that a training config (configFamilies) holds
// plain data only: a config of its family, containers, numbers, strings,
// numpy and torch data and globals held are clean, and any other object
// stored into it by SETITEM(S), BUILD or the call that made it is a
// misuse of the config class (MG116), whatever that object's class.
func TestPlainConfigs(t *testing.T) {
	const (
		mlc = "ml_collections.config_dict.config_dict"
		mme = "mmengine.config.config"
	)
	easy, cfgNode, munch := built("easydict", "EasyDict"), built("yacs.config", "CfgNode"), built("munch", "Munch")
	addict := built("addict.addict", "Dict")
	// Objects an allowlist permits but no config holds.
	path := glob("pathlib", "PosixPath") + sbu("/etc") + tuple1 + reduce
	estimator := built("sklearn.linear_model._base", "LinearRegression") + emptyDict + sbu("fit_intercept") + "\x88" + "s" + build
	odState := glob("collections", "OrderedDict") + emptyTuple + reduce + emptyDict + sbu("k") + k1(1) + "s" + build
	fit := built("cmdstanpy.stanfit.mcmc", "CmdStanMCMC")
	// Plain data: a numpy array, a torch.Size, a complex, a protocol-2 set.
	dtype := glob("numpy", "dtype") + sbu("f4") + "\x89\x88\x87" + reduce + mark + k1(3) + sbu("<") + "NNN" +
		"J\xff\xff\xff\xffJ\xff\xff\xff\xff" + k1(0) + "t" + build
	array := glob("numpy.core.multiarray", "_reconstruct") + glob("numpy", "ndarray") + k1(0) + tuple1 + sbb("b") + "\x87" + reduce +
		mark + k1(1) + k1(2) + tuple1 + dtype + "\x89" + sbb("\x00\x00\x00\x00\x00\x00\x00\x00") + "t" + build
	size := glob("torch", "Size") + k1(2) + k1(3) + tuple2 + tuple1 + reduce
	cplx := glob("builtins", "complex") + "G?\xf0\x00\x00\x00\x00\x00\x00" + "G\x00\x00\x00\x00\x00\x00\x00\x00" + tuple2 + reduce
	set2 := glob("__builtin__", "set") + emptyList + k1(1) + "a" + tuple1 + reduce
	tests := []struct {
		name  string
		data  string
		plain bool
	}{
		{"nested EasyDicts of plain data", easy + mark + sbu("model") + easy + sbu("layers") + emptyList + k1(2) + "a" + "s" +
			sbu("lr") + cplx + sbu("w") + array + sbu("s") + size + sbu("ids") + set2 + sbu("dtype") + glob("torch", "float32") +
			"u" + stop, true},
		{"CfgNode of CfgNodes with flags", cfgNode + sbu("MODEL") + cfgNode + sbu("MEAN") + emptyList + "G@Y\xe2\x8f\\(\xf5\xc3" + "a" + "s" +
			"s" + emptyDict + sbu("__deprecated_keys__") + set2 + "s" + build + stop, true},
		{"mmengine ConfigDict naming a type", glob(mme, "ConfigDict") + emptyDict + sbu("type") + glob("torch.optim.sgd", "SGD") + "s" +
			tuple1 + reduce + stop, true},
		{"mmengine Config of ConfigDicts", built(mme, "Config") + glob(mme, "ConfigDict") + emptyDict + sbu("a") + k1(1) + "s" + tuple1 +
			reduce + sbu("x.py") + "N" + "\x87" + build + stop, true},
		{"EasyDict holding a Path", easy + sbu("root") + path + "s" + stop, false},
		{"CfgNode holding an estimator", cfgNode + sbu("MODEL") + estimator + "s" + stop, false},
		{"Munch state holding an OrderedDict with state", munch + emptyDict + sbu("a") + odState + "s" + build + stop, false},
		{"addict Dict holding a cmdstanpy fit", addict + sbu("fit") + fit + "s" + stop, false},
		{"mmengine ConfigDict called with a Path", glob(mme, "ConfigDict") + emptyDict + sbu("root") + path + "s" + tuple1 + reduce + stop, false},
		{"ml_collections fields holding an estimator", built(mlc, "ConfigDict") + emptyDict + sbu("_fields") + emptyDict + sbu("m") +
			estimator + "s" + "s" + build + stop, false},
		{"mmengine Config state holding an OrderedDict with state", built(mme, "Config") + emptyDict + odState + tuple2 + build + stop, false},
		{"EasyDict list holding a Path", easy + sbu("roots") + emptyList + path + "a" + "s" + stop, false},
		{"Munch holding an EasyDict", munch + emptyDict + sbu("a") + easy + "s" + build + stop, false},
		// Stored empty, filled through the memo afterwards.
		{"EasyDict list filled after it was stored", easy + sbu("roots") + emptyList + binput(0) + "s" + binget(0) + path + "a" + stop, false},
		{"mmengine ConfigDict argument filled after the call", glob(mme, "ConfigDict") + emptyDict + sbu("d") + emptyDict + binput(0) + "s" +
			tuple1 + reduce + binget(0) + sbu("p") + path + "s" + stop, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, []byte(proto(2)+tt.data), Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.plain {
				checkRL(t, rec, "")
				return
			}
			checkRL(t, rec, RuleMisusedGlobal)
			for _, f := range rec.Findings {
				if f.Rule == RuleMisusedGlobal && strings.Contains(f.Message, "not plain config data") {
					return
				}
			}
			t.Errorf("not judged as a config's value: %v", rec.Findings)
		})
	}
	// Nesting past the walk's depth is inconclusive, never clean.
	deep := proto(2) + easy + sbu("x") + strings.Repeat(emptyList, maxShownDepth+2) + path + strings.Repeat("a", maxShownDepth+2) + "s" + stop
	rec, _, err := scanBytes(t, []byte(deep), Options{})
	var le *formats.LimitError
	if !errors.As(err, &le) {
		if worst, any := rec.Max(); !any || worst < formats.Medium {
			t.Errorf("deep config clean: %v, %v", err, rec.Findings)
		}
	}
}

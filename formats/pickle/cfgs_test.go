package pickle

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTrainingConfigPickles asserts the uses of the training-config
// entries (yacs, easydict, addict, munch, ml_collections, mmengine, mmcv)
// and of the Prophet forecaster's (prophet, cmdstanpy):
// the checkpoints testdata/cfgs/make.py writes (EasyDict's and Munch's from
// Debian's libraries, the others' stand-ins naming the same globals in the
// same roles) are clean, and what their loading can be made to run fails:
// a class allowed to be built called with the pickle's arguments, APPENDS
// on an instance whose __getattr__ or item-attribute __setitem__ answers
// extend (EasyDict, DefaultMunch and the append forms were run with
// /usr/bin/python3: the stored value or the default is called), a
// FieldReference holding an op (get() runs it at load), a HistoryBuffer
// registering a statistics method that is not a listed function, a
// CmdStanModel called (its __init__ compiles with make).
func TestTrainingConfigPickles(t *testing.T) {
	setitem, setitems, build, appends := "s", "u", "b", "e"
	const (
		yacs  = "yacs.config"
		munch = "munch"
		mlc   = "ml_collections.config_dict.config_dict"
		mme   = "mmengine.config.config"
		hist  = "mmengine.logging.history_buffer"
	)
	cfgNode := built(yacs, "CfgNode")
	flags := emptyDict + mark + sbu("__immutable__") + "\x89" + sbu("__new_allowed__") + "\x89" + setitems
	tests := []ruleCase{
		{"CfgNode built, items, flags", cat(proto(2), cfgNode, mark, sbu("MODEL"), cfgNode, sbu("DEPTH"), k1(50), setitem,
			sbu("LR"), "G?\xb9\x99\x99\x99\x99\x99\x9a", setitems, flags, build, stop), ""},
		{"CfgNode called", called(yacs, "CfgNode"), RuleMisusedGlobal},
		{"detectron2 CfgNode called", called("detectron2.config.config", "CfgNode"), RuleMisusedGlobal},
		// The item answers BUILD's __setstate__ lookup (CfgNode.__getattr__).
		{"CfgNode __setstate__ item, then BUILD", cat(proto(2), cfgNode, sbu("__setstate__"), glob(yacs, "CfgNode"), setitem,
			sbu("x"), build, stop), RuleMisusedGlobal},
		{"CfgNode _reconstructor dict with extend", cat(proto(2), glob("copyreg", "_reconstructor"), glob(yacs, "CfgNode"),
			glob("builtins", "dict"), emptyDict, sbu("extend"), glob(yacs, "CfgNode"), setitem, "\x87", reduce, stop), RuleMisusedGlobal},
		{"CfgNode APPENDS", cat(proto(2), cfgNode, mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		{"EasyDict extend item, APPENDS", cat(proto(2), built("easydict", "EasyDict"), sbu("extend"), glob(yacs, "CfgNode"), setitem,
			mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		{"Munch built with state", cat(proto(2), built(munch, "Munch"), emptyDict, sbu("a"), k1(1), setitem, build, stop), ""},
		{"DefaultMunch default held", cat(proto(2), built(munch, "DefaultMunch"), glob("builtins", "abs"), emptyDict, tuple2, build, stop), ""},
		{"DefaultMunch APPENDS calls its default", cat(proto(2), built(munch, "DefaultMunch"), glob("builtins", "abs"), emptyDict,
			tuple2, build, mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		{"DefaultMunch called", called(munch, "DefaultMunch"), RuleMisusedGlobal},
		{"DefaultFactoryMunch stays off", cat(proto(2), built(munch, "DefaultFactoryMunch"), stop), RuleUnknownGlobal},
		{"addict Dict APPENDS", cat(proto(2), built("addict.addict", "Dict"), mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		{"ConfigDict with a plain FieldReference", cat(proto(2), built(mlc, "ConfigDict"), emptyDict, sbu("_fields"), emptyDict,
			sbu("n"), built(mlc, "FieldReference"), emptyDict, sbu("_value"), k1(3), setitem, sbu("_ops"), "]", setitem, build,
			setitem, setitem, build, stop), ""},
		{"FieldReference op stays off", cat(proto(2), built(mlc, "FieldReference"), emptyDict, sbu("_ops"), "]",
			glob(mlc, "_Op"), glob("builtins", "abs"), "]", tuple2, newobj, "a", setitem, build, stop), RuleUnknownGlobal},
		{"ml_collections ConfigDict APPENDS", cat(proto(2), built(mlc, "ConfigDict"), mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		{"FrozenConfigDict called", called(mlc, "FrozenConfigDict"), RuleMisusedGlobal},
		{"mmengine ConfigDict called with its items", cat(proto(2), glob(mme, "ConfigDict"), emptyDict, sbu("type"), sbu("ResNet"),
			setitem, tuple1, reduce, stop), ""},
		{"mmengine ConfigDict called with an append item", cat(proto(2), glob(mme, "ConfigDict"), emptyDict, sbu("append"),
			glob(yacs, "CfgNode"), setitem, tuple1, reduce, stop), RuleMisusedGlobal},
		{"mmengine Config called with a filename", called(mme, "Config"), RuleMisusedGlobal},
		{"mmcv Config called with a filename", called("mmcv.utils.config", "Config"), RuleMisusedGlobal},
		{"mmengine Config APPENDS", cat(proto(2), built(mme, "Config"), mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		{"LazyObject stays off", cat(proto(2), glob("mmengine.config.lazy", "LazyObject"), sbu("os"), tuple1, reduce, stop), RuleUnknownGlobal},
		{"HistoryBuffer with its own methods", cat(proto(4), "\x95\x00\x00\x00\x00\x00\x00\x00\x00", built(hist, "HistoryBuffer"),
			emptyDict, sbu("statistics_methods"), emptyDict, sbu("mean"), sbu(hist), sbu("HistoryBuffer.mean"), "\x93", setitem,
			setitem, build, stop), ""},
		{"HistoryBuffer registering os.system", cat(proto(2), built(hist, "HistoryBuffer"), emptyDict, sbu("statistics_methods"),
			emptyDict, sbu("mean"), glob("os", "system"), setitem, setitem, build, stop), RuleDeniedGlobal},
		{"HistoryBuffer registering a class", cat(proto(2), built(hist, "HistoryBuffer"), emptyDict, sbu("statistics_methods"),
			emptyDict, sbu("mean"), glob(mme, "Config"), setitem, setitem, build, stop), RuleMisusedGlobal},
		{"HistoryBuffer methods as a list", cat(proto(2), built(hist, "HistoryBuffer"), emptyDict, sbu("statistics_methods"),
			"]", setitem, build, stop), RuleMisusedGlobal},
		{"HistoryBuffer method called by the pickle", cat(proto(4), "\x95\x00\x00\x00\x00\x00\x00\x00\x00", sbu(hist),
			sbu("HistoryBuffer.mean"), "\x93", sbu("x"), tuple1, reduce, stop), ""},
		// A state of another shape than the library writes: __setstate__
		// iterates, indexes or calls methods of what the pickle chose.
		{"Munch BUILT with a list", cat(proto(2), built(munch, "Munch"), "]", build, stop), RuleMisusedGlobal},
		{"DefaultMunch BUILT with a dict", cat(proto(2), built(munch, "DefaultMunch"), emptyDict, build, stop), RuleMisusedGlobal},
		{"addict Dict BUILT with a list", cat(proto(2), built("addict.addict", "Dict"), "]", build, stop), RuleMisusedGlobal},
		{"mmengine Config BUILT with a dict", cat(proto(2), built(mme, "Config"), emptyDict, build, stop), RuleMisusedGlobal},
		{"ConfigDict _fields not a dict", cat(proto(2), built(mlc, "ConfigDict"), emptyDict, sbu("_fields"), "]", setitem, build, stop),
			RuleMisusedGlobal},
		{"FrozenConfigDict _configdict a dict", cat(proto(2), built(mlc, "FrozenConfigDict"), emptyDict, sbu("_configdict"), emptyDict,
			setitem, build, stop), RuleMisusedGlobal},
		{"FrozenConfigDict _configdict a ConfigDict", cat(proto(2), built(mlc, "FrozenConfigDict"), emptyDict, sbu("_configdict"),
			built(mlc, "ConfigDict"), emptyDict, sbu("_fields"), emptyDict, setitem, build, setitem, build, stop), ""},
		{"CmdStanModel built", cat(proto(2), built("cmdstanpy.model", "CmdStanModel"), stop), ""},
		{"CmdStanModel called (compiles)", called("cmdstanpy.model", "CmdStanModel"), RuleMisusedGlobal},
		{"RunSet called (temporary files)", called("cmdstanpy.stanfit.runset", "RunSet"), RuleMisusedGlobal},
		{"Prophet called (loads the Stan model)", called("prophet.forecaster", "Prophet"), RuleMisusedGlobal},
		{"Method looked up by value", cat(proto(2), glob("cmdstanpy.cmdstan_args", "Method"), k1(2), tuple1, reduce, stop), ""},
		{"CmdStanMLE APPENDS", cat(proto(2), built("cmdstanpy.stanfit.mle", "CmdStanMLE"), mark, sbu("x"), appends, stop), RuleMisusedGlobal},
		// pystan's StanModel.__setstate__ loads the compiled module it pickled.
		{"fbprophet stays off", cat(proto(2), built("fbprophet.models", "PyStanBackend"), stop), RuleUnknownGlobal},
	}
	runRuleCases(t, tests)
	files := []struct {
		file string
		rule string
	}{
		{"yacs_detectron2.pkl", ""},
		{"yacs_maskrcnn.pkl", ""},
		{"yacs_zoo.pkl", ""},
		{"easydict.pkl", ""},
		{"easydict_p4.pkl", ""},
		{"munch.pkl", ""},
		{"munch_p4.pkl", ""},
		{"addict.pkl", ""},
		// mmcv.pkl and mmengine_hub_p4.pkl keep a Config naming
		// custom_imports: only Config.fromfile imports them, never loading.
		{"mmcv.pkl", ""},
		{"ml_collections.pkl", ""},
		{"mmengine.pkl", ""},
		{"mmengine_hub_p4.pkl", ""},
		{"hostile_cfgnode_called.pkl", RuleMisusedGlobal},
		{"hostile_easydict_append.pkl", RuleMisusedGlobal},
		{"hostile_defaultmunch_append.pkl", RuleMisusedGlobal},
		{"hostile_addict_append.pkl", RuleMisusedGlobal},
		{"hostile_mmcv_config_called.pkl", RuleMisusedGlobal},
		{"hostile_fieldreference_op.pkl", RuleUnknownGlobal},
		{"hostile_mmengine_config_called.pkl", RuleMisusedGlobal},
		{"hostile_mmengine_configdict_append.pkl", RuleMisusedGlobal},
		{"hostile_historybuffer_method.pkl", RuleMisusedGlobal},
		{"prophet.pkl", ""},
		{"hostile_cmdstanmodel_called.pkl", RuleMisusedGlobal},
		{"hostile_cmdstanmcmc_append.pkl", RuleMisusedGlobal},
	}
	for _, tt := range files {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "cfgs", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			checkRL(t, rec, tt.rule)
		})
	}
}

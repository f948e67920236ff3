package pickle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestReinforcementLearningPickles asserts the uses of the stable_baselines
// and gym entries: VecNormalize, RunningMeanStd and the spaces may be built
// (NEWOBJ, then BUILD), never called with the pickle's arguments; SB2's
// policy classes may only be held; what a pickle puts in their state is
// judged on its own. The files are testdata/rl/make.py's real-shaped
// vecnormalize.pkl, obs_rms.pkl and agent data and its hostile variants.
func TestReinforcementLearningPickles(t *testing.T) {
	const vecNormalize = "stable_baselines3.common.vec_env.vec_normalize"
	osSystem := glob("os", "system") + sbu("id") + tuple1 + reduce
	tests := []ruleCase{
		{"VecNormalize built", cat(proto(2), built(vecNormalize, "VecNormalize"), stop), ""},
		{"VecNormalize called", called(vecNormalize, "VecNormalize"), RuleMisusedGlobal},
		{"VecNormalize holding os.system", withState(vecNormalize, "VecNormalize", "venv", glob("os", "system")), RuleDeniedGlobal},
		{"VecNormalize state calling os.system", withState(vecNormalize, "VecNormalize", "norm_obs_keys", osSystem), RuleDeniedGlobal},
		{"SB2 RunningMeanStd built", cat(proto(2), built("stable_baselines.common.running_mean_std", "RunningMeanStd"), stop), ""},
		{"SB2 policy held", withState("gym.spaces.box", "Box", "policy", glob("stable_baselines.common.policies", "MlpPolicy")), ""},
		{"SB2 policy built", cat(proto(2), built("stable_baselines.common.policies", "MlpPolicy"), stop), RuleMisusedGlobal},
		{"SB2 policy called", called("stable_baselines.common.policies", "MlpPolicy"), RuleMisusedGlobal},
		{"gym Box called with a path", called("gym.spaces.box", "Box"), RuleMisusedGlobal},
		{"gymnasium Discrete called", called("gymnasium.spaces.discrete", "Discrete"), RuleMisusedGlobal},
		{"gymnasium Dict built", cat(proto(2), built("gymnasium.spaces.dict", "Dict"), stop), ""},
		{"gym legacy Tuple built", cat(proto(2), built("gym.spaces.tuple_space", "Tuple"), stop), ""},
		// Parsed from Gymnasium's source (tools/allowlist/source.py).
		{"gymnasium Text built", cat(proto(2), built("gymnasium.spaces.text", "Text"), stop), ""},
		// Not listed: its base is Box2D's, which cannot be inspected.
		{"gymnasium Box2D listener stays off", cat(proto(2), built("gymnasium.envs.box2d.lunar_lander", "ContactDetector"), stop), RuleUnknownGlobal},
	}
	runRuleCases(t, tests)
	files := []struct {
		file string
		rule string
	}{
		{"sb3_vecnormalize_gym.pkl", ""},
		{"sb3_vecnormalize_gymnasium.pkl", ""},
		{"sb2_obs_rms.pkl", ""},
		{"sb2_agent.pkl", ""},
		{"hostile_vecnormalize_system.pkl", RuleDeniedGlobal},
		{"hostile_vecnormalize_holds_system.pkl", RuleDeniedGlobal},
		{"hostile_box_called.pkl", RuleMisusedGlobal},
		{"hostile_policy_called.pkl", RuleMisusedGlobal},
	}
	for _, tt := range files {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "rl", tt.file))
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

// ruleCase is a stream and the rule it must be reported under at medium
// or above, or "" for a stream that must pass the gate.
type ruleCase struct {
	name string
	data []byte
	rule string
}

// runRuleCases scans each case and checks its verdict with checkRL.
func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			checkRL(t, rec, tt.rule)
		})
	}
}

func checkRL(t *testing.T, rec *formatstest.Recorder, rule string) {
	t.Helper()
	worst, any := rec.Max()
	if rule == "" && any && worst >= formats.Medium {
		t.Errorf("benign form has findings: %v", rec.Findings)
	}
	if rule != "" && (!slices.Contains(rec.Rules(), rule) || worst < formats.Medium) {
		t.Errorf("rule %s not reported at medium or above; got %v", rule, rec.Findings)
	}
}

// TestFloatSchedule: Stable-Baselines3's FloatSchedule, off the lists as a
// holder (it calls value_schedule), is cleared only when built as pickle
// builds it holding a ConstantSchedule or LinearSchedule of numbers, as
// the library writes lr_schedule and clip_range.
func TestFloatSchedule(t *testing.T) {
	const utils = "stable_baselines3.common.utils"
	schedule := func(inner string) []byte { return withState(utils, "FloatSchedule", "value_schedule", inner) }
	number := func(k string) string { return sbu(k) + "G?3\xa9*0U2a" }
	constant := built(utils, "ConstantSchedule") + "}" + number("val") + "s" + build
	checkCleared(t, []stateCase{
		{"ConstantSchedule", schedule(constant), true},
		{"LinearSchedule", schedule(built(utils, "LinearSchedule") + "}(" + number("start") + number("end") + number("end_fraction") + "u" + build), true},
		{"no value_schedule", withState(utils, "FloatSchedule", "x", "K\x01"), true},
		{"a ConstantSchedule holding a string", schedule(built(utils, "ConstantSchedule") + "}" + sbu("val") + sbu("x") + "s" + build), false},
		{"a ConstantSchedule called", schedule(glob(utils, "ConstantSchedule") + "K\x01" + tuple1 + reduce), false},
		{"an allowlisted function", schedule(glob("builtins", "len")), false},
		{"os.system", schedule(glob("os", "system")), false},
		{"another allowlisted class", schedule(built("collections", "OrderedDict") + "}" + build), false},
		{"FloatSchedule called", cat(proto(2), glob(utils, "FloatSchedule"), "K\x01", tuple1, reduce, stop), false},
	}, formats.Medium)
}

// TestEnumValueCall: Stable-Baselines3's TrainFrequencyUnit, an Enum,
// pickles before Python 3.12 as the class called with the member's value
// (Enum.__reduce_ex__); a call with one constant value is a member lookup,
// anything more is EnumMeta's functional API, which builds a class.
func TestEnumValueCall(t *testing.T) {
	unit := glob("stable_baselines3.common.type_aliases", "TrainFrequencyUnit")
	tests := []ruleCase{
		{"the member's value", cat(proto(2), unit, sbu("step"), tuple1, reduce, stop), ""},
		{"a TrainFreq holding it", cat(proto(2), glob("stable_baselines3.common.type_aliases", "TrainFreq"), "K\x04", unit, sbu("step"), tuple1, reduce, tuple2, newobj, stop), ""},
		{"the functional API", cat(proto(2), unit, sbu("X"), mark, sbu("a"), sbu("b"), "l", tuple2, reduce, stop), RuleMisusedGlobal},
		{"a computed value", cat(proto(2), unit, glob("builtins", "str"), "K\x01", tuple1, reduce, tuple1, reduce, stop), RuleMisusedGlobal},
		// The call returns the class's member, shared by the process:
		// BUILD on it changed TrainFrequencyUnit.STEP.value for every
		// later reader (Python 3.11), or set an append that APPEND calls.
		{"BUILD on the member", cat(proto(2), unit, sbu("step"), tuple1, reduce, emptyDict, sbu("_value_"), sbu("episode"), "s", build, stop), RuleGlobalMutation},
		{"BUILD of slot state on the member", cat(proto(2), unit, sbu("step"), tuple1, reduce, "N", emptyDict, sbu("_value_"), sbu("episode"), "s", tuple2, build, stop), RuleGlobalMutation},
		{"BUILD on the member by NEWOBJ", cat(proto(2), unit, sbu("step"), tuple1, newobj, emptyDict, sbu("append"), glob("builtins", "len"), "s", build, sbu("x"), "a", stop), RuleGlobalMutation},
		{"BUILD on the member by copyreg.__newobj__", cat(proto(2), glob("copyreg", "__newobj__"), unit, sbu("step"), tuple2, reduce, emptyDict, sbu("_value_"), sbu("episode"), "s", build, stop), RuleGlobalMutation},
		{"BUILD on the member by _reconstructor", cat(proto(2), glob("copyreg", "_reconstructor"), unit, unit, sbu("step"), "\x87", reduce, emptyDict, sbu("_value_"), sbu("episode"), "s", build, stop), RuleGlobalMutation},
		{"BUILD on the member by OBJ", cat(proto(2), mark, unit, sbu("step"), "o", emptyDict, sbu("_value_"), sbu("episode"), "s", build, stop), RuleGlobalMutation},
		{"NEWOBJ_EX with the functional API's names", cat(proto(4), unit, sbu("X"), tuple1, emptyDict, sbu("names"), sbu("a b"), "s", newobjEx, stop), RuleMisusedGlobal},
	}
	runRuleCases(t, tests)
}

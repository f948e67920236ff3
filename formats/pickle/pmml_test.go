package pickle

import (
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestSourceReadEcosystemGadgets asserts the uses of the sklearn2pmml,
// sklego, madmom and sinabs entries: their classes may be built (NEWOBJ,
// then BUILD), never called with the pickle's arguments; the functions
// their objects hold (madmom's activations, numpy.dstack, builtins.map,
// sinabs's MultiSpike class) may only be held; the classes left off after
// reading (expression evaluators, DebugPipeline) stay unknown; and what a
// pickle puts inside an allowed object is judged on its own.
func TestSourceReadEcosystemGadgets(t *testing.T) {
	osSystem := glob("os", "system") + sbu("id") + tuple1 + reduce
	tests := []struct {
		name string
		data []byte
		rule string // reported, or "" for clean
	}{
		{"PMMLPipeline built", cat(proto(2), built("sklearn2pmml.pipeline", "PMMLPipeline"), stop), ""},
		{"PMMLPipeline called", cat(proto(2), glob("sklearn2pmml.pipeline", "PMMLPipeline"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"PMMLPipeline holding os.system", withState("sklearn2pmml.pipeline", "PMMLPipeline", "predict_transformer", glob("os", "system")), RuleDeniedGlobal},
		{"PMMLPipeline state calling os.system", withState("sklearn2pmml.pipeline", "PMMLPipeline", "header", osSystem), RuleDeniedGlobal},
		{"Domain with a value list", withState("sklearn2pmml.decoration", "CategoricalDomain", "data_values_", mark+sbu("a")+sbu("b")+"l"), ""},
		{"ReplaceTransformer called", cat(proto(2), glob("sklearn2pmml.preprocessing", "ReplaceTransformer"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		// Building one runs nothing, but transform evaluates the text: the
		// classes stay unknown rather than allowed.
		{"ExpressionTransformer with Python text", withState("sklearn2pmml.preprocessing", "ExpressionTransformer", "expr", sbu("__import__('os').system('id')")), RuleUnknownGlobal},
		{"Expression with Python text", withState("sklearn2pmml.util", "Expression", "expr", sbu("X[0]")), RuleUnknownGlobal},
		{"ExpressionRegressor", cat(proto(2), built("sklearn2pmml.expression", "ExpressionRegressor"), stop), RuleUnknownGlobal},
		{"RuleSetClassifier", cat(proto(2), built("sklearn2pmml.ruleset", "RuleSetClassifier"), stop), RuleUnknownGlobal},
		{"sklego IdentityTransformer built", cat(proto(2), built("sklego.preprocessing.identitytransformer", "IdentityTransformer"), stop), ""},
		{"sklego EstimatorTransformer called", cat(proto(2), glob("sklego.meta.estimator_transformer", "EstimatorTransformer"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		// __setstate__ with a log callback makes a joblib.Memory from the
		// pickled path and sets attributes of the pickled memory object.
		{"sklego DebugPipeline stays off", withState("sklego.pipeline", "DebugPipeline", "_memory", sbu("/tmp/x")), RuleUnknownGlobal},
		{"madmom network built", cat(proto(2), built("madmom.ml.nn", "NeuralNetwork"), stop), ""},
		{"madmom layer called", cat(proto(2), glob("madmom.ml.nn.layers", "FeedForwardLayer"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"madmom activation held", withState("madmom.ml.nn.layers", "FeedForwardLayer", "activation_fn", glob("madmom.ml.nn.activations", "sigmoid")), ""},
		{"madmom activation called", cat(proto(2), glob("madmom.ml.nn.activations", "sigmoid"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"numpy.dstack held", withState("madmom.processors", "SequentialProcessor", "processors", mark+glob("numpy", "dstack")+"l"), ""},
		{"numpy.dstack called", cat(proto(2), glob("numpy", "dstack"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		// Protocol 2 pickles name map as itertools.imap.
		{"map held by ParallelProcessor", withState("madmom.processors", "ParallelProcessor", "map", glob("itertools", "imap")), ""},
		{"map called stays introspection", cat(proto(2), glob("itertools", "imap"), glob("madmom.ml.nn.activations", "tanh"), mark, sbu("x"), "l", tuple2, reduce, stop), RuleIntrospection},
		{"map built stays introspection", cat(proto(2), built("builtins", "map"), stop), RuleIntrospection},
		{"sinabs layer built", cat(proto(2), built("sinabs.layers.iaf", "IAFSqueeze"), stop), ""},
		{"sinabs reset built", cat(proto(2), built("sinabs.activation.reset_mechanism", "MembraneSubtract"), stop), ""},
		{"sinabs reset called", cat(proto(2), glob("sinabs.activation.reset_mechanism", "MembraneSubtract"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
		{"sinabs spike function held", withState("sinabs.layers.iaf", "IAFSqueeze", "spike_fn", glob("sinabs.activation.spike_generation", "MultiSpike")), ""},
		{"sinabs spike function built", cat(proto(2), built("sinabs.activation.spike_generation", "MultiSpike"), stop), RuleMisusedGlobal},
		{"sinabs spike function called", cat(proto(2), glob("sinabs.activation.spike_generation", "MultiSpike"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.rule == "" && any && worst >= formats.Medium {
				t.Errorf("benign form has findings: %v", rec.Findings)
			}
			if tt.rule != "" && (!slices.Contains(rec.Rules(), tt.rule) || worst < formats.Medium) {
				t.Errorf("rule %s not reported at medium or above; got %v", tt.rule, rec.Findings)
			}
		})
	}
}

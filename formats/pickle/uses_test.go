package pickle

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats/pickle/globals"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestUseGadgets asserts that the allowlist's uses are enforced: a global
// allowed to be built is reported when called with the pickle's arguments,
// a value-only global is reported when called, and a reconstructor's class
// argument must be allowed as a class. The benign forms pass.
func TestUseGadgets(t *testing.T) {
	newobj := "\x81"
	tests := []struct {
		name  string
		data  []byte
		rule  string // reported, or "" for clean
		quiet string // a rule that must not be reported
	}{
		{"class-only global built by NEWOBJ", cat(proto(2), glob("torch.nn.modules.linear", "Linear"), emptyTuple, newobj, stop), "", ""},
		{"class-only global called by REDUCE", cat(proto(2), glob("torch.nn.modules.linear", "Linear"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"wildcard class called by REDUCE", cat(proto(2), glob("ultralytics.nn.tasks", "DetectionModel"), sbu("https://x/y.yaml"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"class-only global called by INST", cat(mark, sbu("x"), inst("torch.nn.modules.linear", "Linear"), stop), RuleMisusedGlobal, ""},
		{"value-only global called", cat(proto(2), glob("collections.abc", "Mapping"), emptyTuple, reduce, stop), RuleMisusedGlobal, ""},
		{"value-only global built", cat(proto(2), glob("collections.abc", "Mapping"), emptyTuple, newobj, stop), RuleMisusedGlobal, ""},
		{"value-only global held", cat(proto(2), glob("collections.abc", "Mapping"), tuple1, stop), "", ""},
		{"enum base called (functional API)", cat(proto(2), glob("enum", "Enum"), sbu("E"), sbu("a b"), tuple2, reduce, stop), RuleMisusedGlobal, ""},
		{"reconstructor with class-only class", cat(proto(2), glob("copyreg", "_reconstructor"), glob("torch.nn.modules.linear", "Linear"), glob("builtins", "object"), "N", "\x87", reduce, stop), "", ""},
		// scikit-learn < 0.22 wrote the BinaryTree rebuild under these names.
		{"pre-0.22 ball_tree.newObj with value-only class", cat(proto(2), glob("sklearn.neighbors.ball_tree", "newObj"), glob("collections.abc", "Mapping"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"pre-0.22 kd_tree.newObj with value-only class", cat(proto(2), glob("sklearn.neighbors.kd_tree", "newObj"), glob("collections.abc", "Mapping"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"reconstructor with value-only class", cat(proto(2), glob("copyreg", "_reconstructor"), glob("collections.abc", "Mapping"), glob("builtins", "object"), "N", "\x87", reduce, stop), RuleMisusedGlobal, ""},
		{"rebuild_from_type_v2 calling a class-only global", cat(proto(2), glob("torch._tensor", "_rebuild_from_type_v2"), mark, glob("torch.nn.modules.linear", "Linear"), glob("torch", "Tensor"), emptyTuple, "N", "t", reduce, stop), RuleMisusedGlobal, ""},
		{"map stays off the allowlist", cat(proto(2), glob("builtins", "list"), glob("builtins", "map"), glob("torch.nn.modules.linear", "Linear"), mark, sbu("x"), "l", tuple2, reduce, tuple1, reduce, stop), RuleIntrospection, ""},
		{"pure builtin called", cat(proto(2), glob("builtins", "hash"), sbu("x"), tuple1, reduce, stop), "", ""},
		{"builtins.hash as Word2Vec hashfxn", cat(proto(2), "}", sbu("hashfxn"), glob("builtins", "hash"), "s", stop), "", RuleRiskyGlobal},
		{"introspection builtin", cat(proto(2), glob("builtins", "type"), sbu("x"), tuple1, reduce, stop), RuleIntrospection, RuleRiskyGlobal},
		{"file builtin", cat(proto(2), glob("builtins", "open"), sbu("/etc/passwd"), tuple1, reduce, stop), RuleRiskyGlobal, ""},
		{"layout name is not a nested pickle", cat(proto(2), glob("torch.serialization", "_get_layout"), sbu("torch.sparse_coo"), tuple1, reduce, stop), "", RuleNestedPickle},
		{"functools.partial stays denied", cat(proto(2), glob("functools", "partial"), glob("torch.nn.modules.linear", "Linear"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		// Ecosystems added from the libraries (Debian) and from their source:
		// each class is allowed to be built, never called with the pickle's
		// arguments. SentencePieceProcessor(model_file) reads that file.
		{"sentencepiece processor called with a path", cat(proto(2), glob("sentencepiece", "SentencePieceProcessor"), sbu("/etc/passwd"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"sentencepiece processor built", cat(proto(2), glob("copyreg", "_reconstructor"), glob("sentencepiece", "SentencePieceProcessor"), glob("builtins", "object"), "N", "\x87", reduce, stop), "", ""},
		{"category_encoders wildcard class called", cat(proto(2), glob("category_encoders.hashing", "HashingEncoder"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"sklearn_pandas mapper called", cat(proto(2), glob("sklearn_pandas.dataframe_mapper", "DataFrameMapper"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"alibi explainer called", cat(proto(2), glob("alibi.explainers.anchors.anchor_image", "AnchorImage"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"networkx graph built", cat(proto(2), glob("networkx.classes.graph", "Graph"), emptyTuple, newobj, stop), "", ""},
		{"enum member held", cat(proto(2), glob("builtins", "getattr"), glob("optuna.trial._state", "TrialState"), sbu("COMPLETE"), tuple2, reduce, stop), "", ""},
		{"enum member called", cat(proto(2), glob("builtins", "getattr"), glob("optuna.trial._state", "TrialState"), sbu("COMPLETE"), tuple2, reduce, emptyTuple, reduce, stop), RuleMisusedGlobal, ""},
		{"category_encoders.target_encoder.TargetEncoder built", cat(proto(2), glob("copyreg", "_reconstructor"), glob("category_encoders.target_encoder", "TargetEncoder"), glob("builtins", "object"), "N", "\x87", reduce, stop), "", ""},
		{"alibi.explainers.anchor_image.AnchorImage built", cat(proto(2), glob("copyreg", "_reconstructor"), glob("alibi.explainers.anchor_image", "AnchorImage"), glob("builtins", "object"), "N", "\x87", reduce, stop), "", ""},
		{"tslearn.clustering.kmeans.TimeSeriesKMeans built", cat(proto(2), glob("copyreg", "_reconstructor"), glob("tslearn.clustering.kmeans", "TimeSeriesKMeans"), glob("builtins", "object"), "N", "\x87", reduce, stop), "", ""},
		{"enum member by value (Python < 3.11)", cat(proto(2), glob("optuna.trial._state", "TrialState"), "K\x01", tuple1, reduce, stop), "", ""},
		{"old optuna enum member by value", cat(proto(2), glob("optuna.structs", "StudyDirection"), "K\x01", tuple1, reduce, stop), "", ""},
		{"optuna study called", cat(proto(2), glob("optuna.study", "Study"), sbu("sqlite:///x.db"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"keras loader beside the Tokenizer stays denied", cat(proto(2), glob("keras.src.saving.saving_api", "load_model"), sbu("x.keras"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"keras_preprocessing loader helper stays off", cat(proto(2), glob("keras_preprocessing.image.utils", "load_img"), sbu("/etc/passwd"), tuple1, reduce, stop), RuleUnknownGlobal, ""},
		{"keras_preprocessing Tokenizer is left to the holder check", cat(proto(2), glob("keras_preprocessing.text", "Tokenizer"), emptyTuple, newobj, stop), RuleUnknownGlobal, ""},
		{"imblearn FunctionSampler is left to the holder check", cat(proto(2), glob("imblearn.base", "FunctionSampler"), emptyTuple, newobj, stop), RuleUnknownGlobal, ""},
		// getattr(obj, "dataloaders") is the listed bound method only while
		// no BUILD state set that name on the instance: here it is the
		// class-only MmWriter the state stored, called with a path.
		{"listed method shadowed by an instance attribute", cat(proto(2), glob("builtins", "getattr"),
			glob("fastai.tabular.core", "TabularPandas"), emptyTuple, newobj,
			emptyDict, sbu("dataloaders"), glob("gensim.matutils", "MmWriter"), "s", build,
			sbu("dataloaders"), tuple2, reduce, sbu("/tmp/x"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"cupy array stays off the allowlist", cat(proto(2), glob("cupy._core.core", "array"), emptyTuple, reduce, stop), RuleUnknownGlobal, ""},
		{"omegaconf DictConfig built", cat(proto(2), glob("omegaconf.dictconfig", "DictConfig"), emptyTuple, newobj, stop), "", ""},
		{"omegaconf DictConfig called", cat(proto(2), glob("omegaconf.dictconfig", "DictConfig"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"omegaconf node called", cat(proto(2), glob("omegaconf.nodes", "AnyNode"), sbu("${x}"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"OmegaConf.load stays denied", cat(proto(2), glob("omegaconf", "OmegaConf.load"), sbu("/etc/passwd"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"OmegaConf re-exported elsewhere stays denied", cat(proto(2), glob("omegaconf.dictconfig", "OmegaConf.register_new_resolver"), sbu("e"), glob("builtins", "print"), tuple2, reduce, stop), RuleDeniedGlobal, ""},
		{"omegaconf class importer stays denied", cat(proto(2), glob("omegaconf._utils", "_get_class"), sbu("os.system"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"chemprop module built", cat(proto(2), glob("chemprop.nn.transforms", "ScaleTransform"), emptyTuple, newobj, stop), "", ""},
		{"chemprop module called", cat(proto(2), glob("chemprop.nn.agg", "MeanAggregation"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"rdkit tree node by INST", cat(mark, inst("rdkit.ML.DecTree.DecTree", "DecTreeNode"), stop), "", ""},
		{"rdkit grid rebuilt from its bytes", cat(proto(2), glob("Geometry.rdGeometry", "UniformGrid3D_"), sbu("grid pickle"), tuple1, reduce, stop), "", ""},
		{"rdkit Composite by INST (its __init__ takes no arguments)", cat(mark, inst("rdkit.ML.Composite.Composite", "Composite"), stop), "", ""},
		{"rdkit Subshape object called", cat(proto(2), glob("rdkit.Chem.Subshape.SubshapeObjects", "SkeletonPoint"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"darts TimeSeries called", cat(proto(2), glob("darts.timeseries", "TimeSeries"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"darts model called", cat(proto(2), glob("darts.models.forecasting.linear_regression_model", "LinearRegressionModel"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"xarray DataArray called", cat(proto(2), glob("xarray.core.dataarray", "DataArray"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"xarray Dataset called", cat(proto(2), glob("xarray.core.dataset", "Dataset"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"xarray Variable built", cat(proto(2), glob("xarray.core.variable", "Variable"), emptyTuple, newobj, stop), "", ""},
		{"lightning AttributeDict built", cat(proto(2), glob("pytorch_lightning.utilities.parsing", "AttributeDict"), emptyTuple, newobj, stop), "", ""},
		{"lightning AttributeDict called", cat(proto(2), glob("lightning.fabric.utilities.data", "AttributeDict"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"lightning callback class (a dict key) built", cat(proto(2), glob("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint"), emptyTuple, newobj, stop), RuleMisusedGlobal, ""},
		{"lightning callback class (a dict key) called", cat(proto(2), glob("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint"), sbu("/tmp"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"load_from_checkpoint stays denied", cat(proto(2), glob("pytorch_lightning.core.lightning", "LightningModule.load_from_checkpoint"), sbu("https://x/m.ckpt"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"lightning cloud_io load stays denied", cat(proto(2), glob("lightning.fabric.utilities.cloud_io", "_load"), sbu("https://x/m.ckpt"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"surprise SVD built", cat(proto(2), glob("surprise.prediction_algorithms.matrix_factorization", "SVD"), emptyTuple, newobj, stop), "", ""},
		{"surprise SVD called", cat(proto(2), glob("surprise.prediction_algorithms.matrix_factorization", "SVD"), emptyTuple, reduce, stop), RuleMisusedGlobal, ""},
		{"surprise dataset called with a file", cat(proto(2), glob("surprise.dataset", "DatasetAutoFolds"), sbu("/etc/passwd"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"surprise dump.load stays denied", cat(proto(2), glob("surprise.dump", "load"), sbu("x.pkl"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"surprise load_builtin stays denied", cat(proto(2), glob("surprise.dataset", "Dataset.load_builtin"), sbu("ml-100k"), tuple1, reduce, stop), RuleRiskyGlobal, ""},
		{"timm model class called", cat(proto(2), glob("timm.models.resnet", "ResNet"), emptyTuple, reduce, stop), RuleMisusedGlobal, ""},
		{"timm create_model is no class", cat(proto(2), glob("timm.models._factory", "create_model"), sbu("resnet18"), tuple1, reduce, stop), RuleUnknownGlobal, ""},
		{"timm hub names stay denied under the wildcard", cat(proto(2), glob("timm.models._hub", "TemporaryDirectory"), emptyTuple, newobj, stop), RuleRiskyGlobal, ""},
		{"timm load_checkpoint stays denied", cat(proto(2), glob("timm.models._helpers", "load_checkpoint"), sbu("x.pth"), tuple1, reduce, stop), RuleDeniedGlobal, ""},
		{"smp hub mixin stays denied", cat(proto(2), glob("segmentation_models_pytorch.base.hub_mixin", "HfApi"), emptyTuple, newobj, stop), RuleRiskyGlobal, ""},
		{"smp dataset stays off", cat(proto(2), glob("segmentation_models_pytorch.datasets.oxford_pet", "OxfordPetDataset"), emptyTuple, newobj, stop), RuleUnknownGlobal, ""},
		{"efficientnet class called", cat(proto(2), glob("efficientnet_pytorch.model", "EfficientNet"), emptyTuple, reduce, stop), RuleMisusedGlobal, ""},
		{"mlxtend stacking called", cat(proto(2), glob("mlxtend.classifier.stacking_classification", "StackingClassifier"), emptyTuple, reduce, stop), RuleMisusedGlobal, ""},
		{"mlxtend feature selector stays off", cat(proto(2), glob("mlxtend.feature_selection.sequential_feature_selector", "SequentialFeatureSelector"), emptyTuple, newobj, stop), RuleUnknownGlobal, ""},
		{"pyannote specifications called", cat(proto(2), glob("pyannote.audio.core.task", "Specifications"), sbu("x"), tuple1, reduce, stop), RuleMisusedGlobal, ""},
		{"pyannote enum member by value (Python < 3.11)", cat(proto(2), glob("pyannote.audio.core.task", "Problem"), "K\x01", tuple1, reduce, stop), "", ""},
		{"namedtuple stays off the allowlist", cat(proto(2), glob("collections", "namedtuple"), sbu("P"), sbu("x"), tuple2, reduce, stop), RuleUnknownGlobal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			got := rec.Rules()
			worst, any := rec.Max()
			if tt.rule == "" && any && worst >= formats.Medium {
				t.Errorf("benign form has findings: %v", rec.Findings)
			}
			if tt.rule != "" && !slices.Contains(got, tt.rule) {
				t.Errorf("rule %s not reported; got %v", tt.rule, rec.Findings)
			}
			if tt.quiet != "" && slices.Contains(got, tt.quiet) {
				t.Errorf("rule %s reported: %v", tt.quiet, rec.Findings)
			}
		})
	}
}

// TestEcosystemSamples runs the analyzer over the real pickles the
// allowlist generator wrote, one per ecosystem (globals/testdata/ecosystems,
// made by tools/allowlist/generate.py --samples): none may have a finding
// at medium or above.
func TestEcosystemSamples(t *testing.T) {
	files, err := filepath.Glob("globals/testdata/ecosystems/*.pkl")
	if err != nil || len(files) < 12 {
		t.Fatalf("ecosystem samples: %v %v", files, err)
	}
	a, _ := formats.Lookup(formats.Pickle)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := formatstest.Run(t, a, filepath.Base(f), data)
			if err != nil {
				t.Errorf("error %v", err)
			}
			if worst, any := rec.Max(); any && worst >= formats.Medium {
				t.Errorf("real pickle has findings:\n%s", list(rec.Findings))
			}
		})
	}
}

// TestEcosystemSelection asserts, for each ecosystem's real or
// hand-assembled sample, that the sample is clean with every ecosystem on,
// that disabling its ecosystem reports its globals as not on the allowlist
// (and nothing else), and that other ecosystems still count.
func TestEcosystemSelection(t *testing.T) {
	for _, tt := range []struct {
		file, ecosystem string
		prefixes        []string
	}{
		{"globals/testdata/ecosystems/gensim.pkl", "gensim", []string{"gensim."}},
		{"globals/testdata/ecosystems/omegaconf.pkl", "omegaconf", []string{"omegaconf."}},
		{"globals/testdata/ecosystems/lightning_1x.pkl", "lightning", []string{"pytorch_lightning."}},
		{"globals/testdata/ecosystems/lightning_2x.pkl", "lightning", []string{"lightning."}},
		{"globals/testdata/ecosystems/surprise_1.pkl", "surprise", []string{"surprise."}},
		{"globals/testdata/ecosystems/surprise_2.pkl", "surprise", []string{"surprise."}},
		{"globals/testdata/ecosystems/timm_model.pkl", "timm", []string{"timm."}},
		{"globals/testdata/ecosystems/segmentation_models_pytorch_model.pkl", "segmentation_models_pytorch", []string{"segmentation_models_pytorch."}},
		{"globals/testdata/ecosystems/efficientnet_pytorch_model.pkl", "efficientnet_pytorch", []string{"efficientnet_pytorch."}},
		{"globals/testdata/ecosystems/mlxtend.pkl", "mlxtend", []string{"mlxtend."}},
		{"globals/testdata/ecosystems/pyannote.pkl", "pyannote", []string{"pyannote."}},
		{"globals/testdata/ecosystems/chemprop.pkl", "chemprop", []string{"chemprop."}},
		{"globals/testdata/ecosystems/rdkit.pkl", "rdkit", []string{"rdkit."}},
		{"globals/testdata/ecosystems/rdkit_ml.pkl", "rdkit", []string{"rdkit."}},
		{"globals/testdata/ecosystems/rdkit_chem.pkl", "rdkit", []string{"rdkit.", "Geometry."}},
		{"globals/testdata/ecosystems/darts.pkl", "darts", []string{"darts."}},
		{"globals/testdata/ecosystems/neuralforecast.pkl", "neuralforecast", []string{"neuralforecast."}},
		{"globals/testdata/ecosystems/tsfresh.pkl", "tsfresh", []string{"tsfresh."}},
		{"globals/testdata/ecosystems/xarray.pkl", "xarray", []string{"xarray."}},
		{"globals/testdata/ecosystems/pyarrow_pandas3.pkl", "pyarrow", []string{"pyarrow."}},
		{"globals/testdata/ecosystems/pyarrow_pandas2.pkl", "pyarrow", []string{"pyarrow."}},
		{"globals/testdata/ecosystems/pyarrow_pandas20.pkl", "pyarrow", []string{"pyarrow."}},
		// Not fastai_vision.pkl: it binds flip_mat and Adam with partial,
		// which stays critical (MG102) once their ecosystem is off.
		{"globals/testdata/ecosystems/fastai_tabular.pkl", "fastai", []string{"fastai.", "fastcore."}},
		{"globals/testdata/ecosystems/flair_tagger_legacy.pkl", "flair", []string{"flair."}},
		{"globals/testdata/ecosystems/flair_tagger_state.pkl", "flair", []string{"flair."}},
		{"globals/testdata/ecosystems/astropy.pkl", "astropy", []string{"astropy."}},
		{"globals/testdata/ecosystems/matplotlib.pkl", "matplotlib", []string{"matplotlib."}},
		{"globals/testdata/ecosystems/shapely.pkl", "shapely", []string{"shapely."}},
		{"globals/testdata/ecosystems/biopython.pkl", "biopython", []string{"Bio."}},
		// testdata/pmml/make.py's pickles: madmom's held builtins.map goes
		// back to the denylist's MG115 with madmom off.
		{"testdata/pmml/sklearn2pmml.pkl", "sklearn2pmml", []string{"sklearn2pmml."}},
		{"testdata/pmml/sklego.pkl", "sklego", []string{"sklego."}},
		{"testdata/pmml/madmom.pkl", "madmom", []string{"madmom.", "numpy.dstack", "builtins.map"}},
		{"testdata/pmml/sinabs.pkl", "sinabs", []string{"sinabs."}},
		{"testdata/rl/sb3_vecnormalize_gym.pkl", "stable_baselines", []string{"stable_baselines3."}},
		{"testdata/rl/sb3_vecnormalize_gymnasium.pkl", "gym", []string{"gymnasium."}},
		{"globals/testdata/ecosystems/docutils.pkl", "docutils", []string{"docutils."}},
		{"globals/testdata/ecosystems/sphinx.pkl", "sphinx", []string{"sphinx."}},
		// testdata/skorch/make.py's net: its nested pickle names
		// skorch.toy.MLPModule, and the net holds torch's DataLoader.
		{"testdata/skorch/net.pkl", "skorch", []string{"skorch.", "torch.utils.data.dataloader.DataLoader"}},
		{"testdata/trax/checkpoint.pkl", "trax", []string{"trax."}},
		{"testdata/lshash/hash_tables.pkl", "lshashpy3", []string{"lshashpy3."}},
		// testdata/cfgs/make.py's training checkpoints.
		{"testdata/cfgs/yacs_maskrcnn.pkl", "yacs", []string{"yacs."}},
		{"testdata/cfgs/yacs_detectron2.pkl", "yacs", []string{"detectron2."}},
		{"testdata/cfgs/yacs_zoo.pkl", "yacs", []string{"fvcore."}},
		{"testdata/cfgs/easydict.pkl", "easydict", []string{"easydict."}},
		{"testdata/cfgs/addict.pkl", "addict", []string{"addict."}},
		{"testdata/cfgs/munch.pkl", "munch", []string{"munch."}},
		{"testdata/cfgs/ml_collections.pkl", "ml_collections", []string{"ml_collections."}},
		{"testdata/cfgs/mmengine.pkl", "mmengine", []string{"mmengine."}},
		{"testdata/cfgs/mmengine_hub_p4.pkl", "mmengine", []string{"mmengine."}},
		{"testdata/cfgs/mmcv.pkl", "mmcv", []string{"mmcv."}},
		{"testdata/cfgs/prophet.pkl", "prophet", []string{"prophet."}},
		{"testdata/cfgs/prophet.pkl", "cmdstanpy", []string{"cmdstanpy.", "stanio."}},
		{"globals/testdata/ecosystems/tensorflow_callbacks.pkl", "tensorflow", []string{"tensorflow."}},
		// The variable's partial stays critical (MG102) with its callable off.
		{"globals/testdata/ecosystems/tensorflow_rng_state.pkl", "tensorflow", []string{"tensorflow.", "functools.partial"}},
	} {
		t.Run(tt.ecosystem, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			off, err := globals.NewSelection(nil, []string{tt.ecosystem})
			if err != nil {
				t.Fatal(err)
			}
			for _, sel := range []globals.Selection{{}, off} {
				rec := formatstest.NewRecorder()
				ctx := globals.WithSelection(context.Background(), sel)
				if _, err := Scan(ctx, bytes.NewReader(data), rec, Options{Source: bytes.NewReader(data)}); err != nil {
					t.Fatal(err)
				}
				var own, others int
				for _, f := range rec.Findings {
					if f.Severity < formats.Medium {
						continue
					}
					if slices.ContainsFunc(tt.prefixes, func(p string) bool { return strings.HasPrefix(f.Details["global"], p) }) {
						own++
					} else {
						others++
					}
				}
				if disabled := len(sel.Disabled()) > 0; (own > 0) != disabled || others > 0 {
					t.Errorf("disabled %v: %d unknown %s globals and %d other findings: %v", sel.Disabled(), own, tt.ecosystem, others, rec.Findings)
				}
			}
		})
	}
	if _, err := globals.NewSelection([]string{"no_such_ecosystem"}, nil); err == nil {
		t.Error("NewSelection accepted an unknown ecosystem")
	}
}

// TestArgRolesMatchGenerator keeps the machine's reconstructor table and
// the allowlist generator's (tools/allowlist/observe.py) the same, so the
// uses the generator records are the uses the machine checks.
func TestArgRolesMatchGenerator(t *testing.T) {
	src, err := os.ReadFile("../../tools/allowlist/observe.py")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\("([\w.]+)", "(\w+)"\): \{([^}]*)\}`)
	names := map[string]globals.Use{"class": globals.UseClass, "function": globals.UseFunction}
	got := map[string][]globals.Use{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		var roles []globals.Use
		for _, r := range regexp.MustCompile(`(\d+): "(\w+)"`).FindAllStringSubmatch(m[3], -1) {
			i, _ := strconv.Atoi(r[1])
			for len(roles) <= i {
				roles = append(roles, 0)
			}
			roles[i] = names[r[2]]
		}
		got[m[1]+"."+m[2]] = roles
	}
	if len(got) != len(argRoles) {
		t.Errorf("observe.py lists %d reconstructors, machine.go %d", len(got), len(argRoles))
	}
	for k, want := range argRoles {
		if !slices.Equal(got[k], want) {
			t.Errorf("%s: observe.py %v, machine.go %v", k, got[k], want)
		}
	}
}

package globals

import "testing"

// TestLibraryVerdicts pins the verdicts on the third-party libraries added
// from their source or Debian packages (omegaconf, Lightning, pyannote,
// surprise, timm, segmentation_models_pytorch, efficientnet_pytorch,
// mlxtend, scikeras): their classes are allowed, their loaders and the
// names those modules import are denied, and the rest stays unknown.
func TestLibraryVerdicts(t *testing.T) {
	tests := []struct {
		module, name string
		want         want
	}{
		{"omegaconf.dictconfig", "DictConfig", allowed},
		{"omegaconf.nodes", "AnyNode", allowed},
		{"omegaconf.base", "ContainerMetadata", allowed},
		{"omegaconf", "OmegaConf", high("code-execution")},
		{"omegaconf", "OmegaConf.load", high("code-execution")},
		{"omegaconf.dictconfig", "OmegaConf.register_new_resolver", high("code-execution")},
		{"omegaconf.omegaconf", "register_default_resolvers", high("code-execution")},
		{"omegaconf._utils", "_get_class", critical("import")},
		{"omegaconf.resolvers.oc", "env", high("code-execution")},
		{"omegaconf.grammar_visitor", "GrammarVisitor", high("code-execution")},
		{"omegaconf.dictconfig", "DictConfig._get_impl", unknown},
		{"omegaconf", "open_dict", unknown},
		{"pytorch_lightning.utilities.parsing", "AttributeDict", allowed},
		{"lightning.fabric.utilities.data", "AttributeDict", allowed},
		{"pytorch_lightning.utilities.enums", "_FaultTolerantMode.DISABLED", allowed},
		{"pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint", allowed},
		{"pytorch_lightning.core.lightning", "LightningModule.load_from_checkpoint", critical("nested-loader")},
		{"lightning.pytorch.core.saving", "load_hparams_from_yaml", high("file-io")},
		{"pytorch_lightning.utilities.cloud_io", "load", critical("nested-loader")},
		{"pyannote.audio.core.task", "Specifications", allowed},
		{"pyannote.audio.core.task", "Problem.MONO_LABEL_CLASSIFICATION", allowed},
		{"torch.torch_version", "TorchVersion", allowed},
		{"surprise.prediction_algorithms.matrix_factorization", "SVD", allowed},
		{"surprise.dataset", "Trainset", allowed},
		{"surprise.dump", "load", critical("nested-loader")},
		{"surprise.dataset", "Dataset.load_builtin", high("network")},
		{"surprise.dataset", "DatasetUserFolds", unknown},
		{"timm.models.resnet", "ResNet", allowed},
		{"timm.models.layers.activations", "GELU", allowed},
		{"timm.layers.mlp", "Mlp", allowed},
		{"timm.models._factory", "create_model", unknown},
		{"timm.models._hub", "TemporaryDirectory", high("network")},
		{"timm.models._helpers", "load_checkpoint", critical("nested-loader")},
		{"segmentation_models_pytorch.decoders.unet.model", "Unet", allowed},
		{"segmentation_models_pytorch.unet.model", "Unet", allowed},
		{"segmentation_models_pytorch.base.hub_mixin", "SMPHubMixin", high("network")},
		{"segmentation_models_pytorch.datasets.oxford_pet", "OxfordPetDataset", unknown},
		{"segmentation_models_pytorch.utils.base", "SumOfLosses", unknown},
		{"efficientnet_pytorch.model", "EfficientNet", allowed},
		{"efficientnet_pytorch.utils", "load_pretrained_weights", unknown},
		{"mlxtend.classifier.stacking_classification", "StackingClassifier", allowed},
		{"mlxtend.feature_selection.sequential_feature_selector", "SequentialFeatureSelector", unknown},
		{"scikeras._saving_utils", "unpack_keras_model", high("nested-loader")},
		{"kmodes.kmodes", "KModes", unknown},
	}
	for _, tt := range tests {
		check(t, tt.module, tt.name, tt.want)
	}
}

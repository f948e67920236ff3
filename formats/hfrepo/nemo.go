package hfrepo

import (
	"path"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats/internal/pyyaml"
)

// nemoConfig is the file a NeMo archive (.nemo) keeps its model config in.
const nemoConfig = "model_config.yaml"

// nemoTarget returns the top-level "target" of a NeMo model_config.yaml:
// ModelPT.restore_from passes the config to from_config_dict, which
// imports the class named by target (import_class_by_path) and calls it
// with the config, as hydra.utils.instantiate does with _target_. Only
// the top-level key of that file has this meaning; "target" elsewhere is
// ordinary data. The file is read as OmegaConf reads it, through PyYAML
// (merge keys and aliases applied).
func nemoTarget(name string, data []byte) (yamlHit, bool) {
	if path.Base(name) != nemoConfig {
		return yamlHit{}, false
	}
	root, err := pyyaml.Parse(data)
	if err != nil {
		return yamlHit{}, false
	}
	v := pyyaml.Get(root, "target")
	if v == nil || v.Kind != yaml.ScalarNode {
		return yamlHit{}, false
	}
	return yamlHit{key: "target", value: v.Value, line: v.Line}, true
}

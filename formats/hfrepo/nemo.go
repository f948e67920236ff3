package hfrepo

import (
	"bytes"
	"path"

	"gopkg.in/yaml.v3"
)

// nemoConfig is the file a NeMo archive (.nemo) keeps its model config in.
const nemoConfig = "model_config.yaml"

// nemoTarget returns the top-level "target" of a NeMo model_config.yaml:
// ModelPT.restore_from passes the config to from_config_dict, which
// imports the class named by target (import_class_by_path) and calls it
// with the config, as hydra.utils.instantiate does with _target_. Only
// the top-level key of that file has this meaning; "target" elsewhere is
// ordinary data.
func nemoTarget(name string, data []byte) (hit yamlHit, ok bool) {
	if path.Base(name) != nemoConfig {
		return yamlHit{}, false
	}
	defer func() {
		if r := recover(); r != nil {
			hit, ok = yamlHit{}, false
		}
	}()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) != 1 {
		return yamlHit{}, false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return yamlHit{}, false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "target" && v.Kind == yaml.ScalarNode {
			hit, ok = yamlHit{key: "target", value: v.Value, line: k.Line}, true
		}
	}
	return hit, ok
}

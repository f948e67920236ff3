// Package keras analyzes Keras models: legacy HDF5 files (.h5, through the
// bounded reader of package hdf5), Keras 3 archives (.keras, as a layout
// over the zip's members) and the Keras metadata of TensorFlow
// SavedModels (keras_metadata.pb). It judges every object of the model
// config — Lambda bytecode, modules outside Keras, TorchModuleWrapper,
// TFSMLayer, non-modelling Keras functions — and reports the HDF5
// structures that read other files (external links, external storage,
// virtual datasets, soft links).
//
// It never imports or deserializes a model: Lambda bytecode is read by
// package marshal, statically, and embedded pickles are handed back to
// the engine as members to scan.
package keras

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/hdf5"
)

func init() {
	formats.Register(formats.HDF5, formats.AnalyzerFunc(AnalyzeH5))
}

// Root attributes of a legacy Keras H5 file that hold configs.
var configAttrs = map[string]bool{"model_config": true, "training_config": true}

// AnalyzeH5 reads an HDF5 file: Keras configs in its root attributes, and
// every object for links and storage that reach outside the file.
func AnalyzeH5(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("hdf5 %s: %w", in.Name, err)
	}
	f, err := hdf5.Open(ra, size)
	if err != nil {
		return fmt.Errorf("hdf5 %s: %w", in.Name, err)
	}
	var errs []error
	attrs, err := f.RootAttributes(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	var embedded []Embedded
	version := ""
	for _, a := range attrs {
		if a.Name == "keras_version" {
			version = a.String()
		}
	}
	for _, a := range attrs {
		if !configAttrs[a.Name] {
			continue
		}
		c := &Checker{Report: s.Report, At: int64(a.Addr), Version: version}
		if err := c.CheckJSON([]byte(a.String()), a.Name); err != nil {
			errs = append(errs, err)
		}
		embedded = append(embedded, c.Embedded...)
	}
	// A soft link only matters to Keras, whose loaders would read one
	// weight through another; in any other HDF5 file (NWB, netCDF,
	// PyTables) it is an ordinary path inside the file.
	layout := strings.HasSuffix(strings.ToLower(in.Name), ".weights.h5")
	for _, a := range attrs {
		layout = layout || kerasRootAttr(a.Name)
	}
	var softLinks []hdf5.Finding
	err = f.WalkObjects(ctx, func(p string) { layout = layout || kerasObject(p) }, func(x hdf5.Finding) {
		if x.Kind == hdf5.SoftLink {
			// A soft link named model_weights is the group the legacy
			// loaders enter ("model_weights" in f follows the link).
			layout = layout || kerasObject(x.Path)
			softLinks = append(softLinks, x)
			return
		}
		s.Report(hdf5Finding(x))
	})
	if err != nil {
		errs = append(errs, err)
	}
	for _, x := range softLinks {
		finding := hdf5Finding(x)
		// Only a whole reading can show there is no Keras layout.
		if !layout && len(errs) == 0 {
			finding = finding.At(formats.Low).With("keras_layout", "none")
		}
		s.Report(finding)
	}
	if err := scanEmbedded(ctx, in.Name, embedded, s); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("hdf5 %s: %w", in.Name, err)
	}
	return nil
}

// kerasRootAttr reports a root attribute that Keras writes and its
// legacy loaders read: the configs, the versions, the layer_names list
// (split into layer_names0, layer_names1 ... when it outgrows an
// attribute) that load_weights walks, and Keras 1's nb_layers, whose
// legacy weights layout (layer_<k> groups of param_<p> datasets) its
// load_weights still reads.
func kerasRootAttr(name string) bool {
	switch name {
	case "model_config", "training_config", "keras_version", "backend", "nb_layers":
		return true
	}
	return strings.HasPrefix(name, "layer_names")
}

// kerasObject reports an object path of a Keras layout: the legacy
// model_weights and optimizer_weights groups, and the vars groups Keras
// 3's weights files keep every layer's variables in.
func kerasObject(p string) bool {
	switch p {
	case "/model_weights", "/optimizer_weights":
		return true
	}
	return p == "/vars" || strings.HasSuffix(p, "/vars")
}

func hdf5Finding(x hdf5.Finding) formats.Finding {
	rule := map[hdf5.Kind]string{
		hdf5.ExternalLink: RuleExternalLink, hdf5.ExternalStorage: RuleExternalStorage,
		hdf5.VirtualDataset: RuleVirtualDataset, hdf5.SoftLink: RuleSoftLink, hdf5.OversizedDataset: RuleShapeBomb,
	}[x.Kind]
	msg := fmt.Sprintf("%s at %s", x.Kind, x.Path)
	if x.Target != "" {
		msg += fmt.Sprintf(" to %q", x.Target)
	}
	return formats.NewFinding(rule, int64(x.Addr), "%s", msg).With("path", x.Path).With("target", x.Target)
}

func scanEmbedded(ctx context.Context, name string, blobs []Embedded, s formats.Scope) error {
	for _, e := range blobs {
		if err := s.Scan(ctx, formats.NewInput(e.Name, bytes.NewReader(e.Data), int64(len(e.Data)))); err != nil {
			return fmt.Errorf("scan %s of %s: %w", e.Name, name, err)
		}
	}
	return nil
}

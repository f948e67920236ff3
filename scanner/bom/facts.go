package bom

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/compress"
	"github.com/modelgate/modelgate/formats/gguf"
	"github.com/modelgate/modelgate/formats/hdf5"
	"github.com/modelgate/modelgate/formats/numpy"
	"github.com/modelgate/modelgate/formats/onnx"
	"github.com/modelgate/modelgate/formats/pickle"
	"github.com/modelgate/modelgate/formats/pytorch/inventory"
	"github.com/modelgate/modelgate/formats/safetensors"
	"github.com/modelgate/modelgate/formats/tensorflow"
	"github.com/modelgate/modelgate/formats/tflite"
	"github.com/modelgate/modelgate/scanner"
)

// Caps on the metadata files read for the model card.
const (
	maxConfigBytes = 1 << 20
	maxReadmeBytes = 256 << 10
	maxIO          = 64
)

// facts is what the model card says, each read from the model's own
// headers and metadata files.
type facts struct {
	Architecture string
	Family       string
	Task         string
	License      string
	Datasets     []string
	BaseModels   []string
	Params       uint64
	Dtypes       []string
	Quantization string
	// Tensors counts the tensors (initializers, for ONNX) the headers
	// list; Operators the graph nodes (ONNX, TFLite operators).
	Tensors   int
	Operators int
	Layers    int // Keras layers
	// ContextLength is a GGUF model's context length.
	ContextLength uint64
	// Opsets lists ONNX operator sets as domain:version.
	Opsets          []string
	Inputs, Outputs []string
	// Arrays lists NumPy arrays and joblib's array wrappers as
	// "name: descr[shape]" (a lone .npy's name is its file's).
	Arrays []string
	// Classes are the classes a clean joblib pickle builds, other than
	// the arrays' own: the estimator's.
	Classes []string
	// HParams are a legacy GGML header's hyper-parameters, name=value.
	HParams []string
}

func readFacts(ctx context.Context, root string, rep *scanner.Report) (*facts, error) {
	f := &facts{}
	if root == "" {
		return f, nil
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("model root: %w", err)
	}
	dir := root
	if !st.IsDir() {
		dir = filepath.Dir(root)
	}
	if err := f.readConfig(filepath.Join(dir, "config.json")); err != nil {
		return nil, err
	}
	if err := f.readReadme(filepath.Join(dir, "README.md")); err != nil {
		return nil, err
	}
	dtypes, opsets := map[string]bool{}, map[string]bool{}
	for _, fr := range rep.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Only files that scanned clean are read again: a header the
		// analyzers flagged is not a fact to record.
		if !scannedClean(fr) {
			continue
		}
		p := root
		if st.IsDir() {
			p = filepath.Join(root, filepath.FromSlash(relPath(rep, fr.Path)))
		}
		if k := joblibKind(fr.Formats); k != "" {
			if err := f.readJoblib(ctx, p, k, dtypes); err != nil {
				return nil, err
			}
		}
		if slices.Contains(fr.Formats, "safetensors") {
			if err := f.readSafetensors(ctx, p, dtypes); err != nil {
				return nil, err
			}
			continue
		}
		if err := f.readHeaders(ctx, p, fr.Formats, dtypes, opsets); err != nil {
			return nil, err
		}
	}
	f.Dtypes = sortedKeys(dtypes)
	f.Opsets = sortedKeys(opsets)
	return f, nil
}

// scannedClean says whether a file's facts may be read: it scanned clean,
// or with findings of info and low severity only. Those flag nothing that
// loading the file can do (an info note such as a TorchScript archive's
// MG320; a low one such as a Keras custom object the config names or a
// trailing line ending), and every facts reader is a parser that executes
// nothing (pickles go through allowlisted globals only). A medium finding
// or worse is left out: it says loaders may read the bytes otherwise than
// modelgate does (an odd header, an unknown global), so its facts could
// describe a model the loader never builds.
func scannedClean(fr scanner.FileResult) bool {
	if fr.Outcome == scanner.Clean {
		return true
	}
	if fr.Outcome != scanner.Findings || len(fr.Findings) == 0 {
		return false
	}
	for _, x := range fr.Findings {
		if x.Severity != formats.Info && x.Severity != formats.Low {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for d := range m {
			if !yield(d) {
				return
			}
		}
	})
}

// addParams adds n parameters, reporting an overflow.
func (f *facts) addParams(n uint64) error {
	sum, carry := bits.Add64(f.Params, n, 0)
	if carry != 0 {
		return errors.New("parameter count overflows")
	}
	f.Params = sum
	return nil
}

// readHeaders reads the facts of a clean file in one of the formats whose
// headers say what the model is. A file whose facts cannot be read (a
// TorchScript archive's pickle names classes the inventory does not admit,
// a zip is not a checkpoint) contributes none: its verdict is the scan's.
func (f *facts) readHeaders(ctx context.Context, p string, formatNames []string, dtypes, opsets map[string]bool) error {
	var kind string
	for _, k := range []string{"zip", "pytorch-legacy", "onnx", "gguf", "tflite", "savedmodel", "tf-checkpoint-index", "hdf5", "numpy", "ggml"} {
		if slices.Contains(formatNames, k) {
			kind = k
			break
		}
	}
	if kind == "" {
		return nil
	}
	fh, size, err := openModel(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	switch kind {
	case "zip":
		// One read of the directory and of data.pkl serves both the
		// inventory and the TorchScript facts.
		a, err := inventory.OpenZip(fh, size)
		var inv *inventory.Inventory
		if err == nil {
			inv, err = a.Inventory(ctx)
		}
		if err != nil {
			if err := f.readKerasZip(ctx, fh, size); err != nil {
				return err
			}
			return f.readNpz(ctx, fh, size, dtypes)
		}
		f.addInventory(inv, dtypes)
		f.readTorchScript(ctx, a)
		return f.addParams(inv.Params)
	case "pytorch-legacy":
		inv, err := inventory.Legacy(ctx, fh, size)
		if err != nil {
			return ctx.Err()
		}
		f.addInventory(inv, dtypes)
		return f.addParams(inv.Params)
	case "onnx":
		m, err := onnx.Walk(ctx, fh, size, func(formats.Finding) {})
		if err != nil {
			return ctx.Err()
		}
		f.Tensors += m.Initializers
		f.Operators += m.Nodes
		for d := range m.Dtypes {
			dtypes[d] = true
		}
		for d, v := range m.Opsets {
			if d == "" {
				d = "ai.onnx"
			}
			opsets[d+":"+strconv.FormatUint(v, 10)] = true
		}
		for _, v := range m.Inputs {
			f.Inputs = append(f.Inputs, v.String())
		}
		for _, v := range m.Outputs {
			f.Outputs = append(f.Outputs, v.String())
		}
		return f.addParams(m.Params)
	case "gguf":
		g, err := gguf.Describe(ctx, fh, size)
		if err != nil {
			return ctx.Err()
		}
		if f.Family == "" {
			f.Family = g.Architecture
		}
		f.ContextLength = max(f.ContextLength, g.ContextLength)
		if f.Quantization == "" {
			f.Quantization = g.FileType
		}
		f.Tensors += g.Tensors
		for d := range g.TensorTypes {
			dtypes[d] = true
		}
		return f.addParams(g.Params)
	case "ggml":
		g, err := gguf.DescribeGGML(ctx, fh, size)
		if err != nil {
			return ctx.Err()
		}
		if f.Family == "" {
			f.Family = g.Family
		}
		if f.Quantization == "" {
			f.Quantization = g.FileType
		}
		f.HParams = append(f.HParams, g.HParams...)
		f.Tensors += g.Tensors
		for d := range g.TensorTypes {
			dtypes[d] = true
		}
		return f.addParams(g.Params)
	case "tflite":
		m, err := tflite.Walk(ctx, fh, size, func(formats.Finding) {})
		if err != nil {
			return ctx.Err()
		}
		f.Operators += m.Operators
		f.Inputs = append(f.Inputs, m.Inputs...)
		f.Outputs = append(f.Outputs, m.Outputs...)
	case "hdf5":
		return f.readKerasH5(ctx, fh, size)
	case "numpy":
		a, err := numpy.Describe(fh)
		if err != nil {
			return ctx.Err()
		}
		return f.addArray(filepath.Base(p), a, dtypes)
	case "savedmodel", "tf-checkpoint-index":
		if size > maxTFBytes {
			return nil
		}
		data := make([]byte, size)
		if _, err := fh.ReadAt(data, 0); err != nil {
			return fmt.Errorf("read %s: %w", filepath.Base(p), err)
		}
		if kind == "savedmodel" {
			g, err := tensorflow.Walk(ctx, data, func(formats.Finding) {})
			if err != nil {
				return ctx.Err()
			}
			f.Operators += g.Nodes
			f.savedModelCard(g)
			return nil
		}
		b, err := tensorflow.ReadBundle(ctx, data, func(formats.Finding) {})
		if err != nil || !b.Valid {
			return ctx.Err()
		}
		for _, e := range b.Entries {
			// Strings are the checkpoint's object graph, not weights;
			// optimizer slots are training state.
			if e.DType == tfString || e.Elements < 0 || !e.Stored() || strings.Contains(e.Key, ".OPTIMIZER_SLOT") {
				continue
			}
			f.Tensors++
			dtypes[tensorflow.DTypeName(e.DType)] = true
			if err := f.addParams(uint64(e.Elements)); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxTFBytes caps the TensorFlow protobufs and indexes read for facts.
const maxTFBytes = 256 << 20

const tfString = 7

// addInventory counts a PyTorch checkpoint's tensors and their dtypes.
func (f *facts) addInventory(inv *inventory.Inventory, dtypes map[string]bool) {
	f.Tensors += len(inv.Tensors)
	for _, d := range inv.Dtypes() {
		dtypes[d] = true
	}
}

// readTorchScript records a TorchScript archive's module class as the
// architecture (unless config.json named one) and its forward signature as
// inputs and outputs; a torch.save checkpoint has none.
func (f *facts) readTorchScript(ctx context.Context, a *inventory.Archive) {
	s, err := a.TorchScript(ctx)
	if err != nil {
		return
	}
	if f.Architecture == "" {
		f.Architecture = s.Class
	}
	f.Inputs = append(f.Inputs, s.Inputs...)
	f.Outputs = append(f.Outputs, s.Outputs...)
}

// readKerasZip reads a Keras v3 archive's config.json: the model's class
// and its layers.
func (f *facts) readKerasZip(ctx context.Context, ra io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return ctx.Err()
	}
	for _, m := range zr.File {
		if m.Name != "config.json" || m.UncompressedSize64 > maxConfigBytes {
			continue
		}
		rc, err := m.Open()
		if err != nil {
			return ctx.Err()
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxConfigBytes))
		rc.Close()
		if err != nil {
			return ctx.Err()
		}
		f.kerasConfig(data)
	}
	return nil
}

// readKerasH5 reads a Keras HDF5 file's model_config attribute.
func (f *facts) readKerasH5(ctx context.Context, ra io.ReaderAt, size int64) error {
	h, err := hdf5.Open(ra, size)
	if err != nil {
		return ctx.Err()
	}
	attrs, err := h.RootAttributes(ctx)
	if err != nil {
		return ctx.Err()
	}
	for _, a := range attrs {
		if a.Name == "model_config" {
			f.kerasConfig([]byte(a.String()))
		}
	}
	return nil
}

// kerasConfig reads a Keras model config: its class, and its layers (a
// Sequential config of Keras 2.1 and before is the list of layers itself).
func (f *facts) kerasConfig(data []byte) {
	var c struct {
		ClassName   string          `json:"class_name"`
		Config      json.RawMessage `json:"config"`
		BuildConfig struct {
			InputShape json.RawMessage `json:"input_shape"`
		} `json:"build_config"`
	}
	if json.Unmarshal(data, &c) != nil || c.ClassName == "" {
		return
	}
	var layers []json.RawMessage
	var inner struct {
		Layers []json.RawMessage `json:"layers"`
	}
	if json.Unmarshal(c.Config, &inner) == nil {
		layers = inner.Layers
	} else if json.Unmarshal(c.Config, &layers) != nil {
		layers = nil
	}
	if f.Architecture == "" {
		f.Architecture = c.ClassName
	}
	f.Layers += len(layers)
	// Keras 3 records the shape a built model was built with; a
	// subclassed model's config has no layers, so it is what says how
	// the model is called.
	var shape bytes.Buffer
	if len(c.BuildConfig.InputShape) > 0 && json.Compact(&shape, c.BuildConfig.InputShape) == nil && shape.String() != "null" && shape.Len() <= 256 {
		f.Inputs = append(f.Inputs, "input_shape: "+shape.String())
	}
}

// openModel opens a model file the scan read, for its facts, and says its
// size: the facts readers read it as a ReaderAt, each under its own cap.
func openModel(p string) (*os.File, int64, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", filepath.Base(p), err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, fmt.Errorf("stat %s: %w", filepath.Base(p), err)
	}
	return fh, st.Size(), nil
}

func readSmall(p string, limit int64) ([]byte, error) {
	fh, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(p), err)
	}
	defer fh.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(fh, limit)); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(p), err)
	}
	return buf.Bytes(), nil
}

func (f *facts) readConfig(p string) error {
	data, err := readSmall(p, maxConfigBytes)
	if err != nil || data == nil {
		return err
	}
	var c struct {
		Architectures []string `json:"architectures"`
		ModelType     string   `json:"model_type"`
		TorchDtype    any      `json:"torch_dtype"`
		Quant         struct {
			Method string `json:"quant_method"`
		} `json:"quantization_config"`
	}
	// A config.json that is not the Transformers shape gives no facts;
	// it is not an error of the BOM.
	if json.Unmarshal(data, &c) != nil {
		return nil
	}
	if len(c.Architectures) > 0 {
		f.Architecture = c.Architectures[0]
	}
	f.Family = c.ModelType
	f.Quantization = c.Quant.Method
	return nil
}

// readReadme reads the Hugging Face model card's YAML front matter.
func (f *facts) readReadme(p string) error {
	data, err := readSmall(p, maxReadmeBytes)
	if err != nil || data == nil {
		return err
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil
	}
	end := bytes.Index(data[4:], []byte("\n---"))
	if end < 0 {
		return nil
	}
	var fm struct {
		License     any    `yaml:"license"`
		Datasets    any    `yaml:"datasets"`
		BaseModel   any    `yaml:"base_model"`
		PipelineTag string `yaml:"pipeline_tag"`
	}
	if yaml.Unmarshal(data[4:4+end], &fm) != nil {
		return nil
	}
	if l := stringList(fm.License); len(l) > 0 {
		f.License = l[0]
	}
	f.Datasets = stringList(fm.Datasets)
	f.BaseModels = stringList(fm.BaseModel)
	f.Task = fm.PipelineTag
	return nil
}

// stringList reads a YAML scalar or list of scalars.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return nil
}

func (f *facts) readSafetensors(ctx context.Context, p string, dtypes map[string]bool) error {
	fh, size, err := openModel(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	h, err := safetensors.ReadHeader(ctx, fh, size, func(formats.Finding) {})
	if err != nil {
		return fmt.Errorf("safetensors header of %s: %w", filepath.Base(p), err)
	}
	f.Tensors += len(h.Tensors)
	for _, t := range h.Tensors {
		n := uint64(1)
		for _, d := range t.Shape {
			hi, lo := bits.Mul64(n, d)
			if hi != 0 {
				return fmt.Errorf("safetensors header of %s: tensor %q has an impossible shape", filepath.Base(p), t.Name)
			}
			n = lo
		}
		sum, carry := bits.Add64(f.Params, n, 0)
		if carry != 0 {
			return fmt.Errorf("safetensors header of %s: parameter count overflows", filepath.Base(p))
		}
		f.Params = sum
		dtypes[t.Dtype] = true
	}
	return nil
}

func (f *facts) modelCard() *cdx.MLModelCard {
	mp := &cdx.MLModelParameters{Task: f.Task, ArchitectureFamily: f.Family, ModelArchitecture: f.Architecture}
	if len(f.Datasets) > 0 {
		var ds []cdx.MLDatasetChoice
		for _, d := range f.Datasets {
			ds = append(ds, cdx.MLDatasetChoice{ComponentData: &cdx.ComponentData{Type: cdx.ComponentDataTypeDataset, Name: d}})
		}
		mp.Datasets = &ds
	}
	ios := func(names []string) *[]cdx.MLInputOutputParameters {
		if len(names) == 0 {
			return nil
		}
		// A directory of many models lists the first maxIO.
		names = names[:min(len(names), maxIO)]
		out := make([]cdx.MLInputOutputParameters, len(names))
		for i, n := range names {
			out[i].Format = n
		}
		return &out
	}
	mp.Inputs, mp.Outputs = ios(f.Inputs), ios(f.Outputs)
	card := &cdx.MLModelCard{BOMRef: "model-card"}
	if *mp != (cdx.MLModelParameters{}) {
		card.ModelParameters = mp
	}
	return card
}

func (f *facts) properties() []cdx.Property {
	var p []cdx.Property
	if f.Params > 0 {
		p = append(p, cdx.Property{Name: "modelgate:parameters", Value: strconv.FormatUint(f.Params, 10)})
	}
	if len(f.Dtypes) > 0 {
		p = append(p, cdx.Property{Name: "modelgate:dtypes", Value: strings.Join(f.Dtypes, ",")})
	}
	if f.Quantization != "" {
		p = append(p, cdx.Property{Name: "modelgate:quantization", Value: f.Quantization})
	}
	if f.Tensors > 0 {
		p = append(p, cdx.Property{Name: "modelgate:tensors", Value: strconv.Itoa(f.Tensors)})
	}
	if f.Layers > 0 {
		p = append(p, cdx.Property{Name: "modelgate:layers", Value: strconv.Itoa(f.Layers)})
	}
	if f.Operators > 0 {
		p = append(p, cdx.Property{Name: "modelgate:operators", Value: strconv.Itoa(f.Operators)})
	}
	if f.ContextLength > 0 {
		p = append(p, cdx.Property{Name: "modelgate:context-length", Value: strconv.FormatUint(f.ContextLength, 10)})
	}
	if len(f.Opsets) > 0 {
		p = append(p, cdx.Property{Name: "modelgate:opsets", Value: strings.Join(f.Opsets, ",")})
	}
	if len(f.HParams) > 0 {
		p = append(p, cdx.Property{Name: "modelgate:hparams", Value: strings.Join(f.HParams, ",")})
	}
	for _, a := range f.Arrays[:min(len(f.Arrays), maxIO)] {
		p = append(p, cdx.Property{Name: "modelgate:array", Value: a})
	}
	for _, c := range f.Classes[:min(len(f.Classes), maxIO)] {
		p = append(p, cdx.Property{Name: "modelgate:class", Value: c})
	}
	return p
}

// readNpz reads the header of every .npy member of an .npz archive
// (np.savez): only the header's bytes are decompressed, never the data.
func (f *facts) readNpz(ctx context.Context, ra io.ReaderAt, size int64, dtypes map[string]bool) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return ctx.Err()
	}
	for _, m := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, ok := strings.CutSuffix(m.Name, ".npy")
		if !ok {
			continue
		}
		rc, err := m.Open()
		if err != nil {
			continue
		}
		a, err := numpy.Describe(rc)
		rc.Close()
		if err != nil {
			continue
		}
		if err := f.addArray(name, a, dtypes); err != nil {
			return err
		}
	}
	return nil
}

// addArray records one array: a tensor, its elements as parameters.
func (f *facts) addArray(name string, a *numpy.Array, dtypes map[string]bool) error {
	f.Tensors++
	dtypes[a.Descr] = true
	f.Arrays = append(f.Arrays, name+": "+a.Descr+shapeString(a.Shape))
	return f.addParams(a.Elements)
}

func shapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// joblibKind is how a file may hold a joblib dump: "pickle" for a raw
// pickle, a compression format for joblib's compressed dumps (the
// scanner names a file by its outer format only); "" otherwise.
func joblibKind(formatNames []string) string {
	for _, k := range []string{formats.Pickle, formats.Zlib, formats.Gzip, formats.XZ, formats.LZ4, formats.Bzip2, formats.LZMA} {
		if slices.Contains(formatNames, k) {
			return k
		}
	}
	return ""
}

// maxJoblibBytes caps the joblib dumps read again for facts: the pickle
// machine steps over the array data by reading it, so this is a second
// read of the whole (decompressed) file.
const maxJoblibBytes = 1 << 30

// readJoblib reads the arrays a joblib dump declares and the classes its
// pickle imports. A file that is not a joblib or plain pickle gives none.
func (f *facts) readJoblib(ctx context.Context, p, kind string, dtypes map[string]bool) error {
	fh, size, err := openModel(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	var r io.Reader = fh
	if kind != formats.Pickle {
		m, err := compress.Member(kind, formats.NewInput(filepath.Base(p), fh, size))
		if err != nil {
			return ctx.Err()
		}
		rc, err := m.Input.Open()
		if err != nil {
			return ctx.Err()
		}
		defer rc.Close()
		r = rc
	}
	j, err := pickle.DescribeJoblib(ctx, io.LimitReader(r, maxJoblibBytes))
	if err != nil {
		return ctx.Err()
	}
	for i, a := range j.Arrays {
		f.Tensors++
		dtypes[a.Dtype] = true
		f.Arrays = append(f.Arrays, "array "+strconv.Itoa(i)+": "+a.Dtype+shapeString(a.Shape))
		if err := f.addParams(a.Elements); err != nil {
			return err
		}
	}
	for _, c := range j.Companions {
		f.Arrays = append(f.Arrays, "companion file: "+c)
	}
	// The first class a pickle imports is the object it builds outermost
	// (a Pipeline, before its steps).
	if f.Architecture == "" && len(j.Classes) > 0 {
		f.Architecture = j.Classes[0]
	}
	f.Classes = append(f.Classes, j.Classes...)
	return nil
}

// savedModelCard records a SavedModel's Keras class as its architecture and
// its serving signature's inputs and outputs ("serving_default", else every
// signature's but TensorFlow's own "__saved_model_init_op", by key), and
// the task a classify or regress serving signature states.
func (f *facts) savedModelCard(g *tensorflow.Graph) {
	if f.Architecture == "" {
		f.Architecture = g.Class
	}
	keys := map[string]bool{}
	for k := range g.Signatures {
		if !strings.HasPrefix(k, "__") {
			keys[k] = true
		}
	}
	if s, ok := g.Signatures["serving_default"]; ok {
		keys = map[string]bool{"serving_default": true}
		if t := servingTasks[s.Method]; t != "" && f.Task == "" {
			f.Task = t
		}
	}
	for _, k := range sortedKeys(keys) {
		s := g.Signatures[k]
		f.Inputs = append(f.Inputs, s.Inputs...)
		f.Outputs = append(f.Outputs, s.Outputs...)
	}
}

// servingTasks are the TensorFlow Serving methods that name a task.
var servingTasks = map[string]string{"tensorflow/serving/classify": "classification", "tensorflow/serving/regress": "regression"}

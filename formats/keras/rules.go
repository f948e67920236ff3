package keras

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleLambda          = "MG700"
	RuleModule          = "MG701"
	RuleUnsafeClass     = "MG702"
	RuleGadget          = "MG703"
	RuleExtraMember     = "MG704"
	RuleConfigInvalid   = "MG705"
	RuleExternalLink    = "MG710"
	RuleExternalStorage = "MG711"
	RuleVirtualDataset  = "MG712"
	RuleSoftLink        = "MG713"
	RuleCustomObject    = "MG714"
	RuleShapeBomb       = "MG715"
	RuleWeightMap       = "MG716"
	RulePathArg         = "MG717"
	RuleLambdaSource    = "MG718"
	RuleExtension       = "MG719"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleLambda, Severity: formats.Critical, Title: "Keras Lambda layer carries Python bytecode",
			Doc: "A Lambda layer (or a Keras 3 __lambda__ object) stores its function as base64-encoded marshal bytecode, which Keras turns back into a Python function and runs while building the model on load (CVE-2024-3660; safe_mode is ignored for .h5 files before Keras 3.11.3, CVE-2025-9905, and absent in tf.keras 2.x). modelgate lists the names the bytecode refers to, read statically. Do not load the model; rebuild it without Lambda layers."},
		{ID: RuleModule, Severity: formats.High, Title: "Keras config names a module outside Keras",
			Doc: "An object or function in the model config names a module that is not part of Keras (keras, keras_hub, keras_cv, keras_nlp). Keras before 3.9.0 imported any such module and called the named attribute even in safe_mode (CVE-2025-1550); newer versions refuse it unless the loader passes custom objects. An example is {\"class_name\": \"function\", \"config\": \"system\", \"module\": \"os\"}."},
		{ID: RuleUnsafeClass, Severity: formats.High, Title: "Keras layer that loads code or files",
			Doc: "The config uses TorchModuleWrapper, whose config embeds a pickled torch module that torch.load runs (CVE-2025-49655, Keras 3.11.0 to 3.11.2), or TFSMLayer, which loads the TensorFlow SavedModel at an attacker-chosen path even in safe_mode (CVE-2026-1462, before 3.13.2). modelgate scans embedded pickles as members."},
		{ID: RuleGadget, Severity: formats.High, Title: "Keras config calls a non-modelling Keras API",
			Doc: "The config references a Keras function that is not a modelling API: enable_unsafe_deserialization, which turns safe_mode off before later layers (including Lambdas) load (CVE-2025-9906, critical), get_file, which downloads and writes arbitrary files (CVE-2025-8747), or model loading and saving functions. Fixed in Keras 3.11.0; older loaders run them."},
		{ID: RuleExtraMember, Severity: formats.Medium, Title: "Unexpected file in a .keras archive",
			Doc: "A .keras archive holds a member Keras never writes (anything but config.json, metadata.json, weights files and assets/), such as a Python file or a native library. Keras ignores it, so it is there for some other reader or for a social-engineering step; it is scanned on its own."},
		{ID: RuleConfigInvalid, Severity: formats.Medium, Title: "Keras config unreadable",
			Doc: "config.json, metadata.json or an H5 model_config attribute is not valid UTF-8 JSON, is too large or too deeply nested. Keras refuses it or reads it differently; the model's layers could not be checked."},
		{ID: RuleExternalLink, Severity: formats.Critical, Title: "HDF5 external link",
			Doc: "An HDF5 group holds an external link into another file. Keras and h5py follow it while loading weights, so the weights are read from an attacker-chosen path on the victim's machine and can leak through inference or a re-save (CVE-2026-1669, fixed in Keras 3.12.1 and 3.13.2)."},
		{ID: RuleExternalStorage, Severity: formats.Critical, Title: "HDF5 dataset stored in external files",
			Doc: "A dataset keeps its data in external raw files named in the file (External Data Files message). Loading its weights reads those files, for example /etc/passwd, into the model (CVE-2026-1669)."},
		{ID: RuleVirtualDataset, Severity: formats.High, Title: "HDF5 virtual dataset",
			Doc: "A dataset is virtual: its data is mapped from other datasets, possibly in other files. Keras now rejects virtual datasets because they read data from outside the file."},
		{ID: RuleSoftLink, Severity: formats.Medium, Title: "HDF5 soft link",
			Doc: "A group holds a soft link, a path that h5py resolves inside the file. Keras never writes them and now rejects them, because they make one weight alias another and confuse path checks. Medium in a file with a Keras layout (Keras's root attributes or Keras 1's nb_layers, a model_weights, optimizer_weights or vars group or a soft link of that name, a .weights.h5 name); low in any other HDF5 file, where a soft link is an ordinary path (NWB, netCDF and PyTables files keep them) and no Keras loader finds weights to alias."},
		{ID: RuleCustomObject, Severity: formats.Low, Title: "Keras config needs a custom object",
			Doc: "An object in the config is registered under a package of its own (registered_name \"package>Name\") with no module Keras can import, or is a class of a module no known library provides (the saving project's own code: Keras 3 writes a custom layer's module). Keras 3.9 and later load it only if the caller supplies the class as a custom object; older Keras imports the module, which exists only where the project is. Either way the code comes from outside the file. Check where that code comes from."},
		{ID: RuleShapeBomb, Severity: formats.Medium, Title: "HDF5 dataset declares far more data than it stores",
			Doc: "A dataset's shape and type declare more than max(4 GiB, 1000 times) the bytes the file stores for it. Loading the weights allocates by the declared shape, exhausting memory; Keras now refuses such datasets (CVE-2026-0897)."},
		{ID: RuleWeightMap, Severity: formats.High, Title: "Keras sharded weights map names a file outside the archive",
			Doc: "A *.weights.json weight_map of a sharded .keras model names a shard that is not a plain file name or is not in the archive. Keras opens the named file while loading weights, so a path with directories or '..' reads weights from elsewhere on the victim's machine."},
		{ID: RulePathArg, Severity: formats.High, Title: "Keras layer argument names a file or URL to read",
			Doc: "A layer that reads a file when it is constructed is given a string path or URL: the vocabulary of StringLookup, IntegerLookup or TextVectorization, the vocabulary, merges or proto of a keras_hub/keras_nlp tokenizer, the handle of a tensorflow_hub KerasLayer (the list and its sources are in formats/keras/pathargs.tsv). Loading the model reads that file from the loading machine (an SSH key, /etc/passwd) into the model, where inference or a re-save can leak it, and tf.io.gfile fetches gs://, s3://, hdfs:// or http URLs (SSRF). Recent Keras refuses vocabulary files in safe_mode; tf.keras and older loaders read them. Ship vocabularies inside the archive's assets instead."},
		{ID: RuleLambdaSource, Severity: formats.Medium, Title: "Keras Lambda layer carries Python source text",
			Doc: "A Lambda layer's function is Python source text rather than marshalled bytecode or a function name. Keras cannot rebuild it as shipped, so the file was not written by Keras, and loaders or helper code that evaluate such text run it. High when the text names eval, exec, imports, os, subprocess, open, sockets or similar. Rebuild the model without Lambda layers."},
		{ID: RuleExtension, Severity: formats.Low, Title: "Keras config uses a layer of a known extension library",
			Doc: "An object in the config names a layer or function of an established Keras extension library (QKeras, TensorFlow Addons, TF Model Optimization, Larq, vit-keras, the TF*MainLayer classes of Hugging Face transformers and others; the list and its sources are in formats/keras/extensions.tsv). Keras imports that library's module and builds the named class, which exists for modelling only; the model needs the library installed. Names of these modules outside the list are reported as MG701."},
	} {
		formats.RegisterRule(r)
	}
}

package gguf

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleHeader           = "MG500"
	RuleBigEndian        = "MG502"
	RuleMetadata         = "MG503"
	RuleDuplicateKey     = "MG504"
	RuleKeyName          = "MG505"
	RuleUTF8             = "MG506"
	RuleTokenizer        = "MG507"
	RuleBlockCount       = "MG508"
	RuleAlignment        = "MG509"
	RuleTensorInfo       = "MG510"
	RuleDuplicateName    = "MG511"
	RuleTensorName       = "MG512"
	RuleTensorOffset     = "MG513"
	RuleTensorRange      = "MG514"
	RuleTrailing         = "MG515"
	RulePolyglot         = "MG516"
	RuleTemplateEscape   = "MG520"
	RuleTemplateParse    = "MG521"
	RuleTemplateLoader   = "MG522"
	RuleTemplateDoS      = "MG523"
	RuleTemplateComputed = "MG524"
	RuleTemplateUnknown  = "MG525"
	RuleGGMLHeader       = "MG530"
	RuleGGMLTensor       = "MG531"
	RuleGGMLRange        = "MG532"
	RuleGGMLTrailing     = "MG533"
	RuleGGMLDuplicate    = "MG534"
	RuleGGMLPolyglot     = "MG535"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleHeader, Severity: formats.Medium, Title: "GGUF header invalid",
			Doc: "The GGUF version is not 2 or 3, the tensor or metadata counts cannot fit in the file, or the header is truncated. llama.cpp rejects such files; the count fields are those of the 2024 Talos heap-overflow CVEs (CVE-2024-21836, -23496, -23605) in older parsers."},
		{ID: RuleBigEndian, Severity: formats.Info, Title: "GGUF file is big-endian",
			Doc: "The version field reads correctly only byte-swapped: the file was written for big-endian hosts. llama.cpp on little-endian hosts rejects it as wrong endianness."},
		{ID: RuleMetadata, Severity: formats.Medium, Title: "GGUF metadata value invalid",
			Doc: "A metadata entry has an empty key, an unknown value type, a nested array (ggml rejects arrays of arrays), a BOOL other than 0 or 1, an array too large for the file, or a string longer than ggml's 1 GiB limit. Parsers differ on such entries; the array and string cases are the CVE-2024-21825/-21802 family."},
		{ID: RuleDuplicateKey, Severity: formats.High, Title: "GGUF duplicate metadata key",
			Doc: "The same metadata key appears twice. ggml rejects the file, but other readers keep the first or the last, so two tools can see different values (a second chat template, say). Reject the file."},
		{ID: RuleKeyName, Severity: formats.Info, Title: "GGUF metadata key outside the naming convention",
			Doc: "The GGUF spec asks for ASCII lower_snake_case segments separated by dots, at most 65,535 bytes. A key outside that form is not written by llama.cpp's converters."},
		{ID: RuleUTF8, Severity: formats.Low, Title: "GGUF string not valid UTF-8",
			Doc: "A metadata string or tensor name is not valid UTF-8, as the spec requires. Readers substitute, truncate or reject it differently."},
		{ID: RuleTokenizer, Severity: formats.Medium, Title: "GGUF tokenizer arrays inconsistent",
			Doc: "tokenizer.ggml.tokens, scores and token_type have wrong element types or different lengths, or a byte token is not exactly <0xHH>. llama.cpp's vocabulary loader indexed these arrays without checks (PR #26690 out-of-bounds read, the PLaMo-2 <0x-1> heap write, CVE-2025-49847)."},
		{ID: RuleBlockCount, Severity: formats.Medium, Title: "GGUF block_count beyond llama.cpp's layer limit",
			Doc: "An architecture's block_count exceeds LLAMA_MAX_LAYERS (512) or is not an integer; llama.cpp wrote per-layer arrays out of bounds with such values (PR #25821/#26051)."},
		{ID: RuleAlignment, Severity: formats.Medium, Title: "GGUF general.alignment invalid",
			Doc: "general.alignment must be a UINT32 power of two (the spec adds: a multiple of 8). A wrong type was asserted on and a bad value wraps padding arithmetic in ggml (PR #26318)."},
		{ID: RuleTensorInfo, Severity: formats.Medium, Title: "GGUF tensor info invalid",
			Doc: "A tensor has a name of 64 bytes or more, more than 4 dimensions, a negative dimension, an unknown or removed ggml type, a first dimension that is not a multiple of its type's block size, or an element count or byte size that overflows. These are the inputs of the ggml_nbytes overflow CVEs (CVE-2025-53630, CVE-2026-27940, CVE-2026-33298)."},
		{ID: RuleDuplicateName, Severity: formats.High, Title: "GGUF duplicate tensor name",
			Doc: "Two tensors share a name. ggml rejects the file; other loaders pick one, so the weights used depend on the reader."},
		{ID: RuleTensorName, Severity: formats.Medium, Title: "GGUF tensor name with control characters",
			Doc: "A tensor name contains NUL or other control characters, which hide or truncate it in C-string based tools."},
		{ID: RuleTensorOffset, Severity: formats.Medium, Title: "GGUF tensor offsets misaligned or not contiguous",
			Doc: "A tensor's data offset is not a multiple of the alignment, or differs from the running sum of the previous tensors' padded sizes that ggml requires, so tensors overlap or leave holes."},
		{ID: RuleTensorRange, Severity: formats.Medium, Title: "GGUF tensor data beyond the end of file",
			Doc: "A tensor's data reaches past the end of the file. Loaders that map the file read out of bounds (the Ollama 'Bleeding Llama' memory leak, CVE-2026-7482)."},
		{ID: RuleTrailing, Severity: formats.Medium, Title: "GGUF trailing data after the last tensor",
			Doc: "Bytes follow the last tensor's padded data. GGUF writers never produce them; they are room for an appended payload or a second format."},
		{ID: RulePolyglot, Severity: formats.High, Title: "GGUF file that is also a zip",
			Doc: "A zip end-of-central-directory record sits at the end of the GGUF file, so zip readers (torch.load, zipfile) see an archive. The engine analyzes the zip reading too."},
		{ID: RuleTemplateEscape, Severity: formats.Critical, Title: "GGUF chat template reaches Python internals",
			Doc: "The Jinja chat template accesses dunder attributes, Python internals or globals such as self, config, request, os, lipsum or cycler, directly or through attr/format filters, string concatenation or escapes. Rendered by an unsandboxed Jinja2 environment (llama-cpp-python < 0.2.72, CVE-2024-34359; SGLang, CVE-2026-5760) this runs code. Ordinary chat templates never do any of it."},
		{ID: RuleTemplateParse, Severity: formats.Medium, Title: "GGUF chat template does not parse",
			Doc: "The chat template is not valid Jinja for the scanner, is too large or too deeply nested to check safely, uses a tag Jinja2 does not know or leaves a block open, or Jinja2's own lexer splits it into code and text differently from the scanner's parser (a raw section or comment ended by a Unicode space, for example), so code may have been hidden from the checks. It could not be fully checked; Jinja2, minja or minijinja may still render it. Review the template."},
		{ID: RuleTemplateComputed, Severity: formats.High, Title: "GGUF chat template looks up attributes by computed names",
			Doc: "The chat template looks up an attribute or item whose name is computed when it renders: x[key] where key is not a literal, an integer, or a key of the mapping it indexes; attr, map('attr'), map(attribute=), selectattr, groupby or sort with a computed name; str.format on a format string that is not a literal; map or select applying a filter or test named at render time. Jinja falls back to attribute access for a string key, so such a template can spell __init__ or __globals__ at render time from pieces no check sees, or take the name from a user's message; rendered by an unsandboxed Jinja2 (llama-cpp-python before 0.2.72, SGLang) it reaches os. It is critical when the lookup applies to one of Jinja's own objects (namespace, cycler, joiner, lipsum, range, dict), whose __init__.__globals__ holds the os module. Real chat templates never need it (docs/chat-templates.md)."},
		{ID: RuleTemplateUnknown, Severity: formats.Medium, Title: "GGUF chat template uses a filter or test Jinja2 does not define",
			Doc: "The chat template uses a filter or test that is not one of Jinja2 3.1's built-ins (or the pure from_json and regex_replace some renderers add). Jinja2 refuses such a template, but a renderer that registers a filter or test of that name runs the host's code on the template's arguments. Real chat templates use only Jinja2's own."},
		{ID: RuleTemplateLoader, Severity: formats.Medium, Title: "GGUF chat template loads other templates",
			Doc: "The chat template uses include, import, extends or from, which read other templates through the renderer's loader (files on the host, in some deployments). Chat templates never need them."},
		{ID: RuleTemplateDoS, Severity: formats.Low, Title: "GGUF chat template can exhaust resources",
			Doc: "The chat template is unusually large, loops over huge ranges or repeats strings enormous numbers of times; even a sandboxed renderer can be made to hang or run out of memory."},
		{ID: RuleGGMLHeader, Severity: formats.Medium, Title: "GGML legacy header invalid",
			Doc: "A legacy GGML file (whisper.cpp model or Silero VAD, llama.cpp ggml/ggmf/ggjt) ends inside its header, or its mel filters, vocabulary or encoder-layer table are larger than the file or have a negative count. The legacy loaders size buffers from these fields without checking them against the file (a negative VAD model-type length or layer count becomes a huge allocation); a real converter never writes such a header."},
		{ID: RuleGGMLTensor, Severity: formats.Medium, Title: "GGML legacy tensor record invalid",
			Doc: "A tensor record of a legacy GGML file has more than 4 dimensions (whisper.cpp and llama.cpp read them into a 4-element array: a stack out-of-bounds write), a negative dimension, an unknown or removed ggml type, a shape that is not a whole number of its type's blocks or whose size overflows, more elements than the int32 count whisper.cpp keeps, or a name of 64 bytes or more or with control characters. Converters never write such records; reject the file."},
		{ID: RuleGGMLRange, Severity: formats.Medium, Title: "GGML legacy tensor data beyond the end of file",
			Doc: "A legacy GGML tensor's data, sized by its shape and ggml type, reaches past the end of the file: the file is truncated or its shape lies, and loaders that map the file read out of bounds."},
		{ID: RuleGGMLTrailing, Severity: formats.Medium, Title: "GGML legacy trailing data",
			Doc: "Bytes follow the last tensor of a legacy GGML file that do not form a tensor record. The legacy loaders read records until the end of file and ignore or reject such bytes; converters never write them, so they are room for an appended payload or a second format."},
		{ID: RuleGGMLDuplicate, Severity: formats.High, Title: "GGML legacy duplicate tensor name",
			Doc: "Two tensor records of a legacy GGML file share a name. The legacy loaders overwrite the first with the second, other readers keep the first, so the weights used depend on the reader."},
		{ID: RuleGGMLPolyglot, Severity: formats.High, Title: "GGML legacy file that is also a zip",
			Doc: "A zip end-of-central-directory record sits at the end of the legacy GGML file, so zip readers (torch.load, zipfile) see an archive. The engine analyzes the zip reading too."},
	} {
		formats.RegisterRule(r)
	}
}

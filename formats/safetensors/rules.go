package safetensors

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleHeaderLength    = "MG401"
	RuleHeaderInvalid   = "MG402"
	RuleDtype           = "MG403"
	RuleSize            = "MG404"
	RuleOffsets         = "MG405"
	RuleCoverage        = "MG406"
	RuleDuplicateKey    = "MG407"
	RuleUnexpectedKey   = "MG408"
	RuleMetadataType    = "MG409"
	RuleName            = "MG410"
	RulePadding         = "MG411"
	RulePolyglot        = "MG412"
	RuleNonCanonical    = "MG413"
	RuleMetadataCode    = "MG414"
	RuleRank            = "MG415"
	RuleIndexPath       = "MG420"
	RuleIndexMissing    = "MG421"
	RuleIndexNotST      = "MG422"
	RuleIndexMismatch   = "MG423"
	RuleIndexMalformed  = "MG424"
	RuleIndexUnreadable = "MG425"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleHeaderLength, Severity: formats.Medium, Title: "safetensors header length invalid",
			Doc: "The 8-byte little-endian header length is below 2, above the reference limit of 100,000,000 bytes, or reaches past the end of the file. The reference loader rejects the file; a non-reference reader may allocate by this length or read out of bounds. Regenerate the file with the safetensors library."},
		{ID: RuleHeaderInvalid, Severity: formats.Medium, Title: "safetensors header rejected by the reference loader",
			Doc: "The JSON header is not valid UTF-8, not a JSON object, has trailing non-whitespace, or has entries of the wrong shape (a tensor without dtype, shape or two data_offsets; negative, fractional or overflowing integers). The reference loader refuses it; readers that accept it see something the reference never would. Treat the file as untrusted and regenerate it."},
		{ID: RuleDtype, Severity: formats.Medium, Title: "safetensors tensor with unknown dtype",
			Doc: "A tensor declares a dtype outside the reference list (BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, the F8 types, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64). safetensors has no object dtype; the reference loader rejects the file."},
		{ID: RuleSize, Severity: formats.Medium, Title: "safetensors tensor size inconsistent with shape and dtype",
			Doc: "A tensor's byte range does not equal the product of its shape times the dtype size, the product overflows 64 bits, or the bit size is not a whole number of bytes. The reference loader rejects the file; lenient readers may read out of bounds (the classic shape-overflow bug of third-party parsers)."},
		{ID: RuleOffsets, Severity: formats.Medium, Title: "safetensors data offsets overlap or leave gaps",
			Doc: "Sorted by data_offsets, tensor byte ranges must start at 0 and each must begin where the previous ended. Overlapping ranges (several tensors over the same bytes), gaps or reversed ranges are rejected by the reference loader and are the allocation-DoS and hidden-data vectors its maintainers closed."},
		{ID: RuleCoverage, Severity: formats.Medium, Title: "safetensors data region does not end at the end of file",
			Doc: "The last tensor must end exactly at the end of the file. Trailing bytes (an appended payload, a second format glued on) or tensors reaching past the end are rejected by the reference loader; a file that has them was produced or modified by non-reference tooling."},
		{ID: RuleDuplicateKey, Severity: formats.High, Title: "safetensors header with duplicate JSON keys",
			Doc: "The same key appears twice in one JSON object. The format forbids it, but the reference loader (serde), Python's json and Go's encoding/json silently keep the last one while other readers keep the first: two tools can see two different tensors under one name. Reject the file."},
		{ID: RuleUnexpectedKey, Severity: formats.Low, Title: "safetensors tensor entry with unexpected keys",
			Doc: "A tensor entry carries keys other than dtype, shape and data_offsets. The reference loader ignores them and the format's schema forbids them; they can carry data that downstream tools interpret."},
		{ID: RuleMetadataType, Severity: formats.Medium, Title: "safetensors __metadata__ is not a string map",
			Doc: "__metadata__ must map strings to strings. Another value type makes the reference loader reject the file and is a way to smuggle structured data to tools that read the header themselves."},
		{ID: RuleName, Severity: formats.Medium, Title: "safetensors tensor name with control characters",
			Doc: "A tensor or metadata name contains NUL, C0/C1 control, bidirectional-override or replacement characters, or is longer than 1024 bytes. Such names hide tensors from tools that handle C strings or display names (hidden tensor injection) and never occur in files written by real frameworks."},
		{ID: RulePadding, Severity: formats.Low, Title: "safetensors header padded far beyond its JSON",
			Doc: "The header length is much larger than the JSON it holds (more than twice plus 4 KiB). Writers pad a few bytes for alignment; large padding is room for hidden data or for aligning a polyglot (for example a zip signature at offset 0)."},
		{ID: RulePolyglot, Severity: formats.High, Title: "safetensors file that is also another format",
			Doc: "The tensor data holds a structurally valid pickle, zip, NumPy, GGUF or executable, or a zip end record sits at the end of the file, so a loader that sniffs the file differently (torch.load, zipfile, a renamed extension) reads a different, possibly code-carrying, format. The embedded format is scanned as a member."},
		{ID: RuleNonCanonical, Severity: formats.Info, Title: "safetensors header does not start with '{'",
			Doc: "The header starts with whitespace. The reference loader accepts it (writers may pad to align the data section) but the format's README says the header must begin with '{'; strict readers reject it."},
		{ID: RuleMetadataCode, Severity: formats.Low, Title: "safetensors metadata value looks like code",
			Doc: "A __metadata__ value contains code or shell fragments (eval, exec, __import__, os.system, subprocess, shell invocations). safetensors loaders never run metadata, but applications that evaluate it would (JFrog's NOAUTOLOAD-SUSCODE class). Review the value."},
		{ID: RuleRank, Severity: formats.Low, Title: "safetensors header anomaly",
			Doc: "A tensor has more than 8 dimensions, or a dimension beyond 2^48-1, which the format's schema excludes and no real model uses; reference readers accept it but other parsers may overflow fixed-size arrays."},
		{ID: RuleIndexPath, Severity: formats.High, Title: "safetensors index shard name escapes the model directory",
			Doc: "A shard file named in model.safetensors.index.json is absolute, contains '..', a backslash or a NUL, so a loader would open a file outside the model directory. Reject the index."},
		{ID: RuleIndexMissing, Severity: formats.Medium, Title: "safetensors index names a missing shard",
			Doc: "A shard named in the index's weight_map is not in the repository: the model cannot be loaded as published and the scan cannot vouch for the file a loader would fetch."},
		{ID: RuleIndexNotST, Severity: formats.High, Title: "safetensors index shard is not safetensors",
			Doc: "A shard named in the index is not a safetensors file (for example a pickle renamed .safetensors). Loaders that fall back to torch.load would execute it."},
		{ID: RuleIndexMismatch, Severity: formats.Medium, Title: "safetensors index maps a tensor to a shard that does not hold it",
			Doc: "The index says a tensor lives in a shard whose header has no such tensor (or a shard holds tensors the index does not list): shards were substituted or the index edited."},
		{ID: RuleIndexMalformed, Severity: formats.Medium, Title: "safetensors index is malformed",
			Doc: "model.safetensors.index.json is not valid UTF-8 JSON of the form {\"metadata\": {...}, \"weight_map\": {tensor: shard}}, or has duplicate keys. Loaders may resolve tensors differently from the scan."},
		{ID: RuleIndexUnreadable, Severity: formats.Medium, Title: "safetensors shard could not be checked",
			Doc: "A shard named in the index exists but its header could not be read or parsed, so the tensor map could not be verified."},
	} {
		formats.RegisterRule(r)
	}
}

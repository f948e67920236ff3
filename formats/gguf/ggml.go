package gguf

import (
	"context"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// legacyMagics describes GGUF's predecessors by their first four bytes
// (the uint32 magic written little-endian, then its big-endian spelling).
var legacyMagics = map[string]string{
	"lmgg": "unversioned 'ggml' (whisper.cpp, early llama.cpp)",
	"fmgg": "versioned 'ggmf' (llama.cpp, 2023)",
	"tjgg": "mmap-able 'ggjt' (llama.cpp, 2023)",
	"algg": "'ggla' LoRA adapter (llama.cpp, 2023)",
	"ggml": "big-endian unversioned 'ggml'",
	"ggmf": "big-endian versioned 'ggmf'",
	"ggjt": "big-endian 'ggjt'",
	"ggla": "big-endian 'ggla' LoRA adapter",
}

// AnalyzeGGML identifies a legacy GGML file and reports it unsupported.
// Between the magic and the tensor list these files hold a
// hyper-parameter block whose layout depends on the model family (whisper:
// eleven int32 and mel filters; llama: seven fields and a vocabulary;
// silero VAD: a name string first), with no length to skip it by, so no
// generic parser can reach the tensors. The format carries no templates
// or code; the engine marks the file inconclusive (unsupported) rather
// than clean.
func AnalyzeGGML(_ context.Context, in *formats.Input, _ formats.Scope) error {
	rc, err := in.Open()
	if err != nil {
		return fmt.Errorf("ggml %s: %w", in.Name, err)
	}
	defer rc.Close()
	var magic [4]byte
	if _, err := io.ReadFull(rc, magic[:]); err != nil {
		return fmt.Errorf("ggml %s: read magic: %w", in.Name, &formats.ReadError{Err: err})
	}
	desc, ok := legacyMagics[string(magic[:])]
	if !ok {
		return fmt.Errorf("ggml %s: unknown magic %q", in.Name, magic)
	}
	return fmt.Errorf("ggml %s: legacy GGML %s: model-specific header, convert to GGUF: %w", in.Name, desc, formats.ErrUnsupported)
}

package gguf

import (
	"context"
	"fmt"
	"io"
	"math/bits"
	"strconv"

	"github.com/modelgate/modelgate/formats"
)

// Facts is what a GGUF file's header says the model is.
type Facts struct {
	Architecture  string // general.architecture
	ContextLength uint64 // <architecture>.context_length; 0 when absent
	FileType      string // general.file_type as llama.cpp names it ("MOSTLY_Q4_K_M")
	Tensors       int
	Params        uint64         // sum of the tensors' element counts
	TensorTypes   map[string]int // tensors per ggml type ("Q4_K", "F32")
}

// fileTypes are llama.cpp's llama_ftype names.
var fileTypes = map[uint64]string{
	0: "ALL_F32", 1: "MOSTLY_F16", 2: "MOSTLY_Q4_0", 3: "MOSTLY_Q4_1", 7: "MOSTLY_Q8_0", 8: "MOSTLY_Q5_0",
	9: "MOSTLY_Q5_1", 10: "MOSTLY_Q2_K", 11: "MOSTLY_Q3_K_S", 12: "MOSTLY_Q3_K_M", 13: "MOSTLY_Q3_K_L",
	14: "MOSTLY_Q4_K_S", 15: "MOSTLY_Q4_K_M", 16: "MOSTLY_Q5_K_S", 17: "MOSTLY_Q5_K_M", 18: "MOSTLY_Q6_K",
	19: "MOSTLY_IQ2_XXS", 20: "MOSTLY_IQ2_XS", 21: "MOSTLY_Q2_K_S", 22: "MOSTLY_IQ3_XS", 23: "MOSTLY_IQ3_XXS",
	24: "MOSTLY_IQ1_S", 25: "MOSTLY_IQ4_NL", 26: "MOSTLY_IQ3_S", 27: "MOSTLY_IQ3_M", 28: "MOSTLY_IQ2_S",
	29: "MOSTLY_IQ2_M", 30: "MOSTLY_IQ4_XS", 31: "MOSTLY_IQ1_M", 32: "MOSTLY_BF16", 36: "MOSTLY_TQ1_0",
	37: "MOSTLY_TQ2_0",
}

// Describe reads the header of the GGUF file in ra for its facts. It
// judges nothing (findings are dropped: the file is expected to have been
// scanned already) and reads no tensor data.
func Describe(ctx context.Context, ra io.ReaderAt, size int64) (*Facts, error) {
	p := newParser(ctx, ra, size, func(formats.Finding) {})
	if err := p.parse(); err != nil {
		return nil, fmt.Errorf("gguf header: %w", err)
	}
	f := &Facts{Architecture: p.arch, Tensors: len(p.tensors), TensorTypes: map[string]int{}}
	f.ContextLength = p.scalars[p.arch+".context_length"]
	if v, ok := p.scalars["general.file_type"]; ok {
		f.FileType = fileTypes[v]
		if f.FileType == "" {
			f.FileType = "file_type " + strconv.FormatUint(v, 10)
		}
	}
	for _, t := range p.tensors {
		name := "type " + strconv.FormatUint(uint64(t.typ), 10)
		if gt, ok := ggmlTypes[t.typ]; ok {
			name = gt.name
		}
		f.TensorTypes[name]++
		n := uint64(1)
		for _, d := range t.dims {
			hi, lo := bits.Mul64(n, d)
			if hi != 0 {
				return nil, fmt.Errorf("gguf tensor %q: element count overflows", t.name)
			}
			n = lo
		}
		sum, carry := bits.Add64(f.Params, n, 0)
		if carry != 0 {
			return nil, fmt.Errorf("gguf: parameter count overflows")
		}
		f.Params = sum
	}
	return f, nil
}

// LegacyFacts is what a legacy GGML file's header and tensor records say
// the model is.
type LegacyFacts struct {
	Layout string // as CheckGGML names it
	// Family is the model family the layout is for: whisper, llama, or
	// the VAD header's model type ("silero-v6.2.0").
	Family string
	// HParams are the header's hyper-parameters as name=value, in the
	// order the header stores them.
	HParams []string
	// FileType is the ftype as llama.cpp names it, when the header has one.
	FileType    string
	Tensors     int
	Params      uint64
	TensorTypes map[string]int
	overflow    bool
}

// whisperHParams and llamaHParams name the int32 hyper-parameters after
// the magic (and ggmf/ggjt's version), as whisper.cpp and llama.cpp read
// them.
var (
	whisperHParams = []string{"n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
		"n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels", "ftype"}
	llamaHParams = []string{"n_vocab", "n_embd", "n_mult", "n_head", "n_layer", "n_rot", "ftype"}
	vadHParams   = []string{"version_major", "version_minor", "version_patch", "window_size", "context_size", "encoder_layers"}
)

// hparams reads the hyper-parameters from the head, which the layout check
// has matched.
func (f *LegacyFacts) hparams(layout string, head []byte) {
	f.Layout = layout
	var names []string
	off := 4
	switch {
	case layout == LayoutWhisper:
		f.Family, names = "whisper", whisperHParams
	case layout == LayoutVAD:
		n := int(i32at(head, 4))
		f.Family, names, off = string(head[8:8+n]), vadHParams, 8+n
	default:
		f.Family, names = "llama", llamaHParams
		if layout != LayoutLlama {
			off = 8
		}
	}
	for i, name := range names {
		at := off + 4*i
		if at+4 > len(head) {
			break
		}
		v := i32at(head, at)
		f.HParams = append(f.HParams, name+"="+strconv.FormatInt(int64(v), 10))
		if name == "ftype" {
			// whisper.cpp stores ggml's quantization version in the
			// thousands.
			t := uint64(v % 1000)
			if f.FileType = fileTypes[t]; f.FileType == "" {
				f.FileType = "ftype " + strconv.FormatUint(t, 10)
			}
		}
	}
}

func (f *LegacyFacts) add(typ string, elems uint64) {
	f.Tensors++
	f.TensorTypes[typ]++
	sum, carry := bits.Add64(f.Params, elems, 0)
	f.Params, f.overflow = sum, f.overflow || carry != 0
}

// DescribeGGML walks the legacy GGML file in ra as CheckGGML does (header,
// vocabulary, tensor records, stepping over tensor data) for its facts. It
// judges nothing; the file is expected to have been scanned already.
func DescribeGGML(ctx context.Context, ra io.ReaderAt, size int64) (*LegacyFacts, error) {
	f := &LegacyFacts{TensorTypes: map[string]int{}}
	if _, err := checkGGML(ctx, ra, size, func(formats.Finding) {}, f); err != nil {
		return nil, fmt.Errorf("ggml: %w", err)
	}
	if f.overflow {
		return nil, fmt.Errorf("ggml: parameter count overflows")
	}
	return f, nil
}

// Package llamafile recognises llamafiles: a native executable (usually a
// Cosmopolitan Actually Portable Executable) with a zip appended that
// holds GGUF weights and an optional .args file of default command-line
// arguments. The engine already analyzes such a file as an executable and
// as a zip (whose GGUF members go to the GGUF analyzer); this package
// tells the zip analyzer that the zip belongs to the executable (so the
// file is no polyglot), names the file a llamafile, and checks .args for
// arguments that load files or URLs the llamafile does not carry.
//
// The executable's code is never analyzed or run.
package llamafile

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.Register(formats.Executable, formats.AnalyzerFunc(Analyze))
	formats.RegisterAppendix("llamafile", appendix)
	formats.RegisterLayout("llamafile-args", argsLayout{})
}

// Caps on the central directory read to list a llamafile's members.
const (
	maxEntries = 100_000
	maxCD      = 64 << 20
	headProbe  = formats.HeadSize
)

// isExecutableHead recognises an executable the way the engine's sniff
// does (ELF, Mach-O, or an MZ header whose e_lfanew leads to a PE
// signature, as an Actually Portable Executable's "MZqFpD" header does):
// a prefix the engine would not report as an executable is not explained
// away as one.
func isExecutableHead(p []byte) bool {
	for _, m := range []string{"\x7fELF", "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe"} {
		if bytes.HasPrefix(p, []byte(m)) {
			return true
		}
	}
	if !bytes.HasPrefix(p, []byte("MZ")) || len(p) < 0x40 {
		return false
	}
	off := int(binary.LittleEndian.Uint32(p[0x3c:]))
	return off >= 0x40 && off+4 <= len(p) && bytes.Equal(p[off:off+4], []byte("PE\x00\x00"))
}

func hasWeights(names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasSuffix(strings.ToLower(n), ".gguf") {
			out = append(out, n)
		}
	}
	return out
}

// appendix accepts the zip of a llamafile: an executable before it and
// GGUF weights in it.
func appendix(ctx context.Context, ra io.ReaderAt, start int64, names []string) (*formats.Appendix, error) {
	if start <= 0 {
		return nil, nil
	}
	head := make([]byte, min(start, headProbe))
	if _, err := ra.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, &formats.ReadError{Err: err}
	}
	w := hasWeights(names)
	if !isExecutableHead(head) || len(w) == 0 {
		return nil, nil
	}
	return &formats.Appendix{
		Note:    fmt.Sprintf("zip of a llamafile: the weights (%s) its executable loads", strings.Join(w[:min(len(w), 3)], ", ")),
		Layouts: []string{"hfrepo", "llamafile-args"},
	}, nil
}

// Analyze names an executable that carries GGUF weights in an appended
// zip a llamafile. Other executables are left to the engine's MG004.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	if !in.RandomAccess() {
		return nil
	}
	names, err := zipNames(in)
	if err != nil || len(names) == 0 {
		// A broken or absent zip is the zip analyzer's to report.
		return nil
	}
	w := hasWeights(names)
	if len(w) == 0 {
		return nil
	}
	args := ""
	for _, n := range names {
		if n == ".args" {
			args = "; its default arguments (.args) are checked"
		}
	}
	s.Report(formats.NewFinding(RuleLlamafile, 0, "llamafile: running it runs native code; its weights (%s) are analyzed as GGUF%s",
		strings.Join(w[:min(len(w), 3)], ", "), args).With("weights", strings.Join(w, ",")))
	return nil
}

// zipNames lists the member names of the zip at the end of in, from its
// central directory, or nil when there is none.
func zipNames(in *formats.Input) ([]string, error) {
	ra, size, err := in.ReaderAt(0)
	if err != nil {
		return nil, err
	}
	tail := make([]byte, min(size, formats.TailSize))
	if _, err := ra.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < 22 {
		return nil, nil
	}
	end := tail[i:]
	count := int(binary.LittleEndian.Uint16(end[10:]))
	cdSize := int64(binary.LittleEndian.Uint32(end[12:]))
	// A zip appended to an executable has offsets relative to the zip's
	// start or (zipalign, zip -A) to the file's: the directory lies just
	// before the end record either way.
	cdAt := size - int64(len(tail)-i) - cdSize
	if cdSize > maxCD || cdAt < 0 || count > maxEntries {
		return nil, nil
	}
	cd := make([]byte, cdSize)
	if _, err := ra.ReadAt(cd, cdAt); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var names []string
	for p := 0; len(names) < count && p+46 <= len(cd); {
		if !bytes.HasPrefix(cd[p:], []byte("PK\x01\x02")) {
			return nil, nil
		}
		nl := int(binary.LittleEndian.Uint16(cd[p+28:]))
		el := int(binary.LittleEndian.Uint16(cd[p+30:]))
		cl := int(binary.LittleEndian.Uint16(cd[p+32:]))
		if p+46+nl > len(cd) {
			return nil, nil
		}
		names = append(names, string(cd[p+46:p+46+nl]))
		p += 46 + nl + el + cl
	}
	return names, nil
}

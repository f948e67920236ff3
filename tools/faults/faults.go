// Package faults is modelgate's fault-injection test: it truncates and
// flips bytes of every model file in the repository's testdata folders
// (and ../shared/realworld when present), scans each mutant with the
// scanner, and has the real loaders (loaders.py, in one sandboxed Python
// process) read every mutant the gate lets pass. A mutant the loader
// rejects but modelgate calls clean is a failure: a truncated or corrupt
// stream must be inconclusive or a finding, never clean.
//
// The package only picks seeds and mutations; it never loads a file in the
// Go process. `go test` runs a bounded sample (MODELGATE_FAULT_BUDGET, a
// Go duration, runs longer: `make faults`).
package faults

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Seed is one undamaged file and the loader that reads its format.
type Seed struct {
	Path   string // as found, for messages
	Data   []byte
	Loader string // a loaders.py loader, "" when the harness has none
}

// MaxSeed is the largest file used as a seed: bigger ones make the loader
// side slow without reaching other code.
const MaxSeed = 8 << 20

// skipDirs are testdata folders whose files are no models (report
// goldens, templates, policies).
var skipDirs = []string{"scanner/report/testdata", "scanner/policy/testdata", "scanner/bom/testdata", "formats/jinja/testdata"}

// Seeds walks root for testdata folders, and extra folders as they are,
// and returns every file the sniffer identifies, with its loader.
func Seeds(root string, extra ...string) ([]Seed, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() && d.Name() == "testdata" {
			rel, _ := filepath.Rel(root, p)
			for _, s := range skipDirs {
				if filepath.ToSlash(rel) == s {
					return filepath.SkipDir
				}
			}
			dirs = append(dirs, p)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	for _, e := range extra {
		if st, err := os.Stat(e); err == nil && st.IsDir() {
			dirs = append(dirs, e)
		}
	}
	var seeds []Seed
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			info, err := d.Info()
			if err != nil || info.Size() == 0 || info.Size() > MaxSeed {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			kinds := formats.Sniff(formats.Head{Name: p, Size: int64(len(b)), Prefix: b[:min(len(b), formats.HeadSize)], Suffix: b[max(0, len(b)-formats.TailSize):]})
			if len(kinds) == 0 {
				return nil
			}
			seeds = append(seeds, Seed{Path: p, Data: b, Loader: loaderFor(kinds[0])})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", dir, err)
		}
	}
	return seeds, nil
}

// loaderFor names the loaders.py loader for a sniffed format.
func loaderFor(format string) string {
	switch format {
	case formats.Pickle:
		return "pickle"
	case formats.TorchLegacy:
		return "torch"
	case formats.NumPy:
		return "npy"
	case formats.Zip:
		return "zip"
	case formats.Tar:
		return "tar"
	case formats.HDF5:
		return "hdf5"
	case formats.Safetensors:
		return "safetensors"
	case formats.ONNX:
		return "onnx"
	case formats.Gzip, formats.Bzip2, formats.XZ, formats.LZMA, formats.Zlib, formats.LZ4, formats.JoblibZFile:
		return "compressed:" + format
	}
	return ""
}

// Mutation is one change to a seed, printable as a reproducer.
type Mutation struct {
	Kind string // "truncate", "set" or "flip"
	Off  int
	Val  byte // the byte written (set) or the bit mask (flip)
}

func (m Mutation) String() string {
	switch m.Kind {
	case "truncate":
		return fmt.Sprintf("truncated to %d bytes", m.Off)
	case "set":
		return fmt.Sprintf("byte %d set to 0x%02x", m.Off, m.Val)
	}
	return fmt.Sprintf("byte %d xor 0x%02x", m.Off, m.Val)
}

// Apply returns the mutant of b.
func (m Mutation) Apply(b []byte) []byte {
	if m.Kind == "truncate" {
		return b[:m.Off]
	}
	c := bytes.Clone(b)
	if m.Kind == "set" {
		c[m.Off] = m.Val
	} else {
		c[m.Off] ^= m.Val
	}
	return c
}

// Mutate picks a mutation of an n-byte file. Offsets favour the first and
// last kilobyte, where headers, indexes, footers and trailers are.
func Mutate(r *rand.Rand, n int) Mutation {
	off := func(end int) int {
		switch r.Intn(3) {
		case 0:
			return r.Intn(min(end, 1024))
		case 1:
			return max(0, end-1-r.Intn(min(end, 1024)))
		}
		return r.Intn(end)
	}
	switch k := r.Intn(8); {
	case k < 3 && n > 1:
		return Mutation{Kind: "truncate", Off: off(n-1) + 1}
	case k < 5:
		return Mutation{Kind: "flip", Off: off(n), Val: 1 << r.Intn(8)}
	case k < 6:
		return Mutation{Kind: "set", Off: off(n), Val: []byte{0, 0xff}[r.Intn(2)]}
	}
	return Mutation{Kind: "set", Off: off(n), Val: byte(r.Intn(256))}
}

// Name is the file name a mutant of seed is scanned under: the seed's own
// (analyzers and loaders read names: saved_model.pb, .npz, .keras).
func Name(seed Seed) string {
	return strings.TrimSpace(filepath.Base(seed.Path))
}

package main

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/cache"
)

// cacheOptions are the result cache's flags.
type cacheOptions struct {
	Dir     string
	Disable bool
}

func addCacheFlags(f *pflag.FlagSet, o *cacheOptions) {
	f.StringVar(&o.Dir, "cache-dir", "", "result cache `DIR`: files whose SHA-256 was scanned before by this build under the same policy and limits are not fetched or analyzed again (default: modelgate/results under the user cache directory)")
	f.BoolVar(&o.Disable, "no-cache", false, "neither use nor fill the result cache")
}

// open returns the result cache to use and the version its keys carry,
// or nil when disabled. A cache that cannot be used is a warning: the
// scan goes on without it. A directory named by --cache-dir that is not
// private is an error, as the user asked for it.
func (o cacheOptions) open(stderr io.Writer, policySHA256 string) (scanner.ResultCache, string, error) {
	if o.Disable {
		return nil, "", nil
	}
	dir, explicit := o.Dir, o.Dir != ""
	if !explicit {
		d, err := cache.DefaultDir()
		if err != nil {
			fmt.Fprintf(stderr, "note: no result cache (%v); scanning every file\n", err)
			return nil, "", nil
		}
		dir = d
	}
	build, err := buildVersion()
	if err != nil {
		fmt.Fprintf(stderr, "note: no result cache (cannot identify this build: %v); scanning every file\n", err)
		return nil, "", nil
	}
	c, err := cache.Open(dir)
	if err != nil {
		if explicit {
			return nil, "", fmt.Errorf("--cache-dir: %v", err)
		}
		fmt.Fprintf(stderr, "note: no result cache (%v); scanning every file\n", err)
		return nil, "", nil
	}
	return c, build + "\x00policy " + policySHA256, nil
}

// buildVersion identifies the detection logic of this binary for cache
// keys: the module version and the VCS revision the toolchain recorded,
// or, when the revision is unknown or the tree was modified (so the
// revision does not say what was built), the Go build ID of the
// executable (a hash of everything compiled into it, embedded lists
// included), else the SHA-256 of the executable.
func buildVersion() (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if ok {
		var rev string
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" && !modified {
			return strings.Join([]string{Version(), bi.Main.Version, rev}, " "), nil
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if id, ok := goBuildID(exe); ok {
		return Version() + " buildid " + id, nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return Version() + " exe " + hex.EncodeToString(h.Sum(nil)), nil
}

// goBuildID returns the hex SHA-256 of the Go build ID note of an ELF
// executable, which reading costs a few kilobytes instead of the whole
// binary.
func goBuildID(exe string) (string, bool) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", false
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil || s.Size > 4096 {
		return "", false
	}
	b, err := s.Data()
	if err != nil || len(b) == 0 {
		return "", false
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), true
}

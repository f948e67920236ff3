package cache

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// KeyVersion is the part of every result cache key that the caller knows
// and the scanner does not (scanner.Options.CacheVersion): the build's
// identity (BuildID) and the SHA-256 of the policy the results were
// judged under. The CLI and the service both key through it, so that a
// result is only ever reused by the same build under the same policy.
func KeyVersion(build, policySHA256 string) string {
	return build + "\x00policy " + policySHA256
}

// BuildID identifies the detection logic of this binary for cache keys:
// version, the module version and the VCS revision the toolchain
// recorded, or, when the revision is unknown or the tree was modified (so
// the revision does not say what was built), the Go build ID of the
// executable (a hash of everything compiled into it, embedded lists
// included), else the SHA-256 of the executable.
func BuildID(version string) (string, error) {
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
			return strings.Join([]string{version, bi.Main.Version, rev}, " "), nil
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if id, ok := goBuildID(exe); ok {
		return version + " buildid " + id, nil
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
	return version + " exe " + hex.EncodeToString(h.Sum(nil)), nil
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

// Package pythontest gives tests Debian's Python interpreter with the
// modules they need, for differential tests that run a real loader in a
// subprocess. It never installs anything: .ci/run does. Outside CI a missing
// interpreter or module skips the test; under CI (CI set) it fails it, so a
// missing install step cannot pass as green.
package pythontest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Interpreter is Debian's Python; the python3 first on PATH may be another
// installation without Debian's libraries.
const Interpreter = "/usr/bin/python3"

// Require returns the interpreter's path when it can import every module,
// and otherwise skips t (fails it under CI).
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	if _, err := os.Stat(Interpreter); err != nil {
		missing(t, "%s not installed", Interpreter)
		return ""
	}
	if len(modules) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, Interpreter, "-c", "import "+strings.Join(modules, ", "))
		cmd.Env = Env(t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			missing(t, "python modules %v not importable: %v: %s", modules, err, lastLine(out))
			return ""
		}
	}
	return Interpreter
}

// Env is a minimal environment for a loader subprocess: no user site
// packages, no inherited PYTHONPATH, HOME and temp files inside dir.
func Env(dir string) []string {
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + dir,
		"TMPDIR=" + dir,
		"PYTHONNOUSERSITE=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONHASHSEED=0",
		"OMP_NUM_THREADS=1",
		"LC_ALL=C.UTF-8",
	}
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format+" (CI must install it: see .ci/run)", args...)
	}
	t.Skipf(format, args...)
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

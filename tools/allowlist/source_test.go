// Package allowlist_test runs the allowlist generators' own tests, which
// are Python: the generators import Debian's libraries or parse library
// source, so their checks are written where they run.
package allowlist_test

import (
	"os/exec"
	"testing"

	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestSourceChecker runs source_test.py: a small library written to pass
// or fail each rule of the source-derived allowlist's checker.
func TestSourceChecker(t *testing.T) {
	py := pythontest.Require(t)
	cmd := exec.Command(py, "-m", "unittest", "-v", "source_test.py")
	cmd.Env = pythontest.Env(t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("source_test.py: %v\n%s", err, out)
	}
}

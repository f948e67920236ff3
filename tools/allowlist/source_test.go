// Package allowlist_test runs the allowlist generators' own tests, which
// are Python: the generators import Debian's libraries or parse library
// source, so their checks are written where they run.
package allowlist_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestCheckers runs the unit tests of the generators' checkers:
// test_static.py (the bytecode checker: a class whose property setter or
// descriptor __set__ does I/O is excluded, because BUILD applies a slot
// state with setattr) and source_test.py (the source checker, on a small
// library written to pass or fail each of its rules).
func TestCheckers(t *testing.T) {
	py := pythontest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-m", "unittest", "-q", "test_static", "source_test")
	cmd.Env = pythontest.Env(t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tools/allowlist unit tests: %v\n%s", err, out)
	}
}

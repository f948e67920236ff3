package globals

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestStaticBuildPath runs the generator's unit tests of its bytecode
// checker (tools/allowlist/test_static.py): a class whose property setter
// or descriptor __set__ does I/O must be excluded, because BUILD applies a
// slot state with setattr, while a plain setter keeps the class allowed.
// Only the standard library is imported, so it runs in a second.
func TestStaticBuildPath(t *testing.T) {
	py := pythontest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-m", "unittest", "-q", "test_static")
	cmd.Dir = "../../../tools/allowlist"
	cmd.Env = pythontest.Env(t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tools/allowlist/test_static.py: %v\n%s", err, out)
	}
}

// TestDescriptorLists pins the regenerated lists: DMatrix's feature_names
// setter calls num_col, a ctypes call on the handle the pickle's state
// supplies, so it is excluded; matplotlib's Path keeps its class use (its
// vertices setter only recomputes flags from rcParams).
func TestDescriptorLists(t *testing.T) {
	for _, tt := range []struct {
		module, name string
		class        bool
	}{
		{"xgboost.core", "DMatrix", false},
		{"xgboost", "QuantileDMatrix", false},
		{"matplotlib.path", "Path", true},
	} {
		v := Judge(tt.module, tt.name)
		if got := v.Class == Allowed && v.Uses&UseClass != 0; got != tt.class {
			t.Errorf("%s.%s: allowed as a class = %v, want %v (%+v)", tt.module, tt.name, got, tt.class, v)
		}
	}
}

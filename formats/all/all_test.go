package all_test

import (
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
)

// TestEveryAnalyzerIsNamed keeps formats.Names, which policies are checked
// against, in step with the analyzers that register: an analyzer under a
// name a policy cannot allow would make formats.allow reject its files.
func TestEveryAnalyzerIsNamed(t *testing.T) {
	names := formats.Names()
	for _, f := range formats.Registered() {
		if !slices.Contains(names, f) {
			t.Errorf("analyzer registered for %q, which formats.Names does not list", f)
		}
	}
}

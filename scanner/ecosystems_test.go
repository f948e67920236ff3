package scanner_test

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

// TestSparseTensorCheckpoint scans a torch.save checkpoint of sparse COO
// and CSR tensors made by real torch (tools/allowlist/generate.py
// --samples): torch.serialization._get_layout's layout name must not be
// taken for a nested pickle, and the file must be clean.
func TestSparseTensorCheckpoint(t *testing.T) {
	r := scanOne(t, "../formats/pickle/globals/testdata/ecosystems/torch_sparse.pt")
	if top, any := r.MaxSeverity(); r.Outcome != scanner.Clean || (any && top >= formats.Low) {
		t.Errorf("outcome %s %s, findings %v", r.Outcome, r.Error, r.Findings)
	}
}

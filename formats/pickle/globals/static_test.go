package globals

import "testing"

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

package pickle

import (
	"strings"
	"testing"
)

// TestCopierKeepsFlags asserts that what a stream returns, copied out of
// its tables (Result.Values, Result.PersistentIDs), keeps the object
// flags the walks over it depend on: a container that dropped an object
// beyond its kept items (lostItems, so visit ends inconclusive rather
// than walking only the kept ones), an instance given items it does not
// keep (shown), an instance BUILT twice.
//
// Failing before: copier.object copied count, offset, opcode and
// encoding, not flags, so a kept value read as complete.
func TestCopierKeepsFlags(t *testing.T) {
	ints := strings.Repeat(k1(0), 70)
	ns := glob("argparse", "Namespace") + emptyTuple + newobj
	tests := []struct {
		name string
		data []byte
		flag uint32
	}{
		{"list that dropped an object", cat(proto(2), emptyList, mark, ints, glob("builtins", "len"), "e", stop), flagLostObject},
		{"list SETITEM beyond the kept items", cat(proto(2), emptyList, mark, ints, "e", k1(69), glob("builtins", "len"), "s", stop), flagLostObject},
		{"instance given items", cat(proto(2), ns, k1(0), "a", stop), flagItems},
		{"instance built twice", cat(proto(2), ns, emptyDict, build, emptyDict, build, stop), flagRebuilt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := scanBytes(t, tt.data, Options{MaxItems: 64})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			v := res.Values[0]
			if o := v.obj(); o == nil || o.flags&tt.flag == 0 {
				t.Fatalf("kept value %s lost flag %#x", v, tt.flag)
			}
			if tt.flag == flagLostObject && !lostItems(v) {
				t.Errorf("kept value %s reads as holding every object", v)
			}
		})
	}
}

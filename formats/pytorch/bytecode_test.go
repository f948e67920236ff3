package pytorch

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
)

// marks is a scope that records the members a layout vouches for as data.
type marks struct {
	*formatstest.Recorder
	data map[string]string
}

func (m *marks) Data(member, what string) { m.data[member] = what }

// TestBytecodeStorages: the lite interpreter reads the storages
// bytecode.pkl declares from constants/, or from bytecode/ when a record's
// name holds "bytecode/" (mobile/import.cpp, isTensorInBytecodeArchive),
// so those records are tensor bytes, not members to identify. A record in
// the other folder is not vouched for.
func TestBytecodeStorages(t *testing.T) {
	raw := string(make([]byte, 16))
	base := []string{"archive/data.pkl", "\x80\x02}q\x00.", "archive/version", "8\n"}
	tests := []struct {
		name  string
		files []string
		want  []string
	}{
		{"bytecode storage in constants/", []string{"archive/bytecode.pkl", dataPkl(4), "archive/constants/0", raw},
			[]string{"archive/constants/0"}},
		{"bytecode storage in bytecode/", []string{"archive/bytecode.pkl", dataPkl(4), "archive/bytecode/0", raw},
			[]string{"archive/bytecode/0"}},
		{"bytecode/ records move the folder", []string{"archive/bytecode.pkl", dataPkl(4), "archive/bytecode/0", raw,
			"archive/constants/0", raw}, []string{"archive/bytecode/0"}},
		{"constants.pkl storage", []string{"archive/constants.pkl", dataPkl(4), "archive/constants/0", raw},
			[]string{"archive/constants/0"}},
		{"undeclared record", []string{"archive/bytecode.pkl", "\x80\x02).", "archive/constants/0", raw}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt := tree(append(slices.Clone(base), tc.files...)...)
			m := &marks{formatstest.NewRecorder(), map[string]string{}}
			if err := (zipLayout{}).AnalyzeTree(context.Background(), mt, m); err != nil {
				t.Fatal(err)
			}
			got := slices.Sorted(maps.Keys(m.data))
			if !slices.Equal(got, tc.want) {
				t.Errorf("vouched for %v, want %v", got, tc.want)
			}
			listed := slices.Sorted(maps.Keys(zipLayout{}.DataFiles(context.Background(), mt, m)))
			if !slices.Equal(listed, tc.want) {
				t.Errorf("DataFiles lists %v, want %v", listed, tc.want)
			}
		})
	}
}

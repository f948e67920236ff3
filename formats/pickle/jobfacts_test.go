package pickle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDescribeJoblib: a joblib dump's facts are the arrays its wrappers
// declare, the companion files of the pre-0.10 layout, and the classes its
// pickle builds beyond the containers and array machinery.
func TestDescribeJoblib(t *testing.T) {
	for _, tc := range []struct {
		file       string
		arrays     []string
		companions []string
		classes    []string
	}{
		// make_joblib.py; the float64 scalar is no array.
		{"joblib_arrays_p4.pkl", []string{"i8[10]=10", "f4[7]=7", "f8[3 4]=12", "O8[3]=3 object", "V12[3]=3", "U3[2]=2", "f8[0 5]=0"}, nil, nil},
		{"joblib_ndwrapper_ok_sibling.pkl", nil, []string{"model.pkl_01.npy"}, nil},
		// make_joblib_estimator.py: LogisticRegression's fitted arrays.
		{"joblib_estimator.pkl", []string{"i8[2]=2", "i4[1]=1", "f8[1 2]=2", "f8[1]=1"}, nil,
			[]string{"sklearn.linear_model._logistic.LogisticRegression"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			fh, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			f, err := DescribeJoblib(context.Background(), fh)
			if err != nil {
				t.Fatal(err)
			}
			var arrays []string
			for _, a := range f.Arrays {
				s := fmt.Sprintf("%s%v=%d", a.Dtype, a.Shape, a.Elements)
				if a.Object {
					s += " object"
				}
				arrays = append(arrays, s)
			}
			if !slices.Equal(arrays, tc.arrays) || !slices.Equal(f.Companions, tc.companions) || !slices.Equal(f.Classes, tc.classes) {
				t.Errorf("arrays %q, companions %q, classes %q", arrays, f.Companions, f.Classes)
			}
		})
	}
}

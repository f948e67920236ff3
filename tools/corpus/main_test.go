package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFailureKeys(t *testing.T) {
	tests := []struct {
		name string
		r    result
		want []string
	}{
		{"clean", result{Exit: 0}, nil},
		{"global names the class", result{Exit: 1, Failing: []finding{{Rule: "MG101", Severity: "medium", Message: "imports x", Details: map[string]string{"global": "pandas.core.frame.DataFrame"}}}},
			[]string{"MG101 medium global=pandas.core.frame.DataFrame"}},
		{"message without digits when no detail names it", result{Exit: 1, Failing: []finding{{Rule: "MG203", Severity: "medium", Message: "1234 bytes before the first entry"}}},
			[]string{"MG203 medium N bytes before the first entry"}},
		{"inconclusive with a reason", result{Exit: 2, Outcome: "inconclusive", Reason: "parse-error"}, []string{"INCONCLUSIVE parse-error"}},
		{"no verdict because nothing was scanned", result{Exit: 2, Outcome: "skipped"}, []string{"INCONCLUSIVE outcome=skipped"}},
		{"crash", result{Exit: -1, Error: "timeout"}, []string{"ERROR exit -1 timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := failureKeys(tt.r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("failureKeys = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLibraryClass(t *testing.T) {
	tests := map[string]string{
		"MG101 medium global=pandas.core.frame.DataFrame": "MG101 medium global=pandas.*",
		"MG103 high global=builtins.hash":                 "MG103 high global=builtins.*",
		"MG605 high domain=onnx.brevitas":                 "MG605 high domain=onnx.brevitas",
		"INCONCLUSIVE parse-error":                        "INCONCLUSIVE parse-error",
	}
	for in, want := range tests {
		if got := libraryClass(in); got != want {
			t.Errorf("libraryClass(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTallyRate(t *testing.T) {
	var x tally
	for _, exit := range []int{0, 0, 1, 2, 3} {
		x.add(result{Exit: exit})
	}
	if x.files != 5 || x.fail != 1 || x.inconclusive != 1 || x.other != 1 || x.rate() != 60 {
		t.Errorf("tally = %+v rate %.1f, want 5 files, 1 fail, 1 inconclusive, 1 other, 60%%", x, x.rate())
	}
}

func TestReadManifestRejectsShortRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "manifest.tsv")
	body := "sha256\tsplit\tformat\tsource\tsize\tlicense\torigin\tfile\nabc\ttune\tonnx\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readManifest(p); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("readManifest error = %v, want a column-count error", err)
	}
}

func TestReadManifestByHeader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "manifest.tsv")
	body := "source\trepo\tcommit\tpath\tformat\tsha256\tsize\tfile\n" +
		"tract\tsonos/tract\tc0\tm.onnx\tonnx\t9abc\t10\tfiles/tract/m.onnx\n" +
		"tract\tsonos/tract\tc0\tn.onnx\tonnx\t1abc\t10\tfiles/tract/n.onnx\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	es, err := readManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []entry{
		{SHA256: "9abc", Split: "holdout", Format: "onnx", Source: "tract", File: "files/tract/m.onnx"},
		{SHA256: "1abc", Split: "tune", Format: "onnx", Source: "tract", File: "files/tract/n.onnx"},
	}
	if len(es) != len(want) || es[0] != want[0] || es[1] != want[1] {
		t.Errorf("readManifest = %+v, want %+v", es, want)
	}
}

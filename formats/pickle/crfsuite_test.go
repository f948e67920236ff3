package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestCRFSuiteFileResource: sklearn-crfsuite's FileResource is denied
// (its __del__ unlinks the path its state names) and cleared only when it
// is built by NEWOBJ and one BUILD with the state a fitted CRF pickles: no
// name, auto true, a plain prefix and suffix, the model bytes. A state
// that names a file, lets mkstemp place the file elsewhere, or carries
// other attributes keeps MG103.
func TestCRFSuiteFileResource(t *testing.T) {
	fr := glob("sklearn_crfsuite._fileresource", "FileResource")
	state := func(items ...string) string {
		return fr + emptyTuple + newobj + emptyDict + mark + string(cat(items...)) + "u" + build
	}
	item := func(k, v string) string { return sbs(k) + v }
	data := item("__FILE_RESOURCE_DATA__", glob("_codecs", "encode")+sbu("model bytes")+sbu("latin1")+tuple2+reduce)
	crf := func(fileState string) []byte {
		return cat(proto(2), glob("sklearn_crfsuite.estimator", "CRF"), emptyTuple, newobj, emptyDict, mark,
			sbs("modelfile"), fileState, sbs("training_log_"),
			glob("pycrfsuite._logparser", "TrainLogParser"), emptyTuple, newobj, emptyDict, sbs("state"), sbu("STORING"), "s", build,
			"u", build, stop)
	}
	written := func(extra ...string) string {
		return state(append([]string{item("name", "N"), item("auto", "\x88"), item("keep_tempfiles", "\x89"),
			item("suffix", sbu(".crfsuite")), item("prefix", sbu("model")), item("fd", "K\x0d"), data}, extra...)...)
	}
	tests := []struct {
		name    string
		data    []byte
		cleared bool
	}{
		{"what CRF pickles", crf(written()), true},
		{"keep_tempfiles None (older releases)", crf(state(item("name", "N"), item("auto", "\x88"), item("keep_tempfiles", "N"),
			item("suffix", sbu(".crfsuite")), item("prefix", sbu("model")), data)), true},
		{"a name __del__ would unlink", crf(state(item("name", sbu("/home/user/.ssh/id_rsa")), item("auto", "\x88"), data)), false},
		{"a prefix that leaves the temp folder", crf(state(item("name", "N"), item("auto", "\x88"), item("prefix", sbu("../../home/user/.bashrc")), data)), false},
		{"a prefix with a separator", crf(state(item("name", "N"), item("auto", "\x88"), item("prefix", sbu("a/b")), data)), false},
		{"a suffix with a drive", crf(state(item("name", "N"), item("auto", "\x88"), item("suffix", sbu("C:x")), data)), false},
		{"no name", crf(state(item("auto", "\x88"), data)), false},
		{"no auto", crf(state(item("name", "N"), data)), false},
		{"an attribute FileResource lacks", crf(written(item("cleanup", glob("os", "remove")))), false},
		{"a global held in an attribute", crf(written(item("keep_tempfiles", glob("os", "remove")))), false},
		{"built by REDUCE", cat(proto(2), fr, emptyTuple, reduce, emptyDict, build, stop), false},
		{"a second BUILD", cat(proto(2), written(), emptyDict, sbs("name"), sbu("/etc/passwd"), "s", build, stop), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			flagged := false
			for _, f := range rec.Findings {
				if f.Details["name"] == "FileResource" && f.Severity >= formats.High && f.Rule == RuleRiskyGlobal {
					flagged = true
				}
			}
			if flagged == tt.cleared {
				t.Errorf("FileResource flagged=%v, want %v: %s", flagged, !tt.cleared, list(rec.Findings))
			}
			if worst, any := rec.Max(); tt.cleared && any && worst >= formats.Medium {
				t.Errorf("benign CRF has findings: %s", list(rec.Findings))
			}
		})
	}
}

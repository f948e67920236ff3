package formats

import (
	"bytes"
	"slices"
	"testing"
)

// TestSniffRunsRegisteredProbes: a format with no magic (a text model) is
// found by its package's probe, so it is analyzed, never judged inert
// text or unidentified.
func TestSniffRunsRegisteredProbes(t *testing.T) {
	const textModel = "test-text-model"
	RegisterProbe(textModel, func(h Head) bool { return bytes.HasPrefix(h.Prefix, []byte("tree\nversion=v3\n")) })
	t.Cleanup(func() {
		probeMu.Lock()
		delete(probes, textModel)
		probeMu.Unlock()
	})
	for _, tt := range []struct {
		data string
		want []string
	}{
		{"tree\nversion=v3\nnum_class=1\n", []string{textModel}},
		{"just some text\n", nil},
		{"\x80\x04K\x01.", []string{Pickle}}, // a magic wins; the probe is not asked
	} {
		h := Head{Name: "model.txt", Size: int64(len(tt.data)), Prefix: []byte(tt.data), Suffix: []byte(tt.data)}
		if got := Sniff(h); !slices.Equal(got, tt.want) {
			t.Errorf("Sniff(%q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

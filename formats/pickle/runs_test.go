package pickle

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func TestRuns(t *testing.T) {
	payload := string(cat(glob("posix", "system"), mark, str0("id"), "tR", stop))
	tests := map[string]struct {
		data string
		want bool
	}{
		"pushes then payload":      {strings.Repeat("N", 100_000) + payload, true},
		"GIF header then payload":  {"GIF89a\x01\x00\x01" + strings.Repeat("N", 5000) + payload + ";", true},
		"unknown global, uncalled": {string(cat(glob("mymod", "Thing"), stop)), false},
		"README":                   {texts["README"], false},
		"word list":                {"cat\ndog\nbird\n", false},
		"V lines":                  {strings.Repeat("Vword\n", 10000), false},
		"empty":                    {"", false},
	}
	for name, tt := range tests {
		for _, size := range []int64{int64(len(tt.data)), -1} {
			in := formats.NewInput("f", strings.NewReader(tt.data), size)
			if size < 0 {
				in = formats.NewStreamInput("f", -1, 0, func() (io.ReadCloser, error) {
					return io.NopCloser(strings.NewReader(tt.data)), nil
				})
			}
			got, err := Runs(context.Background(), in)
			if err != nil || got != tt.want {
				t.Errorf("%s (size %d): %v, %v; want %v", name, size, got, err, tt.want)
			}
		}
	}
}

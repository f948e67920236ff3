package scanner

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func TestScopeCaps(t *testing.T) {
	lim := formats.DefaultLimits()
	lim.Depth, lim.Members = 2, 3
	member := func() *formats.Input { return formats.NewInput("m.txt", bytes.NewReader([]byte("text")), 4) }

	tests := []struct {
		name      string
		depth     int
		members   int
		wantLimit string
	}{
		{"within caps", 0, 0, ""},
		{"too deep", 2, 0, "nesting-depth"},
		{"too many members", 0, 3, "archive-members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fileScan{limits: lim, root: "f"}
			fs.members.Store(int64(tt.members))
			s := &scope{fs: fs, loc: "f", sep: "!", depth: tt.depth}
			err := s.Scan(context.Background(), member())
			var le *formats.LimitError
			if tt.wantLimit == "" {
				if err != nil || fs.err != nil {
					t.Fatalf("err %v, file err %v", err, fs.err)
				}
				return
			}
			if !errors.As(err, &le) || le.Limit != tt.wantLimit {
				t.Fatalf("err %v, want limit %s", err, tt.wantLimit)
			}
			if formats.Reason(fs.err) != "limit" || !bytes.Contains([]byte(fs.err.Error()), []byte("f!m.txt")) {
				t.Errorf("file error %v: want the limit, located at the member", fs.err)
			}
		})
	}
}

func TestFindingLocations(t *testing.T) {
	fs := &fileScan{root: "model.pt"}
	s := &scope{fs: fs, loc: "model.pt!archive/data.pkl", sep: "!"}
	s.Report(formats.Finding{Rule: "MG001", Offset: 1832})
	s.Report(formats.Finding{Rule: "MG001", Offset: formats.NoOffset})
	want := []string{"model.pt!archive/data.pkl@1832", "model.pt!archive/data.pkl"}
	for i, f := range fs.findings {
		if f.Location != want[i] {
			t.Errorf("location %q, want %q", f.Location, want[i])
		}
	}
}

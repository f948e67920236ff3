package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	mod := debug.Module{Path: "github.com/modelgate/modelgate", Version: "v0.3.0"}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "modelgate v0.3.0"},
		{"installed module", &debug.BuildInfo{Main: mod}, "modelgate v0.3.0 (module github.com/modelgate/modelgate v0.3.0), revision unknown"},
		{"built from a checkout", &debug.BuildInfo{Main: debug.Module{Path: mod.Path, Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3fdd93b0c2"}, {Key: "vcs.time", Value: "2026-12-07T04:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "modelgate v0.3.0 (module github.com/modelgate/modelgate (devel)), revision 3fdd93b0c2, 2026-12-07T04:00:00Z, modified"},
	}
	for _, tt := range tests {
		if got := versionLine("v0.3.0", tt.bi); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestVersionCommandNamesModule(t *testing.T) {
	code, out, _ := modelgate(t, "version")
	if code != 0 || !strings.HasPrefix(out, "modelgate ") || !strings.Contains(out, "revision") {
		t.Errorf("exit %d, %q", code, out)
	}
}

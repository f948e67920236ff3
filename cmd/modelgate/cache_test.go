package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain gives the tests a cache directory of their own, so that no
// test reads or fills the user's result cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "modelgate-cmd-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	os.Setenv("HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestScanCacheFlags(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "model.pkl", []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."))
	cdir := filepath.Join(t.TempDir(), "cache")
	for i, tt := range []struct {
		args   []string
		cached bool
	}{
		{[]string{"--cache-dir", cdir}, false},
		{[]string{"--cache-dir", cdir}, true},
		{[]string{"--cache-dir", cdir, "--no-cache"}, false},
	} {
		code, out, stderr := modelgate(t, append(append([]string{"scan", "--format", "text"}, tt.args...), p)...)
		if code != 1 || strings.Contains(out, "(cached)") != tt.cached {
			t.Errorf("%d %v: exit %d, want 1 and cached %v:\n%s%s", i, tt.args, code, tt.cached, out, stderr)
		}
	}
	open := t.TempDir()
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := modelgate(t, "scan", "--cache-dir", open, p); code != 3 || !strings.Contains(stderr, "writable by other users") {
		t.Errorf("world-writable --cache-dir: exit %d, %s", code, stderr)
	}
}

package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPutGet(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "c"))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab", 32)
	if _, ok := d.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	if err := d.Put(key, []byte(`{"a": 1}`)); err != nil {
		t.Fatal(err)
	}
	if b, ok := d.Get(key); !ok || string(b) != `{"a":1}` {
		t.Fatalf("got %q %v", b, ok)
	}
	// An entry renamed to another key does not answer for it.
	other := strings.Repeat("cd", 32)
	os.MkdirAll(filepath.Dir(d.path(other)), 0o700)
	if err := os.Rename(d.path(key), d.path(other)); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Get(other); ok {
		t.Error("an entry answered for another key")
	}
	for _, bad := range []string{"../x", strings.Repeat("A", 64), ""} {
		if _, ok := d.Get(bad); ok || d.Put(bad, []byte("{}")) == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	if st, err := os.Stat(d.dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v (%v)", st.Mode().Perm(), err)
	}
}

func TestKeyFileChecked(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, keyFile), []byte("short"), 0o600)
	if _, err := Open(dir); err == nil {
		t.Error("opened a cache with a malformed key")
	}
	os.WriteFile(filepath.Join(dir, keyFile), make([]byte, 32), 0o666)
	os.Chmod(filepath.Join(dir, keyFile), 0o666)
	if _, err := Open(dir); err == nil {
		t.Error("opened a cache whose key others can write")
	}
}

// Package cache stores scan results on disk, keyed by content: a key is
// derived by the scanner from a file's SHA-256 and everything else its
// result depends on (rules and analyzers version, build, policy, limits).
// It never decides what a result is or whether bytes match a digest; it
// only keeps bytes under a key and gives them back unaltered, or not at
// all. An entry that fails its integrity check, does not decode strictly
// or was stored under another key is ignored (and overwritten by the next
// store), never trusted. A directory that users other than its owner can
// write is refused: anyone who can write entries can choose verdicts.
package cache

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Dir is a result cache in a directory.
type Dir struct {
	dir string
	mac []byte // the directory's own HMAC key
}

// maxEntry bounds what is read back: a result with many findings is some
// kilobytes; anything larger was not written by Put.
const maxEntry = 16 << 20

const keyFile = "hmac.key"

// DefaultDir is the cache directory under the user's cache directory.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "modelgate", "results"), nil
}

// Open opens the cache in dir, creating it (mode 0700) and its key when
// missing. It refuses a directory that group or others may write, or
// that another user owns.
func Open(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	if err := checkPrivate(dir); err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	key, err := loadKey(filepath.Join(dir, keyFile))
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	return &Dir{dir: dir, mac: key}, nil
}

// loadKey reads the directory's HMAC key, making one the first time. The
// key ties entries to this directory: entries copied in from another
// cache (a restored CI cache, say) do not verify.
func loadKey(p string) ([]byte, error) {
	if b, err := os.ReadFile(p); err == nil {
		if err := checkPrivate(p); err != nil {
			return nil, err
		}
		if len(b) != 32 {
			return nil, fmt.Errorf("%s: want a 32-byte key, have %d bytes", p, len(b))
		}
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process made it first: use theirs.
		return loadKey(p)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// validKey is what the scanner's keys look like: a hex SHA-256. Keys name
// files, so nothing else is accepted.
var validKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (d *Dir) path(key string) string {
	return filepath.Join(d.dir, key[:2], key+".json")
}

// entry is the stored form: the key it was stored under, the value, and
// an HMAC over both.
type entry struct {
	Version int             `json:"v"`
	Key     string          `json:"key"`
	MAC     string          `json:"mac"`
	Value   json.RawMessage `json:"value"`
}

func (d *Dir) sum(key string, value []byte) string {
	m := hmac.New(sha256.New, d.mac)
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write(value)
	return hex.EncodeToString(m.Sum(nil))
}

// Get returns the value stored under key. Anything wrong with the entry
// (unreadable, too large, not strict JSON, another key, a bad MAC) is a
// miss.
func (d *Dir) Get(key string) ([]byte, bool) {
	if !validKey.MatchString(key) {
		return nil, false
	}
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEntry+1))
	if err != nil || len(b) > maxEntry {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e entry
	if err := dec.Decode(&e); err != nil || dec.More() {
		return nil, false
	}
	if e.Version != 1 || e.Key != key || len(e.Value) == 0 {
		return nil, false
	}
	if !hmac.Equal([]byte(e.MAC), []byte(d.sum(key, e.Value))) {
		return nil, false
	}
	return e.Value, true
}

// Put stores value (a JSON document) under key, replacing any entry. A
// failure to store only costs a later scan its shortcut, so it is
// returned for the caller to note, never fatal.
func (d *Dir) Put(key string, value []byte) error {
	if !validKey.MatchString(key) {
		return fmt.Errorf("cache key %q is not a hex SHA-256", key)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, value); err != nil {
		return fmt.Errorf("cache value: %w", err)
	}
	v := compact.Bytes()
	b, err := json.Marshal(entry{Version: 1, Key: key, MAC: d.sum(key, v), Value: v})
	if err != nil {
		return err
	}
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	// Rename is atomic: a reader sees the old entry or the new one.
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

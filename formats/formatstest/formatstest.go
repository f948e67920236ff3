// Package formatstest runs analyzers in tests without the scanning engine:
// a Recorder is a formats.Scope that keeps every finding and member.
package formatstest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// Member is a container member handed to Recorder.Scan, with its bytes.
type Member struct {
	Name string
	Data []byte
	Err  error // the error reading it returned, if any
}

// MaxMember is how much of a member Recorder.Scan keeps; the rest is read
// and dropped, so a decompression bomb cannot exhaust a test's memory.
const MaxMember = 64 << 20

// Recorder is a formats.Scope that records what an analyzer reports. Scan
// reads each member fully (so the container's member readers run) and
// keeps up to MaxMember of its bytes; it does not analyze them.
type Recorder struct {
	Findings []formats.Finding
	Members  []Member
	Lim      formats.Limits
}

// NewRecorder returns a Recorder with the default limits.
func NewRecorder() *Recorder { return &Recorder{Lim: formats.DefaultLimits()} }

// Report implements formats.Scope.
func (r *Recorder) Report(f formats.Finding) { r.Findings = append(r.Findings, f) }

// Limits implements formats.Scope.
func (r *Recorder) Limits() formats.Limits { return r.Lim }

// Scan implements formats.Scope.
func (r *Recorder) Scan(ctx context.Context, m *formats.Input) error {
	rc, err := m.Open()
	if err != nil {
		r.Members = append(r.Members, Member{Name: m.Name, Err: err})
		return nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxMember))
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
	}
	r.Members = append(r.Members, Member{Name: m.Name, Data: data, Err: err})
	return nil
}

// Rules returns the rule IDs of the recorded findings, in order.
func (r *Recorder) Rules() []string {
	out := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		out[i] = f.Rule
	}
	return out
}

// Max returns the highest severity recorded, and false if there is none.
func (r *Recorder) Max() (formats.Severity, bool) {
	if len(r.Findings) == 0 {
		return formats.Info, false
	}
	m := formats.Info
	for _, f := range r.Findings {
		m = max(m, f.Severity)
	}
	return m, true
}

// Run analyzes data named name with a and returns what it recorded and the
// error it returned.
func Run(t testing.TB, a formats.Analyzer, name string, data []byte) (*Recorder, error) {
	t.Helper()
	r := NewRecorder()
	err := a.Analyze(context.Background(), formats.NewInput(name, bytes.NewReader(data), int64(len(data))), r)
	return r, err
}

// Tree is a formats.Tree of files held in memory, by slash-separated name.
type Tree map[string][]byte

// Names implements formats.Tree.
func (t Tree) Names() []string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Open implements formats.Tree.
func (t Tree) Open(name string) (*formats.Input, error) {
	b, ok := t[name]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	return formats.NewInput(name, bytes.NewReader(b), int64(len(b))), nil
}

// RunTree checks tree with the layout l and returns what it recorded and
// the error it returned.
func RunTree(t testing.TB, l formats.Layout, tree formats.Tree) (*Recorder, error) {
	t.Helper()
	r := NewRecorder()
	err := l.AnalyzeTree(context.Background(), tree, r)
	return r, err
}

// Testdata returns the bytes of testdata/name, failing t if it cannot be
// read.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Built returns the committed sample testdata/name (slash-separated),
// first rewriting it from built when update is set (go test -update):
// samples a test's builders make stay on disk for the fuzzers and the
// gate tests, and a stale one shows as a failing test.
func Built(t testing.TB, name string, built []byte, update bool) []byte {
	t.Helper()
	p := filepath.Join("testdata", filepath.FromSlash(name))
	if update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, built, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	return b
}

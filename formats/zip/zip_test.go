package zip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var pkl = []byte("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")

func TestAnalyze(t *testing.T) {
	stored := stdZip(t, Store, "archive/data.pkl", string(pkl), "archive/version", "3\n")
	nested := stdZip(t, Store, "inner/data.pkl", string(pkl))
	fakeEnd := func() []byte {
		b := rawZip{entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t)
		return b[len(b)-endLen:]
	}()
	tests := []struct {
		name    string
		data    []byte
		rules   []string // every one must be reported; no others
		members []string
		wantErr bool
	}{
		{name: "benign stored", data: stored, members: []string{"archive/data.pkl", "archive/version"}},
		{name: "benign deflated", data: stdZip(t, Deflate, "a/data.pkl", string(pkl), "a/b", strings.Repeat("x", 5000)), members: []string{"a/data.pkl", "a/b"}},
		{name: "nested stored zip is not a second end record", data: stdZip(t, Store, "x.txt", "hello", "inner.zip", string(nested)), members: []string{"x.txt", "inner.zip"}},
		{name: "encrypted flag", data: rawZip{entries: []rawEntry{{name: "data.pkl", flags: FlagEncrypted, data: pkl}}}.bytes(t),
			rules: []string{"MG209"}, members: []string{"data.pkl"}},
		{name: "patched and strong flags deflated", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: Deflate, flags: FlagPatched | FlagStrongEncrypted, data: pkl}}}.bytes(t),
			rules: []string{"MG209"}, members: []string{"data.pkl"}},
		{name: "masked local header flag (PyTorch refuses the archive)", data: rawZip{entries: []rawEntry{{name: "data.pkl", flags: FlagMasked, data: pkl}}}.bytes(t),
			rules: []string{"MG209"}, members: []string{"data.pkl"}},
		{name: "local name differs", data: rawZip{entries: []rawEntry{{name: "data.pkl", localName: "datap.kl", data: pkl}}}.bytes(t),
			rules: []string{"MG200"}, members: []string{"data.pkl"}},
		{name: "crc mismatch stored", data: rawZip{entries: []rawEntry{{name: "data.pkl", data: pkl, crc: u32(0xdeadbeef)}}}.bytes(t),
			rules: []string{"MG210"}, members: []string{"data.pkl"}},
		{name: "crc mismatch deflated", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: Deflate, data: pkl, crc: u32(1)}}}.bytes(t),
			rules: []string{"MG210"}, members: []string{"data.pkl"}},
		{name: "duplicate names", data: rawZip{entries: []rawEntry{{name: "a/data.pkl", data: pkl}, {name: "a/data.pkl", data: []byte("\x80\x02}q\x00.")}}}.bytes(t),
			rules: []string{"MG201"}, members: []string{"a/data.pkl", "a/data.pkl"}},
		{name: "prefix with unadjusted offsets", data: rawZip{prefix: pkl, shiftOffs: true, entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t),
			rules: []string{"MG203"}, members: []string{"a.pkl"}},
		{name: "prefix with adjusted offsets", data: rawZip{prefix: pkl, entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t),
			rules: []string{"MG203"}, members: []string{"a.pkl"}},
		{name: "trailing data", data: rawZip{trailer: []byte("tail"), entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t),
			rules: []string{"MG204"}, members: []string{"a.pkl"}},
		{name: "hidden data between entries", data: rawZip{gap: []byte("hidden!"), entries: []rawEntry{{name: "a", data: pkl}, {name: "b", data: pkl}}}.bytes(t),
			rules: []string{"MG205"}, members: []string{"a", "b"}},
		// zipalign pads with zeros so that each entry's data is aligned.
		{name: "zero padding between entries", data: rawZip{gap: make([]byte, 4000), entries: []rawEntry{{name: "a", data: pkl}, {name: "b", data: pkl}}}.bytes(t),
			members: []string{"a", "b"}},
		{name: "padding hiding a byte", data: rawZip{gap: append(make([]byte, 4000), 1), entries: []rawEntry{{name: "a", data: pkl}, {name: "b", data: pkl}}}.bytes(t),
			rules: []string{"MG205"}, members: []string{"a", "b"}},
		{name: "second end record in comment", data: rawZip{comment: fakeEnd, entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t),
			rules: []string{"MG206", "MG205"}, members: []string{"a.pkl"}},
		{name: "parent traversal", data: rawZip{entries: []rawEntry{{name: "../../.bashrc", data: pkl}}}.bytes(t),
			rules: []string{"MG207"}, members: []string{"../../.bashrc"}},
		{name: "absolute and drive", data: rawZip{entries: []rawEntry{{name: "/etc/x", data: pkl}, {name: `C:\x`, data: pkl}}}.bytes(t),
			rules: []string{"MG207"}, members: []string{"/etc/x", `C:\x`}},
		{name: "backslash", data: rawZip{entries: []rawEntry{{name: `a\b.pkl`, data: pkl}}}.bytes(t),
			rules: []string{"MG208"}, members: []string{`a\b.pkl`}},
		{name: "NUL in name", data: rawZip{entries: []rawEntry{{name: "a.txt\x00.pkl", data: pkl}}}.bytes(t),
			rules: []string{"MG207"}, members: []string{`"a.txt\x00.pkl"`}},
		{name: "local-only entry", data: rawZip{entries: []rawEntry{{name: "a", data: []byte("ok")}, {name: "evil.pkl", data: pkl, noCentral: true}}}.bytes(t),
			rules: []string{"MG213"}, members: []string{"a", "evil.pkl"}},
		{name: "symlink", data: rawZip{entries: []rawEntry{{name: "link", data: []byte("/etc/passwd"), mode: 0o120777}}}.bytes(t),
			rules: []string{"MG214"}, members: []string{"link"}},
		{name: "data in an entry with the DOS directory bit (miniz extracts nothing)", data: rawZip{entries: []rawEntry{{name: "archive/data.pkl", dosAttrs: 0x10, data: pkl}}}.bytes(t),
			rules: []string{"MG217"}, members: []string{"archive/data.pkl"}},
		{name: "data in an entry named as a directory", data: rawZip{entries: []rawEntry{{name: "archive/data/", data: pkl}}}.bytes(t),
			rules: []string{"MG217"}, members: []string{"archive/data/"}},
		{name: "deflated empty directory entry (two bytes of deflate)", data: rawZip{entries: []rawEntry{{name: "d/", method: Deflate, dosAttrs: 0x10}, {name: "d/a.pkl", data: pkl}}}.bytes(t),
			members: []string{"d/", "d/a.pkl"}},
		{name: "empty directory entry with the DOS bit, and a file with the archive bit", data: rawZip{entries: []rawEntry{{name: "d/", dosAttrs: 0x10}, {name: "d/a.pkl", dosAttrs: 0x20, data: pkl}}}.bytes(t),
			members: []string{"d/a.pkl"}},
		{name: "unsupported method", data: rawZip{entries: []rawEntry{{name: "a.pkl", method: 99, data: pkl}}}.bytes(t),
			rules: []string{"MG211"}, members: []string{"a.pkl"}},
		{name: "overlapping entries", data: rawZip{entries: []rawEntry{{name: "a.pkl", data: pkl}, {name: "b.pkl", data: pkl, noLocal: true, offset: u32(0)}}}.bytes(t),
			rules: []string{"MG202", "MG200"}, members: []string{"a.pkl", "b.pkl"}},
		{name: "count mismatch", data: rawZip{countAdj: 3, entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t),
			rules: []string{"MG212"}, members: []string{"a.pkl"}},
		{name: "stored entry declares 2^62 bytes", data: rawZip{entries: []rawEntry{{name: "a.pkl", data: pkl, csize: u64(1 << 62), usize: u64(1 << 62)}}}.bytes(t),
			rules: []string{"MG212", "MG205"}, members: []string{"a.pkl"}, wantErr: true},
		{name: "deflated entry declares 2^62 bytes", data: rawZip{entries: []rawEntry{{name: "a.pkl", method: Deflate, data: pkl, usize: u64(1 << 62)}}}.bytes(t),
			rules: []string{"MG212"}, members: []string{"a.pkl"}},
		{name: "no end record", data: func() []byte {
			b := rawZip{entries: []rawEntry{{name: "a.pkl", data: pkl}}}.bytes(t)
			return b[:bytes.Index(b, []byte(sigCentral))]
		}(), rules: []string{"MG215"}, members: []string{"a.pkl"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "model.zip", tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			got := slices.Compact(slices.Sorted(slices.Values(rec.Rules())))
			want := slices.Sorted(slices.Values(tt.rules))
			if !slices.Equal(got, want) {
				t.Errorf("rules = %v, want %v\n%s", got, want, findings(rec))
			}
			var names []string
			for _, m := range rec.Members {
				names = append(names, m.Name)
			}
			if !slices.Equal(names, tt.members) {
				t.Errorf("members = %q, want %q", names, tt.members)
			}
			for _, f := range rec.Findings {
				if _, ok := formats.LookupRule(f.Rule); !ok || f.Message == "" {
					t.Errorf("finding %v: unregistered rule or empty message", f)
				}
			}
		})
	}
}

func findings(r *formatstest.Recorder) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s@%d %s\n", f.Rule, f.Severity, f.Offset, f.Message)
	}
	return b.String()
}

// TestMemberData checks that the bytes handed back are the entry's data,
// whatever flags, CRC or names say, and that stored entries are random
// access while compressed ones are streams with their packed size.
func TestMemberData(t *testing.T) {
	data := rawZip{entries: []rawEntry{
		{name: "s.pkl", data: pkl, flags: FlagEncrypted, crc: u32(7)},
		{name: "d.pkl", method: Deflate, data: pkl, localName: "x.txt"},
		{name: "u.bin", method: 99, data: pkl},
	}}.bytes(t)
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != 3 {
		t.Fatalf("%d entries", len(r.Entries))
	}
	in := r.Entries[0].Input("s.pkl")
	if !in.RandomAccess() || in.Size != int64(len(pkl)) {
		t.Errorf("stored input: random access %v size %d", in.RandomAccess(), in.Size)
	}
	in = r.Entries[1].Input("d.pkl")
	if in.RandomAccess() || in.Size != -1 || in.Packed != r.Entries[1].DataSize() {
		t.Errorf("deflated input: random access %v size %d packed %d", in.RandomAccess(), in.Size, in.Packed)
	}
	for _, e := range r.Entries[:2] {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, pkl) {
			t.Errorf("%s: %q, %v", e.Name, got, err)
		}
		crc, n, ok := e.Checked()
		if !ok || n != int64(len(pkl)) || (e.Name == "d.pkl") != (crc == e.CRC32) {
			t.Errorf("%s: checked %08x %d %v", e.Name, crc, n, ok)
		}
	}
	if _, err := r.Entries[2].Open(); !errors.Is(err, formats.ErrUnsupported) {
		t.Errorf("method 99: err = %v, want ErrUnsupported", err)
	}
}

// TestTruncatedDeflate checks that deflated data cut short is an error
// for the member, not a silently shorter member.
func TestTruncatedDeflate(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<12)
	data := rawZip{entries: []rawEntry{{name: "a", method: Deflate, data: big}}}.bytes(t)
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	e := r.Entries[0]
	e.avail /= 2
	rc, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("read of a half deflate stream succeeded")
	}
}

// TestManyMembers is the 100,000-member archive: every member is handed
// back, in bounded time.
func TestManyMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-entry archive")
	}
	const n = 100_000
	files := make([]string, 0, 2*n)
	for i := range n {
		files = append(files, fmt.Sprintf("m/%06d", i), "")
	}
	data := stdZip(t, Store, files...)
	s := &countScope{lim: formats.DefaultLimits()}
	if err := Analyze(context.Background(), formats.NewInput("many.zip", bytes.NewReader(data), int64(len(data))), s); err != nil {
		t.Fatal(err)
	}
	if s.members != n || len(s.findings) != 0 {
		t.Errorf("members %d findings %v", s.members, s.findings)
	}
	// One more member than the engine allows stops at the entry cap.
	s = &countScope{lim: formats.DefaultLimits()}
	s.lim.Members = n / 2
	err := Analyze(context.Background(), formats.NewInput("many.zip", bytes.NewReader(data), int64(len(data))), s)
	var le *formats.LimitError
	if !errors.As(err, &le) {
		t.Errorf("err = %v, want a limit", err)
	}
}

// TestDeflateBomb checks that a deflate bomb is handed back as a stream
// whose ratio the engine can judge, and that a scope refusing it stops the
// archive without reading the bomb out.
func TestDeflateBomb(t *testing.T) {
	zeros := make([]byte, 64<<20)
	data := rawZip{entries: []rawEntry{{name: "bomb.pkl", method: Deflate, data: zeros}}}.bytes(t)
	s := &countScope{lim: formats.DefaultLimits(), readMax: 1 << 20}
	err := Analyze(context.Background(), formats.NewInput("bomb.zip", bytes.NewReader(data), int64(len(data))), s)
	var le *formats.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want the scope's limit", err)
	}
	if s.packed == 0 || s.packed > int64(len(data)) {
		t.Errorf("packed = %d", s.packed)
	}
}

// countScope counts members, reads each up to readMax bytes (all when 0)
// and, like the engine, refuses a member that decompresses past readMax.
type countScope struct {
	lim      formats.Limits
	members  int
	findings []formats.Finding
	readMax  int64
	packed   int64
}

func (c *countScope) Report(f formats.Finding) { c.findings = append(c.findings, f) }
func (c *countScope) Limits() formats.Limits   { return c.lim }
func (c *countScope) Scan(ctx context.Context, m *formats.Input) error {
	c.members++
	if c.members > c.lim.Members {
		return &formats.LimitError{Limit: "members", Max: int64(c.lim.Members)}
	}
	c.packed = m.Packed
	rc, err := m.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	if c.readMax == 0 {
		_, err := io.Copy(io.Discard, rc)
		return err
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(rc, c.readMax+1))
	if n > c.readMax {
		return &formats.LimitError{Limit: "decompressed-bytes", Max: c.readMax}
	}
	return nil
}

// TestRealWorld runs the analyzer over the shared real-world zips: none
// may give a finding at medium or above.
func TestRealWorld(t *testing.T) {
	root := "../../../shared/realworld"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no real-world corpus")
	}
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte(sigLocal)) {
			return nil
		}
		n++
		rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), filepath.Base(p), b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if sev, ok := rec.Max(); ok && sev >= formats.Medium {
			t.Errorf("%s:\n%s", p, findings(rec))
		}
		if len(rec.Members) == 0 {
			t.Errorf("%s: no members", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d real-world zips", n)
}

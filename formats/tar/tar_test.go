package tar

import (
	"archive/tar"
	"bytes"
	"context"
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

type ent struct {
	name, link string
	typ        byte
	data       []byte
	format     tar.Format
}

func build(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: 0o644, Format: e.format}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// streamed runs the analyzer over data as a stream input, the way a tar
// inside gzip arrives.
func streamed(t testing.TB, data []byte) (*formatstest.Recorder, error) {
	t.Helper()
	r := formatstest.NewRecorder()
	in := formats.NewStreamInput("x.tar", -1, 0, func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	return r, Analyze(context.Background(), in, r)
}

func TestAnalyze(t *testing.T) {
	long := strings.Repeat("d/", 80) + "data.pkl"
	benign := build(t, ent{name: "model/", typ: tar.TypeDir}, ent{name: "model/data.pkl", data: pkl}, ent{name: "model/empty"})
	tests := []struct {
		name    string
		data    []byte
		rules   []string
		high    bool // some finding is high
		members []string
		wantErr bool
	}{
		{name: "benign", data: benign, members: []string{"model/data.pkl", "model/empty"}},
		{name: "pax long name", data: build(t, ent{name: long, data: pkl, format: tar.FormatPAX}), members: []string{long}},
		{name: "gnu long name", data: build(t, ent{name: long, data: pkl, format: tar.FormatGNU}), members: []string{long}},
		{name: "traversal", data: build(t, ent{name: "../../etc/cron.d/x", data: pkl}), rules: []string{"MG232"}, high: true, members: []string{"../../etc/cron.d/x"}},
		{name: "absolute", data: build(t, ent{name: "/root/.bashrc", data: pkl, format: tar.FormatPAX}), rules: []string{"MG232"}, high: true, members: []string{"/root/.bashrc"}},
		{name: "backslash", data: build(t, ent{name: `a\b`, data: pkl}), rules: []string{"MG233"}, members: []string{`a\b`}},
		{name: "symlink inside", data: build(t, ent{name: "a/l", link: "b", typ: tar.TypeSymlink}), rules: []string{"MG230"}},
		{name: "symlink escaping", data: build(t, ent{name: "a/l", link: "../../etc", typ: tar.TypeSymlink}), rules: []string{"MG230"}, high: true},
		{name: "write through symlink", data: build(t, ent{name: "l", link: "sub", typ: tar.TypeSymlink}, ent{name: "l/x.pkl", data: pkl}),
			rules: []string{"MG230"}, high: true, members: []string{"l/x.pkl"}},
		{name: "hard link absolute", data: build(t, ent{name: "h", link: "/etc/passwd", typ: tar.TypeLink}), rules: []string{"MG230"}, high: true},
		{name: "devices and fifo", data: build(t, ent{name: "c", typ: tar.TypeChar}, ent{name: "b", typ: tar.TypeBlock}, ent{name: "f", typ: tar.TypeFifo}), rules: []string{"MG231"}, high: true},
		{name: "duplicate", data: build(t, ent{name: "a.pkl", data: pkl}, ent{name: "a.pkl", data: []byte("x")}), rules: []string{"MG236"}, members: []string{"a.pkl", "a.pkl"}},
		{name: "trailing data", data: append(slices.Clone(benign), []byte("PK\x05\x06 hidden")...), rules: []string{"MG237"}, members: []string{"model/data.pkl", "model/empty"}},
		{name: "truncated", data: build(t, ent{name: "a.pkl", data: bytes.Repeat(pkl, 100)})[:1024], members: []string{"a.pkl"}, wantErr: true},
		// tarfile raises "unexpected end of data" when the file stops
		// inside the last entry's padding; archive/tar does not notice.
		{name: "truncated in padding", data: build(t, ent{name: "a.pkl", data: pkl})[:512+len(pkl)+1], members: []string{"a.pkl"}, wantErr: true},
		{name: "pax header with no entry after it", data: build(t, ent{name: strings.Repeat("d", 120) + ".pkl", data: pkl, format: tar.FormatPAX})[:1024], wantErr: true},
		{name: "no end-of-archive blocks", data: build(t, ent{name: "a.pkl", data: pkl})[:1024], members: []string{"a.pkl"}},
		{name: "member declaring 2^62 bytes", data: func() []byte {
			var buf bytes.Buffer
			w := tar.NewWriter(&buf)
			if err := w.WriteHeader(&tar.Header{Name: "huge.pkl", Typeflag: tar.TypeReg, Size: 1 << 62, Mode: 0o644}); err != nil {
				t.Fatal(err)
			}
			w.Write(pkl)
			w.Flush()
			return append(buf.Bytes(), pkl...)
		}(), members: []string{"huge.pkl"}, wantErr: true},
		{name: "unknown type", data: func() []byte {
			b := build(t, ent{name: "z", data: pkl})
			b[156] = 'Z'
			fixChecksum(b[:512])
			return b
		}(), rules: []string{"MG235"}, members: []string{"z"}},
	}
	for _, tt := range tests {
		for _, mode := range []string{"random", "stream"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				var rec *formatstest.Recorder
				var err error
				if mode == "random" {
					rec, err = formatstest.Run(t, formats.AnalyzerFunc(Analyze), "x.tar", tt.data)
				} else {
					rec, err = streamed(t, tt.data)
				}
				if (err != nil) != tt.wantErr {
					t.Fatalf("err = %v, want error %v", err, tt.wantErr)
				}
				got := slices.Compact(slices.Sorted(slices.Values(rec.Rules())))
				if !slices.Equal(got, tt.rules) {
					t.Errorf("rules = %v, want %v", got, tt.rules)
				}
				if sev, _ := rec.Max(); (sev >= formats.High) != tt.high {
					t.Errorf("max severity %v, want high %v", sev, tt.high)
				}
				var names []string
				for _, m := range rec.Members {
					names = append(names, m.Name)
					if m.Name == "a.pkl" || strings.HasSuffix(m.Name, "data.pkl") {
						if !tt.wantErr && !bytes.Equal(m.Data, pkl) && !bytes.Equal(m.Data, []byte("x")) {
							t.Errorf("member %s = %q", m.Name, m.Data)
						}
					}
				}
				if !slices.Equal(names, tt.members) {
					t.Errorf("members = %q, want %q", names, tt.members)
				}
			})
		}
	}
}

func fixChecksum(h []byte) {
	copy(h[148:156], "        ")
	var sum int64
	for _, c := range h {
		sum += int64(c)
	}
	copy(h[148:156], []byte(strings.Repeat("0", 6-len(octal(sum)))+octal(sum)+"\x00 "))
}

func octal(v int64) string {
	if v == 0 {
		return "0"
	}
	var s string
	for ; v > 0; v /= 8 {
		s = string(rune('0'+v%8)) + s
	}
	return s
}

// TestStreamReplay checks that a streamed member can be opened again after
// a partial read (the engine sniffs, then analyzes) and after the live
// stream has moved past the replay buffer.
func TestStreamReplay(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 20_000)
	data := build(t, ent{name: "a", data: pkl}, ent{name: "big", data: big}, ent{name: "c", data: pkl})
	opens := 0
	in := formats.NewStreamInput("x.tar", -1, 0, func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	s := &replayScope{t: t}
	if err := Analyze(context.Background(), in, s); err != nil {
		t.Fatal(err)
	}
	want := [][]byte{pkl, big, pkl}
	for i, got := range s.got {
		if !bytes.Equal(got, want[i]) {
			t.Errorf("member %d: %d bytes, want %d", i, len(got), len(want[i]))
		}
	}
	// One pass for the walk, plus one re-walk for the second full read of
	// "big", which outgrew the replay buffer.
	if opens != 2 {
		t.Errorf("archive opened %d times, want 2", opens)
	}
}

// replayScope reads each member's head, then all of it, then all of it
// again.
type replayScope struct {
	t   *testing.T
	got [][]byte
}

func (r *replayScope) Report(formats.Finding) {}
func (r *replayScope) Limits() formats.Limits { return formats.DefaultLimits() }
func (r *replayScope) Scan(_ context.Context, m *formats.Input) error {
	if _, err := formats.ReadHead(m); err != nil {
		return err
	}
	var last []byte
	for range 2 {
		rc, err := m.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if last != nil && !bytes.Equal(last, b) {
			r.t.Errorf("%s: second read differs", m.Name)
		}
		last = b
	}
	r.got = append(r.got, last)
	return nil
}

// TestRealWorld runs the analyzer over the shared corpus's tar files.
func TestRealWorld(t *testing.T) {
	n := 0
	filepath.WalkDir("../../../shared/realworld", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 512 || !bytes.HasPrefix(b[257:], []byte("ustar")) {
			return nil
		}
		n++
		rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), filepath.Base(p), b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if sev, ok := rec.Max(); ok && sev >= formats.Medium {
			t.Errorf("%s: %v", p, rec.Findings)
		}
		return nil
	})
	t.Logf("%d real-world tars", n)
}

func FuzzTar(f *testing.F) {
	f.Add(build(f, ent{name: "model/", typ: tar.TypeDir}, ent{name: "model/data.pkl", data: pkl}))
	f.Add(build(f, ent{name: strings.Repeat("x/", 70) + "p", data: pkl, format: tar.FormatPAX}, ent{name: "l", link: "../x", typ: tar.TypeSymlink}))
	f.Add(build(f, ent{name: strings.Repeat("y/", 70) + "p", data: pkl, format: tar.FormatGNU}, ent{name: "c", typ: tar.TypeChar}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range []*formats.Input{
			formats.NewInput("f.tar", bytes.NewReader(data), int64(len(data))),
			formats.NewStreamInput("f.tar", -1, 0, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }),
		} {
			_ = Analyze(context.Background(), in, boundedScope{})
		}
	})
}

// boundedScope reads up to 1 MiB of each member, twice, as the engine
// would before its caps stop a bomb.
type boundedScope struct{}

func (boundedScope) Report(formats.Finding) {}
func (boundedScope) Limits() formats.Limits { return formats.DefaultLimits() }
func (boundedScope) Scan(_ context.Context, m *formats.Input) error {
	for range 2 {
		rc, err := m.Open()
		if err != nil {
			return nil
		}
		io.Copy(io.Discard, io.LimitReader(rc, 1<<20))
		rc.Close()
	}
	return nil
}

// TestSparseHoles checks that a GNU sparse entry that is all hole (a bomb
// of zeros costing no bytes) is reported and handed back with a packed
// size, so the engine's ratio cap applies.
func TestSparseHoles(t *testing.T) {
	b := build(t, ent{name: "holes.pkl"})
	h := b[:512]
	h[156] = 'S'
	copy(h[257:265], "ustar  \x00")     // GNU magic
	copy(h[483:495], "77777777777\x00") // realsize: 8 GiB of holes
	fixChecksum(h)
	s := &packedScope{}
	err := Analyze(context.Background(), formats.NewInput("s.tar", bytes.NewReader(b), int64(len(b))), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.members) != 1 || s.members[0].Packed <= 0 || s.members[0].Size != 8<<30-1 {
		t.Fatalf("members %+v", s.members)
	}
	if len(s.rules) != 1 || s.rules[0] != "MG234" {
		t.Errorf("rules %v", s.rules)
	}
}

type packedScope struct {
	members []*formats.Input
	rules   []string
}

func (p *packedScope) Report(f formats.Finding) { p.rules = append(p.rules, f.Rule) }
func (p *packedScope) Limits() formats.Limits   { return formats.DefaultLimits() }
func (p *packedScope) Scan(_ context.Context, m *formats.Input) error {
	p.members = append(p.members, m)
	return nil
}

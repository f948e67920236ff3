// Package sevenzip reads 7z archives with github.com/bodgit/sevenzip and
// hands every file back to the engine as a decompressing stream, so a
// 7z-wrapped model (the nullifAI technique) is scanned like a bare one.
// Unsafe names, links and devices are findings; encrypted entries and
// unsupported coders cannot be scanned and make the file inconclusive.
//
// It never extracts to disk and never decompresses on its own account:
// the engine reads each member and applies its size and ratio caps.
package sevenzip

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/bodgit/sevenzip"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: "MG240", Severity: formats.High, Title: "encrypted 7z archive or entry",
			Doc: "The 7z archive's headers or an entry's data are encrypted, so its contents cannot be scanned and the file is inconclusive. Whoever holds the password can load whatever it hides; a published model has no reason to be encrypted."},
		{ID: "MG241", Severity: formats.High, Title: "7z entry path escapes the extraction root",
			Doc: "An entry name is absolute, has a drive letter or a '..' segment, or contains a NUL byte. Extracting the archive writes outside the target directory."},
		{ID: "MG242", Severity: formats.Medium, Title: "unusual 7z entry name",
			Doc: "An entry name contains a control character or is longer than 4096 bytes, which tools display and interpret differently."},
		{ID: "MG243", Severity: formats.High, Title: "7z entry is a symlink or device",
			Doc: "An entry carries the attributes of a symbolic link, device, FIFO or socket. Extracted, a link can redirect later writes outside the extraction root; a model archive holds regular files only."},
		{ID: "MG244", Severity: formats.Medium, Title: "7z coder not supported",
			Doc: "An entry is compressed or filtered with a method this build cannot decode, so it is not scanned and the file is inconclusive."},
	} {
		formats.RegisterRule(r)
	}
	formats.Register(formats.SevenZip, formats.AnalyzerFunc(Analyze))
}

// Analyze is the 7z analyzer. After handing back every file it runs the
// layouts that match the archive's names (formats.AnalyzeLayouts).
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("7z %q: %w", in.Name, err)
	}
	r, err := open(ra, size)
	if err != nil {
		if encrypted(err) {
			s.Report(formats.NewFinding("MG240", formats.NoOffset, "7z archive headers are encrypted"))
			return fmt.Errorf("7z %q: encrypted headers: %w", in.Name, formats.ErrUnsupported)
		}
		return fmt.Errorf("7z %q: %w", in.Name, err)
	}
	var firstErr error
	t := &tree{byName: map[string]*sevenzip.File{}}
	for _, f := range r.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		mode := f.Mode()
		judge(f.Name, mode, s)
		if mode.IsDir() || mode.Type()&(fs.ModeSymlink|fs.ModeDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeCharDevice) != 0 {
			continue
		}
		t.add(f)
		m := &member{f: f}
		name := formats.DisplayName(f.Name)
		// The packed size of one file inside a solid block is not known;
		// the whole archive's size is an upper bound, so the engine's ratio
		// check stays conservative.
		if err := s.Scan(ctx, formats.NewStreamInput(name, -1, size, m.open)); err != nil {
			return fmt.Errorf("7z %q: scan member %q: %w", in.Name, name, err)
		}
		if err := m.failure(); err != nil {
			switch {
			case encrypted(err):
				s.Report(formats.NewFinding("MG240", formats.NoOffset, "7z entry %q is encrypted", f.Name).With("entry", f.Name))
				err = fmt.Errorf("entry %q is encrypted: %w", f.Name, formats.ErrUnsupported)
			case unsupported(err):
				s.Report(formats.NewFinding("MG244", formats.NoOffset, "7z entry %q uses a coder this build cannot decode", f.Name).With("entry", f.Name))
				err = fmt.Errorf("entry %q: %w: %w", f.Name, formats.ErrUnsupported, err)
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	_, lerr := formats.AnalyzeLayouts(ctx, t, s)
	if err := errors.Join(firstErr, lerr); err != nil {
		return fmt.Errorf("7z %q: %w", in.Name, err)
	}
	return nil
}

// tree is the archive's files as a formats.Tree for layouts; a duplicated
// name opens its first entry.
type tree struct {
	names  []string
	byName map[string]*sevenzip.File
}

func (t *tree) add(f *sevenzip.File) {
	if _, dup := t.byName[f.Name]; !dup {
		t.byName[f.Name] = f
		t.names = append(t.names, f.Name)
	}
}

func (t *tree) Names() []string { return t.names }

func (t *tree) Open(name string) (*formats.Input, error) {
	f, ok := t.byName[name]
	if !ok {
		return nil, fmt.Errorf("7z: open %q: %w", name, fs.ErrNotExist)
	}
	return formats.NewStreamInput(name, -1, 0, (&member{f: f}).open), nil
}

// open parses the archive. The library is not written for hostile input,
// so a panic inside it is turned into an error rather than taking the
// scanner down.
func open(ra io.ReaderAt, size int64) (r *sevenzip.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("malformed archive: decoder panic: %v", p)
		}
	}()
	return sevenzip.NewReader(ra, size)
}

func judge(name string, mode fs.FileMode, s formats.Scope) {
	if why, severe := formats.CheckMemberPath(name); why != "" {
		id := "MG242"
		if severe {
			id = "MG241"
		}
		s.Report(formats.NewFinding(id, formats.NoOffset, "entry name %q: %s", name, why).With("entry", name))
	}
	if t := mode.Type() &^ fs.ModeDir; t != 0 {
		s.Report(formats.NewFinding("MG243", formats.NoOffset, "entry %q has mode %v", name, mode).With("entry", name))
	}
}

func encrypted(err error) bool {
	var re *sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return true
	}
	var rv sevenzip.ReadError
	if errors.As(err, &rv) && rv.Encrypted {
		return true
	}
	return strings.Contains(err.Error(), "password")
}

func unsupported(err error) bool {
	return strings.Contains(err.Error(), "unsupported compression algorithm")
}

// member opens one file's stream and remembers the first error any of its
// readers met, so the archive can be failed after the engine is done.
type member struct {
	f   *sevenzip.File
	mu  sync.Mutex
	err error
}

func (m *member) fail(err error) error {
	m.mu.Lock()
	if m.err == nil {
		m.err = err
	}
	m.mu.Unlock()
	return err
}

func (m *member) failure() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

func (m *member) open() (rc io.ReadCloser, err error) {
	defer func() {
		if p := recover(); p != nil {
			rc, err = nil, m.fail(fmt.Errorf("open %q: decoder panic: %v", m.f.Name, p))
		}
	}()
	rc, err = m.f.Open()
	if err != nil {
		return nil, m.fail(fmt.Errorf("open %q: %w", m.f.Name, err))
	}
	return &guarded{rc: rc, m: m}, nil
}

// guarded checks the CRC, records read errors and contains decoder panics.
type guarded struct {
	rc  io.ReadCloser
	m   *member
	crc uint32
}

func (g *guarded) Read(p []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, g.m.fail(fmt.Errorf("read %q: decoder panic: %v", g.m.f.Name, r))
		}
	}()
	n, err = g.rc.Read(p)
	g.crc = crc32.Update(g.crc, crc32.IEEETable, p[:n])
	if err == io.EOF && g.m.f.CRC32 != 0 && g.crc != g.m.f.CRC32 {
		// The library does not check file CRCs; 7-Zip and py7zr do, and a
		// mismatch means the data read is not what was archived.
		err = fmt.Errorf("data has CRC-32 %08x, header says %08x", g.crc, g.m.f.CRC32)
	}
	if err != nil && err != io.EOF {
		err = g.m.fail(fmt.Errorf("read %q: %w", g.m.f.Name, err))
	}
	return n, err
}

func (g *guarded) Close() error { return g.rc.Close() }

// Package tar reads tar archives (ustar, PAX, GNU, v7) and hands every
// regular file back to the engine as a member, under its effective name
// (after GNU long-name and PAX path overrides, which is what extractors
// use). Links, devices, FIFOs, sparse and unknown entry types, unsafe or
// duplicate names and data after the end marker are findings: a model
// archive holds regular files and directories only.
//
// Members of a random-access tar are random-access sections of it (free);
// members of a streamed tar (inside gzip, say) are streams read once in
// order, re-read from the start of the archive only if an analyzer needs
// them again. Nothing is extracted to disk or executed. A truncated or
// malformed tar is an error.
package tar

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: "MG230", Severity: formats.Medium, Title: "tar entry is a link",
			Doc: "A symbolic or hard link entry. Extracting it creates a link that later entries, or the program that loads the model, can be tricked into following; it is high when the target leaves the extraction root (absolute, or '..' past the root) or when a later entry is written through the link (the Keras get_file and Python tarfile filter escapes). Model archives hold regular files and directories only."},
		{ID: "MG231", Severity: formats.Medium, Title: "tar entry is a device or FIFO",
			Doc: "A character device, block device or FIFO entry. Extracting it as root creates a device node — high for character and block devices, which give whoever writes to them raw access to memory or disks; nothing in a model needs one."},
		{ID: "MG232", Severity: formats.High, Title: "tar entry path escapes the extraction root",
			Doc: "An entry name (after GNU long-name and PAX overrides) is absolute, has a drive letter or a '..' segment, or contains a NUL byte. Extracting it writes outside the target directory (e.g. CVE-2024-5187 in ONNX's hub, CVE-2025-4517 in Python's tarfile)."},
		{ID: "MG233", Severity: formats.Medium, Title: "unusual tar entry name",
			Doc: "An entry name contains a backslash or a control character, or is longer than 4096 bytes. Such names are read differently across platforms and tools and serve path-traversal and display-spoofing tricks."},
		{ID: "MG234", Severity: formats.Medium, Title: "sparse tar entry",
			Doc: "A GNU sparse entry: its stored bytes are spread over a logical file with holes, which tools that do not implement sparse files read differently. modelgate scans the logical file."},
		{ID: "MG235", Severity: formats.Medium, Title: "unknown tar entry type",
			Doc: "An entry type flag that is not a file, directory, link, device or FIFO. POSIX says to extract it as a regular file, other tools skip it; modelgate scans its data."},
		{ID: "MG236", Severity: formats.Medium, Title: "tar entries share a name",
			Doc: "Two entries have the same name. On extraction the last one wins, while a reader looking a name up may take the first; a scanner checking one copy can miss the other. modelgate scans every copy."},
		{ID: "MG237", Severity: formats.Medium, Title: "data after the tar end marker",
			Doc: "Non-zero bytes follow the end-of-archive marker. Tar readers stop at the marker, so the bytes are invisible to them and can carry a payload for a different reader."},
	} {
		formats.RegisterRule(r)
	}
	formats.Register(formats.Tar, formats.AnalyzerFunc(Analyze))
}

// maxNames bounds the names remembered for duplicate and symlink checks.
const maxNames = 1 << 20

// trailerCheck is how many bytes after the end marker are inspected.
const trailerCheck = 1 << 20

// Analyze is the tar analyzer. After handing back every member it runs
// the layouts that match the archive's names (formats.AnalyzeLayouts).
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	w := &walker{in: in, s: s, seen: map[string]int{}, links: map[string]bool{}}
	if err := w.run(ctx); err != nil {
		return fmt.Errorf("tar %q: %w", in.Name, err)
	}
	return nil
}

type walker struct {
	in    *formats.Input
	s     formats.Scope
	seen  map[string]int  // name -> first entry index
	links map[string]bool // symlink names, to catch writes through them
	tree  tree
}

// counter counts the bytes a streamed tar has consumed.
type counter struct {
	r io.Reader
	n int64
	// watch is an offset whose 512-byte block is kept in blk as it
	// passes (got counts the bytes kept): the header after the last
	// entry, which archive/tar does not return when it is dangling.
	watch int64
	blk   [512]byte
	got   int
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if lo, hi := max(c.watch, c.n), min(c.watch+512, c.n+int64(n)); c.watch >= 0 && lo < hi {
		copy(c.blk[lo-c.watch:], p[lo-c.n:hi-c.n])
		c.got = max(c.got, int(hi-c.watch))
	}
	c.n += int64(n)
	return n, err
}

// setWatch starts keeping the block at off (-1: none).
func (c *counter) setWatch(off int64) {
	c.watch, c.got = off, 0
}

func (w *walker) run(ctx context.Context) error {
	var (
		tr   *tar.Reader
		sec  *io.SectionReader // the random-access tar, if it is one
		cnt  *counter          // the streamed tar, otherwise
		size = w.in.Size
	)
	if w.in.RandomAccess() {
		ra, n, err := w.in.ReaderAt(0)
		if err != nil {
			return err
		}
		sec, size = io.NewSectionReader(ra, 0, n), n
		tr = tar.NewReader(sec)
	} else {
		rc, err := w.in.Open()
		if err != nil {
			return &formats.ReadError{Err: err}
		}
		defer rc.Close()
		cnt = &counter{r: rc}
		tr = tar.NewReader(cnt)
	}
	pos := func() int64 {
		if sec != nil {
			p, _ := sec.Seek(0, io.SeekCurrent)
			return p
		}
		return cnt.n
	}
	// dataEnd is where the last regular entry's data ends, rounded up to
	// whole blocks: Python's tarfile (and torch.load of a legacy tar)
	// raises "unexpected end of data" when the file stops before it, even
	// inside the padding archive/tar passes over.
	var dataEnd int64
	// next is where the header after the last entry starts (-1 when a
	// sparse entry makes it unknown).
	var next int64
	var live *liveMember
	defer func() {
		if live != nil {
			live.retire()
		}
	}()
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if live != nil {
			live.retire()
			live = nil
		}
		hdrAt := pos()
		hdr, err := tr.Next()
		if err == io.EOF {
			total := size
			if sec == nil {
				total = cnt.n
			}
			if total < dataEnd {
				return fmt.Errorf("archive ends at %d, inside the data and padding of its last entry, which end at %d: %w", total, dataEnd, io.ErrUnexpectedEOF)
			}
			if err := danglingExtended(sec, cnt, next, size); err != nil {
				return err
			}
			if err := w.checkTrailer(tr, sec, cnt, pos(), size); err != nil {
				return err
			}
			w.tree.rewalk = w.rewalker
			_, err := formats.AnalyzeLayouts(ctx, &w.tree, w.s)
			return err
		}
		if err != nil {
			return fmt.Errorf("entry %d at %d: %w", i, hdrAt, err)
		}
		at := pos()
		switch hdr.Typeflag {
		case tar.TypeReg, '\x00', tar.TypeCont:
			if !isSparse(hdr) {
				dataEnd = at + (hdr.Size+511)/512*512
			}
		}
		switch {
		case isSparse(hdr) || hdr.Typeflag == tar.TypeGNUSparse:
			next = -1
		case hdr.Typeflag == tar.TypeReg || hdr.Typeflag == '\x00' || hdr.Typeflag == tar.TypeCont:
			next = at + (hdr.Size+511)/512*512
		default:
			next = at
		}
		if cnt != nil {
			cnt.setWatch(next)
		}
		if !w.judge(i, hdr, hdrAt) {
			continue
		}
		name := formats.DisplayName(hdr.Name)
		var m *formats.Input
		var short error
		switch {
		case sec != nil && !isSparse(hdr) && hdr.Size > size-at:
			// Scan what is there (a payload may precede the cut), as a
			// stream that ends in an error, then fail the archive.
			short = fmt.Errorf("entry %q declares %d bytes, %d remain: %w", hdr.Name, hdr.Size, size-at, io.ErrUnexpectedEOF)
			m = formats.NewStreamInput(name, -1, 0, func() (io.ReadCloser, error) {
				return io.NopCloser(io.MultiReader(io.NewSectionReader(sec, at, size-at), errReader{short})), nil
			})
		case sec != nil && !isSparse(hdr):
			m = formats.NewInput(name, io.NewSectionReader(sec, at, hdr.Size), hdr.Size)
		default:
			live = &liveMember{tr: tr, rewalk: w.rewalker(i)}
			var packed int64
			if isSparse(hdr) {
				// Holes cost no bytes, so a sparse entry is a bomb in
				// waiting: let the engine judge its ratio against the
				// archive's own size.
				packed = max(w.in.Size, w.in.Packed, 1)
			}
			m = formats.NewStreamInput(name, hdr.Size, packed, live.open)
		}
		if err := w.s.Scan(ctx, m); err != nil {
			return fmt.Errorf("scan member %q: %w", name, err)
		}
		if short != nil {
			return short
		}
		w.tree.add(treeEntry{name: hdr.Name, k: i, at: at, size: hdr.Size, direct: sec != nil && !isSparse(hdr), sec: sec})
	}
}

// judge reports what is wrong with an entry and says whether its data is
// a member to scan.
func (w *walker) judge(i int, hdr *tar.Header, at int64) bool {
	report := func(id, format string, args ...any) formats.Finding {
		f := formats.NewFinding(id, at, format, args...).With("entry", hdr.Name)
		w.s.Report(f)
		return f
	}
	if why, severe := formats.CheckMemberPath(hdr.Name); why != "" {
		id := "MG233"
		if severe {
			id = "MG232"
		}
		report(id, "entry name %q: %s", hdr.Name, why)
	}
	for dir := path.Dir(hdr.Name); dir != "." && dir != "/" && dir != ""; dir = path.Dir(dir) {
		if w.links[dir] {
			w.s.Report(formats.NewFinding("MG230", at, "entry %q is written through the symlink %q", hdr.Name, dir).
				With("entry", hdr.Name).At(formats.High))
			break
		}
	}
	if j, dup := w.seen[hdr.Name]; dup && hdr.Typeflag != tar.TypeDir {
		report("MG236", "name %q is used by entry %d and entry %d", hdr.Name, j, i)
	} else if len(w.seen) < maxNames {
		w.seen[hdr.Name] = i
	}
	switch hdr.Typeflag {
	// '\x00' is the pre-POSIX regular-file flag (tar.TypeRegA, deprecated
	// in archive/tar but still written by old tools).
	case tar.TypeReg, '\x00', tar.TypeCont:
		if isSparse(hdr) {
			report("MG234", "entry %q is a sparse file", hdr.Name)
		}
		return true
	case tar.TypeGNUSparse:
		report("MG234", "entry %q is a sparse file", hdr.Name)
		return true
	case tar.TypeDir, tar.TypeXGlobalHeader:
		return false
	case tar.TypeSymlink, tar.TypeLink:
		kind, target := "hard link", path.Clean(hdr.Linkname)
		if hdr.Typeflag == tar.TypeSymlink {
			kind = "symlink"
			if !path.IsAbs(hdr.Linkname) {
				target = path.Join(path.Dir(hdr.Name), hdr.Linkname)
			}
			if len(w.links) < maxNames {
				w.links[path.Clean(hdr.Name)] = true
			}
		}
		f := formats.NewFinding("MG230", at, "entry %q is a %s to %q", hdr.Name, kind, hdr.Linkname).
			With("entry", hdr.Name).With("target", hdr.Linkname)
		if path.IsAbs(hdr.Linkname) || target == ".." || strings.HasPrefix(target, "../") || strings.Contains(hdr.Linkname, `\`) {
			f = f.At(formats.High)
			f.Message += ", outside the archive root"
		}
		w.s.Report(f)
		return false
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kinds := map[byte]string{tar.TypeChar: "character device", tar.TypeBlock: "block device", tar.TypeFifo: "FIFO"}
		f := formats.NewFinding("MG231", at, "entry %q is a %s", hdr.Name, kinds[hdr.Typeflag]).With("entry", hdr.Name)
		if hdr.Typeflag != tar.TypeFifo {
			f = f.At(formats.High)
		}
		w.s.Report(f)
		return false
	}
	report("MG235", "entry %q has unknown type %q", hdr.Name, string(hdr.Typeflag))
	return true
}

func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// checkTrailer reports non-zero bytes after the end marker.
func (w *walker) checkTrailer(tr *tar.Reader, sec *io.SectionReader, cnt *counter, at, size int64) error {
	var rest io.Reader
	switch {
	case sec != nil:
		rest = io.NewSectionReader(sec, at, max(size-at, 0))
	default:
		rest = cnt.r
	}
	buf := make([]byte, 32<<10)
	var seen int64
	for seen < trailerCheck {
		n, err := rest.Read(buf)
		if i := bytes.IndexFunc(buf[:n], func(r rune) bool { return r != 0 }); i >= 0 {
			f := formats.NewFinding("MG237", at+seen+int64(i), "non-zero data %d bytes after the end of the archive", seen+int64(i))
			w.s.Report(f)
			return nil
		}
		seen += int64(n)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &formats.ReadError{Err: fmt.Errorf("read after end marker: %w", err)}
		}
	}
	return nil
}

// danglingExtended refuses an archive whose last header is a pax or GNU
// long-name header with no entry after it: archive/tar ends there as if
// at the end marker, Python's tarfile raises (the header it extends is
// missing). A random-access archive is read at next; a streamed one kept
// the block as it passed.
func danglingExtended(sec *io.SectionReader, cnt *counter, next, size int64) error {
	var b []byte
	switch {
	case next < 0:
		return nil
	case sec != nil:
		if next+512 > size {
			return nil
		}
		b = make([]byte, 512)
		if _, err := sec.ReadAt(b, next); err != nil {
			return &formats.ReadError{Err: fmt.Errorf("read header at %d: %w", next, err)}
		}
	case cnt != nil && cnt.watch == next && cnt.got == 512:
		b = cnt.blk[:]
	default:
		return nil
	}
	switch b[156] {
	case tar.TypeXHeader, tar.TypeXGlobalHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
		return fmt.Errorf("extended header at %d is followed by no entry: %w", next, io.ErrUnexpectedEOF)
	}
	return nil
}

// rewalker returns a function that opens entry k afresh: a new pass over
// the archive from its start, skipping the entries before it.
func (w *walker) rewalker(k int) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		rc, err := w.in.Open()
		if err != nil {
			return nil, &formats.ReadError{Err: err}
		}
		tr := tar.NewReader(rc)
		for range k + 1 {
			if _, err := tr.Next(); err != nil {
				rc.Close()
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, fmt.Errorf("reopen tar entry %d: %w", k, err)
			}
		}
		return readCloser{tr, rc}, nil
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type readCloser struct {
	io.Reader
	io.Closer
}

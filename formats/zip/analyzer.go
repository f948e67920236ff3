package zip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// RuleAppendix notes a zip that a model carries behind its own bytes.
const RuleAppendix = "MG216"

// Rule IDs of the zip analyzer, by anomaly kind.
var ruleOf = map[Kind]string{
	NameMismatch:      "MG200",
	DuplicateName:     "MG201",
	Overlap:           "MG202",
	PrefixData:        "MG203",
	TrailingData:      "MG204",
	HiddenData:        "MG205",
	MultipleEnds:      "MG206",
	UnsafePath:        "MG207",
	OddPath:           "MG208",
	FlagBits:          "MG209",
	CRCMismatch:       "MG210",
	UnsupportedMethod: "MG211",
	SizeMismatch:      "MG212",
	LocalOnly:         "MG213",
	SpecialFile:       "MG214",
	NoEnd:             "MG215",
	DirectoryData:     "MG217",
}

func init() {
	for _, r := range []formats.Rule{
		{ID: "MG200", Severity: formats.High, Title: "zip local header disagrees with central directory",
			Doc: "An entry's local header gives a different name, compression method or size than its central-directory record. Readers that use the central directory (PyTorch, Python's zipfile) and readers that stream local headers see different files, and picklescan was bypassed this way (CVE-2025-1944). modelgate scans the data under the central-directory name; treat the archive as crafted."},
		{ID: "MG201", Severity: formats.High, Title: "zip entries share a name",
			Doc: "Two entries have the same name. Which one a loader reads depends on the loader (first match, last match, sorted lookup), so a scanner checking one copy can be shown a benign file while the loader reads a malicious one. modelgate scans every copy; a real model never needs duplicates."},
		{ID: "MG202", Severity: formats.High, Title: "zip entries overlap",
			Doc: "Two entries, or an entry and the central directory, claim the same bytes. This is how non-recursive zip bombs multiply a small compressed kernel, and how one entry's bytes are made to read as another's. No writer of model files produces it."},
		{ID: "MG203", Severity: formats.Medium, Title: "data before the first zip entry",
			Doc: "Bytes precede the first local header. PyTorch only opens a zip that starts with a local header, while Python's zipfile and unzip tolerate a prefix, so the file reads differently per loader; a pickle placed in front makes a pickle/zip polyglot. modelgate also analyzes the file from offset 0; check what the prefix holds."},
		{ID: "MG204", Severity: formats.Medium, Title: "data after the zip end record",
			Doc: "Bytes follow the end-of-central-directory record and its comment. Zip readers ignore them, so they can carry a payload for another reader or a second archive. Model writers never append data."},
		{ID: "MG205", Severity: formats.Medium, Title: "zip bytes owned by no record",
			Doc: "A stretch of bytes between entries, or inside the central directory, belongs to no entry or directory record. It is invisible to normal readers and can hide an entry for a reader that scans for signatures."},
		{ID: "MG206", Severity: formats.High, Title: "several zip end records",
			Doc: "More than one end-of-central-directory record sits at the end of the file (outside any stored entry). Readers pick different ones, so they can list different central directories; it is a known way to show a scanner one archive and a loader another."},
		{ID: "MG207", Severity: formats.High, Title: "zip entry path escapes the extraction root",
			Doc: "An entry name is absolute, has a drive letter or a '..' segment, or contains a NUL byte (zip-slip, e.g. CVE-2023-5245 in MLeap). Extracting the archive can overwrite files outside the target directory."},
		{ID: "MG208", Severity: formats.Medium, Title: "unusual zip entry name",
			Doc: "An entry name contains a backslash or a control character, or is longer than 4096 bytes. Such names are interpreted differently by platforms and tools, and are a step in path-traversal and display-spoofing tricks."},
		{ID: "MG209", Severity: formats.High, Title: "zip encryption or patch flag bits set",
			Doc: "An entry has the encrypted (0x1), patched-data (0x20) or strong-encryption (0x40) flag set, or its central-directory record the masked-local-header flag (0x2000). PyTorch ignores the first three and loads the data while Python's zipfile and several scanners refuse the entry, which bypassed picklescan (CVE-2025-1945); the last makes PyTorch refuse the archive while zipfile reads it. modelgate reads the data as it stands. An entry whose data is really encrypted (traditional PKWARE or WinZip AES layout, and not readable as plaintext) is not reported under this rule: nobody can read it without the password, so it makes the file inconclusive (unsupported) instead."},
		{ID: "MG210", Severity: formats.High, Title: "zip entry CRC mismatch",
			Doc: "An entry's data does not match its CRC-32. PyTorch does not check CRCs, but scanners that do abort, which bypassed picklescan (CVE-2025-10156). The archive was modified after it was written; modelgate scans the data anyway."},
		{ID: "MG211", Severity: formats.Medium, Title: "zip entry compression method not supported",
			Doc: "An entry uses a compression method modelgate cannot decompress, so its contents are not scanned and the file is inconclusive. Model writers use stored or deflated entries."},
		{ID: "MG212", Severity: formats.Medium, Title: "zip sizes or counts do not match the data",
			Doc: "A declared entry count, size or offset disagrees with the bytes present: more entries declared than the directory holds, a stored entry whose two sizes differ, data that decompresses to another size than declared, or an entry running past the end of the file. Readers resolve this differently; it is typical of bombs and of crafted archives."},
		{ID: "MG213", Severity: formats.High, Title: "zip entry missing from the central directory",
			Doc: "A local header in the chain of entries is not listed by the central directory. Loaders that read the directory do not see it, streaming readers do; it is a way to carry a file past one kind of reader. modelgate scans it too."},
		{ID: "MG214", Severity: formats.High, Title: "zip entry is a symlink or device",
			Doc: "An entry carries a Unix mode for a symbolic link, device, FIFO or socket. Extracted, a symlink can point outside the extraction root and redirect later writes. Model archives hold regular files only."},
		{ID: RuleAppendix, Severity: formats.Info, Title: "zip appended to a model as its attached files",
			Doc: "The zip follows a model of a format that carries attached files this way: a TensorFlow Lite FlatBuffer whose TFLITE_METADATA entry records associated files (labels, vocabularies), which tflite-support's MetadataPopulator appends as a zip. modelgate checked that the model parses within the bytes before the zip, that the model carries that metadata, and that no member name makes the archive a PyTorch, Keras or other model layout; it scans every member like any archive entry. Low when members are not recorded by the metadata (tflite-support packs such files with a warning): no TFLite loader looks them up, and they are scanned like the rest. A zip behind anything else is reported as MG203 and the file as a polyglot (MG003)."},
		{ID: "MG217", Severity: formats.Medium, Title: "zip entry marked as a directory holds data",
			Doc: "An entry whose name ends in '/' or whose MS-DOS attributes carry the directory bit (0x10) holds bytes. miniz, the zip reader inside PyTorch, takes it for a directory and extracts nothing, so torch.load reads an uninitialised buffer (or fails) where Python's zipfile, picklescan and modelgate read the stored bytes: the scanned bytes are not the loaded ones. Zip writers mark only empty directory entries so."},
		{ID: "MG215", Severity: formats.Medium, Title: "zip without a usable end record",
			Doc: "No end-of-central-directory record leads to a central directory. Standard loaders cannot open the file; modelgate scans the entries its local headers list, but the file is inconclusive."},
	} {
		formats.RegisterRule(r)
	}
	formats.Register(formats.Zip, formats.AnalyzerFunc(Analyze))
}

// Finding turns an anomaly into a finding of the zip analyzer's rules.
func (r *Reader) Finding(a Anomaly) formats.Finding {
	f := formats.NewFinding(ruleOf[a.Kind], a.Offset, "%s", a.Message)
	if a.Entry >= 0 && a.Entry < len(r.Entries) {
		e := r.Entries[a.Entry]
		f = f.With("entry", e.Name)
		if e.Index >= 0 {
			f = f.With("index", strconv.Itoa(e.Index))
		}
		if e.LocalName != e.Name && e.headerOK {
			f = f.With("local_name", e.LocalName)
		}
	}
	return f
}

// Analyze is the zip analyzer: it reports every anomaly of the archive,
// hands every entry (central-directory entries by index, then local-only
// ones, in file order) back to the engine, checks each entry's CRC and size
// against what was read, runs the layouts that match the archive's names
// (formats.AnalyzeLayouts), and returns an error when part of the archive
// could not be read.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return fmt.Errorf("zip %q: %w", in.Name, err)
	}
	maxEntries := DefaultMaxEntries
	if m := s.Limits().Members; m > 0 && m < maxEntries {
		maxEntries = m + 1 // one past the engine's cap, so the engine names its limit
	}
	r, err := Open(ctx, ra, size, Options{MaxEntries: maxEntries})
	if err != nil {
		return fmt.Errorf("zip %q: %w", in.Name, err)
	}
	appendix := r.explainPrefix(ctx, ra)
	for _, a := range r.Anomalies {
		if a.Kind == PrefixData && appendix != nil {
			s.Report(*appendix)
			continue
		}
		s.Report(r.Finding(a))
	}
	if appendix != nil {
		formats.MarkAppended(s, formats.Zip)
	}
	// What a layout's loader reads only as numbers is vouched for, not
	// analyzed (see formats.DataLister). The files that declare it are
	// analyzed first, and the listing uses what their analysis kept.
	tree := r.Tree()
	first := formats.Declarers(tree.Names())
	var data map[string]string
	skip := func(e *Entry) bool {
		if slices.Contains(first, e.Name) {
			return false
		}
		if data == nil {
			data = formats.DataFiles(ctx, tree, s)
		}
		what, ok := data[e.Name]
		if ok {
			formats.MarkData(s, e.Name, what)
		}
		return ok
	}
	if err := r.scanEntries(ctx, s, first, skip); err != nil {
		return fmt.Errorf("zip %q: %w", in.Name, err)
	}
	_, lerr := formats.AnalyzeLayouts(ctx, r.Tree(), s)
	if err := errors.Join(r.Incomplete, lerr); err != nil {
		return fmt.Errorf("zip %q: %w", in.Name, err)
	}
	return nil
}

// explainPrefix returns the finding that replaces MG203 when the bytes
// before the archive are a model that carries it as part of itself (a
// TFLite model and the associated files its metadata records), or nil.
// Members whose names give the archive a layout a loader would open as a
// model of its own (a PyTorch data.pkl, a Keras config) keep it a
// polyglot, whatever the prefix.
func (r *Reader) explainPrefix(ctx context.Context, ra io.ReaderAt) *formats.Finding {
	if r.Prefix <= 0 || r.Incomplete != nil {
		return nil
	}
	names := make([]string, 0, len(r.Entries))
	for _, e := range r.Entries {
		names = append(names, e.Name)
	}
	a := formats.ExplainPrefix(ctx, ra, r.Prefix, names)
	if a == nil {
		return nil
	}
	for _, l := range formats.MatchLayouts(names) {
		if !slices.Contains(a.Layouts, l) {
			return nil
		}
	}
	f := formats.NewFinding(RuleAppendix, 0, "%s", a.Note).With("format", a.Format).With("prefix_bytes", strconv.FormatInt(r.Prefix, 10))
	if len(a.Unlisted) > 0 {
		f = f.At(formats.Low).With("unlisted", strings.Join(a.Unlisted, ","))
		f.Message += fmt.Sprintf("; %d of them (%s) not recorded by its metadata", len(a.Unlisted), strings.Join(a.Unlisted[:min(len(a.Unlisted), 3)], ", "))
	}
	return &f
}

// ScanEntries hands the entries back to the engine in file order, skipping
// empty directory entries and those skip says to skip (skip may be nil;
// their CRC is still checked),
// and reports CRC and size mismatches found while reading them. A stored
// entry the engine did not read to the end is read here once to check its
// CRC (except in quick mode, which reads only what analysis needs); a
// compressed one is only checked when the engine read it through,
// as reading it again would spend the decompression budget twice.
func (r *Reader) ScanEntries(ctx context.Context, s formats.Scope, skip func(*Entry) bool) error {
	return r.scanEntries(ctx, s, nil, skip)
}

// scanEntries is ScanEntries handing the entries named first back before
// the others, and asking skip about an entry only once those are scanned.
func (r *Reader) scanEntries(ctx context.Context, s formats.Scope, first []string, skip func(*Entry) bool) error {
	order := make([]int, len(r.Entries))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		fa, fb := slices.Contains(first, r.Entries[a].Name), slices.Contains(first, r.Entries[b].Name)
		switch {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		return cmpOffset(r.Entries[a].HeaderOffset, r.Entries[b].HeaderOffset)
	})
	for _, idx := range order {
		e := r.Entries[idx]
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasSuffix(e.Name, "/") && e.CompressedSize == 0 && e.UncompressedSize == 0 {
			continue
		}
		if skip != nil && skip(e) {
			if err := r.verify(ctx, idx, s); err != nil {
				return err
			}
			continue
		}
		name := formats.DisplayName(e.Name)
		if err := s.Scan(ctx, e.Input(name)); err != nil {
			return fmt.Errorf("scan member %q: %w", name, err)
		}
		if err := r.verify(ctx, idx, s); err != nil {
			return err
		}
	}
	return nil
}

func cmpOffset(a, b int64) int {
	switch {
	case a < 0 && b >= 0:
		return 1
	case b < 0 && a >= 0:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r *Reader) verify(ctx context.Context, idx int, s formats.Scope) error {
	e := r.Entries[idx]
	if e.encryption != "" {
		// What was read deciding the encryption is ciphertext: its CRC
		// and size say nothing about the member.
		return nil
	}
	crc, n, ok := e.Checked()
	if !ok && e.err == nil && e.Method == Store && !s.Limits().Quick {
		rc, err := e.Open()
		if err != nil {
			return fmt.Errorf("check CRC of %q: %w", e.Name, err)
		}
		// Large reads: io.Discard's ReadFrom would read in 8 KiB steps,
		// one system call each on a local file; but no larger than the
		// entry, as an archive of many small entries would spend its time
		// clearing buffers.
		buf := make([]byte, max(min(e.UncompressedSize, e.CompressedSize, 1<<20), 512))
		_, err = io.CopyBuffer(struct{ io.Writer }{io.Discard}, &ctxReader{ctx: ctx, r: rc}, buf)
		rc.Close()
		if err != nil {
			return fmt.Errorf("check CRC of %q: %w", e.Name, err)
		}
		crc, n, ok = e.Checked()
	}
	if !ok {
		return nil
	}
	if crc != e.CRC32 {
		s.Report(r.Finding(Anomaly{Kind: CRCMismatch, Offset: e.at(), Entry: idx,
			Message: fmt.Sprintf("entry %q: data has CRC-32 %08x, headers say %08x", e.Name, crc, e.CRC32)}))
	}
	if uint64(n) != e.UncompressedSize {
		s.Report(r.Finding(Anomaly{Kind: SizeMismatch, Offset: e.at(), Entry: idx,
			Message: fmt.Sprintf("entry %q: data is %d bytes, headers say %d", e.Name, n, e.UncompressedSize)}))
	}
	return nil
}

// ctxReader stops a long read when the scan is canceled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

package zip

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Kind classifies an anomaly: something in the archive's structure that
// lets two readers, or a reader and a scanner, see different contents.
type Kind uint8

// Anomaly kinds. Each maps to one rule of the zip analyzer.
const (
	NameMismatch      Kind = iota + 1 // local header disagrees with the central directory
	DuplicateName                     // two entries share a name
	Overlap                           // two entries, or an entry and a directory record, share bytes
	PrefixData                        // bytes before the first entry
	TrailingData                      // bytes after the end record
	HiddenData                        // bytes between records that nothing accounts for
	MultipleEnds                      // more than one end-of-central-directory record
	UnsafePath                        // a name that escapes the extraction root
	OddPath                           // a name with backslashes, control characters or excessive length
	FlagBits                          // encryption or patch flag bits
	CRCMismatch                       // the data does not match its CRC-32
	UnsupportedMethod                 // a compression method this reader cannot read
	SizeMismatch                      // declared counts, sizes or offsets disagree with the bytes
	LocalOnly                         // an entry only a local header lists
	SpecialFile                       // a symlink, device, FIFO or socket entry
	NoEnd                             // no usable end-of-central-directory record
	DirectoryData                     // an entry miniz takes for a directory holds data
)

var kindNames = map[Kind]string{
	NameMismatch: "name-mismatch", DuplicateName: "duplicate-name", Overlap: "overlap",
	PrefixData: "prefix-data", TrailingData: "trailing-data", HiddenData: "hidden-data",
	MultipleEnds: "multiple-end-records", UnsafePath: "unsafe-path", OddPath: "odd-path",
	FlagBits: "flag-bits", CRCMismatch: "crc-mismatch", UnsupportedMethod: "unsupported-method",
	SizeMismatch: "size-mismatch", LocalOnly: "local-only-entry", SpecialFile: "special-file", NoEnd: "no-end-record",
	DirectoryData: "directory-with-data",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Anomaly is one structural irregularity.
type Anomaly struct {
	Kind Kind
	// Offset is the byte in the archive it concerns, or formats.NoOffset.
	Offset int64
	// Entry indexes Reader.Entries, or is -1 when no single entry is meant.
	Entry   int
	Message string
}

// maxPerKind bounds how many anomalies of one kind are kept: a hostile
// archive of a million overlapping entries needs one finding, not a million.
const maxPerKind = 32

func (r *Reader) note(a Anomaly) {
	r.kindCount[a.Kind]++
	if r.kindCount[a.Kind] <= maxPerKind {
		r.Anomalies = append(r.Anomalies, a)
	}
}

// summarize adds one anomaly per kind that overflowed its cap.
func (r *Reader) summarize() {
	kinds := make([]Kind, 0, len(r.kindCount))
	for k, n := range r.kindCount {
		if n > maxPerKind {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		r.Anomalies = append(r.Anomalies, Anomaly{Kind: k, Offset: -1, Entry: -1,
			Message: fmt.Sprintf("%d more %s anomalies not listed", r.kindCount[k]-maxPerKind, k)})
	}
}

func (e *Entry) at() int64 {
	if e.HeaderOffset >= 0 {
		return e.HeaderOffset
	}
	return e.DirOffset
}

// checkNames reports duplicate and unsafe names, flag bits, special files
// and unknown methods.
func (r *Reader) checkNames() {
	seen := make(map[string]int, len(r.Entries))
	for i, e := range r.Entries {
		if j, dup := seen[e.Name]; dup {
			r.note(Anomaly{Kind: DuplicateName, Offset: e.at(), Entry: i,
				Message: fmt.Sprintf("name %q is used by entry %d and entry %d", e.Name, j, i)})
		} else {
			seen[e.Name] = i
		}
		names := []string{e.Name}
		if e.LocalName != e.Name && e.headerOK {
			names = append(names, e.LocalName)
		}
		for _, n := range names {
			if why, severe := formats.CheckMemberPath(n); why != "" {
				k := OddPath
				if severe {
					k = UnsafePath
				}
				r.note(Anomaly{Kind: k, Offset: e.at(), Entry: i, Message: fmt.Sprintf("entry name %q: %s", n, why)})
			}
		}
		// A really encrypted entry is unreadable, not a disguise: the
		// engine reports it inconclusive through its Input.
		if f := (e.Flags|e.LocalFlags)&(FlagEncrypted|FlagPatched|FlagStrongEncrypted) | e.Flags&FlagMasked; f != 0 && e.encryption == "" {
			r.note(Anomaly{Kind: FlagBits, Offset: e.at(), Entry: i,
				Message: fmt.Sprintf("entry %q has flag bits %#x set (%s)", e.Name, f, flagNames(f))})
		}
		if m, ok := e.UnixMode(); ok && m.Type()&^fs.ModeDir != 0 {
			r.note(Anomaly{Kind: SpecialFile, Offset: e.at(), Entry: i,
				Message: fmt.Sprintf("entry %q has Unix mode %v", e.Name, m)})
		}
		// miniz, PyTorch's zip reader, takes an entry whose name ends in
		// '/' or whose MS-DOS attributes carry the directory bit for a
		// directory and extracts nothing from it (torch.load then reads an
		// uninitialised buffer), while Python's zipfile and this reader
		// read the stored bytes.
		// Only the declared uncompressed size counts: writers deflate
		// empty directory entries to two bytes, and a size that the data
		// does not match is MG212.
		if (strings.HasSuffix(e.Name, "/") || e.ExternalAttrs&dosDirectory != 0) && e.UncompressedSize > 0 {
			r.note(Anomaly{Kind: DirectoryData, Offset: e.at(), Entry: i,
				Message: fmt.Sprintf("entry %q is a directory to miniz (PyTorch) but holds %d bytes that other readers read", e.Name, e.UncompressedSize)})
		}
		if !e.Supported() && e.encryption == "" {
			r.note(Anomaly{Kind: UnsupportedMethod, Offset: e.at(), Entry: i,
				Message: fmt.Sprintf("entry %q uses compression method %d, which cannot be scanned", e.Name, e.Method)})
		}
	}
}

// dosDirectory is the MS-DOS directory attribute in an entry's external
// attributes (MZ_ZIP_DOS_DIR_ATTRIBUTE_BITFLAG in miniz).
const dosDirectory = 0x10

func flagNames(f uint16) string {
	var out []string
	if f&FlagEncrypted != 0 {
		out = append(out, "encrypted")
	}
	if f&FlagPatched != 0 {
		out = append(out, "patched data")
	}
	if f&FlagStrongEncrypted != 0 {
		out = append(out, "strong encryption")
	}
	if f&FlagMasked != 0 {
		out = append(out, "masked local header")
	}
	return strings.Join(out, ", ")
}

type span struct {
	start, end int64
	what       string
}

// checkLayout maps every byte of the archive to the record that owns it and
// reports overlaps, unowned bytes, and end records other than the one used.
func (r *Reader) checkLayout(ends []int64) {
	var spans []span
	var data []span // entry data ranges, for recognising nested archives
	for _, e := range r.Entries {
		if !e.headerOK {
			continue
		}
		end := e.end
		if e.short {
			// Its declared data runs past the end of the file, across
			// everything after it; that is reported once, as a size.
			end = e.DataOffset
		}
		spans = append(spans, span{e.HeaderOffset, max(end, e.HeaderOffset+localLen), fmt.Sprintf("entry %q", e.Name)})
		data = append(data, span{e.DataOffset, e.DataOffset + e.avail, e.Name})
	}
	if r.End >= 0 {
		spans = append(spans, span{r.dirStart, r.dirEnd, "the central directory"}, span{r.End, r.endEnd, "the end record"})
		if r.end64 >= 0 {
			spans = append(spans, span{r.end64, r.end64 + end64Len, "the zip64 end record"},
				span{r.End - locatorLen, r.End, "the zip64 locator"})
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var reach int64
	owner := ""
	for _, s := range spans {
		switch {
		case s.start < reach:
			r.note(Anomaly{Kind: Overlap, Offset: s.start, Entry: -1,
				Message: fmt.Sprintf("%s overlaps %s", s.what, owner)})
		case s.start > reach && reach == 0:
			r.Prefix = s.start
			r.note(Anomaly{Kind: PrefixData, Offset: 0, Entry: -1,
				Message: fmt.Sprintf("%d bytes before the first entry", s.start)})
		case s.start > reach && r.zeros(reach, s.start):
			// Alignment padding (zipalign puts each entry's data on a
			// 64 KiB boundary): zero bytes hide no record.
		case s.start > reach:
			r.note(Anomaly{Kind: HiddenData, Offset: reach, Entry: -1,
				Message: fmt.Sprintf("%d bytes between %s and %s belong to no record", s.start-reach, owner, s.what)})
		}
		if s.end > reach {
			reach, owner = s.end, s.what
		}
	}
	if reach < r.size && len(spans) > 0 {
		r.note(Anomaly{Kind: TrailingData, Offset: reach, Entry: -1,
			Message: fmt.Sprintf("%d bytes after %s", r.size-reach, owner)})
	}
	r.checkEnds(ends, data)
	r.summarize()
}

// maxZeroGap bounds the gap between records that is read to see whether
// it is padding; alignments are at most a few pages in practice.
const maxZeroGap = 16 << 20

// zeros reports whether bytes [from, to) of the archive are all zero. A
// gap over maxZeroGap, or one that cannot be read, is not.
func (r *Reader) zeros(from, to int64) bool {
	if to-from > maxZeroGap {
		return false
	}
	buf := make([]byte, min(to-from, 64<<10))
	for off := from; off < to; {
		n := min(int64(len(buf)), to-off)
		if _, err := r.ra.ReadAt(buf[:n], off); err != nil {
			return false
		}
		for _, c := range buf[:n] {
			if c != 0 {
				return false
			}
		}
		off += n
	}
	return true
}

// checkEnds reports end-record signatures other than the one used, except
// those inside an entry's data (a stored nested archive) or inside the
// central directory.
func (r *Reader) checkEnds(ends []int64, data []span) {
	sort.Slice(data, func(i, j int) bool { return data[i].start < data[j].start })
	reach := make([]int64, len(data)) // the furthest end among data[:i+1]
	for i, d := range data {
		reach[i] = d.end
		if i > 0 {
			reach[i] = max(reach[i], reach[i-1])
		}
	}
	inData := func(off int64) bool {
		i := sort.Search(len(data), func(i int) bool { return data[i].start > off }) - 1
		return i >= 0 && reach[i] > off
	}
	for _, c := range ends {
		if c == r.End || r.End >= 0 && c >= r.dirStart && c < r.dirEnd || inData(c) {
			continue
		}
		r.note(Anomaly{Kind: MultipleEnds, Offset: c, Entry: -1,
			Message: fmt.Sprintf("another end-of-central-directory record at %d (the one read is at %d)", c, r.End)})
	}
}

package pytorch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle"
)

// zipLayout is a torch.save or torch.jit.save archive, seen through the
// zip's members. The members themselves (data.pkl, constants.pkl, ...) are
// analyzed one by one by the engine; this checks how they fit together.
type zipLayout struct{}

// Match reports a member at <root>/data.pkl, which every zip checkpoint
// has (TorchScript archives too). torch's reader (miniz's
// mz_zip_reader_locate_file without MZ_ZIP_FLAG_CASE_SENSITIVE) finds
// records whatever their case, so names are compared case-folded
// throughout this layout.
func (zipLayout) Match(names []string) bool {
	for _, n := range names {
		if dir, base, ok := strings.Cut(n, "/"); ok && dir != "" && equalFoldASCII(base, "data.pkl") {
			return true
		}
	}
	return false
}

// DataFiles implements formats.DataLister: torch.load reads the
// data/<key> records data.pkl declares, torch.jit.load the
// constants/<key> records constants.pkl declares, and the lite interpreter
// the records bytecode.pkl declares (see scriptArchives), as the raw bytes
// of tensor storages; none of them unpickles those records.
func (zipLayout) DataFiles(ctx context.Context, t formats.Tree, s formats.Scope) map[string]string {
	names := t.Names()
	if len(names) == 0 {
		return nil
	}
	root, _, _ := strings.Cut(names[0], "/")
	prefix := root + "/"
	idx := indexNames(names)
	out := map[string]string{}
	archives := append([]tensorArchive{{"data.pkl", "data/", "PyTorch tensor storage "}}, scriptArchives(prefix, names)...)
	for _, rec := range archives {
		member := lookupFold(names, prefix+rec.pkl)
		if !slices.Contains(names, member) {
			continue
		}
		decl, ok, _ := declaredStorages(ctx, t, member, s)
		if !ok {
			continue
		}
		for k := range decl {
			if !storageKey(k) {
				continue
			}
			if n := idx.lookupFold(prefix + rec.dir + k); idx.has(n) && !npyMagic(t, n) {
				out[n] = rec.what + k
			}
		}
	}
	return out
}

// storageKey reports whether a declared storage's key is a decimal
// number, as torch.save and torch.jit.save name every storage. Only those
// records are vouched for: a key such as "0.npy" names a record that other
// loaders read by its name (np.load unpickles an object array in
// archive/data/0.npy of the same zip), so it is analyzed as any member.
func storageKey(k string) bool {
	if k == "" || len(k) > 20 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	return true
}

// npyMagic reports whether a record begins with the NumPy magic, or cannot
// be opened or read (a record shorter than the magic was read): np.load of
// the same zip as an npz reads any member that begins with it as an array,
// whatever its name, and unpickles an object array under allow_pickle.
// Such a record is analyzed, not vouched for.
func npyMagic(t formats.Tree, name string) bool {
	in, err := t.Open(name)
	if err != nil {
		return true
	}
	rc, err := in.Open()
	if err != nil {
		return true
	}
	defer rc.Close()
	var b [6]byte
	n, err := io.ReadFull(rc, b[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		// Bytes not read are not known to be raw: an origin that fails
		// this one read and serves the record again to the hash would
		// have its magic go unseen.
		return true
	}
	return string(b[:n]) == "\x93NUMPY"
}

// Declarers implements formats.DataDeclarer: DataFiles reads data.pkl,
// constants.pkl and bytecode.pkl.
func (zipLayout) Declarers(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	root, _, _ := strings.Cut(names[0], "/")
	var out []string
	for _, pkl := range []string{"data.pkl", "constants.pkl", "bytecode.pkl"} {
		if member := lookupFold(names, root+"/"+pkl); slices.Contains(names, member) {
			out = append(out, member)
		}
	}
	return out
}

// maxRecord bounds what is read of small records (version, byteorder) and
// of each TorchScript source file.
const (
	maxRecord = 64
	maxSource = 16 << 20
)

func (zipLayout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	// torch reads every record under the folder of the archive's first
	// entry, as miniz lists them.
	root, _, _ := strings.Cut(names[0], "/")
	prefix := root + "/"
	roots := map[string]bool{}
	for _, n := range names {
		if dir, base, ok := strings.Cut(n, "/"); ok && equalFoldASCII(base, "data.pkl") {
			roots[foldASCII(dir)] = true
		}
		if !hasPrefixFold(n, prefix) {
			s.Report(formats.NewFinding(RuleOutsideRoot, formats.NoOffset,
				"member %q is outside the checkpoint root %q that torch.load reads", n, root).In(n))
		}
	}
	if !roots[foldASCII(root)] {
		s.Report(formats.NewFinding(RuleLayout, formats.NoOffset, "no %sdata.pkl: torch.load finds no model in this archive", prefix))
		return nil
	}
	if len(roots) > 1 {
		s.Report(formats.NewFinding(RuleLayout, formats.NoOffset,
			"%d folders hold a data.pkl; torch.load reads only %q, other tools may read another", len(roots), root))
	}
	var errs []error
	if err := checkRecords(t, prefix, names, s); err != nil {
		errs = append(errs, err)
	}
	if err := checkStorageRecords(ctx, t, prefix, names, s); err != nil {
		errs = append(errs, err)
	}
	if err := markConstants(ctx, t, prefix, names, s); err != nil {
		errs = append(errs, err)
	}
	if err := checkTorchScript(ctx, t, prefix, names, s); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// readSmall reads a whole member of at most max bytes.
func readSmall(t formats.Tree, name string, max int64) ([]byte, error) {
	in, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	rc, err := in.Open()
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, &formats.ReadError{Err: fmt.Errorf("read %s: %w", name, err)}
	}
	if int64(len(b)) > max {
		return nil, &formats.LimitError{Limit: "pytorch-record-bytes", Max: max}
	}
	return b, nil
}

// checkRecords checks the byteorder and version records.
func checkRecords(t formats.Tree, prefix string, names []string, s formats.Scope) error {
	if slices.Contains(names, prefix+"byteorder") {
		b, err := readSmall(t, prefix+"byteorder", maxRecord)
		if err != nil {
			return err
		}
		if v := string(b); v != "little" && v != "big" {
			s.Report(formats.NewFinding(RuleRecord, formats.NoOffset, "byteorder record is %q, not little or big", v).In(prefix + "byteorder"))
		}
	}
	for _, rec := range []string{"version", ".data/version"} {
		if !slices.Contains(names, prefix+rec) {
			continue
		}
		b, err := readSmall(t, prefix+rec, maxRecord)
		if err != nil {
			return err
		}
		if !versionRecord.Match(b) {
			s.Report(formats.NewFinding(RuleRecord, formats.NoOffset, "%s record is %q, not a version number", rec, b).In(prefix + rec))
		}
	}
	return nil
}

// declaredStorages returns the storages a pickle member declares by
// persistent ID, or ok false when the pickle does not read (the engine
// reports its error when it analyzes the member itself). It uses what the
// member's own analysis kept when there is that, and parses the member
// otherwise (a tree whose files were not analyzed through s).
func declaredStorages(ctx context.Context, t formats.Tree, member string, s formats.Scope) (decl map[string]storage, ok bool, err error) {
	if v, kept := formats.Kept(s, member, pickle.KeptPersistentIDs); kept {
		if ids, isIDs := v.([]pickle.PersistentID); isIDs {
			decl = map[string]storage{}
			for _, id := range ids {
				declared(id.Offset, id.ID, decl)
			}
			return decl, true, nil
		}
	}
	in, err := t.Open(member)
	if err != nil {
		return nil, false, err
	}
	rc, err := in.Open()
	if err != nil {
		return nil, false, &formats.ReadError{Err: err}
	}
	defer rc.Close()
	decl = map[string]storage{}
	opt := pickle.Options{Multiple: false}
	opt.Hooks.OnPersistentID = func(off int64, pid pickle.Value) error {
		declared(off, pid, decl)
		return nil
	}
	if _, err := pickle.Scan(ctx, bufio.NewReader(rc), formats.Discard{Lim: s.Limits()}, opt); err != nil {
		return nil, false, nil
	}
	return decl, true, nil
}

// tensorArchive is a pickle of a PyTorch archive whose persistent IDs
// name tensor storages, the folder the loader reads them from, and how a
// vouched record is described.
type tensorArchive struct{ pkl, dir, what string }

// scriptArchives are the TorchScript pickles whose storages the loaders
// read as raw bytes: torch.jit.load reads constants.pkl's from
// constants/, and the lite interpreter (_load_for_mobile) reads
// bytecode.pkl's from bytecode/ when any record's name contains
// "bytecode/", and from constants/ otherwise (mobile/import.cpp,
// isTensorInBytecodeArchive), which is where _save_for_lite_interpreter
// writes the tensors constants.pkl does not already hold.
func scriptArchives(prefix string, names []string) []tensorArchive {
	dir := "constants/"
	for _, n := range names {
		if strings.Contains(strings.TrimPrefix(n, prefix), "bytecode/") {
			dir = "bytecode/"
			break
		}
	}
	return []tensorArchive{
		{"constants.pkl", "constants/", "TorchScript constant storage "},
		{"bytecode.pkl", dir, "TorchScript mobile bytecode storage "},
	}
}

// markConstants vouches for the records a TorchScript archive's
// constants.pkl and bytecode.pkl declare (see scriptArchives): the loaders
// read them as the raw bytes of tensor storages.
func markConstants(ctx context.Context, t formats.Tree, prefix string, names []string, s formats.Scope) error {
	idx := indexNames(names)
	for _, a := range scriptArchives(prefix, names) {
		member := lookupFold(names, prefix+a.pkl)
		if !slices.Contains(names, member) {
			continue
		}
		decl, ok, err := declaredStorages(ctx, t, member, s)
		if !ok {
			if err != nil {
				return err
			}
			continue
		}
		for k := range decl {
			if rec := prefix + a.dir + k; idx.has(rec) {
				formats.MarkData(s, rec, a.what+k)
			}
		}
	}
	return nil
}

// checkStorageRecords compares the storages data.pkl declares with the
// data/<key> records present.
func checkStorageRecords(ctx context.Context, t formats.Tree, prefix string, names []string, s formats.Scope) error {
	decl, ok, err := declaredStorages(ctx, t, lookupFold(names, prefix+"data.pkl"), s)
	if !ok {
		return err
	}
	keys := make([]string, 0, len(decl))
	for k := range decl {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	idx := indexNames(names)
	for _, k := range keys {
		st := decl[k]
		rec := prefix + "data/" + k
		member := prefix + "data.pkl"
		if !idx.has(rec) {
			s.Report(formats.NewFinding(RuleMissingStorage, st.offset, "tensor storage %q has no %s record", k, rec).In(member).With("key", k))
			continue
		}
		// torch.load reads the record as the storage's raw bytes.
		formats.MarkData(s, rec, "PyTorch tensor storage "+k)
		size, known := elementSize[st.typ]
		if !known {
			continue
		}
		r, err := t.Open(rec)
		if err != nil {
			return err
		}
		if want := st.numel * size; r.Size >= 0 && r.Size != want {
			s.Report(formats.NewFinding(RuleStorageSize, st.offset,
				"storage %q declares %d %s elements (%d bytes), its record holds %d bytes", k, st.numel, st.typ, want, r.Size).
				In(member).With("key", k))
		}
	}
	for _, n := range names {
		if key, ok := strings.CutPrefix(n, prefix+"data/"); ok && !strings.Contains(key, "/") {
			if _, used := decl[key]; !used {
				s.Report(formats.NewFinding(RuleUnusedStorage, formats.NoOffset, "storage record %s is not used by data.pkl", n).In(n))
			}
		}
	}
	return nil
}

var versionRecord = regexp.MustCompile(`^[0-9]{1,4}\n?$`)

// hasPrefixFold is strings.HasPrefix under ASCII case folding, as torch's
// zip reader compares record names.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

// equalFoldASCII compares as miniz's mz_zip_filename_compare does: bytes,
// with A-Z folded to a-z and nothing else.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lookupFold returns the member torch opens for name: the first whose name
// equals it case-folded, or name itself when none does.
func lookupFold(names []string, name string) string {
	if slices.Contains(names, name) {
		return name
	}
	for _, n := range names {
		if equalFoldASCII(n, name) {
			return n
		}
	}
	return name
}

// nameIndex answers what slices.Contains and lookupFold do over a tree's
// names in constant time: a state_dict declares up to hundreds of
// thousands of storages, each looked up by name.
type nameIndex struct {
	exact map[string]bool
	fold  map[string]string // folded name to the first name that folds to it
}

func indexNames(names []string) nameIndex {
	x := nameIndex{exact: make(map[string]bool, len(names)), fold: make(map[string]string, len(names))}
	for _, n := range names {
		x.exact[n] = true
		if f := foldASCII(n); x.fold[f] == "" {
			x.fold[f] = n
		}
	}
	return x
}

func (x nameIndex) has(name string) bool { return x.exact[name] }

// lookupFold is lookupFold over the indexed names.
func (x nameIndex) lookupFold(name string) string {
	if x.exact[name] {
		return name
	}
	if n, ok := x.fold[foldASCII(name)]; ok {
		return n
	}
	return name
}

func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}

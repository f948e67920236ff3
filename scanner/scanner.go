// Package scanner is the scan pipeline: it walks a Source, identifies each
// file by its bytes, dispatches it to the analyzers registered with package
// formats (following container members back through the same registry,
// under one set of caps), hashes every file in the same read pass, and
// produces a Report with one outcome per file. It never loads or executes
// a model, and it never reports a file it could not fully read as clean.
package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/inert"
	"github.com/modelgate/modelgate/formats/pickle"
	"github.com/modelgate/modelgate/formats/pickle/globals"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// Options configure a scan.
type Options struct {
	// Jobs is how many files are scanned at once; 0 means one per CPU.
	Jobs int
	// FailOn is the lowest severity that fails the scan (exit code 1).
	FailOn formats.Severity
	// Limits bound the work per file; the zero value means DefaultLimits.
	Limits formats.Limits
	// Progress, if set, receives running totals as files complete.
	Progress func(Progress)
	// Version is recorded in the report's tool field.
	Version string
	// Quick is a structure-only scan: files are read only where the
	// analyzers need (headers, zip directories, pickles), never to hash
	// or CRC-check tensor data. A file's SHA-256 is then the digest its
	// origin states, or not computed (FileResult.SHA256NotComputed).
	Quick bool
	// PickleEcosystems are the pickle allowlist ecosystems that count
	// (a policy's pickle.ecosystems); the zero value counts every one.
	PickleEcosystems globals.Selection
	// Cache, when set, answers for a file whose SHA-256 (the origin's, or
	// computed for a local file) was scanned before under the same
	// CacheVersion, AnalyzersVersion, limits and ecosystems, and keeps
	// each new complete result.
	Cache ResultCache
	// CacheVersion is what else results depend on, as the caller knows
	// it: the build (module version, VCS revision) and the policy.
	CacheVersion string
}

// Progress is a running total of a scan.
type Progress struct {
	Files, Done int
	Bytes       int64 // bytes of completed files
}

// Target is a named Source: what the user asked to scan.
type Target struct {
	Name   string
	Source fetch.Source
}

// Scan scans every file of every target and returns the report. It
// returns an error only when ctx is cancelled; failures to read a target
// or a file are recorded in the report and make it inconclusive.
func Scan(ctx context.Context, targets []Target, opts Options) (*Report, error) {
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.Limits == (formats.Limits{}) {
		opts.Limits = formats.DefaultLimits()
	}
	opts.Limits.Quick = opts.Quick
	// Formats are reached through the registry; the context is how the
	// selection reaches the pickle analyzers of every file and member.
	ctx = globals.WithSelection(ctx, opts.PickleEcosystems)
	rep := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "modelgate", Version: opts.Version},
		StartedAt:     time.Now().UTC(),
		FailOn:        opts.FailOn,
	}

	var files []fetch.File
	spans := make([][2]int, len(targets)) // each target's files in files
	for ti, t := range targets {
		rep.Targets = append(rep.Targets, t.Name)
		if ref := fetch.PinnedRef(t.Source); ref != "" {
			if rep.Pinned == nil {
				rep.Pinned = map[string]string{}
			}
			rep.Pinned[t.Name] = ref
		}
		spans[ti][0] = len(files)
		err := t.Source.Walk(ctx, func(f fetch.File) error {
			files = append(files, f)
			return nil
		})
		spans[ti][1] = len(files)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", t.Name, err))
		}
	}

	rep.Files = make([]FileResult, len(files))
	var total int64
	for _, f := range files {
		total += f.Size
	}
	var done atomic.Int64
	var doneBytes atomic.Int64
	// small holds the bytes of the small files, as their scan read them,
	// for the layouts that read them again (an LFS pointer check).
	small := make([][]byte, len(files))
	var smallBudget atomic.Int64
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Jobs, max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rep.Files[i], small[i] = scanFile(ctx, files[i], opts, &smallBudget)
				n := done.Add(1)
				b := doneBytes.Add(files[i].Size)
				if opts.Progress != nil {
					opts.Progress(Progress{Files: len(files), Done: int(n), Bytes: b})
				}
			}
		}()
	}
	for i := range files {
		select {
		case work <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for ti, t := range targets {
		lo, hi := spans[ti][0], spans[ti][1]
		if extra := scanTree(ctx, t.Name, files[lo:hi], rep.Files[lo:hi], small[lo:hi], opts.Limits); extra != nil {
			rep.Files = append(rep.Files, *extra)
		}
	}
	rep.Duration = time.Since(rep.StartedAt)
	rep.summarize()
	return rep, nil
}

// Files of at most maxSmallFile bytes, up to maxSmallFiles bytes of them
// in one scan, are kept as the scan read them for the layouts, which
// would otherwise read them again (DESIGN.md: one read pass per file):
// an LFS pointer is at most 1 KiB.
const (
	maxSmallFile  = 1 << 10
	maxSmallFiles = 16 << 20
)

// smallReaderAt keeps the bytes of a small file when one read returns
// them all.
type smallReaderAt struct {
	ra     io.ReaderAt
	size   int64
	budget *atomic.Int64
	mu     sync.Mutex
	kept   []byte
}

func (s *smallReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.ra.ReadAt(p, off)
	if off == 0 && int64(n) == s.size {
		s.mu.Lock()
		if s.kept == nil && s.budget.Add(int64(n)) <= maxSmallFiles {
			s.kept = slices.Clone(p[:n])
		}
		s.mu.Unlock()
	}
	return n, err
}

func (s *smallReaderAt) bytes() []byte {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kept
}

// scanFile scans one top-level file. It returns the bytes of a small
// file as the scan read them, or nil.
func scanFile(ctx context.Context, f fetch.File, opts Options, budget *atomic.Int64) (FileResult, []byte) {
	res, small := scanFileKeeping(ctx, f, opts, budget)
	return res, small.bytes()
}

func scanFileKeeping(ctx context.Context, f fetch.File, opts Options, budget *atomic.Int64) (FileResult, *smallReaderAt) {
	lim, quick := opts.Limits, opts.Quick
	res := FileResult{Path: f.Path, Size: f.Size, Findings: []formats.Finding{}}
	switch {
	case f.Err != nil:
		res.Outcome, res.Reason, res.Error = Inconclusive, "read-error", f.Err.Error()
		if errors.As(f.Err, new(*fetch.NotReadError)) {
			res.Reason = "unsupported"
		}
		return res, nil
	case f.Skip != "":
		res.Outcome, res.Note = Skipped, f.Skip
		return res, nil
	}
	cache := newFileCache(f, opts)
	if cache != nil {
		if res, ok := cache.lookup(ctx, quick); ok {
			return res, nil
		}
	}
	unchanged := stampGuard(f)
	rc, err := f.Open(ctx)
	if err != nil {
		res.Outcome, res.Reason, res.Error = Inconclusive, "read-error", err.Error()
		return res, nil
	}
	defer rc.Close()
	var ra io.ReaderAt = rc
	var small *smallReaderAt
	if f.Size > 0 && f.Size <= maxSmallFile {
		small = &smallReaderAt{ra: rc, size: f.Size, budget: budget}
		ra = small
	}

	fs := &fileScan{limits: lim, root: f.Path}
	if quick {
		// Structure only: the analyzers read what they need and nothing
		// is read to hash the rest.
		res.Formats = fs.analyze(ctx, formats.NewInput(f.Rel, ra, f.Size), f.Path, 0)
		if err := unchanged(); err != nil {
			fs.fail(f.Path, err)
		}
		if hex, ok := strings.CutPrefix(f.Digest, "sha256:"); ok {
			res.SHA256, res.SHA256FromOrigin = hex, true
		} else {
			res.SHA256NotComputed = NotComputedQuick
		}
		return cache.keep(fs.result(res)), small
	}
	hr := newHashingReaderAt(ra, f.Size)
	res.Formats = fs.analyze(ctx, formats.NewInput(f.Rel, hr, f.Size), f.Path, 0)
	if sum, herr := hr.Sum(); herr != nil {
		fs.fail(f.Path, &formats.ReadError{Err: herr})
	} else {
		res.SHA256 = sum
		if f.Digest != "" && f.Digest != "sha256:"+sum {
			fs.report(f.Path, formats.NewFinding(RuleDigestMismatch, formats.NoOffset,
				"content does not match the digest its origin states (%s)", f.Digest).With("sha256", sum))
		}
	}
	if err := unchanged(); err != nil {
		fs.fail(f.Path, err)
	}
	return cache.keep(fs.result(res)), small
}

// stampGuard takes the stamp of a local file before its scan reads it, and
// returns a check that fails when the file was written to since (or can no
// longer be stamped): the analyzers re-read heads and directories that the
// hash does not see again, so the verdict may concern other bytes than
// those the reported sha256 covers. A file without stamps passes.
func stampGuard(f fetch.File) func() error {
	if f.Stamp == nil {
		return func() error { return nil }
	}
	before, err := f.Stamp()
	if err != nil {
		return func() error { return nil }
	}
	return func() error {
		after, err := f.Stamp()
		if err == nil && after == before {
			return nil
		}
		return &formats.ReadError{Err: errors.Join(errors.New("the file changed while it was scanned"), err)}
	}
}

// result completes res with what the scan of its file found.
func (fs *fileScan) result(res FileResult) FileResult {
	if unknown := fs.failUnknownMembers(); len(unknown) > 0 && len(unknown) == len(fs.failedAt) {
		// Nothing else went wrong: a policy may accept these members.
		res.UnidentifiedMembers = unknown
		for _, l := range fs.failedAt {
			if !slices.Contains(unknown, l) {
				res.UnidentifiedMembers = nil
				break
			}
		}
	}
	res.Findings = append(res.Findings, fs.findings...)
	sortFindings(res.Findings)
	res.Members = int(fs.members.Load())
	res.Unidentified = fs.unidentified
	switch {
	case fs.err != nil:
		res.Outcome, res.Reason, res.Error = Inconclusive, formats.Reason(fs.err), fs.err.Error()
	case len(res.Findings) > 0:
		res.Outcome = Findings
	case fs.inert != "":
		res.Outcome, res.Note = Skipped, InertNote+fs.inert
	default:
		res.Outcome = Clean
	}
	return res
}

// fileScan is the state shared by a top-level file and all its members:
// the findings, the first error, and the budgets the caps draw on.
type fileScan struct {
	limits       formats.Limits
	root         string
	mu           sync.Mutex
	findings     []formats.Finding
	err          error
	failedAt     []string          // locations of every error, first to last
	inert        string            // what the top-level file was identified as, when inert
	unidentified bool              // the top-level file's bytes match no known format
	checked      map[string]bool   // tree members a layout parsed and checked
	data         map[string]string // tree members a layout identified as data of a model, and as what
	vouched      map[string]bool   // container members (by location) their container's format reads or checked
	pending      []unknownMember   // container members whose bytes match no format and are not inert
	kept         map[keptAt]kept   // what analyses kept for layouts (formats.Keeper)
	members      atomic.Int64
	decompressed atomic.Int64
}

func (fs *fileScan) report(loc string, f formats.Finding) {
	f.Location = loc
	if f.Offset >= 0 {
		f.Location = fmt.Sprintf("%s@%d", loc, f.Offset)
	}
	fs.mu.Lock()
	fs.findings = append(fs.findings, f)
	fs.mu.Unlock()
}

// fail records the first error; later ones add nothing a user can act on
// beyond where they happened.
func (fs *fileScan) fail(loc string, err error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.failedAt = append(fs.failedAt, loc)
	if fs.err == nil {
		if loc != fs.root {
			err = &locatedError{loc: loc, err: err}
		}
		fs.err = err
	}
}

// troubleUnder reports whether the input at loc, or anything nested in
// it, has a finding above info or could not be fully read.
func (fs *fileScan) troubleUnder(loc string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.findings {
		if f.Severity > formats.Info && within(f.Location, loc) {
			return true
		}
	}
	for _, l := range fs.failedAt {
		if within(l, loc) {
			return true
		}
	}
	return false
}

// within reports whether location l is loc itself, an offset in it or a
// member nested in it.
func within(l, loc string) bool {
	rest, ok := strings.CutPrefix(l, loc)
	return ok && (rest == "" || rest[0] == '@' || rest[0] == '!' || rest[0] == '/')
}

type locatedError struct {
	loc string
	err error
}

func (e *locatedError) Error() string { return e.loc + ": " + e.err.Error() }
func (e *locatedError) Unwrap() error { return e.err }

// analyze sniffs in and runs the analyzer of every format it can be read
// as. It returns the formats found.
func (fs *fileScan) analyze(ctx context.Context, in *formats.Input, loc string, depth int) []string {
	if path.Base(in.Name) == PolicyFileName {
		fs.report(loc, formats.NewFinding(RulePolicyInTarget, formats.NoOffset,
			"gate policy file inside the scanned target: a policy is never applied from a target, only from --policy or the working directory"))
	}
	if in.Size == 0 {
		if depth == 0 {
			fs.inert = "empty file"
		}
		return nil
	}
	head, err := formats.ReadHead(in)
	if err != nil {
		fs.fail(loc, err)
		return nil
	}
	kinds := formats.Sniff(head)
	var disguise []formats.Finding
	for _, f := range checkExtension(in.Name, kinds) {
		if f.Rule == RuleDisguised {
			disguise = append(disguise, f)
			continue
		}
		fs.report(loc, f)
	}
	// A disguise is judged by what the content turned out to be, so it is
	// reported once the content and everything nested in it are analyzed.
	if len(disguise) > 0 {
		defer func() {
			hidden := fs.troubleUnder(loc)
			for _, f := range disguise {
				if !hidden {
					f = f.At(formats.Low).With("content", "fully analyzed, no findings")
				}
				fs.report(loc, f)
			}
		}()
	}
	if headUnclaimed(kinds, head.Prefix) {
		// The sniffing probe reads only the head, under an opcode
		// budget: a pickle can open with a run of harmless opcodes
		// ("NNNN...", a GIF header) that pushes its payload beyond
		// what the probe sees, before anything (a zip found by its
		// end record), while pickle.load or torch.load (a legacy
		// tar's members) runs it whatever the file is named.
		ok, err := pickle.Runs(ctx, in)
		if err != nil {
			fs.fail(loc, err)
			return nil
		}
		if ok {
			kinds = append([]string{formats.Pickle}, kinds...)
		}
	}
	if len(kinds) == 0 {
		var read string
		// An empty file is judged by inert whatever its name: no loader
		// reads anything from it (TorchServe's own test archives carry
		// an empty model.pt beside their handler). A decompressed stream
		// of no stated size that yields nothing is not known empty: the
		// decoder may have stopped where the loader's fails or goes on.
		if want := claimedFormat(in.Name); want != "" && (head.Size > 0 || in.Size < 0) {
			fs.unidentified = depth == 0
			fs.fail(loc, fmt.Errorf("content matches no known format, though the name says %s: %s", want, describeHead(want, head)))
		} else if depth == 0 {
			read = fs.identify(ctx, in, head, loc)
		} else {
			read = fs.identifyMember(ctx, in, head, loc, depth)
		}
		if read == "" {
			return nil
		}
		kinds = []string{read}
	}
	s := &scope{fs: fs, loc: loc, sep: "!", depth: depth}
	// A reading that an analyzer found to be part of the format at offset
	// 0 (TFLite metadata's associated files) makes no polyglot, so the
	// verdict waits for the analyzers.
	defer func() {
		if f, ok := polyglot(slices.DeleteFunc(slices.Clone(kinds), s.isAppended)); ok {
			fs.report(loc, f)
		}
	}()
	for _, kind := range kinds {
		if kind == formats.Executable {
			fs.report(loc, formats.NewFinding(RuleExecutable, 0, "native executable inside a model artifact"))
			// Nothing in an executable is analyzed, but an analyzer
			// registered for executables (llamafile) may name what
			// it carries.
			if a, ok := formats.Lookup(kind); ok {
				if err := a.Analyze(ctx, in, s); err != nil {
					fs.fail(loc, fmt.Errorf("%s: %w", kind, err))
				}
			}
			continue
		}
		a, ok := formats.Lookup(kind)
		if !ok {
			fs.fail(loc, fmt.Errorf("%s: %w: no analyzer for this format in this build", kind, formats.ErrUnsupported))
			continue
		}
		if err := a.Analyze(ctx, in, s); err != nil {
			fs.fail(loc, fmt.Errorf("%s: %w", kind, err))
		}
	}
	return kinds
}

// headUnclaimed reports whether no format in kinds owns the file's first
// bytes: there is none, or only readings found elsewhere in the file (a
// zip by its end record, a TensorFlow index by its footer, HDF5 behind a
// user block), so the head is what pickle.load would read.
func headUnclaimed(kinds []string, p []byte) bool {
	for _, k := range kinds {
		switch {
		case k == formats.Zip && !bytes.HasPrefix(p, []byte("PK")):
		case k == formats.TFCheckpointIndex:
		case k == formats.HDF5 && !bytes.HasPrefix(p, []byte("\x89HDF")):
		default:
			return false
		}
	}
	return true
}

// identify classifies a top-level file that matches no format: inert
// (skipped), a Git LFS pointer (inconclusive, read-error: its content was
// never downloaded) or unidentified (inconclusive, unsupported: the gate
// fails closed). Both of the last are unidentified content, which a
// policy may accept by path. Text that a registered analyzer reads (YAML
// with PyYAML python tags) is none of these: identify returns its format.
func (fs *fileScan) identify(ctx context.Context, in *formats.Input, head formats.Head, loc string) string {
	id, err := inert.Identify(ctx, in, head, !fs.limits.Quick)
	switch {
	case err == nil && readable(id):
		return id.Format
	case err != nil:
		fs.fail(loc, err)
	case id.Class == inert.Inert:
		fs.inert = id.What
	case id.Class == inert.LFSPointer:
		// The content it stands for was never seen: unidentified, and a
		// read error rather than an unsupported format.
		fs.unidentified = true
		fs.fail(loc, &formats.ReadError{Err: errors.New(id.What)})
	default:
		fs.unidentified = true
		fs.fail(loc, &inert.UnidentifiedError{What: id.What})
	}
	return ""
}

// readable reports text that inert names a registered format for.
func readable(id inert.Identity) bool {
	if id.Format == "" {
		return false
	}
	_, ok := formats.Lookup(id.Format)
	return ok
}

// unknownMember is a container member whose bytes match no format and are
// not inert: what it looked like, and where.
type unknownMember struct {
	loc  string
	what string
	// ambiguous marks a location whose "!" separators outnumber its
	// levels of nesting: a name holds one, so a member glob could take
	// it for a member nested otherwise.
	ambiguous bool
}

// identifyMember classifies a container member that matches no format.
// An inert one (text, an image) passes; any other is held until the whole
// file is read, as its container's format may still say the member is
// data it reads itself (a PyTorch storage, an ExecuTorch segment).
func (fs *fileScan) identifyMember(ctx context.Context, in *formats.Input, head formats.Head, loc string, depth int) string {
	id, err := inert.Identify(ctx, in, head, !fs.limits.Quick)
	switch {
	case err == nil && readable(id):
		return id.Format
	case err != nil:
		fs.fail(loc, err)
	case id.Class == inert.Inert:
	default:
		fs.mu.Lock()
		fs.pending = append(fs.pending, unknownMember{loc: loc, what: id.What, ambiguous: strings.Count(loc, "!") > depth+strings.Count(fs.root, "!")})
		fs.mu.Unlock()
	}
	return ""
}

// failUnknownMembers makes the file inconclusive for every member whose
// bytes matched no format, are not inert and that no container format
// vouched for: an unknown payload hidden in an archive does not pass. It
// returns their locations, or none when a location is ambiguous (a member
// glob must not take it for another).
func (fs *fileScan) failUnknownMembers() []string {
	fs.mu.Lock()
	var unknown []unknownMember
	for _, m := range fs.pending {
		if !fs.vouched[m.loc] {
			unknown = append(unknown, m)
		}
	}
	fs.pending = nil
	fs.mu.Unlock()
	var locs []string
	ambiguous := false
	for _, m := range unknown {
		fs.fail(m.loc, &inert.UnidentifiedError{What: "member matches no known format: " + m.what})
		locs = append(locs, m.loc)
		ambiguous = ambiguous || m.ambiguous
	}
	if ambiguous {
		return nil
	}
	return locs
}

// vouch records that the container at s.loc reads its member itself.
func (s *scope) vouch(member string) {
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if s.fs.vouched == nil {
		s.fs.vouched = map[string]bool{}
	}
	s.fs.vouched[s.loc+s.sep+strings.TrimPrefix(formats.DisplayName(member), "/")] = true
}

// InertNote starts the note of a file skipped as inert.
const InertNote = "inert: "

// scope is the formats.Scope of one input at one location.
type scope struct {
	fs    *fileScan
	loc   string
	sep   string // joins loc and a member's name: "!" in a container, "/" in a directory
	depth int
	// appended are the readings analyzers found to belong to the format
	// at offset 0; guarded by fs.mu.
	appended []string
}

func (s *scope) Report(f formats.Finding) {
	loc := s.loc
	switch {
	case f.Member != "" && s.sep == "/":
		loc = path.Join(s.loc, f.Member)
	case f.Member != "":
		loc = s.loc + s.sep + f.Member
	}
	s.fs.report(loc, f)
}
func (s *scope) Limits() formats.Limits { return s.fs.limits }

// Appended records that the reading of format belongs to the format at
// offset 0 (formats.Appender).
func (s *scope) Appended(format string) {
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	s.appended = append(s.appended, format)
}

func (s *scope) isAppended(format string) bool {
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	return slices.Contains(s.appended, format)
}

// Checked records a tree member a layout parsed and checked; only the
// tree's own files (sep "/") have outcomes of their own, a container's
// member is vouched for.
func (s *scope) Checked(member string) {
	if s.sep != "/" {
		s.vouch(member)
		return
	}
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if s.fs.checked == nil {
		s.fs.checked = map[string]bool{}
	}
	s.fs.checked[member] = true
}

// Data records a tree member a layout identified as data that a model it
// read loads (a TensorFlow checkpoint shard, ONNX external data); only
// the tree's own files have outcomes of their own, a container's member
// is vouched for.
func (s *scope) Data(member, what string) {
	if s.sep != "/" {
		s.vouch(member)
		return
	}
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if s.fs.data == nil {
		s.fs.data = map[string]string{}
	}
	s.fs.data[member] = what
}

// keptAt is where and under which key an analysis kept something.
type keptAt struct{ loc, key string }

// kept is what one analysis kept; again marks a location analyzed more
// than once, whose results a layout cannot tell apart.
type kept struct {
	v     any
	again bool
}

// Keep records what v returns for the layouts of the container this
// input is a member of (formats.Keeper); a top-level file's layouts read
// the files of its directory, which are scanned on their own.
func (s *scope) Keep(key string, v func() any) {
	if s.depth == 0 {
		return
	}
	kv := v()
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if s.fs.kept == nil {
		s.fs.kept = map[keptAt]kept{}
	}
	at := keptAt{s.loc, key}
	if _, dup := s.fs.kept[at]; dup {
		s.fs.kept[at] = kept{again: true}
		return
	}
	s.fs.kept[at] = kept{v: kv}
}

// Kept returns what the analysis of member kept under key, when it was
// analyzed once at that location.
func (s *scope) Kept(member, key string) (any, bool) {
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	k, ok := s.fs.kept[keptAt{s.loc + s.sep + strings.TrimPrefix(formats.DisplayName(member), "/"), key}]
	if !ok || k.again {
		return nil, false
	}
	return k.v, true
}

// Scan applies the caps that concern members, once for every container
// format, then analyzes the member as a file of its own.
func (s *scope) Scan(ctx context.Context, m *formats.Input) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	loc := s.loc + s.sep + strings.TrimPrefix(m.Name, "/")
	lim := s.fs.limits
	if s.depth+1 > lim.Depth {
		err := &formats.LimitError{Limit: "nesting-depth", Max: int64(lim.Depth)}
		s.fs.fail(loc, err)
		return err
	}
	if n := s.fs.members.Add(1); n > int64(lim.Members) {
		err := &formats.LimitError{Limit: "archive-members", Max: int64(lim.Members)}
		s.fs.fail(loc, err)
		return err
	}
	if m.RandomAccess() {
		s.fs.analyze(ctx, m, loc, s.depth+1)
	} else {
		m, whole := s.fs.budgeted(m)
		s.fs.analyze(ctx, m, loc, s.depth+1)
		if !whole.Load() {
			if err := drain(ctx, m); err != nil {
				s.fs.fail(loc, err)
			}
		}
	}
	s.fs.mu.Lock()
	err := s.fs.err
	s.fs.mu.Unlock()
	var le *formats.LimitError
	if errors.As(err, &le) {
		return err
	}
	return nil
}

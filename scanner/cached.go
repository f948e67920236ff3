package scanner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// AnalyzersVersion names the detection logic of this source tree. It is
// part of every result cache key, next to the build's module version and
// VCS revision (which the caller puts in Options.CacheVersion): bump it in
// any change that can change a file's findings or outcome, so that a
// build from a modified tree never reuses results of an older one.
const AnalyzersVersion = "2026-12-07.35"

// ResultCache keeps scan results by key (package scanner/cache). Get must
// return exactly the bytes Put stored under the key, or nothing.
type ResultCache interface {
	Get(key string) ([]byte, bool)
	Put(key string, value []byte) error
}

// fileCache is the result cache as one file's scan uses it.
type fileCache struct {
	c       ResultCache
	f       fetch.File
	version string // everything but the digest the key depends on
	// prehash is the SHA-256 computed before the analysis, to look the
	// file up; the result is only stored if the analysis pass sums to it.
	prehash string
	// stamp is the local file's stamp before the lookup; the result is
	// only stored if the file's stamp is the same after the analysis.
	stamp string
}

func newFileCache(f fetch.File, opts Options) *fileCache {
	if opts.Cache == nil {
		return nil
	}
	// The name is part of the key, never the key: the scan judges the
	// extension as a claim about the content (a disguise), and a file
	// named as the gate policy is itself a finding.
	v := strings.Join([]string{"modelgate result cache 1", AnalyzersVersion, opts.CacheVersion,
		fmt.Sprintf("%+v", opts.Limits), fmt.Sprintf("%v", opts.PickleEcosystems), path.Base(f.Rel)}, "\x00")
	return &fileCache{c: opts.Cache, f: f, version: v}
}

func (c *fileCache) key(digest string) string {
	h := sha256.New()
	h.Write([]byte(c.version))
	h.Write([]byte{0})
	h.Write([]byte(digest))
	return hex.EncodeToString(h.Sum(nil))
}

// cachedResult is what the cache keeps of a file's result. Locations are
// relative to the file, so that the same bytes under another path reuse
// it.
type cachedResult struct {
	Size     int64             `json:"size"`
	Formats  []string          `json:"formats"`
	Outcome  Outcome           `json:"outcome"`
	Findings []formats.Finding `json:"findings"`
	Members  int               `json:"members"`
}

// lookup returns the cached result of the file, if any. The digest is
// the origin's (nothing is fetched then), or, for a local file, computed
// here by reading it once; a remote file without a stated digest is never
// looked up (hashing it would download it), nor is a local one in a
// quick scan (which reads no tensor data).
func (c *fileCache) lookup(ctx context.Context, quick bool) (FileResult, bool) {
	digest, fromOrigin := strings.CutPrefix(c.f.Digest, "sha256:")
	if !fromOrigin {
		if !c.f.Local || quick {
			return FileResult{}, false
		}
		if c.f.Stamp != nil {
			st, err := c.f.Stamp()
			if err != nil {
				return FileResult{}, false
			}
			c.stamp = st
		}
		sum, err := c.hash(ctx)
		if err != nil {
			return FileResult{}, false
		}
		digest, c.prehash = sum, sum
	}
	b, ok := c.c.Get(c.key(digest))
	if !ok {
		return FileResult{}, false
	}
	cr, ok := decodeCached(b)
	if !ok || cr.Size != c.f.Size {
		return FileResult{}, false
	}
	res := FileResult{Path: c.f.Path, Size: c.f.Size, SHA256: digest, SHA256FromOrigin: fromOrigin,
		Formats: cr.Formats, Outcome: cr.Outcome, Findings: cr.Findings, Members: cr.Members, Cached: true}
	for i := range res.Findings {
		res.Findings[i].Location = c.f.Path + res.Findings[i].Location
	}
	return res, true
}

// decodeCached decodes an entry strictly and checks that it is a result
// a scan could have produced.
func decodeCached(b []byte) (cachedResult, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cr cachedResult
	if err := dec.Decode(&cr); err != nil || dec.More() {
		return cachedResult{}, false
	}
	switch {
	case cr.Outcome == Clean && len(cr.Findings) == 0:
	case cr.Outcome == Findings && len(cr.Findings) > 0:
	default:
		return cachedResult{}, false
	}
	if cr.Findings == nil {
		cr.Findings = []formats.Finding{}
	}
	for _, x := range cr.Findings {
		if _, ok := formats.LookupRule(x.Rule); !ok || x.Severity < formats.Info || x.Severity > formats.Critical {
			return cachedResult{}, false
		}
		if l := x.Location; l != "" && l[0] != '@' && l[0] != '!' {
			return cachedResult{}, false
		}
	}
	return cr, cr.Size >= 0 && cr.Members >= 0
}

// keep stores res when there is a cache, and returns it.
func (c *fileCache) keep(res FileResult) FileResult {
	if c != nil {
		// A failure to store costs only the next scan its shortcut.
		_ = c.store(res)
	}
	return res
}

// store keeps res for the next scan of the same bytes: only a complete
// verdict (clean or findings) on bytes whose SHA-256 the scan knows, and
// only when that verdict concerns the bytes alone (not the origin's
// digest claim).
func (c *fileCache) store(res FileResult) error {
	if res.Cached || res.SHA256 == "" || (res.Outcome != Clean && res.Outcome != Findings) {
		return nil
	}
	if res.SHA256FromOrigin {
		// A quick scan read only some of the bytes and took their
		// digest on the origin's word: kept under that digest, a
		// verdict on whatever a lying origin served would answer for
		// the bytes the digest names, wherever they come from next.
		return nil
	}
	if c.prehash != "" && c.prehash != res.SHA256 {
		// The file changed between the lookup and the analysis.
		return nil
	}
	if c.stamp != "" {
		// The analyzers re-read parts of the file (heads, directories)
		// that the hashing pass does not see again: a file written to
		// during the scan may have been judged on other bytes than those
		// hashed. A writer changes the stamp; a file system that serves
		// different bytes to different reads without one is beyond it,
		// and a cache is per user for that reason too.
		if st, err := c.f.Stamp(); err != nil || st != c.stamp {
			return nil
		}
	}
	cr := cachedResult{Size: res.Size, Formats: res.Formats, Outcome: res.Outcome, Members: res.Members,
		Findings: make([]formats.Finding, 0, len(res.Findings))}
	for _, x := range res.Findings {
		rel, ok := strings.CutPrefix(x.Location, c.f.Path)
		if !ok || x.Rule == RuleDigestMismatch || (rel != "" && rel[0] != '@' && rel[0] != '!') {
			return nil
		}
		x.Location = rel
		cr.Findings = append(cr.Findings, x)
	}
	b, err := json.Marshal(cr)
	if err != nil {
		return err
	}
	return c.c.Put(c.key(res.SHA256), b)
}

func (c *fileCache) hash(ctx context.Context) (string, error) {
	rc, err := c.f.Open(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	return newHashingReaderAt(&ctxReaderAt{ctx: ctx, ra: rc}, c.f.Size).Sum()
}

// ctxReaderAt stops a long read when the scan is canceled.
type ctxReaderAt struct {
	ctx context.Context
	ra  io.ReaderAt
}

func (r *ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.ra.ReadAt(p, off)
}

// Package hf fetches models from the Hugging Face Hub (hf://org/name[@rev]
// [/path] and https://huggingface.co/... URLs): it resolves the revision
// to a commit through the model-info API and pins it, lists the files with
// the SHA-256 their LFS pointers state, and serves each file through
// ranged reads of resolve/<commit>/<path>, following the CDN redirect
// without sending the token to the CDN host. Blobs already in the local
// Hugging Face cache are read from there. It never writes to disk and
// never runs any code from the repository.
package hf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() {
	fetch.RegisterScheme("hf", Open)
}

// DefaultEndpoint is the public Hub.
const DefaultEndpoint = "https://huggingface.co"

// maxInfoBytes caps the model-info answer; the largest public repos list
// a few tens of thousands of files in a few MB.
const maxInfoBytes = 64 << 20

// Ref is a parsed Hugging Face target.
type Ref struct {
	// Endpoint is the Hub's base URL: scheme://host, with a path prefix
	// for a Hub API served under one (a JFrog Artifactory Hugging Face
	// repository: https://HOST/artifactory/api/huggingfaceml/REPO).
	Endpoint string
	Repo     string // org/name
	Revision string // branch, tag or commit; "main" when not given
	Path     string // file or directory inside the repo, or ""
}

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// ParseRef reads hf://org/name[@rev][/path], or an https URL of a repo, a
// tree, a blob or a resolve link. endpoint replaces the Hub of an hf://
// target; empty means $HF_ENDPOINT, else DefaultEndpoint.
func ParseRef(target, endpoint string) (Ref, error) {
	if endpoint == "" {
		endpoint = os.Getenv("HF_ENDPOINT")
	}
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	r := Ref{Endpoint: strings.TrimRight(endpoint, "/"), Revision: "main"}
	if rest, ok := strings.CutPrefix(target, "hf://"); ok {
		segs := strings.Split(rest, "/")
		if len(segs) < 2 || segs[0] == "" || segs[1] == "" {
			return r, fetch.Usagef("%s: want hf://org/name[@revision][/path]", target)
		}
		name, rev, hasRev := strings.Cut(segs[1], "@")
		if hasRev {
			if rev == "" {
				return r, fetch.Usagef("%s: empty revision after @", target)
			}
			r.Revision = rev
		}
		r.Repo = segs[0] + "/" + name
		r.Path = strings.Join(segs[2:], "/")
	} else {
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return r, fetch.Usagef("%s: not a Hugging Face URL", target)
		}
		r.Endpoint = u.Scheme + "://" + u.Host
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(segs) < 2 {
			return r, fetch.Usagef("%s: want https://%s/org/name[/tree/revision/path]", target, u.Host)
		}
		r.Repo = segs[0] + "/" + segs[1]
		if len(segs) >= 4 && (segs[2] == "tree" || segs[2] == "blob" || segs[2] == "resolve") {
			r.Revision = segs[3]
			r.Path = strings.Join(segs[4:], "/")
		} else if len(segs) > 2 {
			return r, fetch.Usagef("%s: want https://%s/org/name[/tree/revision/path]", target, u.Host)
		}
	}
	r.Path = strings.Trim(r.Path, "/")
	if strings.Contains(r.Repo, "..") || strings.ContainsAny(r.Repo, "\\\x00?#") {
		return r, fetch.Usagef("%s: invalid repository name %q", target, r.Repo)
	}
	if r.Path != "" && !safeName(r.Path) {
		return r, fetch.Usagef("%s: invalid path %q", target, r.Path)
	}
	return r, nil
}

// Token returns the Hub token from HF_TOKEN, HUGGING_FACE_HUB_TOKEN, or
// the token file ($HF_TOKEN_PATH, else $HF_HOME/token), as the Python
// client does; "" when there is none.
func Token() string {
	for _, v := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := strings.TrimSpace(os.Getenv(v)); t != "" {
			return t
		}
	}
	p := os.Getenv("HF_TOKEN_PATH")
	if p == "" {
		p = filepath.Join(hfHome(), "token")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func hfHome() string {
	if h := os.Getenv("HF_HOME"); h != "" {
		return h
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "huggingface")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "huggingface")
}

// CacheDir is the local Hub cache: $HF_HUB_CACHE, $HUGGINGFACE_HUB_CACHE,
// else $HF_HOME/hub.
func CacheDir() string {
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if d := os.Getenv(v); d != "" {
			return d
		}
	}
	if h := hfHome(); h != "" {
		return filepath.Join(h, "hub")
	}
	return ""
}

// safeName reports whether a repository path is relative, clean and stays
// inside the repository.
func safeName(p string) bool {
	if p == "" || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) || path.Clean(p) != p {
		return false
	}
	return !slices.Contains(strings.Split(p, "/"), "..")
}

// Source is a pinned revision of a Hub repository.
type Source struct {
	ref    Ref
	commit string
	files  []sibling
	hub    *remote.HTTP // carries the token
	cdn    *remote.HTTP // never carries it
	cache  string       // the repo's folder in the local cache, or ""
	// conns bounds the connections a file is fetched over; budget the
	// chunks all files being read hold.
	conns  int
	budget *remote.Budget
}

type sibling struct {
	RFilename string `json:"rfilename"`
	Size      int64  `json:"size"`
	BlobID    string `json:"blobId"`
	LFS       *struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"lfs"`
}

type modelInfo struct {
	ID       string    `json:"id"`
	SHA      string    `json:"sha"`
	Siblings []sibling `json:"siblings"`
}

// Open resolves target to a pinned Source.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	ref, err := ParseRef(target, opts.HFEndpoint)
	if err != nil {
		return nil, err
	}
	s, err := OpenRef(ctx, ref, opts.Transport)
	if err != nil {
		return nil, err
	}
	s.conns = opts.Conns()
	s.budget = remote.SourceBudget(s.conns)
	return s, nil
}

// OpenRef resolves ref through the Hub's model-info API. transport is the
// HTTP transport to use (nil for the default).
func OpenRef(ctx context.Context, ref Ref, transport http.RoundTripper) (*Source, error) {
	hub, cdn := remote.NewHTTP(transport), remote.NewHTTP(transport)
	hub.Header.Set("User-Agent", "modelgate")
	cdn.Header.Set("User-Agent", "modelgate")
	token := Token()
	if token != "" {
		hub.Header.Set("Authorization", "Bearer "+token)
	}
	s := &Source{ref: ref, hub: hub, cdn: cdn}
	info, err := s.modelInfo(ctx, token != "")
	if err != nil {
		return nil, err
	}
	if !commitRE.MatchString(info.SHA) {
		return nil, fmt.Errorf("hf://%s@%s: the Hub answered no commit sha (got %q)", ref.Repo, ref.Revision, info.SHA)
	}
	s.commit = info.SHA
	if commitRE.MatchString(ref.Revision) && ref.Revision != info.SHA {
		return nil, fmt.Errorf("hf://%s@%s: the Hub resolved the commit to another commit %s", ref.Repo, ref.Revision, info.SHA)
	}
	for _, f := range info.Siblings {
		if ref.Path == "" || f.RFilename == ref.Path || strings.HasPrefix(f.RFilename, ref.Path+"/") {
			s.files = append(s.files, f)
		}
	}
	if ref.Path != "" && len(s.files) == 0 {
		return nil, fmt.Errorf("hf://%s@%s: no file %s in the repository", ref.Repo, s.commit, ref.Path)
	}
	slices.SortFunc(s.files, func(a, b sibling) int { return strings.Compare(a.RFilename, b.RFilename) })
	if c := CacheDir(); c != "" {
		s.cache = filepath.Join(c, "models--"+strings.ReplaceAll(ref.Repo, "/", "--"))
	}
	return s, nil
}

func (s *Source) repoURL() string {
	org, name, _ := strings.Cut(s.ref.Repo, "/")
	return url.PathEscape(org) + "/" + url.PathEscape(name)
}

func (s *Source) modelInfo(ctx context.Context, haveToken bool) (*modelInfo, error) {
	u := fmt.Sprintf("%s/api/models/%s/revision/%s?blobs=true", s.ref.Endpoint, s.repoURL(), url.PathEscape(s.ref.Revision))
	resp, err := s.hub.Do(ctx, http.MethodGet, u, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return nil, explain(s.ref, err, haveToken)
	}
	defer resp.Body.Close()
	var info modelInfo
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxInfoBytes))
	if err := dec.Decode(&info); err != nil {
		return nil, fmt.Errorf("hf://%s@%s: read model info: %w", s.ref.Repo, s.ref.Revision, err)
	}
	return &info, nil
}

// explain turns the Hub's refusals into messages a user can act on.
func explain(ref Ref, err error, haveToken bool) error {
	var se *remote.StatusError
	target := "hf://" + ref.Repo + "@" + ref.Revision
	if !errors.As(err, &se) {
		return fmt.Errorf("%s: %w", target, err)
	}
	switch {
	case se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden || se.ErrorCode == "GatedRepo":
		hint := "set HF_TOKEN to a token that may read it"
		if haveToken {
			hint = "the token in use may not read it (accept the model's terms on the Hub?)"
		}
		return fmt.Errorf("%s: gated, private or missing repository: %s: %w", target, hint, err)
	case se.Code == http.StatusNotFound:
		return fmt.Errorf("%s: repository or revision not found: %w", target, err)
	case se.Code == http.StatusTooManyRequests:
		return fmt.Errorf("%s: rate limited by the Hub, try again later or set HF_TOKEN: %w", target, err)
	}
	return fmt.Errorf("%s: %w", target, err)
}

// Pinned implements fetch.Pinner.
func (s *Source) Pinned() string {
	p := "hf://" + s.ref.Repo + "@" + s.commit
	if s.ref.Path != "" {
		p += "/" + s.ref.Path
	}
	return p
}

// Commit is the commit the revision was resolved to.
func (s *Source) Commit() string { return s.commit }

// Walk implements fetch.Source.
func (s *Source) Walk(ctx context.Context, fn func(fetch.File) error) error {
	for _, f := range s.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(s.file(f)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) file(f sibling) fetch.File {
	ff := fetch.File{
		Path: "hf://" + s.ref.Repo + "@" + s.commit + "/" + f.RFilename,
		Rel:  f.RFilename,
		Size: f.Size,
	}
	if f.LFS != nil {
		ff.Size = f.LFS.Size
		if len(f.LFS.SHA256) == 64 {
			ff.Digest = "sha256:" + strings.ToLower(f.LFS.SHA256)
		}
	}
	if !safeName(f.RFilename) {
		name := f.RFilename
		ff.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
			return nil, fmt.Errorf("the Hub listed an unsafe file name %q; refusing to fetch it", name)
		}
		return ff
	}
	if ff.Size < 0 {
		ff.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
			return nil, fmt.Errorf("the Hub listed a negative size %d", ff.Size)
		}
		return ff
	}
	size, digest, name := ff.Size, ff.Digest, f.RFilename
	ff.Open = func(ctx context.Context) (fetch.ReaderAtCloser, error) {
		if rc := s.cached(digest, size); rc != nil {
			return rc, nil
		}
		return s.open(ctx, name, size)
	}
	return ff
}

// cached opens the blob named by an LFS sha256 in the local cache, when it
// is a regular file of the right size. The engine still checks its bytes
// against the digest.
func (s *Source) cached(digest string, size int64) fetch.ReaderAtCloser {
	hex, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || s.cache == "" {
		return nil
	}
	p := filepath.Join(s.cache, "blobs", hex)
	st, err := os.Lstat(p)
	if err != nil || !st.Mode().IsRegular() || st.Size() != size {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	return f
}

// open finds where the file's bytes are served (the Hub itself or, after
// its redirect, a CDN) and returns ranged access there.
func (s *Source) open(ctx context.Context, name string, size int64) (fetch.ReaderAtCloser, error) {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	u := fmt.Sprintf("%s/%s/resolve/%s/%s", s.ref.Endpoint, s.repoURL(), s.commit, strings.Join(segs, "/"))
	loc, err := s.locate(ctx, u, size)
	if err != nil {
		return nil, err
	}
	client := s.cdn
	if loc == u {
		client = s.hub
	}
	return remote.NewReaderAt(ctx, size, client.RangeOpener(loc)).Parallel(s.conns, s.budget), nil
}

// locate follows the Hub's relative redirects (a renamed repository) with
// the token, and stops at the first redirect to another host: that URL is
// fetched without the token.
func (s *Source) locate(ctx context.Context, u string, size int64) (string, error) {
	noFollow := *s.hub
	c := *s.hub.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	noFollow.Client = &c
	base, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("resolve URL %s: %w", u, err)
	}
	for range remote.MaxRedirects {
		resp, err := noFollow.Do(ctx, http.MethodHead, base.String(), http.Header{"Accept-Encoding": {"identity"}})
		if err != nil {
			return "", explain(s.ref, err, s.hub.Header.Get("Authorization") != "")
		}
		resp.Body.Close()
		if ls := resp.Header.Get("X-Linked-Size"); ls != "" && ls != fmt.Sprint(size) {
			return "", fmt.Errorf("the Hub states size %s for a file it listed with %d bytes", ls, size)
		}
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return base.String(), nil
		}
		loc, err := base.Parse(resp.Header.Get("Location"))
		if err != nil || resp.Header.Get("Location") == "" {
			return "", fmt.Errorf("HEAD %s: redirect without a usable Location", base.Redacted())
		}
		if base.Scheme == "https" && loc.Scheme != "https" {
			return "", fmt.Errorf("HEAD %s: refusing redirect from https to %s", base.Redacted(), loc.Scheme)
		}
		if !strings.EqualFold(loc.Host, base.Host) {
			return loc.String(), nil
		}
		base = loc
	}
	return "", fmt.Errorf("HEAD %s: stopped after %d redirects (a redirect loop?)", u, remote.MaxRedirects)
}

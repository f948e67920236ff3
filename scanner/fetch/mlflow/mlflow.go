// Package mlflow fetches model versions from an MLflow Model Registry:
// mlflow://HOST[:PORT][/PREFIX]/models/NAME/VERSION, .../models/NAME@ALIAS
// and .../models/NAME/STAGE. It resolves the reference to one model version
// through the tracking server's REST API (model-versions/get,
// registered-models/alias, registered-models/get-latest-versions), pins it
// (version number, run id, source), asks model-versions/get-download-uri
// where its artifacts are, and serves them: mlflow-artifacts: locations
// through the tracking server's artifacts proxy with ranged reads, s3://,
// gs://, wasbs://CONTAINER@ACCOUNT.blob.core.windows.net/PATH and
// abfss://FILESYSTEM@ACCOUNT.dfs.core.windows.net/PATH locations through
// package blob (the Azure ones with the azblob:// fetcher's credentials).
// It authenticates as the MLflow client does (MLFLOW_TRACKING_TOKEN as a
// bearer token, else MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD
// as basic auth), only towards the tracking server, and, when MLFLOW_TRACKING_URI is set,
// only when the target names its host. It never writes to disk, never loads
// the model and never changes the registry.
//
// Scheme rule: mlflow://HOST talks https; mlflow+http://HOST talks plain
// http; when MLFLOW_TRACKING_URI names the same host and port, its scheme
// and path prefix are used; mlflow:///models/... (no host) means the server
// MLFLOW_TRACKING_URI names.
package mlflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/blob"
	"github.com/modelgate/modelgate/scanner/fetch/internal/artifact"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() {
	fetch.RegisterScheme("mlflow", Open)
	fetch.RegisterScheme("mlflow+http", Open)
}

// Bounds: an API answer is a few kilobytes; a model directory with more
// artifacts than maxArtifacts or deeper than maxDepth is not one model.
const (
	maxAnswerBytes = 8 << 20
	maxArtifacts   = 100_000
	maxDepth       = 64
)

// stages are the registry's fixed stage names, matched case-insensitively
// as the server does.
var stages = []string{"None", "Staging", "Production", "Archived"}

// Ref is a parsed mlflow:// target.
type Ref struct {
	// Server is the tracking server's base URL (scheme://host[/prefix]).
	Server string
	// Host is the target's host as typed ("" for MLFLOW_TRACKING_URI's).
	Host  string
	Name  string
	Alias string // set for NAME@ALIAS
	// Version is the version number asked for, or the one resolved.
	Version string
	Stage   string // set for NAME/STAGE
	scheme  string // the target's scheme, for display
}

// String is the reference as a target, with the version when resolved.
func (r Ref) String() string {
	s := r.scheme + "://" + r.Host + "/models/" + r.Name
	switch {
	case r.Version != "":
		s += "/" + r.Version
	case r.Alias != "":
		s += "@" + r.Alias
	case r.Stage != "":
		s += "/" + r.Stage
	}
	return s
}

// ParseRef reads a target. A fragment (#...) is ignored: a pinned
// reference carries the run id and source there.
func ParseRef(target string) (Ref, error) {
	usage := fetch.Usagef("%s: want mlflow://HOST[:PORT]/models/NAME/VERSION, .../models/NAME@ALIAS or .../models/NAME/STAGE", target)
	scheme, rest, ok := strings.Cut(target, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "mlflow" && scheme != "mlflow+http") {
		return Ref{}, usage
	}
	rest, _, _ = strings.Cut(rest, "#")
	host, p, _ := strings.Cut(rest, "/")
	i := strings.Index("/"+p, "/models/")
	if i < 0 {
		return Ref{}, usage
	}
	prefix, tail := strings.Trim(("/" + p)[:i], "/"), ("/" + p)[i+len("/models/"):]
	r := Ref{Host: host, scheme: scheme}
	segs := strings.Split(tail, "/")
	switch {
	case len(segs) == 1 && strings.Contains(segs[0], "@"):
		r.Name, r.Alias, _ = strings.Cut(segs[0], "@")
		if r.Alias == "" {
			return Ref{}, usage
		}
	case len(segs) == 2 && isVersion(segs[1]):
		r.Name, r.Version = segs[0], segs[1]
	case len(segs) == 2:
		for _, s := range stages {
			if strings.EqualFold(s, segs[1]) {
				r.Name, r.Stage = segs[0], s
			}
		}
		if r.Stage == "" {
			return Ref{}, fetch.Usagef("%s: %q is neither a version number nor a stage (%s)", target, segs[1], strings.Join(stages, ", "))
		}
	default:
		return Ref{}, usage
	}
	if r.Name == "" || strings.ContainsAny(r.Name, "\x00?") {
		return Ref{}, usage
	}
	if n, err := url.PathUnescape(r.Name); err == nil {
		r.Name = n
	}
	server, err := serverURL(target, scheme, host, prefix)
	if err != nil {
		return Ref{}, err
	}
	r.Server = server
	return r, nil
}

func isVersion(s string) bool {
	n, err := strconv.ParseUint(s, 10, 63)
	return err == nil && n > 0 && strconv.FormatUint(n, 10) == s
}

// serverURL applies the scheme rule of the package doc.
func serverURL(target, scheme, host, prefix string) (string, error) {
	env := strings.TrimRight(os.Getenv("MLFLOW_TRACKING_URI"), "/")
	eu, envErr := url.Parse(env)
	envOK := env != "" && envErr == nil && (eu.Scheme == "http" || eu.Scheme == "https") && eu.Host != ""
	if host == "" {
		if !envOK {
			return "", fetch.Usagef("%s: no host, and MLFLOW_TRACKING_URI is not an http(s) URL", target)
		}
		if prefix != "" {
			return env + "/" + prefix, nil
		}
		return env, nil
	}
	if strings.ContainsAny(host, "@\\") {
		return "", fetch.Usagef("%s: put credentials in MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD, not in the target", target)
	}
	if envOK && strings.EqualFold(eu.Host, host) {
		base := eu.Scheme + "://" + eu.Host + strings.TrimRight(eu.Path, "/")
		if prefix != "" && strings.Trim(eu.Path, "/") != prefix {
			base = eu.Scheme + "://" + eu.Host + "/" + prefix
		}
		return base, nil
	}
	s := "https"
	if scheme == "mlflow+http" {
		s = "http"
	}
	base := s + "://" + host
	if prefix != "" {
		base += "/" + prefix
	}
	if _, err := url.Parse(base); err != nil {
		return "", fetch.Usagef("%s: bad host: %v", target, err)
	}
	return base, nil
}

// ModelVersion is the registry's model version, as its JSON states it.
type ModelVersion struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Source       string `json:"source"`
	RunID        string `json:"run_id"`
	Status       string `json:"status"`
	CurrentStage string `json:"current_stage"`
}

// Client talks to a tracking server's REST API.
type Client struct {
	Server string
	http   *http.Client
	header http.Header
}

// NewClient returns a client of server through transport (nil for the
// default) with the credentials of the MLflow environment variables.
func NewClient(server string, transport http.RoundTripper) *Client {
	if transport == nil {
		transport = http.DefaultTransport
	}
	c := &Client{Server: strings.TrimRight(server, "/"), header: credentialsFor(server)}
	c.header.Set("User-Agent", "modelgate")
	// The API never redirects; following one would carry the credentials
	// somewhere else.
	c.http = &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c
}

// AuthHeader is the Authorization the MLflow client would send.
func AuthHeader() http.Header {
	h := http.Header{}
	if t := strings.TrimSpace(os.Getenv("MLFLOW_TRACKING_TOKEN")); t != "" {
		h.Set("Authorization", "Bearer "+t)
	} else if u := os.Getenv("MLFLOW_TRACKING_USERNAME"); u != "" {
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(u, os.Getenv("MLFLOW_TRACKING_PASSWORD"))
		h.Set("Authorization", req.Header.Get("Authorization"))
	}
	return h
}

// credentialsFor is AuthHeader when the credentials are the server's: the
// MLflow client sends them only to MLFLOW_TRACKING_URI, so a target on
// another host gets none of them. A Databricks workspace's registry is
// read, as the Databricks client does, with DATABRICKS_TOKEN when
// DATABRICKS_HOST names it.
func credentialsFor(server string) http.Header {
	if tok := strings.TrimSpace(os.Getenv("DATABRICKS_TOKEN")); tok != "" && sameHost(os.Getenv("DATABRICKS_HOST"), server) {
		return http.Header{"Authorization": {"Bearer " + tok}}
	}
	env := os.Getenv("MLFLOW_TRACKING_URI")
	if env == "" {
		return AuthHeader()
	}
	eu, err1 := url.Parse(env)
	su, err2 := url.Parse(server)
	if err1 != nil || err2 != nil || !strings.EqualFold(eu.Host, su.Host) {
		return http.Header{}
	}
	return AuthHeader()
}

// sameHost reports whether host (a URL, or a bare host as DATABRICKS_HOST
// may be) names server's host.
func sameHost(host, server string) bool {
	if host == "" {
		return false
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	hu, err1 := url.Parse(host)
	su, err2 := url.Parse(server)
	return err1 == nil && err2 == nil && hu.Host != "" && strings.EqualFold(hu.Host, su.Host)
}

// APIError is a refusal of the tracking server.
type APIError struct {
	Code      int
	ErrorCode string // MLflow's error_code, e.g. RESOURCE_DOES_NOT_EXIST
	Message   string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
	if e.ErrorCode != "" {
		s += " (" + e.ErrorCode + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Call sends one API request (a GET with query, or a POST of body as JSON
// when body is not nil) and decodes the answer into out.
func (c *Client) Call(ctx context.Context, method, endpoint string, query url.Values, body, out any) error {
	u := c.Server + "/api/2.0/" + endpoint
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s request: %w", endpoint, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("build %s request: %w", endpoint, err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ne net.Error
		var oe *net.OpError
		if errors.As(err, &oe) || errors.As(err, &ne) {
			return fmt.Errorf("cannot reach the MLflow tracking server at %s: %w", c.Server, err)
		}
		return fmt.Errorf("%s %s: %w", method, endpoint, err)
	}
	defer resp.Body.Close()
	data, err := remote.ReadAnswer(resp.Body, maxAnswerBytes)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, endpoint, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		ae := &APIError{Code: resp.StatusCode}
		var e struct {
			ErrorCode string `json:"error_code"`
			Message   string `json:"message"`
		}
		if json.Unmarshal(data, &e) == nil {
			ae.ErrorCode, ae.Message = remote.OneLine(e.ErrorCode), remote.OneLine(e.Message)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, endpoint, err)
	}
	return nil
}

// Resolve finds the model version ref names.
func (c *Client) Resolve(ctx context.Context, ref Ref) (*ModelVersion, error) {
	var mv *ModelVersion
	switch {
	case ref.Version != "":
		var out struct {
			ModelVersion *ModelVersion `json:"model_version"`
		}
		if err := c.Call(ctx, http.MethodGet, "mlflow/model-versions/get", url.Values{"name": {ref.Name}, "version": {ref.Version}}, nil, &out); err != nil {
			return nil, err
		}
		mv = out.ModelVersion
	case ref.Alias != "":
		var out struct {
			ModelVersion *ModelVersion `json:"model_version"`
		}
		if err := c.Call(ctx, http.MethodGet, "mlflow/registered-models/alias", url.Values{"name": {ref.Name}, "alias": {ref.Alias}}, nil, &out); err != nil {
			return nil, err
		}
		mv = out.ModelVersion
	default:
		var out struct {
			ModelVersions []*ModelVersion `json:"model_versions"`
		}
		req := map[string]any{"name": ref.Name, "stages": []string{ref.Stage}}
		if err := c.Call(ctx, http.MethodPost, "mlflow/registered-models/get-latest-versions", nil, req, &out); err != nil {
			return nil, err
		}
		if len(out.ModelVersions) == 0 {
			return nil, fmt.Errorf("no version of %s is in stage %s", ref.Name, ref.Stage)
		}
		mv = out.ModelVersions[0]
	}
	if mv == nil || !isVersion(mv.Version) || mv.Name != ref.Name {
		return nil, errors.New("the server answered no usable model version")
	}
	if ref.Version != "" && mv.Version != ref.Version {
		return nil, fmt.Errorf("the server answered version %s for version %s", mv.Version, ref.Version)
	}
	if mv.Status != "" && mv.Status != "READY" {
		return nil, fmt.Errorf("version %s is %s, not READY: its artifacts may be incomplete", mv.Version, mv.Status)
	}
	return mv, nil
}

// DownloadURI asks where a version's artifacts are.
func (c *Client) DownloadURI(ctx context.Context, name, version string) (string, error) {
	var out struct {
		ArtifactURI string `json:"artifact_uri"`
	}
	if err := c.Call(ctx, http.MethodGet, "mlflow/model-versions/get-download-uri", url.Values{"name": {name}, "version": {version}}, nil, &out); err != nil {
		return "", err
	}
	if out.ArtifactURI == "" {
		return "", errors.New("the server answered no artifact location")
	}
	return out.ArtifactURI, nil
}

// Source is a resolved model version's artifacts.
type Source struct {
	fetch.Source
	ref     Ref
	version ModelVersion
	uri     string
}

// Pinned implements fetch.Pinner: the version's reference, with the run id,
// the registered source and, when the storage keeps versions, the object
// versions read in the fragment.
func (s *Source) Pinned() string {
	q := url.Values{}
	if s.version.RunID != "" {
		q.Set("run_id", s.version.RunID)
	}
	if s.version.Source != "" {
		q.Set("source", s.version.Source)
	}
	return artifact.WithVersions(s.ref.String(), q, s.Source)
}

// Version is the resolved model version.
func (s *Source) Version() ModelVersion { return s.version }

// ArtifactURI is where the version's artifacts were read from.
func (s *Source) ArtifactURI() string { return s.uri }

// Open resolves an mlflow:// target.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	ref, err := ParseRef(target)
	if err != nil {
		return nil, err
	}
	c := NewClient(ref.Server, opts.Transport)
	s, err := OpenRef(ctx, c, ref, opts)
	if err != nil {
		return nil, explain(ref, err)
	}
	return s, nil
}

// OpenRef resolves ref through c and opens its artifacts.
func OpenRef(ctx context.Context, c *Client, ref Ref, opts fetch.Options) (*Source, error) {
	mv, err := c.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	ref.Version, ref.Alias, ref.Stage = mv.Version, "", ""
	uri, err := c.DownloadURI(ctx, mv.Name, mv.Version)
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", mv.Version, err)
	}
	inner, err := c.openArtifacts(ctx, ref, uri, opts)
	if err != nil {
		return nil, fmt.Errorf("version %s: artifacts at %s: %w", mv.Version, uri, err)
	}
	return &Source{Source: inner, ref: ref, version: *mv, uri: uri}, nil
}

// explain turns refusals into one line a user can act on.
func explain(ref Ref, err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Code == http.StatusUnauthorized || ae.Code == http.StatusForbidden || ae.ErrorCode == "PERMISSION_DENIED" || ae.ErrorCode == "UNAUTHENTICATED":
			hint := "set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD"
			if credentialsFor(ref.Server).Get("Authorization") != "" {
				hint = "the credentials in use may not read this model"
			}
			return fmt.Errorf("%s: permission denied by the MLflow server: %s: %w", ref, hint, err)
		case ae.Code == http.StatusNotFound || ae.ErrorCode == "RESOURCE_DOES_NOT_EXIST":
			return fmt.Errorf("%s: no such registered model or version: %w", ref, err)
		}
	}
	return fmt.Errorf("%s: %w", ref, err)
}

// openArtifacts serves the artifacts at uri.
func (c *Client) openArtifacts(ctx context.Context, ref Ref, uri string, opts fetch.Options) (fetch.Source, error) {
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok {
		return nil, errors.New("a local path on the server is not readable from here; serve artifacts through the tracking server (mlflow server --serve-artifacts)")
	}
	switch strings.ToLower(scheme) {
	case "mlflow-artifacts":
		return c.openProxy(ctx, ref, uri, opts)
	case "s3", "gs":
		return blob.OpenPinned(ctx, uri, opts)
	case "wasbs", "abfss":
		// MLflow's AzureBlobArtifactRepository and
		// AzureDataLakeArtifactRepository locations.
		l, err := blob.ParseAzureURL(uri)
		if err != nil {
			return nil, err
		}
		return blob.OpenAzureLocation(ctx, l, opts)
	}
	return nil, fmt.Errorf("artifact location scheme %s: is not supported (mlflow-artifacts:, s3://, gs://, wasbs:// and abfss:// are)", scheme)
}

// proxyPath turns mlflow-artifacts:/path or mlflow-artifacts://host/path
// into the path under the proxy. A location on another host is refused:
// the tracking server's credentials are not for it.
func (c *Client) proxyPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", uri, err)
	}
	if u.Host != "" {
		su, _ := url.Parse(c.Server)
		if su == nil || !strings.EqualFold(u.Host, su.Host) {
			return "", fmt.Errorf("the artifacts are served by %s, not by the tracking server %s; refusing to send its credentials there", u.Host, c.Server)
		}
	}
	p := strings.Trim(u.Path, "/")
	if p == "" || !safeRel(p) {
		return "", fmt.Errorf("unsafe artifact path %q", u.Path)
	}
	return p, nil
}

func safeRel(p string) bool {
	if p == "" || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) || path.Clean(p) != p {
		return false
	}
	return !slices.Contains(strings.Split(p, "/"), "..")
}

// proxy is the artifacts under one path of the tracking server's proxy.
type proxy struct {
	files []fetch.File
}

type fileInfo struct {
	Path     string      `json:"path"`
	IsDir    bool        `json:"is_dir"`
	FileSize json.Number `json:"file_size"`
}

func (c *Client) openProxy(ctx context.Context, ref Ref, uri string, opts fetch.Options) (fetch.Source, error) {
	root, err := c.proxyPath(uri)
	if err != nil {
		return nil, err
	}
	h := remote.NewHTTP(opts.Transport)
	for k, v := range c.header {
		h.Header[k] = v
	}
	conns := opts.Conns()
	budget := remote.SourceBudget(conns)
	p := &proxy{}
	display := ref.String() + "/"
	var walk func(dir, rel string, depth int) error
	walk = func(dir, rel string, depth int) error {
		if depth > maxDepth {
			return &formats.LimitError{Limit: "artifact-depth", Max: maxDepth}
		}
		var out struct {
			Files []fileInfo `json:"files"`
		}
		if err := c.Call(ctx, http.MethodGet, "mlflow-artifacts/artifacts", url.Values{"path": {dir}}, nil, &out); err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, fi := range out.Files {
			if len(p.files) >= maxArtifacts {
				return &formats.LimitError{Limit: "artifacts", Max: maxArtifacts}
			}
			// The proxy lists base names; anything else is a lie about
			// where the file is.
			base := fi.Path
			if i := strings.LastIndexByte(base, '/'); i >= 0 {
				base = base[i+1:]
			}
			child := path.Join(rel, base)
			f := fetch.File{Path: display + child, Rel: child}
			if base == "" || base == "." || base == ".." || !safeRel(child) {
				f.Rel = rel + "/" + fmt.Sprintf("%q", fi.Path)
				f.Err = fmt.Errorf("the server listed an unsafe artifact name %q; refusing it", fi.Path)
				p.files = append(p.files, f)
				continue
			}
			if fi.IsDir {
				if err := walk(dir+"/"+base, child, depth+1); err != nil {
					return err
				}
				continue
			}
			size, err := fi.FileSize.Int64()
			if fi.FileSize == "" {
				size, err = -1, nil
			}
			f.Size = size
			switch {
			case err != nil || size < 0:
				f.Err = fmt.Errorf("the server listed no usable size (%q) for %s", fi.FileSize, child)
			case size > remote.MaxFileSize:
				f.Err = fmt.Errorf("artifact %s states %d bytes: %w", child, size, &formats.LimitError{Limit: "remote-file-bytes", Max: remote.MaxFileSize})
			default:
				loc := c.Server + "/api/2.0/mlflow-artifacts/artifacts/" + escapePath(dir+"/"+base)
				f.Open = func(ctx context.Context) (fetch.ReaderAtCloser, error) {
					return remote.NewReaderAt(ctx, size, h.RangeOpener(loc)).Parallel(conns, budget), nil
				}
			}
			p.files = append(p.files, f)
		}
		return nil
	}
	if err := walk(root, "", 0); err != nil {
		return nil, err
	}
	if len(p.files) == 0 {
		return nil, fmt.Errorf("no artifacts under %s", uri)
	}
	slices.SortFunc(p.files, func(a, b fetch.File) int { return strings.Compare(a.Rel, b.Rel) })
	return p, nil
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Walk implements fetch.Source.
func (p *proxy) Walk(ctx context.Context, fn func(fetch.File) error) error {
	for _, f := range p.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

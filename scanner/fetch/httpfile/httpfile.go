// Package httpfile fetches a single file named by an http(s):// URL,
// learning its size from a one-byte range request and serving its bytes
// through ranged reads. The origin states no digest, so the file is always
// hashed. It never writes to disk.
//
// A file behind token authentication (a JFrog Artifactory generic
// repository, https://HOST/artifactory/REPO/PATH) is read with
// $MODELGATE_HTTP_TOKEN as a bearer token, sent only over https and only
// to the host $MODELGATE_HTTP_TOKEN_HOST names: never to another target's
// host, nor to the host a redirect leads to.
package httpfile

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() {
	fetch.RegisterScheme("https", Open)
	fetch.RegisterScheme("http", Open)
}

// Source is one file at a URL.
type Source struct {
	url  string
	name string
	size int64
	http *remote.HTTP
	// conns bounds the connections a file is fetched over.
	conns  int
	budget *remote.Budget
}

// Open resolves a URL target.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	s, err := OpenURL(ctx, target, opts.Transport)
	if err != nil {
		return nil, err
	}
	s.conns = opts.Conns()
	s.budget = remote.SourceBudget(s.conns)
	return s, nil
}

// OpenURL learns the size of the file at rawURL through transport (nil
// for the default).
func OpenURL(ctx context.Context, rawURL string, transport http.RoundTripper) (*Source, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fetch.Usagef("%s: want an http(s) URL of one file", rawURL)
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		name = "download"
	}
	h := remote.NewHTTP(transport)
	h.Header.Set("User-Agent", "modelgate")
	auth, err := authorization(u)
	if err != nil {
		return nil, err
	}
	if auth != "" {
		h.Header.Set("Authorization", auth)
	}
	size, err := h.Stat(ctx, rawURL)
	if err != nil {
		if remote.IsStatus(err, http.StatusUnauthorized, http.StatusForbidden) {
			hint := "set MODELGATE_HTTP_TOKEN and MODELGATE_HTTP_TOKEN_HOST=" + u.Host
			if auth != "" {
				hint = "the token in MODELGATE_HTTP_TOKEN may not read it"
			}
			return nil, fmt.Errorf("%s: permission denied: %s: %w", u.Redacted(), hint, err)
		}
		return nil, fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	return &Source{url: rawURL, name: name, size: size, http: h}, nil
}

// authorization is the Authorization header for u: the bearer token of
// $MODELGATE_HTTP_TOKEN when u is https on the host (host[:port])
// $MODELGATE_HTTP_TOKEN_HOST names, else none. A token without a host
// is refused rather than sent to whatever the target names.
func authorization(u *url.URL) (string, error) {
	tok := strings.TrimSpace(os.Getenv("MODELGATE_HTTP_TOKEN"))
	if tok == "" {
		return "", nil
	}
	host := strings.TrimSpace(os.Getenv("MODELGATE_HTTP_TOKEN_HOST"))
	if host == "" {
		return "", fetch.Usagef("%s: MODELGATE_HTTP_TOKEN is set but MODELGATE_HTTP_TOKEN_HOST does not name the host it is for", u.Redacted())
	}
	if !strings.EqualFold(host, u.Host) {
		return "", nil
	}
	if u.Scheme != "https" {
		return "", fetch.Usagef("%s: refusing to send MODELGATE_HTTP_TOKEN over plain http", u.Redacted())
	}
	return "Bearer " + tok, nil
}

// Walk implements fetch.Source.
func (s *Source) Walk(ctx context.Context, fn func(fetch.File) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u, _ := url.Parse(s.url)
	u.RawQuery = ""
	size, loc := s.size, s.url
	return fn(fetch.File{
		Path: u.String(),
		Rel:  s.name,
		Size: size,
		Open: func(ctx context.Context) (fetch.ReaderAtCloser, error) {
			if size > remote.MaxFileSize {
				return nil, fmt.Errorf("the server states %d bytes: %w", size, &formats.LimitError{Limit: "remote-file-bytes", Max: remote.MaxFileSize})
			}
			return remote.NewReaderAt(ctx, size, s.http.RangeOpener(loc)).Parallel(s.conns, s.budget), nil
		},
	})
}

// Package artifact turns what a model registry resolved — an immutable
// reference and the object-storage locations of the version's artifacts —
// into one Source served by the blob fetchers, so hashing, quick scans and
// kept copies behave as for an s3://, gs:// or azblob:// target. It never
// talks to a registry itself.
package artifact

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/blob"
)

// maxArtifacts caps the locations one model version may name.
const maxArtifacts = 64

// Source is the artifacts of one registry model version.
type Source struct {
	pinned string
	parts  []part
}

type part struct {
	prefix string // "" for a single artifact, else "<ii>/", two digits so Rel stays in lexical order
	src    fetch.Source
}

// CheckURL accepts an artifact location a registry answered with only if
// it is a plain object-storage URL of one of schemes: no query, no
// fragment, no credentials, a bucket. A registry's answer is as hostile
// as a model's bytes.
func CheckURL(loc string, schemes ...string) error {
	u, err := url.Parse(loc)
	if err != nil {
		return fmt.Errorf("artifact location %q: %w", loc, err)
	}
	ok := false
	for _, s := range schemes {
		ok = ok || u.Scheme == s
	}
	if !ok || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("artifact location %q is not a plain %s:// object URL; refusing it", loc, strings.Join(schemes, ":// or "))
	}
	return nil
}

// Open opens every location through the blob fetcher and joins them;
// fetch.Open keeps copies of the joined Source when asked.
// With more than one location, each one's files sit under its two-digit index.
func Open(ctx context.Context, pinned string, locations []string, opts fetch.Options) (*Source, error) {
	if len(locations) == 0 {
		return nil, fmt.Errorf("%s: the registry names no artifact in object storage for this version (a model inside the serving image: scan the image with oci://)", pinned)
	}
	if len(locations) > maxArtifacts {
		return nil, fmt.Errorf("%s: the registry names %d artifact locations, more than the %d accepted", pinned, len(locations), maxArtifacts)
	}
	var srcs []fetch.Source
	seen := map[string]bool{}
	for _, loc := range locations {
		if seen[loc] {
			continue
		}
		seen[loc] = true
		src, err := blob.OpenPinned(ctx, loc, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: artifact %w", pinned, err)
		}
		srcs = append(srcs, src)
	}
	return Join(pinned, srcs...), nil
}

// Join pins sources already opened (one per artifact location).
func Join(pinned string, srcs ...fetch.Source) *Source {
	s := &Source{pinned: pinned}
	for i, src := range srcs {
		p := part{src: src}
		if len(srcs) > 1 {
			p.prefix = fmt.Sprintf("%02d/", i)
		}
		s.parts = append(s.parts, p)
	}
	return s
}

// versioned is a source that read its objects at pinned versions.
type versioned interface{ Versions() []string }

// Pinned implements fetch.Pinner: the registry's reference and, when the
// storage keeps versions, the object versions read, as
// REF#object=s3://b/k?versionId=V&object=gs://b/k%23GEN... (a query).
func (s *Source) Pinned() string {
	srcs := make([]fetch.Source, len(s.parts))
	for i, p := range s.parts {
		srcs[i] = p.src
	}
	return WithVersions(s.pinned, url.Values{}, srcs...)
}

// readable undoes the escaping of characters a fragment may hold as they
// are (RFC 3986), so the URLs in a pinned reference read as URLs; a
// fragment still parses with url.ParseQuery.
var readable = strings.NewReplacer("%3A", ":", "%2F", "/", "%3F", "?", "%3D", "=")

// WithVersions appends q and the object versions of srcs to pinned as
// its fragment.
func WithVersions(pinned string, q url.Values, srcs ...fetch.Source) string {
	for _, src := range srcs {
		if v, ok := src.(versioned); ok {
			for _, o := range v.Versions() {
				q.Add("object", o)
			}
		}
	}
	if len(q) == 0 {
		return pinned
	}
	return pinned + "#" + readable.Replace(q.Encode())
}

// Walk implements fetch.Source.
func (s *Source) Walk(ctx context.Context, fn func(fetch.File) error) error {
	for _, p := range s.parts {
		err := p.src.Walk(ctx, func(f fetch.File) error {
			f.Rel = p.prefix + f.Rel
			return fn(f)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

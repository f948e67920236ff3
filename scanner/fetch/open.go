package fetch

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

// Options configure how targets are fetched.
type Options struct {
	// Quick reads only what the analyzers need from remote files and
	// trusts the digests their origin states; the scan's Quick option must
	// be set with it.
	Quick bool
	// HFEndpoint is the Hugging Face Hub to talk to; empty means
	// $HF_ENDPOINT, else https://huggingface.co.
	HFEndpoint string
	// Endpoint is the URL of an S3-compatible object store.
	Endpoint string
	// Keep, when not empty, is a directory where every fetched remote file
	// is kept once it has been read in full. Nothing is written to disk
	// otherwise.
	Keep string
	// Transport carries every HTTP request of the OCI, Hugging Face and
	// http(s) fetchers; nil means http.DefaultTransport. A caller that
	// polices where it connects (modelgate serve) sets it, and object
	// store targets then may not override their endpoint.
	Transport http.RoundTripper
	// Policed says Transport is a caller's policed one: Open sets it
	// when it wraps a caller's Transport in the stall guard.
	Policed bool
	// StallTimeout bounds how long a request waits for its answer and a
	// read for its next byte (remote.StallGuard); 0 means
	// remote.DefaultStallTimeout, a negative value no bound. It never
	// bounds a whole download.
	StallTimeout time.Duration
	// Connections bounds the ranged requests one remote file is fetched
	// over when it is read in full; 0 means DefaultConnections. Quick
	// scans read little of each file and use one.
	Connections int
}

// DefaultConnections is the default of Options.Connections: CDNs
// (Hugging Face's, S3) cap each connection's rate well below a host's
// link, and eight connections at 15 MB/s each fill a gigabit one.
const DefaultConnections = 8

// MaxConnections caps Options.Connections: more would look like abuse to
// an origin and hold connections × 8 MiB in memory per file.
const MaxConnections = 64

// Conns is how many connections one remote file may be fetched over.
func (o Options) Conns() int {
	switch {
	case o.Quick:
		return 1
	case o.Connections <= 0:
		return DefaultConnections
	}
	return min(o.Connections, MaxConnections)
}

// Stall is the stall timeout StallTimeout means; 0 is none.
func (o Options) Stall() time.Duration {
	switch {
	case o.StallTimeout == 0:
		return remote.DefaultStallTimeout
	case o.StallTimeout < 0:
		return 0
	}
	return o.StallTimeout
}

// ErrUsage marks a target that is malformed or of an unsupported kind: a
// usage error, not a failure to fetch.
type ErrUsage struct{ Msg string }

func (e *ErrUsage) Error() string { return e.Msg }

// Usagef builds an ErrUsage.
func Usagef(format string, args ...any) error {
	return &ErrUsage{Msg: fmt.Sprintf(format, args...)}
}

// Opener resolves a target of one scheme to a Source.
type Opener func(ctx context.Context, target string, opts Options) (Source, error)

var (
	schemesMu sync.RWMutex
	schemes   = map[string]Opener{}
)

// RegisterScheme makes open the fetcher of targets that start with
// "scheme://". Sub-packages call it at init; a later registration for the
// same scheme replaces an earlier one.
func RegisterScheme(scheme string, open Opener) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	schemes[strings.ToLower(scheme)] = open
}

// hosts maps an https URL host to the scheme whose fetcher understands its
// URLs better than a plain download does (huggingface.co -> hf).
var hosts = map[string]string{"huggingface.co": "hf", "www.huggingface.co": "hf", "hf.co": "hf"}

// CleanTarget returns the form of target every later step uses: a local
// path cleaned once (./my-model/ is my-model), any other target as typed.
// Report paths, the policy's globs and the files a BOM reads again all
// derive from it, so they agree.
func CleanTarget(target string) string {
	if strings.Index(target, "://") > 0 {
		return target
	}
	return filepath.Clean(target)
}

// Open resolves a target string to a Source. A Source of a mutable
// reference (a branch, a tag) is pinned to an immutable one and reports it
// through Pinner.
func Open(ctx context.Context, target string, opts Options) (Source, error) {
	i := strings.Index(target, "://")
	if i <= 0 {
		return NewLocal(target)
	}
	scheme := strings.ToLower(target[:i])
	if scheme == "https" || scheme == "http" {
		host, _, _ := strings.Cut(target[i+3:], "/")
		if s, ok := hosts[strings.ToLower(host)]; ok && lookupScheme(s) != nil {
			scheme = s
		}
	}
	open := lookupScheme(scheme)
	if open == nil {
		return nil, Usagef("%s: %s:// targets are not supported by this build", target, target[:i])
	}
	if !remote.Guarded(opts.Transport) {
		opts.Policed = opts.Policed || opts.Transport != nil
		opts.Transport = remote.StallGuard(opts.Transport, opts.Stall())
	}
	src, err := open(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	if opts.Keep != "" {
		return Keep(src, opts.Keep), nil
	}
	return src, nil
}

func lookupScheme(s string) Opener {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	return schemes[s]
}

// Pinner is implemented by a Source whose target named a mutable
// reference: Pinned returns the immutable reference it was resolved to
// (hf://org/name@<commit>, oci://registry/repo@sha256:...), the one a
// report should record.
type Pinner interface {
	Pinned() string
}

// PinnedRef returns the pinned reference of src, or "" when it has none.
func PinnedRef(src Source) string {
	if p, ok := src.(Pinner); ok {
		return p.Pinned()
	}
	return ""
}

// Package blob fetches models from object storage — s3://bucket/prefix,
// gs://bucket/prefix and azblob://container/prefix — through
// gocloud.dev/blob with each provider's usual credential chain, and
// serves every object through ranged reads. It never writes to disk.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() {
	for _, s := range []string{"s3", "gs", "azblob"} {
		fetch.RegisterScheme(s, Open)
	}
}

// maxObjects caps a listing; a prefix with more objects is not one model.
const maxObjects = 100_000

// Source is the objects under a prefix of a bucket.
type Source struct {
	bucket  *blob.Bucket
	scheme  string
	display string // scheme://bucket/
	files   []fetch.File
	keys    []string // the object key of each of files
	// versions are the object versions OpenPinned pinned.
	versions []string
	// conns bounds the connections an object is fetched over; budget the
	// chunks all objects being read hold.
	conns  int
	budget *remote.Budget
	// stall bounds a wait of the SDK's ranged reads (remote.GuardOpener).
	stall time.Duration
}

// BucketURL turns a target into the gocloud bucket URL and the key prefix.
// endpoint, for s3://, points at an S3-compatible store (path-style
// addressing, region us-east-1 unless one is configured).
func BucketURL(target, endpoint string) (bucketURL, prefix string, err error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "", "", fetch.Usagef("%s: want s3://bucket[/prefix], gs://bucket[/prefix] or azblob://container[/prefix]", target)
	}
	prefix = strings.TrimPrefix(u.Path, "/")
	q := u.Query()
	if u.Scheme == "s3" && endpoint != "" {
		q.Set("endpoint", endpoint)
		q.Set("use_path_style", "true")
		if strings.HasPrefix(endpoint, "http://") {
			q.Set("disable_https", "true")
		}
		if q.Get("region") == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			q.Set("region", "us-east-1")
		}
	}
	b := url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: q.Encode()}
	return b.String(), prefix, nil
}

// Open lists the objects of an object-storage target.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	bu, prefix, err := BucketURL(target, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	// The SDKs dial on their own; a caller that polices its connections
	// cannot let a target point them at another endpoint.
	if u, _ := url.Parse(target); (opts.Policed || opts.Transport != nil && !remote.Guarded(opts.Transport)) && u.RawQuery != "" {
		return nil, fetch.Usagef("%s: parameters on an object store target are not accepted here", target)
	}
	u, _ := url.Parse(target)
	s, err := open(ctx, target, bu, u.Scheme+"://"+u.Host+"/", prefix, opts)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return s, nil
}

// accountRE is an Azure storage account name.
var accountRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// OpenAzure lists the blobs under prefix in container of the storage
// account, on the endpoint the azblob:// fetcher is configured for
// ($AZURE_STORAGE_DOMAIN, else blob.core.windows.net). A model registry
// names the account; only a valid account name is taken.
func OpenAzure(ctx context.Context, account, container, prefix string, opts fetch.Options) (*Source, error) {
	return openAzure(ctx, account, container, prefix, "", opts)
}

// openAzure is OpenAzure on the blob service domain given ("" for the
// configured one).
func openAzure(ctx context.Context, account, container, prefix, domain string, opts fetch.Options) (*Source, error) {
	target := "azblob://" + container + "/" + prefix
	if !accountRE.MatchString(account) {
		return nil, fmt.Errorf("%s: %q is not a storage account name", target, account)
	}
	q := url.Values{"storage_account": {account}}
	if domain != "" {
		q.Set("domain", domain)
	}
	bu := (&url.URL{Scheme: "azblob", Host: container, RawQuery: q.Encode()}).String()
	return open(ctx, target, bu, "azblob://"+container+"/", prefix, opts)
}

func open(ctx context.Context, target, bu, display, prefix string, opts fetch.Options) (*Source, error) {
	b, err := blob.OpenBucket(ctx, bu)
	if err != nil {
		return nil, fmt.Errorf("%s: open bucket: %w", target, err)
	}
	scheme, _, _ := strings.Cut(display, "://")
	s := &Source{bucket: b, scheme: scheme, display: display, conns: opts.Conns(), budget: remote.SourceBudget(opts.Conns()), stall: opts.Stall()}
	if err := s.list(ctx, prefix); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	if len(s.files) == 0 {
		b.Close()
		return nil, fmt.Errorf("%s: no objects under this prefix", target)
	}
	return s, nil
}

func (s *Source) list(ctx context.Context, prefix string) error {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		attrs, err := s.attributes(ctx, prefix)
		if err == nil {
			s.add(prefix, path.Base(prefix), attrs.Size)
			return nil
		}
		if gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("stat %s: %w", prefix, err)
		}
		prefix += "/"
	}
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		if obj.IsDir || strings.HasSuffix(obj.Key, "/") {
			continue
		}
		if len(s.files) >= maxObjects {
			return &formats.LimitError{Limit: "bucket-objects", Max: maxObjects}
		}
		s.add(obj.Key, strings.TrimPrefix(obj.Key, prefix), obj.Size)
	}
	idx := make([]int, len(s.files))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(s.files[a].Rel, s.files[b].Rel) })
	files, keys := make([]fetch.File, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		files[i], keys[i] = s.files[j], s.keys[j]
	}
	s.files, s.keys = files, keys
	return nil
}

// attributes asks the store about one object. gocloud's azureblob driver
// dereferences response headers it assumes present (x-ms-creation-time):
// an answer without them must end the scan of this target with an error,
// not crash the process.
func (s *Source) attributes(ctx context.Context, key string) (attrs *blob.Attributes, err error) {
	defer func() {
		if r := recover(); r != nil {
			attrs, err = nil, fmt.Errorf("the storage service's answer about %s lacks a field its client requires: %v", key, r)
		}
	}()
	return s.bucket.Attributes(ctx, key)
}

func (s *Source) add(key, rel string, size int64) {
	s.files = append(s.files, fetch.File{Path: s.display + key, Rel: rel})
	s.keys = append(s.keys, key)
	s.setFile(len(s.files)-1, key, size, "")
}

// setFile makes files[i] the object key of size bytes, read at version v
// ("" for whatever version is current).
func (s *Source) setFile(i int, key string, size int64, v string) {
	f := &s.files[i]
	f.Size = size
	rel := f.Rel
	switch {
	case rel == "" || strings.ContainsAny(rel, "\\\x00") || path.IsAbs(rel) || path.Clean(rel) != rel || slices.Contains(strings.Split(rel, "/"), ".."):
		f.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
			return nil, fmt.Errorf("object key %q is not a safe relative path; refusing it", key)
		}
	case size < 0 || size > remote.MaxFileSize:
		f.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
			return nil, fmt.Errorf("object %s states %d bytes: %w", key, size, &formats.LimitError{Limit: "remote-file-bytes", Max: remote.MaxFileSize})
		}
	default:
		f.Open = func(ctx context.Context) (fetch.ReaderAtCloser, error) {
			return remote.NewReaderAt(ctx, size, remote.GuardOpener(func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
				r, err := s.bucket.NewRangeReader(ctx, key, off, n, s.readVersion(v))
				if err != nil {
					return nil, fmt.Errorf("read %s at %d: %w", key, off, err)
				}
				return r, nil
			}, s.display, s.stall)).Parallel(s.conns, s.budget), nil
		}
	}
}

// Walk implements fetch.Source.
func (s *Source) Walk(ctx context.Context, fn func(fetch.File) error) error {
	for _, f := range s.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the bucket.
func (s *Source) Close() error { return s.bucket.Close() }

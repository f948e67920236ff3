package blob

import (
	"context"
	"fmt"
	"strconv"

	"cloud.google.com/go/storage"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"

	"github.com/modelgate/modelgate/scanner/fetch"
)

// maxPinned caps the objects whose versions are looked up one by one: a
// registry's model version is a few files, and past this many the
// lookups would cost more than the scan of a small model.
const maxPinned = 1000

// OpenPinned is Open for a location a model registry resolved: each
// object's version as it is now — its S3 version id when the bucket keeps
// versions, its Cloud Storage generation — is looked up, every read asks
// for that version, and Versions lists them, so the bytes scanned are the
// bytes the registry named even if the key is overwritten meanwhile. An
// object without a version (an unversioned S3 bucket) is read as Open
// reads it. Past maxPinned objects nothing is pinned.
func OpenPinned(ctx context.Context, target string, opts fetch.Options) (*Source, error) {
	src, err := Open(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	s := src.(*Source)
	if s.scheme != "s3" && s.scheme != "gs" || len(s.files) > maxPinned {
		return s, nil
	}
	for i, key := range s.keys {
		attrs, err := s.attributes(ctx, key)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: version of %s: %w", target, key, err)
		}
		v := s.version(attrs)
		if v == "" {
			continue
		}
		s.versions = append(s.versions, s.objectRef(key, v))
		s.setFile(i, key, attrs.Size, v)
	}
	return s, nil
}

// version is the object version attrs describe, "" when there is none.
func (s *Source) version(attrs *blob.Attributes) string {
	switch s.scheme {
	case "s3":
		var head s3.HeadObjectOutput
		if attrs.As(&head) && head.VersionId != nil && *head.VersionId != "null" {
			return *head.VersionId
		}
	case "gs":
		var oa storage.ObjectAttrs
		if attrs.As(&oa) && oa.Generation > 0 {
			return strconv.FormatInt(oa.Generation, 10)
		}
	}
	return ""
}

// objectRef names one version of an object as the provider's tools do:
// s3://bucket/key?versionId=V, gs://bucket/key#GENERATION.
func (s *Source) objectRef(key, v string) string {
	if s.scheme == "gs" {
		return s.display + key + "#" + v
	}
	return s.display + key + "?versionId=" + v
}

// readVersion makes a ranged read ask for version v of the object.
func (s *Source) readVersion(v string) *blob.ReaderOptions {
	if v == "" {
		return nil
	}
	return &blob.ReaderOptions{BeforeRead: func(as func(any) bool) error {
		switch s.scheme {
		case "s3":
			var in *s3.GetObjectInput
			if as(&in) {
				in.VersionId = &v
				return nil
			}
		case "gs":
			var oh **storage.ObjectHandle
			if as(&oh) {
				gen, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return fmt.Errorf("generation %q: %w", v, err)
				}
				*oh = (*oh).Generation(gen)
				return nil
			}
		}
		return fmt.Errorf("the %s client cannot read version %s", s.scheme, v)
	}}
}

// Versions lists the object versions OpenPinned pinned, in Walk order.
func (s *Source) Versions() []string { return s.versions }

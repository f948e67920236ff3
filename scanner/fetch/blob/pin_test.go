package blob

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

func readFiles(t *testing.T, src fetch.Source) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := src.Walk(context.Background(), func(f fetch.File) error {
		rc, err := f.Open(context.Background())
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.NewSectionReader(rc, 0, f.Size))
		got[f.Rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPinnedVersions: an object overwritten after a pinned open is still
// read at the version the open saw, and that version is reported; an
// unpinned open reads whatever is current.
func TestPinnedVersions(t *testing.T) {
	v1, v2 := []byte("the version the registry named"), []byte("bytes written afterwards, longer than those")
	endpoint, put := fetchtest.StartS3Versioned(t, "models", map[string][]byte{"fraud/3/model.pkl": v1, "fraud/3/MLmodel": []byte("flavors: {}\n")})
	opts := fetch.Options{Endpoint: endpoint}

	src, err := OpenPinned(context.Background(), "s3://models/fraud/3", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	vs := src.Versions()
	if len(vs) != 2 || !strings.HasPrefix(vs[0], "s3://models/fraud/3/MLmodel?versionId=") || !strings.HasPrefix(vs[1], "s3://models/fraud/3/model.pkl?versionId=") {
		t.Fatalf("versions %q", vs)
	}
	put("fraud/3/model.pkl", v2)
	if got := readFiles(t, src)["model.pkl"]; !bytes.Equal(got, v1) {
		t.Errorf("pinned read %q, want the version seen at open %q", got, v1)
	}

	plain, err := Open(context.Background(), "s3://models/fraud/3/model.pkl", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.(*Source).Close()
	if got := readFiles(t, plain)["model.pkl"]; !bytes.Equal(got, v2) {
		t.Errorf("unpinned read %q, want the current %q", got, v2)
	}
	if vs := plain.(*Source).Versions(); len(vs) != 0 {
		t.Errorf("unpinned open lists versions %q", vs)
	}
}

// TestPinnedGenerations: Cloud Storage objects are pinned to their
// generation, and reads ask for it.
func TestPinnedGenerations(t *testing.T) {
	fetchtest.StartGCS(t, "acme-models", map[string][]byte{"bert/3/model.pkl": []byte("\x80\x02.")})
	src, err := OpenPinned(context.Background(), "gs://acme-models/bert/3", fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if vs := src.Versions(); len(vs) != 1 || vs[0] != "gs://acme-models/bert/3/model.pkl#1" {
		t.Fatalf("versions %q", vs)
	}
	if got := readFiles(t, src)["model.pkl"]; string(got) != "\x80\x02." {
		t.Errorf("read %q", got)
	}
}

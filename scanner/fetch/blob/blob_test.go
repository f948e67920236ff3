package blob

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

func TestS3(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	endpoint := fetchtest.StartS3(t, "models", map[string][]byte{
		"bert/model.safetensors": big,
		"bert/config.json":       []byte(`{}`),
		"bert/sub/x.pkl":         []byte("\x80\x02."),
		"bertie/other.bin":       []byte("not under bert/"),
		"evil/../escape.bin":     []byte("x"),
	})
	tests := []struct {
		target string
		want   map[string][]byte
	}{
		{"s3://models/bert", map[string][]byte{"config.json": []byte(`{}`), "model.safetensors": big, "sub/x.pkl": []byte("\x80\x02.")}},
		{"s3://models/bert/config.json", map[string][]byte{"config.json": []byte(`{}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			src, err := fetch.Open(context.Background(), tt.target, fetch.Options{Endpoint: endpoint})
			if err != nil {
				t.Fatal(err)
			}
			defer src.(*Source).Close()
			got := readFiles(t, src)
			if len(got) != len(tt.want) {
				t.Errorf("got %d files, want %d", len(got), len(tt.want))
			}
			for k, v := range tt.want {
				if !bytes.Equal(got[k], v) {
					t.Errorf("%s: %d bytes differ", k, len(got[k]))
				}
			}
		})
	}
	if _, err := fetch.Open(context.Background(), "s3://models/nothing-here", fetch.Options{Endpoint: endpoint}); err == nil {
		t.Error("an empty prefix opened")
	}
	src, err := fetch.Open(context.Background(), "s3://models/evil", fetch.Options{Endpoint: endpoint})
	if err == nil {
		src.Walk(context.Background(), func(f fetch.File) error {
			if _, err := f.Open(context.Background()); err == nil && strings.Contains(f.Rel, "..") {
				t.Errorf("unsafe key %q opened", f.Rel)
			}
			return nil
		})
	}
}

func TestBucketURL(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	tests := []struct{ target, endpoint, bucket, prefix string }{
		{"s3://b/p/q", "", "s3://b", "p/q"},
		{"s3://b?region=eu-west-1", "", "s3://b?region=eu-west-1", ""},
		{"s3://b/p", "http://127.0.0.1:9000", "s3://b?disable_https=true&endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1&use_path_style=true", "p"},
		{"gs://b/m", "http://ignored", "gs://b", "m"},
		{"azblob://c/m/x.bin", "", "azblob://c", "m/x.bin"},
	}
	for _, tt := range tests {
		b, p, err := BucketURL(tt.target, tt.endpoint)
		if err != nil || b != tt.bucket || p != tt.prefix {
			t.Errorf("BucketURL(%q, %q) = %q, %q, %v; want %q, %q", tt.target, tt.endpoint, b, p, err, tt.bucket, tt.prefix)
		}
	}
}

// TestAzureAnswerMissingAHeader checks that a Blob service answering Get
// Blob Properties without x-ms-creation-time, which gocloud's driver
// dereferences unchecked, costs the target an error, not the process.
func TestAzureAnswerMissingAHeader(t *testing.T) {
	fetchtest.StartAzureBlobOmitting(t, "acct", "models", map[string][]byte{"m/model.bin": []byte("\x80\x02.")}, "x-ms-creation-time")
	_, err := OpenAzure(context.Background(), "acct", "models", "m/model.bin", fetch.Options{})
	if err == nil || !strings.Contains(err.Error(), "lacks a field") {
		t.Fatalf("got %v, want an error saying the answer lacks a field", err)
	}
}

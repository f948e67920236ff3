package sagemaker_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
	"github.com/modelgate/modelgate/scanner/fetch/internal/scantest"
	"github.com/modelgate/modelgate/scanner/fetch/sagemaker"
)

const (
	arn       = "arn:aws:sagemaker:us-east-1:123456789012:model-package/"
	benignPkl = "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."
	evilPkl   = "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
)

func tarGz(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// validSignature signs the request again with the test credentials at
// its X-Amz-Date and compares, as the service does.
func validSignature(r *http.Request, body []byte) bool {
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, h := range []string{"Content-Type", "X-Amz-Target"} {
		again.Header.Set(h, r.Header.Get(h))
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), "sagemaker", "us-east-1", at); err != nil {
		return false
	}
	return again.Header.Get("Authorization") == r.Header.Get("Authorization")
}

// standIn answers DescribeModelPackage as the SageMaker API reference
// documents it: awsJson1_1, SigV4-signed (checked), errors as {"__type", "message"}.
func standIn(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "SageMaker.DescribeModelPackage" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=test/") ||
			!strings.Contains(r.Header.Get("Authorization"), "/us-east-1/sagemaker/aws4_request") {
			http.Error(w, `{"__type":"IncompleteSignature","message":"bad request"}`, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !validSignature(r, body) {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"__type":"SignatureDoesNotMatch","message":"The request signature we calculated does not match the signature you provided."}`))
			return
		}
		var in struct{ ModelPackageName string }
		json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		container := map[string]any{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/infer:1"}
		pkg := in.ModelPackageName
		switch in.ModelPackageName {
		case "benign", arn + "benign/1":
			pkg = arn + "benign/1"
			container["ModelDataUrl"] = "s3://models/benign/model.tar.gz"
		case arn + "evil/2":
			container["ModelDataSource"] = map[string]any{"S3DataSource": map[string]any{
				"S3Uri": "s3://models/evil/", "S3DataType": "S3Prefix", "CompressionType": "None"}}
		case arn + "pair/1":
			second := map[string]any{"ModelDataUrl": "s3://models/evil/model.pkl"}
			container["ModelDataUrl"] = "s3://models/benign/model.tar.gz"
			json.NewEncoder(w).Encode(map[string]any{"ModelPackageArn": pkg,
				"InferenceSpecification": map[string]any{"Containers": []any{container, second, container}}})
			return
		case arn + "sneaky/1":
			container["ModelDataUrl"] = "s3://models/benign/model.tar.gz?endpoint=http://169.254.169.254"
		case arn + "secret/1":
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sagemaker:DescribeModelPackage"}`))
			return
		default:
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"com.amazonaws.sagemaker#ValidationException","message":"ModelPackage ` + in.ModelPackageName + ` does not exist."}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"ModelPackageArn":        pkg,
			"ModelPackageStatus":     "Completed",
			"InferenceSpecification": map[string]any{"Containers": []any{container}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestScanModelPackage(t *testing.T) {
	s3 := fetchtest.StartS3(t, "models", map[string][]byte{
		"benign/model.tar.gz": tarGz(t, "model.pkl", []byte(benignPkl)),
		"evil/model.pkl":      []byte(evilPkl),
	})
	t.Setenv("AWS_ENDPOINT_URL_SAGEMAKER", standIn(t).URL)
	// The objects read are pinned to their S3 version: the stand-in
	// gives every object one.
	const benign, evil = "#object=s3://models/benign/model.tar.gz?versionId=", "#object=s3://models/evil/model.pkl?versionId="
	tests := []struct {
		target, verdict, pinned string
	}{
		{"sagemaker://us-east-1/" + arn + "benign/1", "pass", "sagemaker://us-east-1/" + arn + "benign/1" + benign},
		{"sagemaker://us-east-1/benign", "pass", "sagemaker://us-east-1/" + arn + "benign/1" + benign},
		{"sagemaker://us-east-1/" + arn + "evil/2", "fail", "sagemaker://us-east-1/" + arn + "evil/2" + evil},
	}
	for _, quick := range []bool{false, true} {
		for _, tt := range tests {
			rep := scantest.Scan(t, tt.target, fetch.Options{Endpoint: s3, Quick: quick})
			p := rep.Pinned[tt.target]
			if rep.Summary.Verdict != tt.verdict || !strings.HasPrefix(p, tt.pinned) || len(p) == len(tt.pinned) || strings.Count(p, "#") != 1 || len(rep.Files) == 0 {
				t.Errorf("quick=%v %s: verdict %s pinned %q (%d files, errors %v); want %s pinned %q",
					quick, tt.target, rep.Summary.Verdict, rep.Pinned[tt.target], len(rep.Files), rep.Errors, tt.verdict, tt.pinned)
			}
		}
	}
}

// TestContainers checks that a package whose containers each name a
// location is scanned whole, each location under its own index.
func TestContainers(t *testing.T) {
	s3 := fetchtest.StartS3(t, "models", map[string][]byte{
		"benign/model.tar.gz": tarGz(t, "model.pkl", []byte(benignPkl)),
		"evil/model.pkl":      []byte(evilPkl),
	})
	t.Setenv("AWS_ENDPOINT_URL_SAGEMAKER", standIn(t).URL)
	src, err := fetch.Open(context.Background(), "sagemaker://us-east-1/"+arn+"pair/1", fetch.Options{Endpoint: s3})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	src.Walk(context.Background(), func(f fetch.File) error {
		rels = append(rels, f.Rel)
		return nil
	})
	if strings.Join(rels, " ") != "00/model.tar.gz 01/model.pkl" {
		t.Errorf("files %q, want the two distinct locations under 00/ and 01/", rels)
	}
}

func TestErrors(t *testing.T) {
	s3 := fetchtest.StartS3(t, "models", nil)
	api := standIn(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct{ endpoint, target, want string }{
		{api.URL, "sagemaker://us-east-1/" + arn + "benign/9", "ValidationException: ModelPackage " + arn + "benign/9 does not exist."},
		{api.URL, "sagemaker://us-east-1/" + arn + "secret/1", "HTTP 403 AccessDeniedException: User: arn:aws:iam::123456789012:user/ci is not authorized"},
		{api.URL, "sagemaker://us-east-1/" + arn + "sneaky/1", "not a plain s3:// object URL"},
		{down.URL, "sagemaker://us-east-1/" + arn + "benign/1", "connection refused"},
		{api.URL, "sagemaker://us-east-1/../x", "want sagemaker://REGION/"},
		{api.URL, "sagemaker://evil.example/benign", "want sagemaker://REGION/"},
	}
	for _, tt := range tests {
		t.Setenv("AWS_ENDPOINT_URL_SAGEMAKER", tt.endpoint)
		_, err := fetch.Open(context.Background(), tt.target, fetch.Options{Endpoint: s3})
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", tt.target, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, target := range []string{"sagemaker://us-east-1/", "sagemaker://us-east-1", "sagemaker://US-EAST-1/x", "sagemaker://us-east-1/a/b", "sagemaker://us-east-1/arn:aws:sagemaker:us-east-1:1:model-package/x/1"} {
		if _, _, err := sagemaker.Parse(target); err == nil {
			t.Errorf("%s parsed", target)
		}
	}
}

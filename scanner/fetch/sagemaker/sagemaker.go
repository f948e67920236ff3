// Package sagemaker fetches a model version from the Amazon SageMaker
// Model Registry: sagemaker://REGION/MODEL_PACKAGE is described with
// DescribeModelPackage (the JSON 1.1 protocol, signed with SigV4 and the
// AWS SDK's credential chain), and the S3 locations of its inference
// containers (ModelDataUrl, ModelDataSource.S3DataSource.S3Uri) are read
// through the s3:// fetcher. It never creates, changes or deploys a model
// package, and never follows a location that is not a plain s3:// URL.
//
// The API endpoint is https://api.sagemaker.REGION.amazonaws.com (.com.cn
// in China), or
// $AWS_ENDPOINT_URL_SAGEMAKER as the AWS SDKs read it; --endpoint still
// points the artifact reads at an S3-compatible store.
package sagemaker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/artifact"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() { fetch.RegisterScheme("sagemaker", Open) }

// maxResponse caps a DescribeModelPackage answer; real ones are a few KB.
const maxResponse = 4 << 20

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	// packageRE is a model package name or ARN as the API's ModelPackageName
	// accepts it (versioned packages: arn:...:model-package/GROUP/VERSION).
	packageRE = regexp.MustCompile(`^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}(/[0-9]+)?|[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$`)
)

// Parse splits sagemaker://REGION/MODEL_PACKAGE.
func Parse(target string) (region, pkg string, err error) {
	rest, ok := strings.CutPrefix(target, "sagemaker://")
	if ok {
		region, pkg, ok = strings.Cut(rest, "/")
	}
	if !ok || !regionRE.MatchString(region) || !packageRE.MatchString(pkg) {
		return "", "", fetch.Usagef("%s: want sagemaker://REGION/MODEL_PACKAGE_ARN (arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION) or sagemaker://REGION/MODEL_PACKAGE_NAME", target)
	}
	return region, pkg, nil
}

// description is the part of DescribeModelPackage's answer read here.
type description struct {
	ModelPackageArn        string
	InferenceSpecification struct {
		Containers []struct {
			ModelDataUrl    string
			ModelDataSource *struct {
				S3DataSource *struct{ S3Uri string }
			}
		}
	}
}

// Open resolves a sagemaker:// target to the S3 artifacts of the model
// package, pinned to its ARN.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	region, pkg, err := Parse(target)
	if err != nil {
		return nil, err
	}
	d, err := describe(ctx, region, pkg, opts.Transport)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	if !packageRE.MatchString(d.ModelPackageArn) || !strings.HasPrefix(d.ModelPackageArn, "arn:") {
		return nil, fmt.Errorf("%s: DescribeModelPackage answered ModelPackageArn %q, not a model package ARN", target, d.ModelPackageArn)
	}
	var locs []string
	for _, c := range d.InferenceSpecification.Containers {
		loc := c.ModelDataUrl
		if loc == "" && c.ModelDataSource != nil && c.ModelDataSource.S3DataSource != nil {
			loc = c.ModelDataSource.S3DataSource.S3Uri
		}
		if loc == "" {
			continue // a container whose image holds the model: nothing in S3 to scan
		}
		if err := artifact.CheckURL(loc, "s3"); err != nil {
			return nil, fmt.Errorf("%s: %w", target, err)
		}
		locs = append(locs, loc)
	}
	src, err := artifact.Open(ctx, "sagemaker://"+region+"/"+d.ModelPackageArn, locs, opts)
	if err != nil {
		return nil, err
	}
	return src, nil
}

func endpoint(region string) string {
	if e := os.Getenv("AWS_ENDPOINT_URL_SAGEMAKER"); e != "" {
		return strings.TrimSuffix(e, "/") + "/"
	}
	if strings.HasPrefix(region, "cn-") { // the aws-cn partition's domain
		return "https://api.sagemaker." + region + ".amazonaws.com.cn/"
	}
	return "https://api.sagemaker." + region + ".amazonaws.com/"
}

func describe(ctx context.Context, region, pkg string, rt http.RoundTripper) (*description, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("no AWS credentials found (environment, shared config, SSO, instance role)")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials: %w", err)
	}
	body, _ := json.Marshal(map[string]string{"ModelPackageName": pkg})
	url := endpoint(region)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("DescribeModelPackage: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "SageMaker.DescribeModelPackage")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sagemaker", region, time.Now()); err != nil {
		return nil, fmt.Errorf("DescribeModelPackage: sign: %w", err)
	}
	var d description
	call := remote.APICall{Op: "DescribeModelPackage", At: "DescribeModelPackage at " + url, Limit: maxResponse, Refused: apiError}
	if err := call.Do(req, rt, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// apiError renders an awsJson1_1 error answer ({"__type": ..., "message":
// ...}) on one line.
func apiError(status int, raw []byte) error {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(raw, &e)
	code := e.Type
	if i := strings.LastIndexAny(code, "#:"); i >= 0 {
		code = code[i+1:]
	}
	msg := e.Message
	if msg == "" {
		msg = e.MessageU
	}
	return fmt.Errorf("DescribeModelPackage: %w", remote.RefusalError(status, code, msg))
}

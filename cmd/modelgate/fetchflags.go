package main

import (
	"context"
	"fmt"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner/fetch"
	_ "github.com/modelgate/modelgate/scanner/fetch/all" // hf://, oci://, s3://, gs://, azblob://, https://, sagemaker://, vertex://, azureml://
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

// addFetchFlags registers the flags that shape how targets are fetched.
func addFetchFlags(f *pflag.FlagSet, o *fetch.Options) {
	f.BoolVar(&o.Quick, "quick", false, "structure-only scan: read only what the analyzers need (headers, zip directories, pickles), never tensor data; trust the digests the origin states and compute none for local files")
	f.StringVar(&o.HFEndpoint, "hf-endpoint", "", "Hugging Face Hub `URL` to fetch hf:// targets from, path prefix included (a JFrog Artifactory repository: https://HOST/artifactory/api/huggingfaceml/REPO); default $HF_ENDPOINT, else https://huggingface.co")
	f.StringVar(&o.Endpoint, "endpoint", "", "`URL` of an S3-compatible object store for s3:// targets")
	f.IntVar(&o.Connections, "connections", fetch.DefaultConnections, "connections one remote file is fetched over, in ranged chunks, when it is read in full (--quick uses one)")
	f.DurationVar(&o.StallTimeout, "stall-timeout", remote.DefaultStallTimeout, "fail a remote request when its server sends nothing for this `DURATION` (no answer, or no byte of a download); a slow but steady download is never cut; 0 means no bound")
	f.StringVar(&o.Keep, "keep", "", "keep a copy of every fetched remote file under `DIR` (nothing is written to disk otherwise)")
}

// addTimeoutFlag registers --timeout, the deadline of a whole run.
func addTimeoutFlag(f *pflag.FlagSet, d *time.Duration) {
	f.DurationVar(d, "timeout", 0, "give up after `DURATION` in all (no verdict, exit 2); 0 means no deadline. A stalled server is cut by --stall-timeout regardless")
}

// withTimeout bounds ctx by d when d > 0.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("--timeout %s reached", d))
}

// checkFetchFlags checks the values of the fetch flags and --timeout, and
// turns --stall-timeout 0 into the no bound fetch.Options spells < 0.
func checkFetchFlags(o *fetch.Options, timeout time.Duration) error {
	if o.StallTimeout < 0 {
		return fmt.Errorf("--stall-timeout %s: want a positive duration, or 0 for no bound", o.StallTimeout)
	}
	if timeout < 0 {
		return fmt.Errorf("--timeout %s: want a positive duration, or 0 for no deadline", timeout)
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = -1
	}
	return nil
}

// sigRemote is how signature checks reach a registry: through the stall
// guard, so a registry that stalls cannot hold a run while its signatures
// are read either.
func sigRemote(stall time.Duration) []ggcr.Option {
	if stall <= 0 {
		return nil
	}
	return []ggcr.Option{ggcr.WithTransport(remote.StallGuard(nil, stall))}
}

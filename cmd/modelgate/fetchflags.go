package main

import (
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner/fetch"
	_ "github.com/modelgate/modelgate/scanner/fetch/all" // hf://, oci://, s3://, gs://, azblob://, https://, sagemaker://, vertex://, azureml://
)

// addFetchFlags registers the flags that shape how targets are fetched.
func addFetchFlags(f *pflag.FlagSet, o *fetch.Options) {
	f.BoolVar(&o.Quick, "quick", false, "structure-only scan: read only what the analyzers need (headers, zip directories, pickles), never tensor data; trust the digests the origin states and compute none for local files")
	f.StringVar(&o.HFEndpoint, "hf-endpoint", "", "Hugging Face Hub `URL` to fetch hf:// targets from, path prefix included (a JFrog Artifactory repository: https://HOST/artifactory/api/huggingfaceml/REPO); default $HF_ENDPOINT, else https://huggingface.co")
	f.StringVar(&o.Endpoint, "endpoint", "", "`URL` of an S3-compatible object store for s3:// targets")
	f.IntVar(&o.Connections, "connections", fetch.DefaultConnections, "connections one remote file is fetched over, in ranged chunks, when it is read in full (--quick uses one)")
	f.StringVar(&o.Keep, "keep", "", "keep a copy of every fetched remote file under `DIR` (nothing is written to disk otherwise)")
}

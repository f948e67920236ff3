// Package all registers every remote fetcher this build has with package
// fetch. Import it for its side effects.
package all

import (
	_ "github.com/modelgate/modelgate/scanner/fetch/azureml"
	_ "github.com/modelgate/modelgate/scanner/fetch/blob"
	_ "github.com/modelgate/modelgate/scanner/fetch/hf"
	_ "github.com/modelgate/modelgate/scanner/fetch/httpfile"
	_ "github.com/modelgate/modelgate/scanner/fetch/mlflow"
	_ "github.com/modelgate/modelgate/scanner/fetch/oci"
	_ "github.com/modelgate/modelgate/scanner/fetch/sagemaker"
	_ "github.com/modelgate/modelgate/scanner/fetch/vertex"
)

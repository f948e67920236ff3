// Package azureml fetches a model version from an Azure Machine Learning
// registry: azureml://registries/R/models/M/versions/V is read with the
// Azure Resource Manager "Registry Model Versions - Get" call (the Azure
// identity chain: environment, workload identity, managed identity, Azure
// CLI), and the version's properties.modelUri, a blob in the registry's
// storage account, is read through the azblob:// fetcher. It never
// creates, changes or deploys a model, and never follows a modelUri that
// is not a plain Azure Blob Storage URL.
//
// A datastore URI, azureml://subscriptions/S/resourcegroups/G/workspaces/W/
// datastores/D/paths/P (as the Azure ML SDK and CLI name data and model
// files), is read the same way: "Datastores - Get" names the Azure Blob
// container or Data Lake Gen2 file system, and P is read under it.
//
// Resource Manager needs the registry's subscription and resource group:
// give them in the target (azureml://subscriptions/S/resourceGroups/G/
// registries/R/models/M/versions/V) or as $AZURE_SUBSCRIPTION_ID and
// $AZURE_RESOURCE_GROUP. The endpoint is https://management.azure.com, or
// $MODELGATE_AZUREML_ENDPOINT; an http:// override is taken for a local
// stand-in and is sent no credentials.
package azureml

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/blob"
	"github.com/modelgate/modelgate/scanner/fetch/internal/artifact"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() { fetch.RegisterScheme("azureml", Open) }

const (
	apiVersion = "2024-10-01"
	// maxResponse caps a model version answer; real ones are a few KB.
	maxResponse = 4 << 20
)

var (
	targetRE = regexp.MustCompile(`^azureml://(subscriptions/([0-9a-fA-F-]{36})/resourceGroups/([a-zA-Z0-9_()-][a-zA-Z0-9._()-]{0,89})/)?registries/([a-zA-Z0-9][a-zA-Z0-9_-]{2,32})/models/([a-zA-Z0-9][a-zA-Z0-9._-]{0,254})/versions/([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})$`)
	subRE    = regexp.MustCompile(`^[0-9a-fA-F-]{36}$`)
	groupRE  = regexp.MustCompile(`^[a-zA-Z0-9_()-][a-zA-Z0-9._()-]{0,89}$`)
)

// Ref is a registry model version.
type Ref struct{ Subscription, ResourceGroup, Registry, Model, Version string }

// Parse reads an azureml:// target, taking the subscription and resource
// group from the environment when the target has none.
func Parse(target string) (Ref, error) {
	m := targetRE.FindStringSubmatch(target)
	if m == nil {
		return Ref{}, fetch.Usagef("%s: want azureml://registries/REGISTRY/models/MODEL/versions/VERSION (or azureml://subscriptions/SUB/resourceGroups/GROUP/registries/...)", target)
	}
	r := Ref{m[2], m[3], m[4], m[5], m[6]}
	if r.Subscription == "" {
		r.Subscription, r.ResourceGroup = os.Getenv("AZURE_SUBSCRIPTION_ID"), os.Getenv("AZURE_RESOURCE_GROUP")
		if !subRE.MatchString(r.Subscription) || !groupRE.MatchString(r.ResourceGroup) {
			return Ref{}, fetch.Usagef("%s: the registry's subscription and resource group are needed: set AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP, or write azureml://subscriptions/SUB/resourceGroups/GROUP/registries/...", target)
		}
	}
	return r, nil
}

func (r Ref) path() string {
	return "/subscriptions/" + url.PathEscape(r.Subscription) + "/resourceGroups/" + url.PathEscape(r.ResourceGroup) +
		"/providers/Microsoft.MachineLearningServices/registries/" + url.PathEscape(r.Registry) +
		"/models/" + url.PathEscape(r.Model) + "/versions/" + url.PathEscape(r.Version)
}

// Open resolves an azureml:// target to the blobs of the model version,
// or of the datastore path.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	if d, ok, err := ParseDatastore(target); ok {
		if err != nil {
			return nil, err
		}
		return openDatastore(ctx, target, d, opts)
	}
	ref, err := Parse(target)
	if err != nil {
		return nil, err
	}
	modelURI, err := get(ctx, ref, opts.Transport)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	loc, err := blob.ParseAzureURL(modelURI)
	if err != nil {
		return nil, fmt.Errorf("%s: modelUri %w", target, err)
	}
	pinned := "azureml://subscriptions/" + ref.Subscription + "/resourceGroups/" + ref.ResourceGroup +
		"/registries/" + ref.Registry + "/models/" + ref.Model + "/versions/" + ref.Version
	src, err := blob.OpenAzureLocation(ctx, loc, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: artifact %w", target, err)
	}
	return artifact.Join(pinned, src), nil
}

// armGet reads the Resource Manager resource at path (under the endpoint)
// into out; what names the call in errors.
func armGet(ctx context.Context, path, what string, rt http.RoundTripper, out any) error {
	base := "https://management.azure.com"
	if e := os.Getenv("MODELGATE_AZUREML_ENDPOINT"); e != "" {
		base = strings.TrimSuffix(e, "/")
	}
	u := base + path + "?api-version=" + apiVersion
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !strings.HasPrefix(base, "http://") {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return fmt.Errorf("azure credentials: %w", err)
		}
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
		if err != nil {
			return fmt.Errorf("azure credentials: %s", strings.Join(strings.Fields(err.Error()), " "))
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
	}
	call := remote.APICall{Op: what, At: what, Limit: maxResponse, Refused: func(status int, raw []byte) error {
		return fmt.Errorf("%s: %w", what, apiError(status, raw))
	}}
	return call.Do(req, rt, out)
}

func get(ctx context.Context, ref Ref, rt http.RoundTripper) (string, error) {
	var v struct {
		Properties struct {
			ModelURI string `json:"modelUri"`
		} `json:"properties"`
	}
	if err := armGet(ctx, ref.path(), "get model version", rt, &v); err != nil {
		return "", err
	}
	if v.Properties.ModelURI == "" {
		return "", fmt.Errorf("get model version: the answer has no properties.modelUri")
	}
	return v.Properties.ModelURI, nil
}

// apiError renders a Resource Manager error answer ({"error": {"code",
// "message"}}) on one line.
func apiError(status int, raw []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return remote.RefusalError(status, e.Error.Code, e.Error.Message)
}

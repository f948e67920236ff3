package azureml

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/blob"
	"github.com/modelgate/modelgate/scanner/fetch/internal/artifact"
)

// datastoreRE is an Azure Machine Learning datastore URI as the Azure ML
// SDK and CLI write it: azureml://subscriptions/S/resourcegroups/G/
// workspaces/W/datastores/D/paths/P.
var datastoreRE = regexp.MustCompile(`^azureml://subscriptions/([0-9a-fA-F-]{36})/resource[gG]roups/([a-zA-Z0-9_()-][a-zA-Z0-9._()-]{0,89})/(?:providers/Microsoft\.MachineLearningServices/)?workspaces/([a-zA-Z0-9][a-zA-Z0-9_-]{2,32})/datastores/([a-zA-Z0-9_]{1,255})/paths/([^?#]*)$`)

// Datastore is a path in a workspace's datastore.
type Datastore struct{ Subscription, ResourceGroup, Workspace, Name, Path string }

// ParseDatastore reads a datastore URI; ok is false when target is not
// one.
func ParseDatastore(target string) (d Datastore, ok bool, err error) {
	m := datastoreRE.FindStringSubmatch(target)
	if m == nil {
		return Datastore{}, false, nil
	}
	d = Datastore{m[1], m[2], m[3], m[4], strings.TrimSuffix(m[5], "/")}
	if p, err := url.PathUnescape(d.Path); err == nil {
		d.Path = p
	}
	if d.Path != "" && (strings.ContainsAny(d.Path, "\\\x00") || path.IsAbs(d.Path) || path.Clean(d.Path) != d.Path || slices.Contains(strings.Split(d.Path, "/"), "..")) {
		return Datastore{}, true, fetch.Usagef("%s: the path %q is not a plain relative path", target, d.Path)
	}
	return d, true, nil
}

func (d Datastore) path() string {
	return "/subscriptions/" + url.PathEscape(d.Subscription) + "/resourceGroups/" + url.PathEscape(d.ResourceGroup) +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + url.PathEscape(d.Workspace) +
		"/datastores/" + url.PathEscape(d.Name)
}

// location asks Resource Manager ("Datastores - Get") which storage the
// datastore is: an Azure Blob container or a Data Lake Gen2 file system.
func (d Datastore) location(ctx context.Context, rt http.RoundTripper) (blob.AzureLocation, error) {
	var v struct {
		Properties struct {
			DatastoreType string `json:"datastoreType"`
			AccountName   string `json:"accountName"`
			ContainerName string `json:"containerName"`
			Filesystem    string `json:"filesystem"`
			Endpoint      string `json:"endpoint"`
		} `json:"properties"`
	}
	if err := armGet(ctx, d.path(), "get datastore", rt, &v); err != nil {
		return blob.AzureLocation{}, err
	}
	p := v.Properties
	container := p.ContainerName
	switch p.DatastoreType {
	case "AzureBlob":
	case "AzureDataLakeGen2":
		container = p.Filesystem
	default:
		return blob.AzureLocation{}, fmt.Errorf("datastore %s is of type %q: only AzureBlob and AzureDataLakeGen2 datastores are read", d.Name, p.DatastoreType)
	}
	endpoint := p.Endpoint
	if endpoint == "" {
		endpoint = "core.windows.net"
	}
	// The answer is checked as a URL a registry would have named.
	l, err := blob.ParseAzureURL("https://" + p.AccountName + ".blob." + endpoint + "/" + container)
	if err != nil {
		return blob.AzureLocation{}, fmt.Errorf("datastore %s: %w", d.Name, err)
	}
	l.Prefix = d.Path
	return l, nil
}

// openDatastore serves the blobs under a datastore URI's path.
func openDatastore(ctx context.Context, target string, d Datastore, opts fetch.Options) (fetch.Source, error) {
	loc, err := d.location(ctx, opts.Transport)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	src, err := blob.OpenAzureLocation(ctx, loc, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return artifact.Join(target, src), nil
}

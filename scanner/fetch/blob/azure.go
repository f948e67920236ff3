package blob

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/modelgate/modelgate/scanner/fetch"
)

// AzureLocation is a path in a container of an Azure storage account.
type AzureLocation struct {
	Account, Container, Prefix string
	// Domain is the cloud's blob service domain (blob.core.windows.net,
	// or blob.core.chinacloudapi.cn for Azure China).
	Domain string
}

// azureHostRE is a storage account's blob or Data Lake (dfs) endpoint in
// the public or the China cloud: the hosts MLflow's Azure artifact
// repositories accept.
var azureHostRE = regexp.MustCompile(`^([a-z0-9]{3,24})\.(blob|dfs)\.core\.(windows\.net|chinacloudapi\.cn)$`)

// ParseAzureURL reads the shapes a registry names Azure storage with:
// https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH, the Hadoop-style
// wasbs://CONTAINER@ACCOUNT.blob.core.windows.net/PATH (MLflow's
// AzureBlobArtifactRepository; wasb:// too) and abfss://FILESYSTEM@ACCOUNT.
// dfs.core.windows.net/PATH (its AzureDataLakeArtifactRepository; abfs://
// too). A Data Lake Gen2 file system is read through the Blob API of the
// same account, which serves it as a container. Anything else — a query
// (a SAS token), a fragment, a password, another host — is refused: a
// registry's answer is as hostile as a model's bytes.
func ParseAzureURL(loc string) (AzureLocation, error) {
	bad := fmt.Errorf("%q is not a plain Azure Blob Storage or Data Lake URL; refusing it", loc)
	u, err := url.Parse(loc)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || u.ForceQuery {
		return AzureLocation{}, bad
	}
	m := azureHostRE.FindStringSubmatch(u.Host)
	if m == nil {
		return AzureLocation{}, bad
	}
	l := AzureLocation{Account: m[1], Domain: "blob.core." + m[3]}
	p := strings.TrimPrefix(u.Path, "/")
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "https" && m[2] == "blob" && u.User == nil:
		l.Container, l.Prefix, _ = strings.Cut(p, "/")
	case (scheme == "wasbs" || scheme == "wasb") && m[2] == "blob",
		(scheme == "abfss" || scheme == "abfs") && m[2] == "dfs":
		if u.User == nil {
			return AzureLocation{}, bad
		}
		if _, hasPass := u.User.Password(); hasPass {
			return AzureLocation{}, bad
		}
		l.Container, l.Prefix = u.User.Username(), p
	default:
		return AzureLocation{}, bad
	}
	if !validContainer(l.Container) {
		return AzureLocation{}, bad
	}
	return l, nil
}

// containerRE is a container (or Data Lake file system) name: 3 to 63
// lower-case letters, digits and single hyphens; or $root.
var containerRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func validContainer(c string) bool {
	return c == "$root" || (containerRE.MatchString(c) && !strings.Contains(c, "--"))
}

// OpenAzureLocation lists the blobs of l. The blob service of l's cloud
// is used unless $AZURE_STORAGE_DOMAIN configures the azblob:// fetcher
// for another (an emulator, a sovereign cloud, a private endpoint).
func OpenAzureLocation(ctx context.Context, l AzureLocation, opts fetch.Options) (*Source, error) {
	domain := ""
	if os.Getenv("AZURE_STORAGE_DOMAIN") == "" && l.Domain != "blob.core.windows.net" {
		domain = l.Domain
	}
	return openAzure(ctx, l.Account, l.Container, l.Prefix, domain, opts)
}

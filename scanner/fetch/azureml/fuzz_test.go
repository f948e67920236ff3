package azureml

import (
	"strings"
	"testing"
)

// FuzzLocation checks that a hostile modelUri never yields an account or
// container that could steer the blob client elsewhere.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{
		"https://acct.blob.core.windows.net/c/p/q",
		"wasbs://c@acct.blob.core.windows.net/p",
		"https://acct.blob.core.windows.net.evil/c/p",
		"wasbs://c:k@acct.blob.core.windows.net/p",
		"azureml://registries/r/models/m/versions/1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		account, container, _, err := blobLocation(uri)
		if err != nil {
			return
		}
		if !blobHostRE.MatchString(account+".blob.core.windows.net") || container == "" || strings.ContainsAny(container, "/?#") {
			t.Fatalf("%q accepted as account %q container %q", uri, account, container)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add("azureml://registries/reg/models/m/versions/1")
	f.Add("azureml://subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/g/registries/reg/models/m/versions/1")
	f.Fuzz(func(t *testing.T, target string) {
		t.Setenv("AZURE_SUBSCRIPTION_ID", "00000000-1111-2222-3333-444444444444")
		t.Setenv("AZURE_RESOURCE_GROUP", "g")
		r, err := Parse(target)
		if err != nil {
			return
		}
		for _, s := range []string{r.Registry, r.Model, r.Version, r.ResourceGroup} {
			if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/?#%") {
				t.Fatalf("%q parsed to an unsafe path segment %q", target, s)
			}
		}
	})
}

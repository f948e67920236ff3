package azureml

import (
	"strings"
	"testing"
)

// FuzzParse checks that a target never parses to a path segment that
// could steer the Resource Manager call elsewhere.
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

// FuzzParseDatastore checks that a datastore URI never yields a path that
// leaves the datastore.
func FuzzParseDatastore(f *testing.F) {
	f.Add("azureml://subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/g/workspaces/ws1/datastores/workspaceblobstore/paths/m/3/")
	f.Add("azureml://subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/g/workspaces/ws1/datastores/d/paths/a/%2e%2e/b")
	f.Fuzz(func(t *testing.T, target string) {
		d, ok, err := ParseDatastore(target)
		if !ok || err != nil {
			return
		}
		if strings.HasPrefix(d.Path, "/") || strings.Contains("/"+d.Path+"/", "/../") || strings.ContainsAny(d.Name+d.Workspace, "/?#%") {
			t.Fatalf("%q parsed to %+v", target, d)
		}
	})
}

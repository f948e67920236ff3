package blob

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

func TestParseAzureURL(t *testing.T) {
	for _, tc := range []struct {
		loc  string
		want AzureLocation // zero: refused
	}{
		{"wasbs://models@acct.blob.core.windows.net/0/run1/artifacts/model", AzureLocation{"acct", "models", "0/run1/artifacts/model", "blob.core.windows.net"}},
		{"wasb://models@acct.blob.core.windows.net/m", AzureLocation{"acct", "models", "m", "blob.core.windows.net"}},
		{"wasbs://models@acct.blob.core.chinacloudapi.cn/m", AzureLocation{"acct", "models", "m", "blob.core.chinacloudapi.cn"}},
		{"abfss://lake@acct.dfs.core.windows.net/mlflow/1/model", AzureLocation{"acct", "lake", "mlflow/1/model", "blob.core.windows.net"}},
		{"https://acct.blob.core.windows.net/models/m/v1", AzureLocation{"acct", "models", "m/v1", "blob.core.windows.net"}},
		{"https://acct.blob.core.windows.net/models", AzureLocation{"acct", "models", "", "blob.core.windows.net"}},
		{"wasbs://models@acct.blob.core.windows.net.evil.example/m", AzureLocation{}},
		{"wasbs://models:key@acct.blob.core.windows.net/m", AzureLocation{}},
		{"wasbs://acct.blob.core.windows.net/m", AzureLocation{}},
		{"abfss://lake@acct.blob.core.windows.net/m", AzureLocation{}},
		{"wasbs://lake@acct.dfs.core.windows.net/m", AzureLocation{}},
		{"https://acct.blob.core.windows.net/models/m?sv=2020&sig=x", AzureLocation{}},
		{"https://user@acct.blob.core.windows.net/models/m", AzureLocation{}},
		{"https://acct.dfs.core.windows.net/models/m", AzureLocation{}},
		{"wasbs://Models@acct.blob.core.windows.net/m", AzureLocation{}},
		{"wasbs://a--b@acct.blob.core.windows.net/m", AzureLocation{}},
		{"s3://models@acct.blob.core.windows.net/m", AzureLocation{}},
		{"wasbs://models@ACCT.blob.core.windows.net/m", AzureLocation{}},
	} {
		got, err := ParseAzureURL(tc.loc)
		if got != tc.want || (err == nil) != (tc.want != AzureLocation{}) {
			t.Errorf("ParseAzureURL(%q) = %+v, %v; want %+v", tc.loc, got, err, tc.want)
		}
	}
}

// TestAzureLocation reads an abfss:// location through the Blob API of
// the Azure Blob stand-in.
func TestAzureLocation(t *testing.T) {
	fetchtest.StartAzureBlob(t, "acct", "lake", map[string][]byte{"mlflow/1/model/MLmodel": []byte("flavors: {}\n"), "mlflow/10/x": []byte("no")})
	l, err := ParseAzureURL("abfss://lake@acct.dfs.core.windows.net/mlflow/1/model")
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenAzureLocation(context.Background(), l, fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := readFiles(t, src)
	if _, ok := got["MLmodel"]; !ok || len(got) != 1 {
		t.Fatalf("files %q; want MLmodel", slices.Sorted(maps.Keys(got)))
	}
}

// FuzzAzureURL checks that a hostile location never yields an account or
// container that could steer the blob client elsewhere.
func FuzzAzureURL(f *testing.F) {
	for _, s := range []string{
		"https://acct.blob.core.windows.net/c0/p/q",
		"wasbs://c0c@acct.blob.core.windows.net/p",
		"abfss://fs0@acct.dfs.core.windows.net/p",
		"https://acct.blob.core.windows.net.evil/c/p",
		"wasbs://c:k@acct.blob.core.windows.net/p",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, loc string) {
		l, err := ParseAzureURL(loc)
		if err != nil {
			return
		}
		if !accountRE.MatchString(l.Account) || !validContainer(l.Container) || strings.Contains(l.Account+l.Container, "/") {
			t.Fatalf("%q accepted as %+v", loc, l)
		}
	})
}

package sagemaker

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add("sagemaker://us-east-1/arn:aws:sagemaker:us-east-1:123456789012:model-package/g/3")
	f.Add("sagemaker://evil.example/x")
	f.Fuzz(func(t *testing.T, target string) {
		region, pkg, err := Parse(target)
		if err != nil {
			return
		}
		// The region becomes part of the API host name.
		if strings.ContainsAny(region, "./:@?#") || pkg == "" {
			t.Fatalf("%q parsed to region %q package %q", target, region, pkg)
		}
	})
}

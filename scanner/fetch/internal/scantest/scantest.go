// Package scantest opens and scans one fetch target for the registry
// resolvers' end-to-end tests. It is for tests only and never reaches the
// network beyond the stand-in servers a test points it at.
package scantest

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// Scan opens target with opts and scans it alone, quick when opts is; a
// failure to open or to scan ends the test.
func Scan(t testing.TB, target string, opts fetch.Options) *scanner.Report {
	t.Helper()
	src, err := fetch.Open(context.Background(), target, opts)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: target, Source: src}}, scanner.Options{Quick: opts.Quick})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

package scanner_test

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate/scanner"
)

// TestFileChangedDuringScan: a local file written to while it is scanned
// (its stamp differs before and after) has been judged on bytes the
// reported sha256 may not cover: the analyzers re-read heads and
// directories the hash does not see again. Without a cache as with one,
// full or quick, it ends inconclusive, never clean.
func TestFileChangedDuringScan(t *testing.T) {
	for _, quick := range []bool{false, true} {
		for _, touched := range []bool{false, true} {
			s := &stampSource{data: benign, touched: touched}
			rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "d", Source: s}},
				scanner.Options{Jobs: 1, Quick: quick})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Files[0]
			want := scanner.Clean
			if touched {
				want = scanner.Inconclusive
			}
			if r.Outcome != want {
				t.Errorf("quick %v, touched %v: outcome %s (%s), want %s", quick, touched, r.Outcome, r.Error, want)
			}
		}
	}
}

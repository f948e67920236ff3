package scanner_test

import (
	"testing"

	"github.com/modelgate/modelgate/scanner"
)

// TestEncryptedZipInconclusive checks that archives whose members are
// really encrypted (made by Info-ZIP's zip -e) end inconclusive as
// unsupported, with none of the flag, CRC or size findings encryption
// used to cause.
func TestEncryptedZipInconclusive(t *testing.T) {
	for _, name := range []string{"encrypted_stored.zip", "encrypted_deflated.zip"} {
		t.Run(name, func(t *testing.T) {
			r := scanOne(t, "../formats/zip/testdata/"+name)
			if r.Outcome != scanner.Inconclusive || r.Reason != "unsupported" {
				t.Errorf("outcome %s (%s), want inconclusive (unsupported): %s", r.Outcome, r.Reason, r.Error)
			}
			if len(r.Findings) != 0 {
				t.Errorf("findings %v", r.Findings)
			}
		})
	}
}

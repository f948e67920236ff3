package bom

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/signatures"
)

// Verdict is the https://modelgate.dev/verdict/v1 predicate of a judged
// report about the manifest digest (sha256:<hex>).
func Verdict(rep *scanner.Report, digest string) signatures.Verdict {
	v := signatures.Verdict{
		Verdict:      rep.Summary.Verdict,
		RulesVersion: rep.Tool.Version,
		FailOn:       rep.Summary.FailOn,
		Findings:     map[string]int{},
		Files: map[string]int{
			"scanned": rep.Summary.Files, "clean": rep.Summary.Clean, "findings": rep.Summary.WithFindings,
			"inconclusive": rep.Summary.Inconclusive, "skipped": rep.Summary.Skipped,
		},
		Subject:   digest,
		ScannedAt: rep.StartedAt.UTC().Format(time.RFC3339),
	}
	v.Scanner.Name, v.Scanner.Version = rep.Tool.Name, rep.Tool.Version
	// Every severity is present, zero or not, so a policy can test
	// findings.critical == 0 without a missing key reading as a pass.
	for _, s := range []formats.Severity{formats.Info, formats.Low, formats.Medium, formats.High, formats.Critical} {
		v.Findings[s.String()] = 0
	}
	maps.Copy(v.Findings, rep.Summary.BySeverity)
	if rep.Policy != nil {
		v.PolicyDigest = "sha256:" + rep.Policy.SHA256
	}
	return v
}

// Statements are the two attestations modelgate attaches to a scanned OCI
// artifact: its CycloneDX BOM (bomJSON, as Encode wrote it) and the
// verdict of rep about digest.
func Statements(bomJSON []byte, rep *scanner.Report, digest string) ([]signatures.Statement, error) {
	verdict, err := json.Marshal(Verdict(rep, digest))
	if err != nil {
		return nil, fmt.Errorf("encode verdict: %w", err)
	}
	return []signatures.Statement{
		{PredicateType: signatures.CycloneDXPredicateType, Predicate: bomJSON},
		{PredicateType: signatures.VerdictPredicateType, Predicate: verdict},
	}, nil
}

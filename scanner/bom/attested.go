package bom

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/modelgate/modelgate/signatures"
)

// Caps on an attested BOM compared with the scan's own.
const maxAttestedFiles = 100_000

// attestedFacts are what verified attestations add to the model
// component: SLSA provenance in its pedigree and properties, and the
// comparison of an attested CycloneDX BOM with the scan's files.
func attestedFacts(model *cdx.Component, comps []cdx.Component, a *signatures.AttestationsResult) []cdx.Property {
	if a == nil {
		return nil
	}
	p := []cdx.Property{{Name: "modelgate:attestations:status", Value: string(a.Status)}}
	if a.Status != signatures.Verified {
		// Statements that did not all verify are nobody's word: none of
		// their claims is recorded.
		if a.Reason != "" {
			p = append(p, cdx.Property{Name: "modelgate:attestations:reason", Value: a.Reason})
		}
		return p
	}
	for _, at := range a.Attestations {
		p = append(p, cdx.Property{Name: "modelgate:attestations:predicate", Value: at.PredicateType})
		if pv := at.Provenance; pv != nil {
			p = append(p, provenancePedigree(model, at.PredicateType, *pv)...)
		}
		if at.PredicateType == signatures.CycloneDXPredicateType {
			diff, err := CompareFiles(comps, at.Predicate)
			switch {
			case err != nil:
				p = append(p, cdx.Property{Name: "modelgate:attested-bom", Value: "unreadable: " + err.Error()})
			case len(diff) == 0:
				p = append(p, cdx.Property{Name: "modelgate:attested-bom", Value: "match"})
			default:
				p = append(p, cdx.Property{Name: "modelgate:attested-bom", Value: "mismatch"})
				for _, d := range diff {
					p = append(p, cdx.Property{Name: "modelgate:attested-bom:mismatch", Value: d})
				}
			}
		}
	}
	return p
}

// provenancePedigree records a verified SLSA provenance: the source
// commit in the model's pedigree, and builder, build type, source and
// digest as properties (the pedigree has no field for a builder).
func provenancePedigree(model *cdx.Component, predicateType string, pv signatures.Provenance) []cdx.Property {
	var p []cdx.Property
	add := func(k, v string) {
		if v != "" {
			p = append(p, cdx.Property{Name: "modelgate:provenance:" + k, Value: v})
		}
	}
	add("predicate", predicateType)
	add("builder", pv.BuilderID)
	add("build-type", pv.BuildType)
	add("source", pv.SourceRepository)
	add("source-digest", pv.SourceDigest)
	if pv.SourceRepository == "" && pv.SourceDigest == "" && pv.BuilderID == "" {
		return p
	}
	if model.Pedigree == nil {
		model.Pedigree = &cdx.Pedigree{}
	}
	c := cdx.Commit{UID: commitUID(pv.SourceDigest)}
	if u, err := url.Parse(pv.SourceRepository); err == nil && u.Scheme != "" {
		c.URL = pv.SourceRepository
	}
	if c.UID != "" || c.URL != "" {
		commits := []cdx.Commit{}
		if model.Pedigree.Commits != nil {
			commits = *model.Pedigree.Commits
		}
		commits = append(commits, c)
		model.Pedigree.Commits = &commits
	}
	note := fmt.Sprintf("SLSA provenance (%s), verified attestation: built by %s from %s", predicateType, orUnknown(pv.BuilderID), orUnknown(pv.SourceRepository))
	if pv.SourceDigest != "" {
		note += " at " + pv.SourceDigest
	}
	if model.Pedigree.Notes != "" {
		note = model.Pedigree.Notes + "\n" + note
	}
	model.Pedigree.Notes = note
	return p
}

// commitUID is a source digest's value (gitCommit:abc → abc).
func commitUID(d string) string {
	if _, v, ok := strings.Cut(d, ":"); ok {
		return v
	}
	return d
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// CompareFiles compares the file components of an attested CycloneDX BOM
// with the scan's own (comps): a file whose SHA-256 differs, one the scan
// found and the attested BOM does not list, and one it lists that the
// scan did not find, one line each, sorted. Files without a SHA-256 on
// either side are compared by presence only.
func CompareFiles(comps []cdx.Component, attested []byte) ([]string, error) {
	var ab cdx.BOM
	if err := json.Unmarshal(attested, &ab); err != nil {
		return nil, fmt.Errorf("attested BOM: %w", err)
	}
	if ab.Components != nil && len(*ab.Components) > maxAttestedFiles {
		return nil, fmt.Errorf("attested BOM lists %d components, more than %d", len(*ab.Components), maxAttestedFiles)
	}
	theirs := fileHashes(ab.Components)
	ours := fileHashes(&comps)
	var diff []string
	for n, h := range ours {
		a, ok := theirs[n]
		switch {
		case !ok:
			diff = append(diff, n+": scanned, not in the attested BOM")
		case a != h && a != "" && h != "":
			diff = append(diff, fmt.Sprintf("%s: attested sha256:%s, scanned sha256:%s", n, a, h))
		}
	}
	for n := range theirs {
		if _, ok := ours[n]; !ok {
			diff = append(diff, n+": in the attested BOM, not scanned")
		}
	}
	slices.Sort(diff)
	return diff, nil
}

// fileHashes maps each file component's name to its SHA-256 ("" when it
// has none).
func fileHashes(cs *[]cdx.Component) map[string]string {
	m := map[string]string{}
	if cs == nil {
		return m
	}
	for _, c := range *cs {
		if c.Type != cdx.ComponentTypeFile {
			continue
		}
		h := ""
		if c.Hashes != nil {
			for _, x := range *c.Hashes {
				if x.Algorithm == cdx.HashAlgoSHA256 {
					h = strings.ToLower(x.Value)
				}
			}
		}
		m[c.Name] = h
	}
	return m
}

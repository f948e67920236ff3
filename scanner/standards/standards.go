// Package standards maps modelgate rule IDs to the industry frameworks a
// risk team reports against: CWE weaknesses, MITRE ATLAS techniques, the
// OWASP Top 10 for LLM Applications 2025 and NIST AI RMF subcategories.
//
// The mappings are data (mappings.tsv, taxa.tsv) embedded in the binary. A
// rule ID resolves through its exact entry or, failing that, through the
// entry of its ID range, so a rule added by an analyzer is mapped sensibly
// before it gets a line of its own. This package only looks things up: it
// never decides a severity or a verdict.
package standards

import (
	_ "embed"
	"fmt"
	"strings"
)

// Frameworks, as named in reports (SARIF taxonomies, Markdown sections).
const (
	CWE       = "CWE"
	ATLAS     = "MITRE ATLAS"
	OWASPLLM  = "OWASP LLM Top 10 2025"
	NISTAIRMF = "NIST AI RMF"
)

// Frameworks lists the frameworks in the order reports show them.
var Frameworks = []string{OWASPLLM, ATLAS, CWE, NISTAIRMF}

// Mapping is what one rule evidences in each framework. Every slice holds
// taxon IDs: "CWE-502", "AML.T0011.000", "LLM03:2025", "MANAGE 3.1".
type Mapping struct {
	CWE       []string `json:"cwe"`
	ATLAS     []string `json:"atlas"`
	OWASPLLM  []string `json:"owasp_llm"`
	NISTAIRMF []string `json:"nist_ai_rmf"`
}

// In returns the taxa of framework (one of the Frameworks constants).
func (m Mapping) In(framework string) []string {
	switch framework {
	case CWE:
		return m.CWE
	case ATLAS:
		return m.ATLAS
	case OWASPLLM:
		return m.OWASPLLM
	case NISTAIRMF:
		return m.NISTAIRMF
	}
	return nil
}

// Tags renders the mapping as flat tags, each prefixed so a reader of a
// SARIF viewer or a BOM knows its framework: "external/cwe/cwe-502" (the
// form GitHub code scanning links), "atlas/AML.T0011.000",
// "owasp-llm/LLM03:2025", "nist-ai-rmf/MANAGE 3.1".
func (m Mapping) Tags() []string {
	var tags []string
	for _, c := range m.CWE {
		tags = append(tags, "external/cwe/"+strings.ToLower(c))
	}
	for _, t := range m.ATLAS {
		tags = append(tags, "atlas/"+t)
	}
	for _, t := range m.OWASPLLM {
		tags = append(tags, "owasp-llm/"+t)
	}
	for _, t := range m.NISTAIRMF {
		tags = append(tags, "nist-ai-rmf/"+t)
	}
	return tags
}

//go:embed mappings.tsv
var mappingsTSV string

//go:embed taxa.tsv
var taxaTSV string

// Filled once at init from the embedded data, then only read.
var (
	mappings = map[string]Mapping{}
	taxa     = map[string]string{}
)

func init() {
	// The embedded files are part of the binary; a malformed line is a
	// build defect that the package tests catch, never an input error.
	var err error
	if taxa, err = parseTaxa(taxaTSV); err != nil {
		panic("standards: taxa.tsv: " + err.Error())
	}
	if mappings, err = parseMappings(mappingsTSV, taxa); err != nil {
		panic("standards: mappings.tsv: " + err.Error())
	}
}

// Lookup returns the mapping of a rule ID: its own entry, else its
// narrowest range entry ("MG42x", "MG4xx"), else the catch-all "MGxxx".
// ok is false only for a string that is not a rule ID (MG + three digits).
func Lookup(ruleID string) (Mapping, bool) {
	if !validID(ruleID) {
		return Mapping{}, false
	}
	for _, key := range []string{ruleID, ruleID[:4] + "x", ruleID[:3] + "xx", "MGxxx"} {
		if m, ok := mappings[key]; ok {
			return m, true
		}
	}
	return Mapping{}, false
}

// Name returns the published name of a taxon ("CWE-502" gives
// "Deserialization of Untrusted Data").
func Name(taxon string) (string, bool) {
	n, ok := taxa[taxon]
	return n, ok
}

// URL returns where a taxon is described, or "" when the framework has no
// stable per-taxon page.
func URL(taxon string) string {
	switch {
	case strings.HasPrefix(taxon, "CWE-"):
		return "https://cwe.mitre.org/data/definitions/" + strings.TrimPrefix(taxon, "CWE-") + ".html"
	case strings.HasPrefix(taxon, "AML.T"):
		return "https://atlas.mitre.org/techniques/" + taxon
	case strings.HasPrefix(taxon, "LLM"):
		return "https://genai.owasp.org/llm-top-10/"
	}
	return "https://airc.nist.gov/airmf-resources/playbook/"
}

func validID(id string) bool {
	if len(id) != 5 || !strings.HasPrefix(id, "MG") {
		return false
	}
	for _, c := range id[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validKey accepts an exact rule ID or a range pattern: MG + digits
// followed only by x's.
func validKey(k string) bool {
	if len(k) != 5 || !strings.HasPrefix(k, "MG") {
		return false
	}
	wild := false
	for _, c := range k[2:] {
		switch {
		case c == 'x':
			wild = true
		case c >= '0' && c <= '9' && !wild:
		default:
			return false
		}
	}
	return true
}

func lines(data string, fields int, each func(n int, cols []string) error) error {
	for i, line := range strings.Split(data, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != fields {
			return fmt.Errorf("line %d: %d tab-separated columns, want %d", i+1, len(cols), fields)
		}
		if err := each(i+1, cols); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return nil
}

func parseTaxa(data string) (map[string]string, error) {
	out := map[string]string{}
	err := lines(data, 2, func(_ int, c []string) error {
		if _, dup := out[c[0]]; dup {
			return fmt.Errorf("taxon %q listed twice", c[0])
		}
		out[c[0]] = c[1]
		return nil
	})
	return out, err
}

func parseMappings(data string, names map[string]string) (map[string]Mapping, error) {
	out := map[string]Mapping{}
	err := lines(data, 5, func(_ int, c []string) error {
		if !validKey(c[0]) {
			return fmt.Errorf("key %q: want MG and three digits, or a range such as MG4xx", c[0])
		}
		if _, dup := out[c[0]]; dup {
			return fmt.Errorf("key %q listed twice", c[0])
		}
		var m Mapping
		for i, dst := range []*[]string{&m.CWE, &m.ATLAS, &m.OWASPLLM, &m.NISTAIRMF} {
			for _, t := range strings.Split(c[i+1], ",") {
				if _, ok := names[t]; !ok {
					return fmt.Errorf("%s: taxon %q is not named in taxa.tsv", c[0], t)
				}
				*dst = append(*dst, t)
			}
		}
		out[c[0]] = m
		return nil
	})
	return out, err
}

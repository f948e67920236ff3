package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/standards"
)

// InformationURI is where a SARIF consumer can learn about the tool.
const InformationURI = "https://github.com/modelgate/modelgate"

// fingerprintKey names modelgate's own partial fingerprint; the same value
// is given as primaryLocationLineHash so code scanning does not try to
// hash lines of a binary model file.
const fingerprintKey = "modelgateFinding/v1"

// WriteSARIF writes r as a SARIF 2.1.0 log for code scanning: one rule per
// rule ID in the report, with help text, standards tags and relationships
// to the CWE, ATLAS, OWASP LLM and NIST AI RMF taxonomies, and a
// security-severity GitHub ranks alerts by; one result per finding, those
// a policy or baseline took out of the verdict marked as suppressed; the
// invocation's exit code; and an error notification per file that could
// not be fully read.
func WriteSARIF(w io.Writer, r *scanner.Report) error {
	run := sarif.NewRunWithInformationURI(r.Tool.Name, InformationURI)
	run.Tool.Driver.WithVersion(r.Tool.Version).WithSemanticVersion(strings.TrimPrefix(r.Tool.Version, "v"))
	tx := newTaxonomies()
	for _, id := range ruleIDs(r) {
		addRule(run, id, tx)
	}
	run.WithTaxonomies(tx.components())
	for _, c := range tx.components() {
		ref := sarif.NewToolComponentReference().WithName(*c.Name)
		ref.Index = tx.index[*c.Name]
		run.Tool.Driver.SupportedTaxonomies = append(run.Tool.Driver.SupportedTaxonomies, ref)
	}

	inv := sarif.NewInvocation().
		WithExecutionSuccessful(r.Summary.Verdict != "no-verdict").
		WithExitCode(r.Summary.ExitCode).
		WithExitCodeDescription(r.Summary.Verdict)
	if !r.StartedAt.IsZero() {
		inv.WithStartTimeUtc(r.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
		inv.WithEndTimeUtc(r.StartedAt.Add(r.Duration).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	props := sarif.NewPropertyBag().Add("fail_on", r.Summary.FailOn).Add("verdict", r.Summary.Verdict).
		Add("inert", r.Summary.Inert).Add("accepted", r.Summary.Accepted).Add("unsupported", r.Summary.Unsupported)
	if r.Policy != nil {
		props.Add("policy", r.Policy.Source).Add("policy_sha256", r.Policy.SHA256)
		for _, n := range r.Policy.Notes {
			inv.AddToolConfigurationNotification(notification("warning", "policy: "+n, ""))
		}
	}
	if r.Baseline != nil {
		props.Add("baseline", r.Baseline.Source).Add("baseline_new", r.Baseline.New).Add("baseline_known", r.Baseline.Known)
	}
	inv.WithProperties(props)
	for _, e := range r.Errors {
		inv.AddToolExecutionNotification(notification("error", q(e), ""))
	}

	for i := range r.Files {
		f := &r.Files[i]
		if f.Outcome == scanner.Inconclusive {
			inv.AddToolExecutionNotification(notification("error",
				fmt.Sprintf("%s is inconclusive (%s): %s", q(f.Path), f.Reason, q(f.Error)), f.Path))
		}
		if f.Unidentified && f.Outcome != scanner.Inconclusive {
			inv.AddToolExecutionNotification(notification("warning",
				fmt.Sprintf("%s was not read: %s", q(f.Path), q(f.Note)), f.Path))
		}
		for _, x := range f.Findings {
			run.AddResult(result(run, f, x))
		}
		for _, s := range f.Suppressed {
			res := result(run, f, s.Finding)
			just := s.Kind
			if s.Reason != "" {
				just += ": " + s.Reason
			}
			if s.Owner != "" {
				just += fmt.Sprintf(" (owner %s, expires %s)", s.Owner, s.Expires)
			}
			res.AddSuppression(sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(just))
			run.AddResult(res)
		}
	}
	run.AddInvocation(inv)

	log := sarif.NewReport()
	log.Schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	log.AddRun(run)
	var raw bytes.Buffer
	if err := log.Write(&raw); err != nil {
		return err
	}
	dec := json.NewDecoder(&raw)
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	out, err := json.MarshalIndent(prune(doc), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// prune drops what the SARIF library writes for fields nobody set: empty
// arrays and property bags, and the -1 its index, id, rank, offset and
// length fields default to. SARIF readers treat both as absent, but they
// read as if an offset or index were unknown where none applies. The runs
// and results arrays stay even when empty: "no results" is a statement.
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = prune(x)
			if unset(k, t[k]) {
				delete(t, k)
			}
		}
	case []any:
		for i := range t {
			t[i] = prune(t[i])
		}
	}
	return v
}

func unset(key string, v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) == 0 && key != "runs" && key != "results"
	case map[string]any:
		return len(x) == 0 && key == "properties"
	case json.Number:
		return x == "-1" && (key == "id" || key == "index" || key == "rank" || strings.HasSuffix(key, "Index") ||
			strings.HasSuffix(key, "Offset") || strings.HasSuffix(key, "Length"))
	}
	return false
}

// ruleIDs lists every rule ID the report mentions, sorted.
func ruleIDs(r *scanner.Report) []string {
	var ids []string
	for _, f := range r.Files {
		for _, x := range f.Findings {
			ids = append(ids, x.Rule)
		}
		for _, s := range f.Suppressed {
			ids = append(ids, s.Finding.Rule)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// securitySeverity is the CVSS-like score GitHub code scanning ranks
// security alerts by: above 9 critical, 7 to 8.9 high, 4 to 6.9 medium,
// below 4 low. Info findings get none, so they show as notes.
var securitySeverity = map[formats.Severity]string{
	formats.Critical: "9.5", formats.High: "8.0", formats.Medium: "5.5", formats.Low: "3.0",
}

func level(s formats.Severity) string {
	switch {
	case s >= formats.High:
		return sarif.LevelError
	case s == formats.Medium:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

func rank(s formats.Severity) float64 {
	return [...]float64{5, 30, 55, 80, 95}[s]
}

// ruleInfo returns a rule's registration, or a stand-in for an ID this
// build does not know (a baseline from a newer build, say).
func ruleInfo(id string) formats.Rule {
	if r, ok := formats.LookupRule(id); ok {
		return r
	}
	return formats.Rule{ID: id, Severity: formats.Medium, Title: "rule " + id,
		Doc: "This build of modelgate does not document rule " + id + "."}
}

// ruleName turns a title into the PascalCase identifier SARIF's
// reportingDescriptor.name expects.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func addRule(run *sarif.Run, id string, tx *taxonomies) {
	info := ruleInfo(id)
	m, _ := standards.Lookup(id)
	rule := run.AddRule(id).
		WithName(ruleName(info.Title)).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(info.Title)).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(info.Doc)).
		WithHelp(sarif.NewMultiformatMessageString().WithText(info.Doc + "\n\n" + standardsText(m)).
			WithMarkdown(fmt.Sprintf("**%s %s**\n\n%s\n\n%s", id, info.Title, info.Doc, standardsMarkdown(m)))).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level(info.Severity)))
	props := sarif.NewPropertyBag().
		WithTags(append([]string{"security", "modelgate"}, m.Tags()...)).
		Add("precision", "high").
		Add("problem.severity", map[string]string{sarif.LevelError: "error", sarif.LevelWarning: "warning", sarif.LevelNote: "recommendation"}[level(info.Severity)])
	if s, ok := securitySeverity[info.Severity]; ok {
		props.Add("security-severity", s)
	}
	rule.WithProperties(props)
	for _, fw := range standards.Frameworks {
		for _, t := range m.In(fw) {
			rule.AddRelationship(sarif.NewReportingDescriptorRelationship().
				WithTarget(tx.ref(fw, t)).WithKinds([]string{"relevant"}))
		}
	}
}

func standardsText(m standards.Mapping) string {
	var lines []string
	for _, fw := range standards.Frameworks {
		var parts []string
		for _, t := range m.In(fw) {
			n, _ := standards.Name(t)
			parts = append(parts, t+" "+n)
		}
		lines = append(lines, fw+": "+strings.Join(parts, "; "))
	}
	return strings.Join(lines, "\n")
}

func standardsMarkdown(m standards.Mapping) string {
	var lines []string
	for _, fw := range standards.Frameworks {
		var parts []string
		for _, t := range m.In(fw) {
			n, _ := standards.Name(t)
			parts = append(parts, fmt.Sprintf("[%s](%s) %s", t, standards.URL(t), n))
		}
		lines = append(lines, "- "+fw+": "+strings.Join(parts, "; "))
	}
	return strings.Join(lines, "\n")
}

// artifactURI turns a report path into a URI reference: slashes, and
// escapes for spaces and the like.
func artifactURI(p string) string {
	return (&url.URL{Path: filepath.ToSlash(p)}).String()
}

// Fingerprint identifies a finding across runs over the same bytes: its
// rule and its location (container path and byte offset).
func Fingerprint(x formats.Finding) string {
	sum := sha256.Sum256([]byte(x.Rule + "\x00" + x.Location))
	return hex.EncodeToString(sum[:16])
}

func result(run *sarif.Run, f *scanner.FileResult, x formats.Finding) *sarif.Result {
	msg := q(x.Message)
	if x.Location != "" && x.Location != f.Path {
		msg += " (at " + q(x.Location) + ")"
	}
	// Code scanning places an alert by line; a model file has no lines,
	// so every result points at the file's start line. A finding at a
	// byte of the file itself (not of a member) also gives that byte.
	region := sarif.NewRegion().WithStartLine(1)
	if x.Offset >= 0 && x.Location == fmt.Sprintf("%s@%d", f.Path, x.Offset) {
		region.WithByteOffset(int(x.Offset))
	}
	loc := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(f.Path))).
		WithRegion(region))
	if member, _, _ := strings.Cut(x.Location, "@"); member != f.Path && member != "" {
		loc.AddLogicalLocation(sarif.NewLogicalLocation().WithFullyQualifiedName(member).WithKind("member"))
	}
	fp := Fingerprint(x)
	props := sarif.NewPropertyBag().Add("severity", x.Severity.String()).Add("location", x.Location)
	if x.Offset >= 0 {
		props.Add("offset", x.Offset)
	}
	if f.SHA256 != "" {
		props.Add("sha256", f.SHA256)
	}
	for _, k := range sortedKeys(x.Details) {
		props.Add("detail."+k, x.Details[k])
	}
	if s, ok := securitySeverity[x.Severity]; ok && x.Severity != ruleInfo(x.Rule).Severity {
		// The policy changed this finding's severity from the rule's.
		props.Add("security-severity", s)
	}
	return sarif.NewRuleResult(x.Rule).WithRuleIndex(run.GetRuleIndex(x.Rule)).
		WithLevel(level(x.Severity)).
		WithRank(rank(x.Severity)).
		WithMessage(sarif.NewTextMessage(msg)).
		AddLocation(loc).
		WithPartialFingerprints(map[string]string{fingerprintKey: fp, "primaryLocationLineHash": fp}).
		WithProperties(props)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func notification(lvl, msg, path string) *sarif.Notification {
	n := sarif.NewNotification().WithLevel(lvl).WithMessage(sarif.NewTextMessage(msg))
	if path != "" {
		n.AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(path)))))
	}
	return n
}

// taxonomies collects the taxa the rules relate to, one tool component
// per framework, in a stable order.
type taxonomies struct {
	index map[string]int // framework -> index in run.taxonomies
	taxa  map[string][]string
	comps []*sarif.ToolComponent
}

func newTaxonomies() *taxonomies {
	t := &taxonomies{index: map[string]int{}, taxa: map[string][]string{}}
	orgs := map[string]string{standards.CWE: "MITRE", standards.ATLAS: "MITRE", standards.OWASPLLM: "OWASP", standards.NISTAIRMF: "NIST"}
	uris := map[string]string{
		standards.CWE: "https://cwe.mitre.org/", standards.ATLAS: "https://atlas.mitre.org/",
		standards.OWASPLLM: "https://genai.owasp.org/llm-top-10/", standards.NISTAIRMF: "https://www.nist.gov/itl/ai-risk-management-framework",
	}
	for i, fw := range standards.Frameworks {
		t.index[fw] = i
		c := sarif.NewToolComponent().WithName(fw).WithOrganization(orgs[fw]).WithInformationURI(uris[fw]).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(fw))
		c.WithIsComprehensive(false)
		t.comps = append(t.comps, c)
	}
	return t
}

// ref returns a reference to taxon t of framework fw, adding the taxon.
func (t *taxonomies) ref(fw, taxon string) *sarif.ReportingDescriptorReference {
	c := t.comps[t.index[fw]]
	i := slices.Index(t.taxa[fw], taxon)
	if i < 0 {
		i = len(t.taxa[fw])
		t.taxa[fw] = append(t.taxa[fw], taxon)
		name, _ := standards.Name(taxon)
		c.AddTaxa(sarif.NewReportingDescriptor().WithID(taxon).WithName(name).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(name)).
			WithHelpURI(standards.URL(taxon)))
	}
	comp := sarif.NewToolComponentReference().WithName(fw)
	comp.Index = t.index[fw]
	ref := sarif.NewReportingDescriptorReference().WithID(taxon).WithToolComponent(comp)
	ref.Index = i
	return ref
}

// components returns the taxonomies that have taxa. Indexes stay those
// of standards.Frameworks, so every framework is kept even when empty.
func (t *taxonomies) components() []*sarif.ToolComponent { return t.comps }

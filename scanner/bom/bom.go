// Package bom turns a finished scan report, and the signature outcome of
// the model, into a CycloneDX 1.6 ML-BOM: the model as a
// machine-learning-model component with a model card, a file component
// with its SHA-256 for every file, every finding as a vulnerability, and
// provenance as properties in the modelgate: namespace. It reads only
// headers and small metadata files (config.json, the README's front
// matter, model headers), never tensor data, and its output is
// byte-identical for the same input.
//
// Property names (all values are strings):
//
//	modelgate:signature:status      verified, unsigned, invalid or not-checked
//	modelgate:signature:reason      why it is not verified
//	modelgate:signature:method      sigstore, key or certificate
//	modelgate:signature:identity    certificate identity (SAN)
//	modelgate:signature:issuer      OIDC or certificate issuer
//	modelgate:signature:log-index   Rekor log index
//	modelgate:signature:signed-at   verified signing time (RFC 3339)
//	modelgate:signature:root-digest OMS root digest (sha256 hex)
//	modelgate:revision              pinned revision of the target
//	modelgate:verdict               pass, fail or no-verdict
//	modelgate:format                detected formats of a file
//	modelgate:outcome               clean, findings, inconclusive or skipped
//	modelgate:reason                why a file is inconclusive
//	modelgate:size                  file size in bytes
//	modelgate:sha256-from-origin    the hash is the origin's, not recomputed
//	modelgate:location              where a finding is
//	modelgate:detail:<key>          a finding's structured details
//	modelgate:standard:atlas        a finding's MITRE ATLAS techniques (its CWEs are in cwes)
//	modelgate:standard:owasp-llm    its OWASP Top 10 for LLM Applications 2025 entries
//	modelgate:standard:nist-ai-rmf  the NIST AI RMF subcategories it evidences
//	modelgate:parameters            parameter count from tensor headers
//	modelgate:dtypes                tensor dtypes, comma-separated, each in its format's spelling
//	modelgate:quantization          quantization method from config.json, or a GGUF file type
//	modelgate:tensors               tensors listed (ONNX: initializers)
//	modelgate:operators             graph nodes (ONNX, SavedModel) or operators (TFLite)
//	modelgate:layers                a Keras model's top-level layers
//	modelgate:context-length        a GGUF model's context length
//	modelgate:opsets                ONNX operator sets, domain:version, comma-separated
//	modelgate:hparams               a legacy GGML header's hyper-parameters, name=value, comma-separated
//	modelgate:array                 one NumPy array or joblib array wrapper, "name: descr[shape]" (one property each), or a pre-0.10 joblib companion file
//	modelgate:class                 a class a joblib or plain pickle builds (allowlisted, not containers or numpy's or joblib's own)
//	modelgate:attestations:status   verified, invalid, unsigned or not-checked (OCI in-toto attestations)
//	modelgate:attestations:reason   why they are not verified
//	modelgate:attestations:predicate  a verified attestation's predicate type
//	modelgate:provenance:builder    SLSA provenance builder id (verified attestation)
//	modelgate:provenance:build-type SLSA build type
//	modelgate:provenance:source     source repository (also the pedigree commit's url)
//	modelgate:provenance:source-digest  source digest, alg:hex (the pedigree commit's uid is its hex)
//	modelgate:attested-bom          match or mismatch: an attested CycloneDX BOM's files against this scan's
//	modelgate:attested-bom:mismatch one differing file
//
// The facts come from the headers of files that scanned clean (or with
// info and low findings only, see scannedClean):
// safetensors headers, PyTorch checkpoints' data.pkl (decoded with
// allowlisted globals only, see formats/pytorch/inventory; a TorchScript
// archive's module class and forward signature too), ONNX graphs,
// GGUF and legacy GGML headers, TFLite flatbuffers, SavedModel graphs
// (their serving signature and Keras class too), TensorFlow checkpoint
// indexes, Keras archives' config.json, NumPy .npy headers and .npz
// members' headers, and joblib dumps (the arrays their wrappers declare
// and the classes their pickle imports, read by the pickle machine, which
// executes nothing). A file scanned alone that is only part of a model (a
// checkpoint shard or index) has no verdict of its own and states no
// facts; its directory does. cyclonedx-go has no modelCard
// properties, so the counts are the model component's properties and the
// card holds what its own fields name: architecture, family, task,
// datasets, inputs and outputs.
//
// Reading facts re-reads parts of files the scan read: headers only for
// most formats, but a whole ONNX graph (not its external data), a whole
// SavedModel or checkpoint index, the legacy GGML vocabulary and tensor
// records, and, for joblib, the whole (decompressed) dump once more, since
// the pickle machine steps over array data by reading it (capped at 1 GiB).
package bom

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/standards"
	"github.com/modelgate/modelgate/signatures"
)

// Options add what the report does not carry.
type Options struct {
	// Root is the local directory (or file) the report's paths are
	// relative to; when set, headers and metadata files are read from it
	// for the model card.
	Root string
	// Name names the model; empty means the base name of the first target.
	Name string
	// PURL identifies the model (pkg:huggingface/org/name@sha,
	// pkg:oci/...@sha256:...); empty means none.
	PURL string
	// Revision is the pinned revision the target resolved to.
	Revision string
	// Signature is the model's signature outcome; nil means not checked.
	Signature *signatures.Result
	// Attestations is the outcome of checking an OCI artifact's in-toto
	// attestations; nil means not checked. Only when every one verified
	// are their claims recorded: SLSA provenance in the model's pedigree,
	// and an attested CycloneDX BOM compared with this one's files.
	Attestations *signatures.AttestationsResult
}

const modelRef = "model"

// Build makes the ML-BOM of a scan.
func Build(ctx context.Context, rep *scanner.Report, opts Options) (*cdx.BOM, error) {
	if rep == nil {
		return nil, fmt.Errorf("build BOM: no report")
	}
	name := opts.Name
	if name == "" && len(rep.Targets) > 0 {
		name = path.Base(strings.TrimRight(strings.ReplaceAll(rep.Targets[0], "\\", "/"), "/"))
	}
	if name == "" {
		name = "model"
	}
	b := cdx.NewBOM()
	b.SerialNumber = ""
	b.Version = 1

	facts, err := readFacts(ctx, opts.Root, rep)
	if err != nil {
		return nil, err
	}
	model := cdx.Component{
		BOMRef:     modelRef,
		Type:       cdx.ComponentTypeMachineLearningModel,
		Name:       name,
		PackageURL: opts.PURL,
		ModelCard:  facts.modelCard(),
	}
	if facts.License != "" {
		model.Licenses = &cdx.Licenses{licenseChoice(facts.License)}
	}
	if len(facts.BaseModels) > 0 {
		var anc []cdx.Component
		for _, bm := range facts.BaseModels {
			anc = append(anc, cdx.Component{Type: cdx.ComponentTypeMachineLearningModel, Name: bm, PackageURL: hfPURL(bm)})
		}
		model.Pedigree = &cdx.Pedigree{Ancestors: &anc}
	}
	props := provenance(rep, opts)
	props = append(props, facts.properties()...)
	if s := opts.Signature; s != nil && s.Signature != "" && s.SignatureSHA256 != "" {
		model.ExternalReferences = &[]cdx.ExternalReference{{
			URL:     signatureURL(opts.Root, s.Signature),
			Type:    cdx.ERTypeAttestation,
			Comment: "OpenSSF Model Signing signature (Sigstore bundle)",
			Hashes:  &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: s.SignatureSHA256}},
		}}
	}

	files := slices.Clone(rep.Files)
	slices.SortFunc(files, func(a, c scanner.FileResult) int { return strings.Compare(a.Path, c.Path) })
	var comps []cdx.Component
	var deps []string
	var vulns []cdx.Vulnerability
	for _, f := range files {
		rel := relPath(rep, f.Path)
		ref := fileRef(rel)
		c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeFile, Name: rel}
		if f.SHA256 != "" {
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.SHA256}}
		}
		fp := []cdx.Property{
			{Name: "modelgate:outcome", Value: string(f.Outcome)},
			{Name: "modelgate:size", Value: strconv.FormatInt(f.Size, 10)},
		}
		if len(f.Formats) > 0 {
			fp = append(fp, cdx.Property{Name: "modelgate:format", Value: strings.Join(f.Formats, ",")})
		}
		if f.Reason != "" {
			fp = append(fp, cdx.Property{Name: "modelgate:reason", Value: f.Reason})
		}
		if f.SHA256FromOrigin {
			fp = append(fp, cdx.Property{Name: "modelgate:sha256-from-origin", Value: "true"})
		}
		if f.Cached {
			// The verdict is an earlier scan's of the same bytes.
			fp = append(fp, cdx.Property{Name: "modelgate:cached", Value: "true"})
		}
		if f.SHA256NotComputed != "" {
			// No hash is stated rather than one the scan did not make.
			fp = append(fp, cdx.Property{Name: "modelgate:sha256", Value: "not computed (" + f.SHA256NotComputed + ")"})
		}
		c.Properties = sortedProps(fp)
		comps = append(comps, c)
		deps = append(deps, ref)
		vulns = append(vulns, findingVulns(f, ref)...)
	}
	for i := range vulns {
		vulns[i].BOMRef = fmt.Sprintf("finding-%d", i+1)
	}
	props = append(props, attestedFacts(&model, comps, opts.Attestations)...)
	model.Properties = sortedProps(props)

	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: rep.Tool.Name, Version: rep.Tool.Version}
	b.Metadata = &cdx.Metadata{
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
		Component: &model,
	}
	if len(comps) > 0 {
		b.Components = &comps
		b.Dependencies = &[]cdx.Dependency{{Ref: modelRef, Dependencies: &deps}}
	}
	if len(vulns) > 0 {
		b.Vulnerabilities = &vulns
	}
	return b, nil
}

// provenance is the signature outcome and verdict as properties.
func provenance(rep *scanner.Report, opts Options) []cdx.Property {
	p := []cdx.Property{{Name: "modelgate:verdict", Value: rep.Summary.Verdict}}
	if opts.Revision != "" {
		p = append(p, cdx.Property{Name: "modelgate:revision", Value: opts.Revision})
	}
	s := opts.Signature
	if s == nil {
		return append(p, cdx.Property{Name: "modelgate:signature:status", Value: string(signatures.NotChecked)})
	}
	add := func(k, v string) {
		if v != "" {
			p = append(p, cdx.Property{Name: "modelgate:signature:" + k, Value: v})
		}
	}
	add("status", string(s.Status))
	add("reason", s.Reason)
	add("method", s.Method)
	// Only a verified signature's signer is a fact; an invalid one's
	// claims are left out.
	if s.Status == signatures.Verified {
		add("identity", s.Identity)
		add("issuer", s.Issuer)
		add("signed-at", s.SignedAt)
		add("root-digest", s.RootDigest)
		if s.LogIndex != nil {
			add("log-index", strconv.FormatInt(*s.LogIndex, 10))
		}
	}
	return p
}

// findingVulns turns a file's findings into vulnerabilities, in a stable
// order.
func findingVulns(f scanner.FileResult, ref string) []cdx.Vulnerability {
	fs := slices.Clone(f.Findings)
	slices.SortStableFunc(fs, func(a, b formats.Finding) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), cmp.Compare(a.Offset, b.Offset), strings.Compare(a.Location, b.Location), strings.Compare(a.Message, b.Message))
	})
	var out []cdx.Vulnerability
	for _, x := range fs {
		v := cdx.Vulnerability{
			ID:          x.Rule,
			Source:      &cdx.Source{Name: "modelgate"},
			Ratings:     &[]cdx.VulnerabilityRating{{Severity: severity(x.Severity), Method: cdx.ScoringMethodOther}},
			CWEs:        cwesFor(x),
			Description: x.Message,
			Affects:     &[]cdx.Affects{{Ref: ref}},
		}
		if r, ok := formats.LookupRule(x.Rule); ok {
			v.Detail = r.Title
			v.Recommendation = r.Doc
		}
		props := []cdx.Property{{Name: "modelgate:location", Value: x.Location}}
		if m, ok := standards.Lookup(x.Rule); ok {
			for _, fw := range []struct{ name, framework string }{
				{"modelgate:standard:atlas", standards.ATLAS},
				{"modelgate:standard:owasp-llm", standards.OWASPLLM},
				{"modelgate:standard:nist-ai-rmf", standards.NISTAIRMF},
			} {
				if taxa := m.In(fw.framework); len(taxa) > 0 {
					props = append(props, cdx.Property{Name: fw.name, Value: strings.Join(taxa, ", ")})
				}
			}
		}
		for k, val := range x.Details {
			props = append(props, cdx.Property{Name: "modelgate:detail:" + k, Value: val})
		}
		v.Properties = sortedProps(props)
		if cve := x.Details["cve"]; strings.HasPrefix(cve, "CVE-") {
			v.References = &[]cdx.VulnerabilityReference{{ID: cve, Source: &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + cve}}}
		}
		out = append(out, v)
	}
	return out
}

func severity(s formats.Severity) cdx.Severity {
	switch s {
	case formats.Critical:
		return cdx.SeverityCritical
	case formats.High:
		return cdx.SeverityHigh
	case formats.Medium:
		return cdx.SeverityMedium
	case formats.Low:
		return cdx.SeverityLow
	}
	return cdx.SeverityInfo
}

// cwesFor lists the weaknesses a finding evidences: its "cwe" detail when
// it names one, else its rule's CWE mapping (package standards), else
// improper input validation.
func cwesFor(f formats.Finding) *[]int {
	if n, err := strconv.Atoi(strings.TrimPrefix(f.Details["cwe"], "CWE-")); err == nil && n > 0 {
		return &[]int{n}
	}
	var out []int
	if m, ok := standards.Lookup(f.Rule); ok {
		for _, c := range m.CWE {
			if n, err := strconv.Atoi(strings.TrimPrefix(c, "CWE-")); err == nil && n > 0 {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		out = []int{20}
	}
	return &out
}

func fileRef(p string) string { return "file:" + p }

// relPath is a report path relative to the target it was found under, so
// that the BOM does not record the scanning machine's layout.
func relPath(rep *scanner.Report, p string) string {
	for _, t := range rep.Targets {
		prefix := strings.TrimRight(strings.ReplaceAll(t, "\\", "/"), "/") + "/"
		if rel, ok := strings.CutPrefix(p, prefix); ok && rel != "" {
			return rel
		}
	}
	return p
}

func sortedProps(p []cdx.Property) *[]cdx.Property {
	if len(p) == 0 {
		return nil
	}
	slices.SortStableFunc(p, func(a, b cdx.Property) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value))
	})
	return &p
}

func licenseChoice(id string) cdx.LicenseChoice {
	return cdx.LicenseChoice{License: &cdx.License{Name: id}}
}

// hfPURL names a Hugging Face base model, when it looks like one.
func hfPURL(id string) string {
	if strings.Count(id, "/") == 1 && !strings.ContainsAny(id, " :@?#") {
		return "pkg:huggingface/" + id
	}
	return ""
}

// signatureURL is the signature's path relative to the model, when it is
// inside it, so the BOM does not record the scanning machine's layout.
func signatureURL(root, sig string) string {
	if root != "" {
		r := strings.TrimRight(strings.ReplaceAll(root, "\\", "/"), "/") + "/"
		s := strings.ReplaceAll(sig, "\\", "/")
		if strings.HasPrefix(s, r) {
			return strings.TrimPrefix(s, r)
		}
	}
	return path.Base(strings.ReplaceAll(sig, "\\", "/"))
}

// Encode writes the BOM as CycloneDX 1.6 JSON or XML.
func Encode(w io.Writer, b *cdx.BOM, format string) error {
	var f cdx.BOMFileFormat
	switch format {
	case "json", "":
		f = cdx.BOMFileFormatJSON
	case "xml":
		f = cdx.BOMFileFormatXML
	default:
		return fmt.Errorf("BOM format %q: want json or xml", format)
	}
	enc := cdx.NewBOMEncoder(w, f).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(b, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("encode BOM: %w", err)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/policy"
	"github.com/modelgate/modelgate/signatures"
)

// provenanceOptions are scan's signature settings: --require-signature and
// the trust flags verify has.
type provenanceOptions struct {
	Require bool
	Sig     sigFlags
}

func addProvenanceFlags(f *pflag.FlagSet, p *provenanceOptions) {
	f.BoolVar(&p.Require, "require-signature", false,
		"require a verified OpenSSF Model Signing signature (or cosign signature for oci://) on every target; anything else is a high finding (MG091)")
	addSigFlags(f, &p.Sig)
}

// validate checks the signature flags before anything is scanned.
func (p *provenanceOptions) validate() error {
	if p.Require && !p.Sig.any() {
		return fmt.Errorf("--require-signature: say whom to trust: --identity and --issuer, --key, or --ca-roots")
	}
	if !p.Require && p.Sig.any() {
		return fmt.Errorf("--identity, --issuer, --key and --ca-roots need --require-signature on scan (or use modelgate verify)")
	}
	_, err := p.Sig.options()
	return err
}

// checker verifies the targets of one finished scan and records every
// check in the report.
type checker struct {
	ctx context.Context
	rep *scanner.Report
	// oci says whether Rekor may be asked about oci:// signatures.
	oci signatures.OCIOptions
	// results keeps each target's signature outcome for the BOM: a
	// verified one, else the last one checked.
	results map[string]signatures.Result
}

// requireAll verifies every target with the command line's trust flags and
// adds an MG091 finding for each that does not verify.
func (c *checker) requireAll(p provenanceOptions) error {
	opts, err := p.Sig.options()
	if err != nil {
		return err
	}
	for _, t := range c.rep.Targets {
		r := c.verify(t, opts, "command line")
		if r.Status == signatures.Verified {
			continue
		}
		// A required signature fails the gate whatever the threshold.
		f := formats.NewFinding(policy.RuleSignatureRequired, formats.NoOffset,
			"--require-signature: %s: %s", r.Status, r.Reason).At(max(formats.High, c.rep.FailOn))
		f.Location = t
		c.rep.Files = append(c.rep.Files, scanner.FileResult{Path: t, Outcome: scanner.Findings, Findings: []formats.Finding{f}})
	}
	return nil
}

// policyVerifier checks a policy's signature requirement: any one of its
// keys, or of its identity and issuer pairs, verifying is enough. Key
// files are found relative to the policy file.
func (c *checker) policyVerifier(policyFile string) policy.Verifier {
	return func(target string, req policy.SignatureRequirement) (bool, string) {
		by := fmt.Sprintf("policy line %d", req.Pos.Line)
		var reasons []string
		for _, k := range req.Keys {
			if !filepath.IsAbs(k) && policyFile != "" {
				k = filepath.Join(filepath.Dir(policyFile), k)
			}
			pub, err := signatures.LoadPublicKey(k)
			if err != nil {
				r := signatures.Result{Status: signatures.NotChecked, Reason: fmt.Sprintf("policy key %s: %v", k, err)}
				c.record(target, r, by)
				reasons = append(reasons, r.Reason)
				continue
			}
			r := c.verify(target, signatures.Options{PublicKey: pub}, by)
			if r.Status == signatures.Verified {
				return true, ""
			}
			reasons = append(reasons, r.Reason)
		}
		for _, id := range req.Identities {
			for _, iss := range req.Issuers {
				r := c.verify(target, signatures.Options{Identity: id, Issuer: iss}, by)
				if r.Status == signatures.Verified {
					return true, ""
				}
				reasons = append(reasons, r.Reason)
			}
		}
		return false, strings.Join(reasons, "; ")
	}
}

// verify checks one target and records the outcome in the report.
func (c *checker) verify(target string, opts signatures.Options, requiredBy string) signatures.Result {
	var r signatures.Result
	switch {
	case strings.HasPrefix(target, "oci://"):
		// Check the manifest the scan pinned, never a second resolution
		// of the tag, which may name other bytes by now.
		ref := target
		if p := c.rep.Pinned[target]; p != "" {
			ref = p
		}
		r = signatures.VerifyOCI(c.ctx, strings.TrimPrefix(ref, "oci://"), opts, c.oci)
	case strings.Contains(target, "://"):
		r = signatures.Result{Status: signatures.NotChecked,
			Reason: "signatures of " + target[:strings.Index(target, "://")] + ":// targets are not checked yet; scan a verified local copy (--keep DIR)"}
	default:
		if st, err := os.Stat(target); err == nil && st.IsDir() {
			r = signatures.VerifyDir(c.ctx, target, c.digests(target), opts)
		} else {
			r = signatures.Verify(c.ctx, target, opts)
		}
	}
	c.record(target, r, requiredBy)
	return r
}

// record adds one signature check to the report.
func (c *checker) record(target string, r signatures.Result, requiredBy string) {
	if c.results == nil {
		c.results = map[string]signatures.Result{}
	}
	if prev, ok := c.results[target]; !ok || prev.Status != signatures.Verified {
		c.results[target] = r
	}
	c.rep.Signatures = append(c.rep.Signatures, scanner.SignatureOutcome{
		Target: target, Status: string(r.Status), Reason: r.Reason, Method: r.Method,
		Identity: r.Identity, Issuer: r.Issuer, LogIndex: r.LogIndex, SignedAt: r.SignedAt,
		Signature: r.Signature, RequiredBy: requiredBy,
	})
}

// digests lists the files scanned under a directory target with the
// SHA-256 the scan computed, so the verifier reads nothing twice.
func (c *checker) digests(target string) []signatures.FileDigest {
	root := path.Clean(filepath.ToSlash(target))
	var out []signatures.FileDigest
	for _, f := range c.rep.Files {
		rel, ok := strings.CutPrefix(path.Clean(filepath.ToSlash(f.Path)), root+"/")
		if !ok || f.SHA256 == "" || f.SHA256FromOrigin {
			continue
		}
		out = append(out, signatures.FileDigest{Path: rel, SHA256: f.SHA256, Model: len(f.Formats) > 0})
	}
	return out
}

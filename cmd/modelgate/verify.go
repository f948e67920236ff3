package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
	"github.com/modelgate/modelgate/signatures"
)

// sigFlags are the trust options shared by verify and bom.
type sigFlags struct {
	Signature      string
	Identity       string
	IdentityRegexp string
	Issuer         string
	IssuerRegexp   string
	TrustedRoot    string
	Key            string
	CARoots        []string
	IgnorePaths    []string
	IgnoreUnsigned bool
	// AllowNetworkTlog and RekorURL let oci:// keyless signatures without
	// a Rekor bundle be looked up online.
	AllowNetworkTlog bool
	RekorURL         string
}

func addSigFlags(f *pflag.FlagSet, s *sigFlags) {
	f.StringVar(&s.Signature, "signature", "", "signature `FILE` (default: model.sig in the model directory)")
	f.StringVar(&s.Identity, "identity", "", "keyless: required certificate identity (email or URI)")
	f.StringVar(&s.IdentityRegexp, "identity-regexp", "", "keyless: regular expression the whole certificate identity must match (anchored: alice@corp\\.com does not match alice@corp.com.evil.net)")
	f.StringVar(&s.Issuer, "issuer", "", "keyless: required OIDC issuer")
	f.StringVar(&s.IssuerRegexp, "issuer-regexp", "", "keyless: regular expression the whole OIDC issuer must match (anchored)")
	f.StringVar(&s.TrustedRoot, "trusted-root", "", "keyless: Sigstore trusted_root.json `FILE` (default: the public-good root built in)")
	f.StringVar(&s.Key, "key", "", "public key `FILE` (PEM) for key-signed models")
	f.StringArrayVar(&s.CARoots, "ca-roots", nil, "CA certificate `FILE` (PEM) a certificate-signed model must chain to; repeatable")
	f.StringArrayVar(&s.IgnorePaths, "ignore-paths", nil, "model-relative `PATH` left out of the check; repeatable")
	f.BoolVar(&s.IgnoreUnsigned, "ignore-unsigned-files", false, "accept files the signature does not list")
	f.BoolVar(&s.AllowNetworkTlog, "allow-network-tlog", false, "oci://: look keyless signatures and attestations that carry no Rekor bundle up in the transparency log online (without it they are reported not-checked)")
	f.StringVar(&s.RekorURL, "rekor-url", signatures.DefaultRekorURL, "transparency log `URL` for --allow-network-tlog")
}

// any reports whether a trust source was given.
func (s sigFlags) any() bool {
	return s.Identity != "" || s.IdentityRegexp != "" || s.Key != "" || len(s.CARoots) > 0
}

// options turns the flags into verification options; a bad file is a
// usage error.
func (s sigFlags) options() (signatures.Options, error) {
	o := signatures.Options{
		SignaturePath: s.Signature,
		Identity:      s.Identity, IdentityRegexp: s.IdentityRegexp,
		Issuer: s.Issuer, IssuerRegexp: s.IssuerRegexp,
		IgnorePaths: s.IgnorePaths, IgnoreUnsignedFiles: s.IgnoreUnsigned,
	}
	if (s.Identity != "" || s.IdentityRegexp != "") != (s.Issuer != "" || s.IssuerRegexp != "") {
		return o, fmt.Errorf("--identity and --issuer go together (keyless signatures need both)")
	}
	if s.TrustedRoot != "" {
		tr, err := signatures.LoadTrustedRoot(s.TrustedRoot)
		if err != nil {
			return o, fmt.Errorf("--trusted-root: %v", err)
		}
		o.TrustedRoot = tr
	}
	if s.Key != "" {
		pub, err := signatures.LoadPublicKey(s.Key)
		if err != nil {
			return o, fmt.Errorf("--key: %v", err)
		}
		o.PublicKey = pub
	}
	if len(s.CARoots) > 0 {
		pool, err := signatures.LoadCAPool(s.CARoots...)
		if err != nil {
			return o, fmt.Errorf("--ca-roots: %v", err)
		}
		o.CARoots = pool
	}
	return o, nil
}

type verifyOptions struct {
	Target string
	Format string
	Sig    sigFlags
}

func newVerifyCmd() *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [flags] PATH|oci://REF",
		Short: "Verify a model's OpenSSF Model Signing signature (model.sig) or an OCI artifact's cosign signature",
		Long: "Verify the OMS signature of a model directory or file: the signer (keyless identity and\n" +
			"issuer, a public key, or a certificate chain) and every file's digest. Offline: keyless\n" +
			"signatures are checked against --trusted-root or the public-good root built in.\n" +
			"For oci://REF, cosign signatures are read from the registry: Sigstore bundle referrers\n" +
			"(key or keyless) and the legacy sha256-<digest>.sig tag (key or keyless), and the in-toto\n" +
			"attestations of the sha256-<digest>.att tag (`modelgate attest`, `cosign attest`), all with\n" +
			"cosign's verifier; the attestations' predicates are reported: modelgate's verdict, a\n" +
			"CycloneDX BOM, SLSA provenance (builder, source repository and digest). A keyless\n" +
			"signature without a Rekor bundle is looked up in Rekor only with --allow-network-tlog,\n" +
			"and is otherwise reported not-checked.\n\n" +
			"Exit codes: 0 verified (for oci:// with --key: the signature, or with no signature the\n" +
			"attestations); 1 invalid or unsigned, or an attestation that does not verify; 3 usage error.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target = args[0]
			code, err := runVerify(cmd.Context(), o, cmd.OutOrStdout())
			if err != nil || code != 0 {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Format, "format", "text", "output format: text or json")
	addSigFlags(cmd.Flags(), &o.Sig)
	return cmd
}

// runVerify does the work of `modelgate verify` and returns the exit code.
func runVerify(ctx context.Context, o verifyOptions, stdout io.Writer) (int, error) {
	if o.Format != "text" && o.Format != "json" {
		return scanner.ExitUsage, fmt.Errorf("--format %q: want text or json", o.Format)
	}
	if !o.Sig.any() {
		return scanner.ExitUsage, fmt.Errorf("say whom to trust: --identity and --issuer, --key, or --ca-roots")
	}
	opts, err := o.Sig.options()
	if err != nil {
		return scanner.ExitUsage, err
	}
	var r signatures.Result
	var atts *signatures.AttestationsResult
	if ref, ok := strings.CutPrefix(o.Target, "oci://"); ok {
		oo := signatures.OCIOptions{Remote: sigRemote(remote.DefaultStallTimeout), AllowNetworkTlog: o.Sig.AllowNetworkTlog, RekorURL: o.Sig.RekorURL}
		// One resolution of a tag for both checks: a tag moved between
		// them would pair one manifest's signature with another's
		// attestations. (When it fails, each check says why.)
		if p, err := signatures.PinOCI(ctx, ref, oo); err == nil {
			ref = p
		}
		r = signatures.VerifyOCI(ctx, ref, opts, oo)
		a := signatures.VerifyOCIAttestations(ctx, ref, opts, oo)
		atts = &a
	} else {
		r = signatures.Verify(ctx, o.Target, opts)
	}
	if o.Format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Target string `json:"target"`
			signatures.Result
			Attestations *signatures.AttestationsResult `json:"attestations,omitempty"`
		}{o.Target, r, atts}); err != nil {
			return scanner.ExitNoVerdict, err
		}
	} else {
		lines := []string{describeResult(o.Target, r)}
		if atts != nil {
			lines = append(lines, describeAttestations(o.Target, *atts)...)
		}
		if _, err := fmt.Fprintln(stdout, strings.Join(lines, "\n")); err != nil {
			return scanner.ExitNoVerdict, err
		}
	}
	return verifyExit(r, atts), nil
}

// verifyExit combines a signature outcome with an attestation outcome: an
// attestation that fails to verify fails the artifact whatever its
// signature; an artifact with no signature but verified attestations is
// vouched for by them.
func verifyExit(r signatures.Result, atts *signatures.AttestationsResult) int {
	if atts != nil {
		switch atts.Status {
		case signatures.Invalid:
			return scanner.ExitFindings
		case signatures.Verified:
			if r.Status == signatures.Unsigned {
				return scanner.ExitClean
			}
		case signatures.NotChecked:
			if r.Status == signatures.Unsigned {
				return scanner.ExitNoVerdict
			}
		}
	}
	switch r.Status {
	case signatures.Verified:
		return scanner.ExitClean
	case signatures.NotChecked:
		return scanner.ExitNoVerdict
	}
	return scanner.ExitFindings
}

// describeAttestations is the text form of an attestation outcome: a
// status line, then one line per verified attestation.
func describeAttestations(target string, a signatures.AttestationsResult) []string {
	if a.Status != signatures.Verified {
		return []string{fmt.Sprintf("attestations %s: %s: %s", a.Status, target, a.Reason)}
	}
	out := []string{fmt.Sprintf("attestations verified: %s: %d", target, len(a.Attestations))}
	for _, x := range a.Attestations {
		s := "  " + x.PredicateType
		if x.Verdict != "" {
			s += fmt.Sprintf(": verdict %s, rules %s", x.Verdict, x.RulesVersion)
			if x.PolicyDigest != "" {
				s += ", policy " + x.PolicyDigest
			}
			var counts []string
			for _, sev := range []string{"critical", "high", "medium", "low", "info"} {
				counts = append(counts, fmt.Sprintf("%s %d", sev, x.Findings[sev]))
			}
			s += ", findings " + strings.Join(counts, " ")
		}
		if p := x.Provenance; p != nil {
			s += fmt.Sprintf(": builder %s, source %s", orNone(p.BuilderID), orNone(p.SourceRepository))
			if p.SourceDigest != "" {
				s += "@" + p.SourceDigest
			}
		}
		out = append(out, s)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// describeResult is the one-line text form of a signature outcome.
func describeResult(target string, r signatures.Result) string {
	if r.Status != signatures.Verified {
		return fmt.Sprintf("%s: %s: %s", r.Status, target, r.Reason)
	}
	s := fmt.Sprintf("verified: %s: %d files, method %s", target, len(r.Files), r.Method)
	if r.Identity != "" {
		s += fmt.Sprintf(", identity %s", r.Identity)
	}
	if r.Issuer != "" {
		s += fmt.Sprintf(", issuer %s", r.Issuer)
	}
	if r.LogIndex != nil {
		s += fmt.Sprintf(", Rekor log index %d", *r.LogIndex)
	}
	if r.SignedAt != "" {
		s += fmt.Sprintf(", signed %s", r.SignedAt)
	}
	if r.KeyHint != "" {
		s += fmt.Sprintf(", key %.16s", r.KeyHint)
	}
	return s
}

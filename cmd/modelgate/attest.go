package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/bom"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/signatures"
)

type attestOptions struct {
	Target string
	Key    string
	FailOn string
	Name   string
	Gate   gateOptions
	Fetch  fetch.Options
}

func newAttestCmd() *cobra.Command {
	var o attestOptions
	cmd := &cobra.Command{
		Use:   "attest [flags] oci://REF@sha256:DIGEST",
		Short: "Scan an OCI model artifact and attach its BOM and verdict as signed in-toto attestations",
		Long: "Scan the OCI artifact REF@DIGEST, then attach two in-toto statements about its manifest,\n" +
			"each signed with --key in a DSSE envelope and stored as cosign v2 stores attestations (the\n" +
			"sha256-<hex>.att tag): the scan's CycloneDX 1.6 BOM (predicate https://cyclonedx.org/bom,\n" +
			"as `cosign attest --type cyclonedx`) and the verdict (predicate " + signatures.VerdictPredicateType + ":\n" +
			"verdict, rules version, policy digest, findings by severity, the scanned digest). An earlier\n" +
			"attestation of either type is replaced. The verdict is attached whatever it is: an admission\n" +
			"controller requiring verdict pass rejects a failed artifact. No transparency log is written\n" +
			"(verify with `cosign verify-attestation --key PUB --insecure-ignore-tlog`, or `modelgate verify`).\n\n" +
			"Exit codes: 0 attached, verdict pass; 1 attached, verdict fail; 2 not scanned or not attached,\n" +
			"or attached with no verdict; 3 usage error.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target = args[0]
			code, err := runAttest(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil || code != 0 {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Key, "key", "", "private key `FILE` (PEM, EC P-256/P-384/P-521: unencrypted, as `modelgate sign --generate-key` writes, or from `cosign generate-key-pair` with $COSIGN_PASSWORD)")
	f.StringVar(&o.FailOn, "fail-on", "medium", "lowest severity that fails the verdict: critical, high, medium, low or info")
	f.StringVar(&o.Name, "name", "", "model name in the BOM (default: the repository)")
	f.StringVar(&o.Gate.PolicyFile, "policy", "", "promotion-gate policy `FILE`; its digest is recorded in the verdict")
	o.Gate.flags, o.Gate.now = f, time.Now
	addFetchFlags(f, &o.Fetch)
	return cmd
}

// runAttest does the work of `modelgate attest` and returns the exit code.
func runAttest(ctx context.Context, o attestOptions, stdout, stderr io.Writer) (int, error) {
	failOn, err := formats.ParseSeverity(o.FailOn)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("--fail-on: %v", err)
	}
	ref, ok := strings.CutPrefix(o.Target, "oci://")
	if !ok {
		return scanner.ExitUsage, fmt.Errorf("attest takes an oci://REF@sha256:DIGEST target")
	}
	dig, err := name.NewDigest(ref)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("attest needs a reference by digest (oci://REF@sha256:DIGEST), so the attestations name what was scanned: %v", err)
	}
	if o.Key == "" {
		return scanner.ExitUsage, fmt.Errorf("attest needs --key (a private key; make one with `modelgate sign --generate-key`)")
	}
	key, err := loadSigningKey(o.Key)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("--key: %v", err)
	}
	o.Gate.summaryOut = stderr
	if err := o.Gate.validate([]string{o.Target}, stderr); err != nil {
		return scanner.ExitUsage, err
	}
	if err := checkFetchFlags(&o.Fetch, 0); err != nil {
		return scanner.ExitUsage, err
	}
	src, err := fetch.Open(ctx, o.Target, o.Fetch)
	var ue *fetch.ErrUsage
	if errors.As(err, &ue) {
		return scanner.ExitUsage, err
	}
	if err != nil {
		return scanner.ExitNoVerdict, fmt.Errorf("%v (check the target)", err)
	}
	rep, err := scanner.Scan(ctx, []scanner.Target{{Name: o.Target, Source: src}}, scanner.Options{FailOn: failOn, Version: Version()})
	if err != nil {
		return scanner.ExitNoVerdict, fmt.Errorf("scan interrupted: %v", err)
	}
	if err := o.Gate.apply(rep); err != nil {
		return scanner.ExitUsage, err
	}
	name := o.Name
	if name == "" {
		name = dig.Context().Name()
	}
	b, err := bom.Build(ctx, rep, bom.Options{Name: name})
	if err != nil {
		return scanner.ExitNoVerdict, err
	}
	var bomJSON bytes.Buffer
	if err := bom.Encode(&bomJSON, b, "json"); err != nil {
		return scanner.ExitNoVerdict, err
	}
	stmts, err := bom.Statements(bomJSON.Bytes(), rep, dig.DigestStr())
	if err != nil {
		return scanner.ExitNoVerdict, err
	}
	if err := signatures.AttestOCI(ctx, dig, key, stmts, nil); err != nil {
		return scanner.ExitNoVerdict, err
	}
	if _, err := fmt.Fprintf(stdout, "attested %s: verdict %s, BOM and verdict attached as signed in-toto attestations\n",
		o.Target, rep.Summary.Verdict); err != nil {
		return scanner.ExitNoVerdict, err
	}
	return rep.ExitCode(), nil
}

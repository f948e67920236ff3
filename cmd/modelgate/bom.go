package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/bom"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/signatures"
)

type bomOptions struct {
	Target string
	Format string
	Output string
	Name   string
	PURL   string
	Fetch  fetch.Options
	// Timeout, when > 0, is the deadline of the whole run.
	Timeout time.Duration
	Sig     sigFlags
}

func newBOMCmd() *cobra.Command {
	var o bomOptions
	cmd := &cobra.Command{
		Use:   "bom [flags] PATH",
		Short: "Scan a model and write its CycloneDX 1.6 ML-BOM",
		Long: "Scan a model and write a CycloneDX 1.6 ML-BOM: the model with its model card, every file\n" +
			"with its SHA-256 and scan outcome, every finding as a vulnerability, and the signature\n" +
			"outcome as modelgate: properties (checked when --identity/--issuer, --key or --ca-roots\n" +
			"is given). For oci://, the trust flags also check the artifact's in-toto attestations with\n" +
			"cosign's verifier; when all verify, SLSA provenance (builder, source repository and digest)\n" +
			"goes into the model's pedigree and properties, and an attested CycloneDX BOM is compared with\n" +
			"this scan's files (each difference is printed and recorded). The output is byte-identical\n" +
			"for the same input.\n\n" +
			"Exit codes: 0 the BOM was written; 1 it was written, and an attested BOM names other files or\n" +
			"hashes; 2 the model could not be scanned or the BOM written; 3 usage error.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target = fetch.CleanTarget(args[0])
			code, err := runBOM(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil || code != 0 {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "json", "BOM encoding: json or xml")
	f.StringVarP(&o.Output, "output", "o", "", "write the BOM to `FILE` instead of standard output")
	f.StringVar(&o.Name, "name", "", "model name (default: the target's base name)")
	f.StringVar(&o.PURL, "purl", "", "package URL of the model, e.g. pkg:huggingface/org/name@sha")
	addFetchFlags(f, &o.Fetch)
	addTimeoutFlag(f, &o.Timeout)
	addSigFlags(f, &o.Sig)
	return cmd
}

// runBOM does the work of `modelgate bom` and returns the exit code.
func runBOM(ctx context.Context, o bomOptions, stdout, stderr io.Writer) (int, error) {
	if o.Format != "json" && o.Format != "xml" {
		return scanner.ExitUsage, fmt.Errorf("--format %q: want json or xml", o.Format)
	}
	var sigOpts signatures.Options
	if o.Sig.any() {
		var err error
		if sigOpts, err = o.Sig.options(); err != nil {
			return scanner.ExitUsage, err
		}
	}
	if err := checkFetchFlags(&o.Fetch, o.Timeout); err != nil {
		return scanner.ExitUsage, err
	}
	ctx, cancel := withTimeout(ctx, o.Timeout)
	defer cancel()
	src, err := fetch.Open(ctx, o.Target, o.Fetch)
	var ue *fetch.ErrUsage
	if errors.As(err, &ue) {
		return scanner.ExitUsage, err
	}
	if err != nil {
		return scanner.ExitNoVerdict, fmt.Errorf("%v (check the target)", err)
	}
	rep, err := scanner.Scan(ctx, []scanner.Target{{Name: o.Target, Source: src}}, scanner.Options{FailOn: formats.Medium, Version: Version()})
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			err = c
		}
		return scanner.ExitNoVerdict, fmt.Errorf("scan interrupted: %v", err)
	}
	bo := bom.Options{Name: o.Name, PURL: o.PURL}
	// Only a local target has a directory to read headers and the
	// signature from; a remote one is described by its report alone.
	if _, err := os.Stat(o.Target); err == nil {
		bo.Root = o.Target
		if o.Sig.any() {
			r := signatures.VerifyDir(ctx, o.Target, nil, sigOpts)
			bo.Signature = &r
		}
	} else if ref, ok := strings.CutPrefix(o.Target, "oci://"); ok && o.Sig.any() {
		// The manifest the scan pinned, never a second resolution of a
		// tag that may name other bytes by now.
		if p := rep.Pinned[o.Target]; p != "" {
			ref = strings.TrimPrefix(p, "oci://")
		}
		oo := signatures.OCIOptions{Remote: sigRemote(o.Fetch.Stall()), AllowNetworkTlog: o.Sig.AllowNetworkTlog, RekorURL: o.Sig.RekorURL}
		r := signatures.VerifyOCI(ctx, ref, sigOpts, oo)
		a := signatures.VerifyOCIAttestations(ctx, ref, sigOpts, oo)
		bo.Signature, bo.Attestations = &r, &a
	}
	b, err := bom.Build(ctx, rep, bo)
	if err != nil {
		return scanner.ExitNoVerdict, err
	}
	mismatch := attestedMismatch(b)
	for _, m := range mismatch {
		fmt.Fprintf(stderr, "attested BOM differs: %s\n", m)
	}
	out := stdout
	var file *os.File
	if o.Output != "" {
		if file, err = os.Create(o.Output); err != nil {
			return scanner.ExitUsage, fmt.Errorf("-o: %v", err)
		}
		defer file.Close()
		out = file
	}
	if err := bom.Encode(out, b, o.Format); err != nil {
		return scanner.ExitNoVerdict, err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return scanner.ExitNoVerdict, fmt.Errorf("write BOM: %v", err)
		}
	}
	if len(mismatch) > 0 {
		return scanner.ExitFindings, nil
	}
	return scanner.ExitClean, nil
}

// attestedMismatch lists the files in which a verified attested BOM and
// the scan disagree, from the model component's properties.
func attestedMismatch(b *cdx.BOM) []string {
	if b.Metadata == nil || b.Metadata.Component == nil || b.Metadata.Component.Properties == nil {
		return nil
	}
	var out []string
	for _, p := range *b.Metadata.Component.Properties {
		if p.Name == "modelgate:attested-bom:mismatch" {
			out = append(out, p.Value)
		}
	}
	return out
}

package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/signatures"
)

type signOptions struct {
	Target      string
	Key         string
	Cert        string
	Chain       []string
	Signature   string
	IgnorePaths []string
	// GenerateKey writes PREFIX.key and PREFIX.pub and exits.
	GenerateKey string
	// Force lets GenerateKey replace an existing key pair.
	Force bool
}

func newSignCmd() *cobra.Command {
	var o signOptions
	cmd := &cobra.Command{
		Use:   "sign [flags] PATH|oci://REF@sha256:DIGEST",
		Short: "Sign a model with OpenSSF Model Signing (writes model.sig)",
		Long: "Sign a model directory or file with a private key, optionally with its certificate chain,\n" +
			"writing an OMS model.sig (files serialization, SHA-256) that `modelgate verify` and the\n" +
			"reference model_signing verifier accept. Keyless signing needs a network and is not offered.\n" +
			"For oci://REF@sha256:DIGEST, the manifest is signed as `cosign sign --key --tlog-upload=false`\n" +
			"does: a simple-signing payload under the sha256-<digest>.sig tag, no transparency-log entry.\n\n" +
			"`modelgate sign --generate-key PREFIX` writes a new P-256 key pair to PREFIX.key (mode 0600) and\n" +
			"PREFIX.pub; it refuses to replace an existing file unless --force is given.\n\n" +
			"Exit codes: 0 signed; 2 the model could not be read or signed; 3 usage error.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Target = args[0]
			}
			code, err := runSign(cmd.Context(), o, cmd.OutOrStdout())
			if err != nil || code != 0 {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Key, "key", "", "private key `FILE` (PEM, EC P-256/P-384/P-521: unencrypted, or from `cosign generate-key-pair` with $COSIGN_PASSWORD)")
	f.StringVar(&o.Cert, "cert", "", "signing certificate `FILE` (PEM) for the key: makes a certificate-method signature")
	f.StringArrayVar(&o.Chain, "chain", nil, "intermediate CA certificate `FILE` (PEM) to include; repeatable")
	f.StringVar(&o.Signature, "signature", "", "where to write the signature (default: model.sig in the model directory)")
	f.StringArrayVar(&o.IgnorePaths, "ignore-paths", nil, "model-relative `PATH` to leave out (recorded in the signature); repeatable")
	f.StringVar(&o.GenerateKey, "generate-key", "", "write a new key pair to `PREFIX`.key and PREFIX.pub, then exit")
	f.BoolVar(&o.Force, "force", false, "with --generate-key: replace an existing key pair")
	return cmd
}

// runSign does the work of `modelgate sign` and returns the exit code.
func runSign(ctx context.Context, o signOptions, stdout io.Writer) (int, error) {
	if o.GenerateKey != "" {
		if o.Target != "" || o.Key != "" {
			return scanner.ExitUsage, fmt.Errorf("--generate-key takes no PATH and no --key")
		}
		return generateKey(o.GenerateKey, o.Force, stdout)
	}
	if o.Force {
		return scanner.ExitUsage, fmt.Errorf("--force only applies to --generate-key")
	}
	if o.Target == "" {
		return scanner.ExitUsage, fmt.Errorf("sign needs the PATH of a model")
	}
	if ref, ok := strings.CutPrefix(o.Target, "oci://"); ok {
		return signOCI(ctx, ref, o, stdout)
	}
	if o.Key == "" {
		return scanner.ExitUsage, fmt.Errorf("sign needs --key (a private key; make one with --generate-key)")
	}
	if o.Cert == "" && len(o.Chain) > 0 {
		return scanner.ExitUsage, fmt.Errorf("--chain needs --cert")
	}
	key, err := loadSigningKey(o.Key)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("--key: %v", err)
	}
	so := signatures.SignOptions{Key: key, SignaturePath: o.Signature, IgnorePaths: o.IgnorePaths}
	if o.Cert != "" {
		certs, err := signatures.LoadCertificates(o.Cert)
		if err != nil {
			return scanner.ExitUsage, fmt.Errorf("--cert: %v", err)
		}
		so.Certificate = certs[0]
		if len(o.Chain) > 0 {
			if so.Chain, err = signatures.LoadCertificates(o.Chain...); err != nil {
				return scanner.ExitUsage, fmt.Errorf("--chain: %v", err)
			}
		}
	}
	p, err := signatures.Sign(ctx, o.Target, so)
	if err != nil {
		return scanner.ExitNoVerdict, err
	}
	_, err = fmt.Fprintf(stdout, "signed %s: wrote %s\n", o.Target, p)
	return scanner.ExitClean, err
}

// signOCI signs an OCI artifact's manifest as `cosign sign --key` does.
func signOCI(ctx context.Context, ref string, o signOptions, stdout io.Writer) (int, error) {
	if o.Cert != "" || len(o.Chain) > 0 || o.Signature != "" || len(o.IgnorePaths) > 0 {
		return scanner.ExitUsage, fmt.Errorf("--cert, --chain, --signature and --ignore-paths apply to local models, not oci://")
	}
	dig, err := name.NewDigest(ref)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("sign needs an OCI reference by digest (oci://REF@sha256:DIGEST), so the signature names what was reviewed: %v", err)
	}
	if o.Key == "" {
		return scanner.ExitUsage, fmt.Errorf("sign needs --key (a private key; make one with --generate-key)")
	}
	key, err := loadSigningKey(o.Key)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("--key: %v", err)
	}
	if err := signatures.SignOCI(ctx, dig, key, nil); err != nil {
		return scanner.ExitNoVerdict, err
	}
	_, err = fmt.Fprintf(stdout, "signed %s: cosign signature attached (sha256-<digest>.sig tag)\n", o.Target)
	return scanner.ExitClean, err
}

func generateKey(prefix string, force bool, stdout io.Writer) (int, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return scanner.ExitNoVerdict, fmt.Errorf("generate key: %v", err)
	}
	priv, pub, err := signatures.MarshalPrivateKey(key)
	if err != nil {
		return scanner.ExitNoVerdict, err
	}
	if err := signatures.WriteKeyPair(prefix, priv, pub, force); err != nil {
		return scanner.ExitUsage, fmt.Errorf("--generate-key: %v", err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s.key (keep it secret) and %s.pub\n", prefix, prefix)
	return scanner.ExitClean, err
}

// loadSigningKey reads --key: a PEM EC key, or a key `cosign
// generate-key-pair` wrote, decrypted with $COSIGN_PASSWORD as cosign does.
func loadSigningKey(path string) (crypto.Signer, error) {
	return signatures.LoadPrivateKeyPassword(path, []byte(os.Getenv("COSIGN_PASSWORD")))
}

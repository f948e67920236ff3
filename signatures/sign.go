package signatures

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"
)

// SignOptions say how `modelgate sign` signs a model.
type SignOptions struct {
	// Key is the signer's EC private key (P-256, P-384 or P-521).
	Key crypto.Signer
	// Certificate, when set, makes a certificate-method signature: the
	// signing certificate for Key, followed in the bundle by Chain (the
	// intermediates, not the root).
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
	// SignaturePath is where model.sig is written; empty means inside the
	// model directory (or beside a single-file model).
	SignaturePath string
	// IgnorePaths are model-relative paths left out of the signature; they
	// are recorded in it so that verifiers skip them too.
	IgnorePaths []string
}

// Sign writes an OMS model.sig for the model at modelPath: files
// serialization, SHA-256, predicate v1.0, in a Sigstore bundle v0.3 that
// the reference model_signing verifier accepts. It returns the path
// written.
func Sign(ctx context.Context, modelPath string, o SignOptions) (string, error) {
	if o.Key == nil {
		return "", errors.New("sign: no private key")
	}
	st, err := os.Stat(modelPath)
	if err != nil {
		return "", fmt.Errorf("model path: %w", err)
	}
	sigPath := o.SignaturePath
	if sigPath == "" {
		dir := modelPath
		if !st.IsDir() {
			dir = filepath.Dir(modelPath)
		}
		sigPath = filepath.Join(dir, DefaultSignatureName)
	}
	ignores := newIgnoreSet(o.IgnorePaths)
	if st.IsDir() {
		ignores = newIgnoreSet(gitPaths, o.IgnorePaths)
		if rel, err := filepath.Rel(modelPath, sigPath); err == nil && !strings.HasPrefix(rel, "..") {
			ignores[filepath.ToSlash(rel)] = true
		}
	}
	ser := Serialization{Method: "files", HashType: "sha256", IgnorePaths: slices.Sorted(slices.Values(ignores.list()))}
	files, _, err := listModel(ctx, modelPath, ser, ignores)
	if err != nil {
		return "", err
	}
	resources, err := hashFiles(ctx, files, ser)
	if err != nil {
		return "", err
	}
	name := filepath.Base(filepath.Clean(modelPath))
	if abs, err := filepath.Abs(modelPath); err == nil {
		name = filepath.Base(abs)
	}
	stmt, err := buildStatement(name, ser, resources)
	if err != nil {
		return "", err
	}
	kp, err := newKeypair(o.Key)
	if err != nil {
		return "", err
	}
	opts := sign.BundleOptions{Context: ctx}
	if o.Certificate != nil {
		if pk, ok := o.Certificate.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pk.Equal(o.Key.Public()) {
			return "", errors.New("sign: the certificate is not for the private key")
		}
		chain := [][]byte{o.Certificate.Raw}
		for _, c := range o.Chain {
			chain = append(chain, c.Raw)
		}
		opts.CertificateChainProvider = staticChain(chain)
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: stmt, PayloadType: inTotoPayloadType}, kp, opts)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	out, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(pb)
	if err != nil {
		return "", fmt.Errorf("encode bundle: %w", err)
	}
	if err := os.WriteFile(sigPath, append(out, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write signature: %w", err)
	}
	return sigPath, nil
}

// staticChain hands sign.Bundle a certificate chain that already exists.
type staticChain [][]byte

func (c staticChain) GetCertificateChain(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([][]byte, error) {
	return c, nil
}

// keypair is a sign.Keypair over an existing EC key, named by the OMS
// hint (hex SHA-256 of its PEM public key).
type keypair struct {
	key  crypto.Signer
	hash crypto.Hash
	hint string
	pem  string
}

func newKeypair(key crypto.Signer) (*keypair, error) {
	h, err := curveHash(key.Public())
	if err != nil {
		return nil, err
	}
	hint, p, err := keyHint(key.Public())
	if err != nil {
		return nil, err
	}
	return &keypair{key: key, hash: h, hint: hint, pem: string(p)}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	switch k.hash {
	case crypto.SHA384:
		return protocommon.HashAlgorithm_SHA2_384
	case crypto.SHA512:
		return protocommon.HashAlgorithm_SHA2_512
	}
	return protocommon.HashAlgorithm_SHA2_256
}

func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	switch k.hash {
	case crypto.SHA384:
		return protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384
	case crypto.SHA512:
		return protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512
	}
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

func (k *keypair) GetHint() []byte                  { return []byte(k.hint) }
func (k *keypair) GetKeyAlgorithm() string          { return "ECDSA" }
func (k *keypair) GetPublicKey() crypto.PublicKey   { return k.key.Public() }
func (k *keypair) GetPublicKeyPem() (string, error) { return k.pem, nil }
func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	d := digestWith(k.hash, data)
	sig, err := k.key.Sign(rand.Reader, d, k.hash)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	return sig, d, nil
}

// MarshalPrivateKey encodes an EC key as PKCS#8 PEM, for `modelgate sign
// --generate-key` and tests.
func MarshalPrivateKey(key *ecdsa.PrivateKey) ([]byte, []byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode private key: %w", err)
	}
	_, pub, err := keyHint(key.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pub, nil
}

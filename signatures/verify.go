package signatures

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Status is the outcome of checking one component's signature.
type Status string

// Statuses. Only Verified means a trusted signer vouched for exactly these
// bytes.
const (
	Verified   Status = "verified"
	Unsigned   Status = "unsigned"
	Invalid    Status = "invalid"
	NotChecked Status = "not-checked"
)

// Methods a signature can be verified with.
const (
	MethodSigstore    = "sigstore"    // keyless: Fulcio certificate + Rekor entry
	MethodKey         = "key"         // a public key
	MethodCertificate = "certificate" // an X.509 chain to a configured CA
)

// DefaultSignatureName is where OMS writes a model's signature.
const DefaultSignatureName = "model.sig"

// Result is the signature outcome of one component (a model directory or
// file, or an OCI artifact).
type Result struct {
	Status Status `json:"status"`
	// Reason says in one line why a signature is invalid, unsigned or
	// not checked.
	Reason    string `json:"reason,omitempty"`
	Method    string `json:"method,omitempty"`
	Identity  string `json:"identity,omitempty"` // certificate SAN or subject
	Issuer    string `json:"issuer,omitempty"`   // OIDC issuer or certificate issuer
	KeyHint   string `json:"key_hint,omitempty"`
	LogIndex  *int64 `json:"log_index,omitempty"` // Rekor log index
	SignedAt  string `json:"signed_at,omitempty"` // RFC 3339, from a verified timestamp
	Predicate string `json:"predicate,omitempty"`
	// RootDigest is the OMS root digest (hex SHA-256 over the sorted file
	// digests), or the signed OCI manifest digest.
	RootDigest string `json:"root_digest,omitempty"`
	// Signature is where the signature was read from, and SignatureSHA256
	// the digest of its bytes.
	Signature       string   `json:"signature,omitempty"`
	SignatureSHA256 string   `json:"signature_sha256,omitempty"`
	Files           []string `json:"files,omitempty"` // the signed resources
}

// Options say what a signature must be to be trusted. Trust sources can be
// combined; the signature's own verification material picks the method,
// and it is invalid when no matching trust source was given.
type Options struct {
	// SignaturePath is the model.sig to read; empty means model.sig inside
	// the model directory (or beside a single-file model).
	SignaturePath string

	// Keyless: the certificate identity (SAN) and OIDC issuer, each exact
	// or a regular expression that must match the whole value (it is
	// anchored: alice@corp\.com does not accept alice@corp.com.evil.net),
	// and the trust root (nil: the embedded public-good root).
	Identity, IdentityRegexp string
	Issuer, IssuerRegexp     string
	TrustedRoot              root.TrustedMaterial
	// RequireSCT demands a signed certificate timestamp in the Fulcio
	// certificate; it is always on with the embedded public-good root.
	RequireSCT bool

	// Key method: the signer's public key.
	PublicKey crypto.PublicKey

	// Certificate method: the CA certificates a chain must lead to, and
	// the time the chain is checked at (zero: now; an expired signing
	// certificate is rejected, as the OMS draft specification says).
	CARoots  *x509.CertPool
	CertTime time.Time

	// IgnorePaths are model-relative paths left out of the comparison, in
	// addition to the top-level git files, the signature itself and the
	// ignore list recorded in the signature.
	IgnorePaths []string
	// IgnoreUnsignedFiles accepts files the signature does not list.
	IgnoreUnsignedFiles bool
	// IsModelFile says whether a file carries model data; a signature
	// whose ignore list hides one is invalid. Nil means a check by file
	// extension.
	IsModelFile func(rel string) bool
}

// FileDigest is a file the scan has already read and hashed, so the
// verifier need not read it again.
type FileDigest struct {
	Path   string // slash-separated, relative to the model root
	SHA256 string // lowercase hex
	// Model says the scan recognised a model or container format.
	Model bool
}

// Verify checks the OMS signature of the model file or directory at
// modelPath, reading and hashing its files.
func Verify(ctx context.Context, modelPath string, opts Options) Result {
	return VerifyDir(ctx, modelPath, nil, opts)
}

// VerifyDir checks the OMS signature of the model at root. When files is
// not nil and the signature uses the files serialization with SHA-256, the
// digests the scan computed are compared instead of reading the files
// again; any other serialization re-reads them from root.
func VerifyDir(ctx context.Context, root string, files []FileDigest, opts Options) Result {
	v := &omsVerifier{opts: opts, scanned: files}
	r := v.run(ctx, root)
	if r.Status != Verified {
		r.Reason = oneLine(r.Reason)
	}
	return r
}

type omsVerifier struct {
	opts    Options
	scanned []FileDigest
}

func (v *omsVerifier) run(ctx context.Context, modelPath string) Result {
	sigPath := v.opts.SignaturePath
	st, err := os.Stat(modelPath)
	if err != nil {
		return Result{Status: NotChecked, Reason: fmt.Sprintf("model path: %v", err)}
	}
	if sigPath == "" {
		dir := modelPath
		if !st.IsDir() {
			dir = filepath.Dir(modelPath)
		}
		sigPath = filepath.Join(dir, DefaultSignatureName)
	}
	data, err := readCapped(sigPath, maxSignatureBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return Result{Status: Unsigned, Reason: fmt.Sprintf("no signature at %s", sigPath), Signature: sigPath}
	}
	res := Result{Status: Invalid, Signature: sigPath}
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	sum := sha256.Sum256(data)
	res.SignatureSHA256 = hex.EncodeToString(sum[:])
	b, legacy, err := parseBundle(data)
	if err != nil {
		res.Reason = fmt.Sprintf("%s: %v", filepath.Base(sigPath), err)
		return res
	}
	m, err := parseStatement(b.GetDsseEnvelope().GetPayload())
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	res.Predicate = m.Predicate
	res.RootDigest = hex.EncodeToString(m.RootDigest)

	if err := v.checkSignature(b, legacy, m, &res); err != nil {
		res.Reason = err.Error()
		return res
	}

	// A single-file model signed in a directory (model_signing before
	// v1.0.1): the one resource is "." and the subject names the file.
	if st.IsDir() && len(m.Resources) == 1 && m.Resources["."] != "" {
		f := filepath.Join(modelPath, filepath.FromSlash(m.SubjectName))
		if checkResourceName(m.SubjectName) != nil || m.SubjectName == "." {
			res.Reason = fmt.Sprintf("single-file signature names file %q", m.SubjectName)
			return res
		}
		if err := v.othersInDir(ctx, modelPath, sigPath, m); err != nil {
			res.Reason = err.Error()
			return res
		}
		modelPath, v.scanned = f, nil
	}
	if err := v.compare(ctx, modelPath, sigPath, m); err != nil {
		res.Reason = err.Error()
		return res
	}
	res.Files = slices.Sorted(mapKeys(m.Resources))
	res.Status = Verified
	return res
}

// othersInDir rejects files beside a single-file model that the signature
// does not cover, since the directory is what was asked to be verified.
func (v *omsVerifier) othersInDir(ctx context.Context, dir, sigPath string, m *Manifest) error {
	if v.opts.IgnoreUnsignedFiles {
		return nil
	}
	sigRel, err := filepath.Rel(dir, sigPath)
	if err != nil {
		return fmt.Errorf("signature path: %w", err)
	}
	ignore := newIgnoreSet(gitPaths, []string{sigRel}, v.opts.IgnorePaths, m.Serialization.IgnorePaths)
	files, _, err := listModel(ctx, dir, m.Serialization, ignore)
	if err != nil {
		return err
	}
	var extra []string
	for _, f := range files {
		if f.rel != m.SubjectName {
			extra = append(extra, f.rel)
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("file not covered by the signature: %s (it signs the single file %q)", names(extra), m.SubjectName)
	}
	return nil
}

// checkSignature verifies the bundle's signature by the method its
// verification material calls for.
func (v *omsVerifier) checkSignature(b *bundle.Bundle, legacy *legacyKey, m *Manifest, res *Result) error {
	vm := b.GetVerificationMaterial()
	switch {
	case vm.GetPublicKey() != nil:
		res.Method = MethodKey
		return v.checkKey(b, legacy, m, res)
	case vm.GetX509CertificateChain() != nil:
		res.Method = MethodCertificate
		return v.checkChain(b, res)
	case vm.GetCertificate() != nil:
		res.Method = MethodSigstore
		return v.checkKeyless(b, m, res)
	}
	return errors.New("bundle has no verification material")
}

func (v *omsVerifier) checkKey(b *bundle.Bundle, legacy *legacyKey, m *Manifest, res *Result) error {
	if v.opts.PublicKey == nil {
		return errors.New("signed with a public key, and no public key was given to verify it (--key)")
	}
	hint, _, err := keyHint(v.opts.PublicKey)
	if err != nil {
		return err
	}
	res.KeyHint = hint
	if h := b.GetVerificationMaterial().GetPublicKey().GetHint(); h != "" && h != hint {
		return fmt.Errorf("signed with key %.16s…, not with the given public key (%.16s…)", h, hint)
	}
	if legacy != nil {
		k, err := decodeLegacyKey(legacy)
		if err != nil {
			return fmt.Errorf("bundle's embedded public key: %w", err)
		}
		if eq, ok := k.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(v.opts.PublicKey) {
			return errors.New("signed with another key than the given public key")
		}
	}
	h, err := curveHash(v.opts.PublicKey)
	if err != nil {
		return err
	}
	sv, err := signature.LoadVerifier(v.opts.PublicKey, h)
	if err != nil {
		return fmt.Errorf("load public key: %w", err)
	}
	tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	verifier, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
	if err != nil {
		return fmt.Errorf("key verifier: %w", err)
	}
	_, verr := verifier.Verify(b, verify.NewPolicy(artifactDigest(m), verify.WithKey()))
	if verr == nil {
		return nil
	}
	// Signatures made before model_signing v1.0 used another encoding.
	if err := verifyEnvelopeCompat(b, v.opts.PublicKey); err != nil {
		return fmt.Errorf("signature does not verify with the given public key: %v", verr)
	}
	return nil
}

func (v *omsVerifier) checkChain(b *bundle.Bundle, res *Result) error {
	if v.opts.CARoots == nil {
		return errors.New("signed with a certificate chain, and no CA certificate was given to verify it (--ca-roots)")
	}
	raw := b.GetVerificationMaterial().GetX509CertificateChain().GetCertificates()
	if len(raw) == 0 {
		return errors.New("certificate chain is empty")
	}
	var certs []*x509.Certificate
	for i, c := range raw {
		cert, err := x509.ParseCertificate(c.GetRawBytes())
		if err != nil {
			return fmt.Errorf("certificate %d of the chain: %w", i, err)
		}
		certs = append(certs, cert)
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	at := v.opts.CertTime
	if at.IsZero() {
		at = time.Now()
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: v.opts.CARoots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return fmt.Errorf("signing certificate is not trusted: %v", err)
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		return errors.New("signing certificate is not for digital signatures or code signing")
	}
	res.Identity = certIdentity(leaf)
	res.Issuer = leaf.Issuer.String()
	return verifyEnvelopeCompat(b, leaf.PublicKey)
}

func (v *omsVerifier) checkKeyless(b *bundle.Bundle, m *Manifest, res *Result) error {
	if (v.opts.Identity == "" && v.opts.IdentityRegexp == "") || (v.opts.Issuer == "" && v.opts.IssuerRegexp == "") {
		return errors.New("keyless signature needs a required identity and OIDC issuer (--identity, --issuer)")
	}
	tm := v.opts.TrustedRoot
	requireSCT := v.opts.RequireSCT
	if tm == nil {
		pg, err := PublicGoodRoot()
		if err != nil {
			return err
		}
		tm, requireSCT = pg, true
	}
	vopts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	if requireSCT {
		vopts = append(vopts, verify.WithSignedCertificateTimestamps(1))
	}
	verifier, err := verify.NewVerifier(tm, vopts...)
	if err != nil {
		return fmt.Errorf("keyless verifier: %w", err)
	}
	id, err := certificateIdentity(v.opts)
	if err != nil {
		return fmt.Errorf("identity policy: %w", err)
	}
	out, err := verifier.Verify(b, verify.NewPolicy(artifactDigest(m), verify.WithCertificateIdentity(id)))
	if err != nil {
		return fmt.Errorf("keyless signature rejected: %v", err)
	}
	if c := out.Signature.Certificate; c != nil {
		res.Identity, res.Issuer = c.SubjectAlternativeName, c.Issuer
	}
	for _, ts := range out.VerifiedTimestamps {
		if res.SignedAt == "" || ts.Type == "Tlog" {
			res.SignedAt = ts.Timestamp.UTC().Format(time.RFC3339)
		}
	}
	if entries, err := b.TlogEntries(); err == nil && len(entries) > 0 {
		idx := entries[0].LogIndex()
		res.LogIndex = &idx
	}
	return nil
}

// artifactDigest binds the DSSE statement to the manifest sigstore-go is
// shown: the root digest, or for the v0.2 predicate one file's digest (its
// statement lists files, not a root).
func artifactDigest(m *Manifest) verify.ArtifactPolicyOption {
	if m.Predicate == PredicateV01 {
		first := slices.Sorted(mapKeys(m.Resources))[0]
		d, _ := hex.DecodeString(m.Resources[first])
		return verify.WithArtifactDigest("sha256", d)
	}
	return verify.WithArtifactDigest("sha256", m.RootDigest)
}

// compare re-serializes the local model as the manifest says and reports
// the first way it differs.
func (v *omsVerifier) compare(ctx context.Context, modelPath, sigPath string, m *Manifest) error {
	st, err := os.Stat(modelPath)
	if err != nil {
		return fmt.Errorf("model path: %w", err)
	}
	var sigRel []string
	if st.IsDir() {
		if rel, err := filepath.Rel(modelPath, sigPath); err == nil && !strings.HasPrefix(rel, "..") {
			sigRel = []string{filepath.ToSlash(rel)}
		}
	}
	var defaults []string
	if st.IsDir() {
		defaults = gitPaths
	}
	signerIgnores := newIgnoreSet(m.Serialization.IgnorePaths)
	ignore := newIgnoreSet(defaults, sigRel, v.opts.IgnorePaths, m.Serialization.IgnorePaths)

	var local map[string]string
	if v.scanned != nil && m.Serialization.Method == "files" && m.Serialization.HashType == "sha256" {
		local = map[string]string{}
		for _, f := range v.scanned {
			if err := checkResourceName(f.Path); err != nil {
				return fmt.Errorf("scanned file: %w", err)
			}
			if ignore.has(f.Path) {
				if signerIgnores.has(f.Path) && (f.Model || v.isModelFile(f.Path)) {
					return fmt.Errorf("the signature's ignore list hides model file %q", f.Path)
				}
				continue
			}
			local[f.Path] = strings.ToLower(f.SHA256)
		}
	} else {
		files, ign, err := listModel(ctx, modelPath, m.Serialization, ignore)
		if err != nil {
			return err
		}
		for _, f := range ign {
			if signerIgnores.has(f.rel) && v.isModelFile(f.rel) {
				return fmt.Errorf("the signature's ignore list hides model file %q", f.rel)
			}
		}
		if local, err = hashFiles(ctx, files, m.Serialization); err != nil {
			return err
		}
	}
	// The reference names a single-file model's resource "."; accept its
	// base name too.
	if !st.IsDir() && len(m.Resources) == 1 {
		if _, ok := m.Resources[filepath.Base(modelPath)]; ok {
			local = map[string]string{filepath.Base(modelPath): local["."]}
		}
	}
	return diffResources(m.Resources, local, v.opts.IgnoreUnsignedFiles)
}

func (v *omsVerifier) isModelFile(rel string) bool {
	if v.opts.IsModelFile != nil {
		return v.opts.IsModelFile(rel)
	}
	return modelExtensions[strings.ToLower(path.Ext(rel))]
}

// modelExtensions are the file types that carry model weights or code.
var modelExtensions = map[string]bool{
	".bin": true, ".pt": true, ".pth": true, ".pkl": true, ".pickle": true, ".ckpt": true,
	".safetensors": true, ".gguf": true, ".ggml": true, ".onnx": true, ".h5": true, ".hdf5": true,
	".keras": true, ".pb": true, ".tflite": true, ".npy": true, ".npz": true, ".joblib": true,
	".msgpack": true, ".mlmodel": true, ".llamafile": true, ".py": true,
}

// diffResources reports missing, changed and unsigned files, naming a few.
func diffResources(signed, local map[string]string, allowUnsigned bool) error {
	var missing, changed, extra []string
	for n, d := range signed {
		ld, ok := local[n]
		switch {
		case !ok:
			missing = append(missing, n)
		case ld != d:
			changed = append(changed, n)
		}
	}
	if !allowUnsigned {
		for n := range local {
			if _, ok := signed[n]; !ok {
				extra = append(extra, n)
			}
		}
	}
	switch {
	case len(changed) > 0:
		return fmt.Errorf("digest mismatch: %s changed since signing", names(changed))
	case len(missing) > 0:
		return fmt.Errorf("signed file missing: %s", names(missing))
	case len(extra) > 0:
		return fmt.Errorf("file not covered by the signature: %s", names(extra))
	}
	return nil
}

func names(list []string) string {
	slices.Sort(list)
	const show = 3
	if len(list) <= show {
		return strings.Join(quoteAll(list), ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(quoteAll(list[:show]), ", "), len(list)-show)
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func certIdentity(c *x509.Certificate) string {
	switch {
	case len(c.EmailAddresses) > 0:
		return c.EmailAddresses[0]
	case len(c.URIs) > 0:
		return c.URIs[0].String()
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	}
	return c.Subject.String()
}

// readCapped reads a whole file of at most max bytes.
func readCapped(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, over the cap of %d", p, st.Size(), max)
	}
	data := make([]byte, 0, st.Size())
	buf := make([]byte, 32<<10)
	for {
		n, err := f.Read(buf)
		data = append(data, buf[:n]...)
		if int64(len(data)) > max {
			return nil, fmt.Errorf("%s grew over the cap of %d bytes", p, max)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return data, nil
			}
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
	}
}

// oneLine folds a multi-line library error into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// certificateIdentity is the keyless identity policy of opts, with the
// regular expressions anchored at both ends.
func certificateIdentity(opts Options) (verify.CertificateIdentity, error) {
	return verify.NewShortCertificateIdentity(opts.Issuer, anchored(opts.IssuerRegexp), opts.Identity, anchored(opts.IdentityRegexp))
}

// anchored makes re match whole values only; "" stays "" (no regexp).
func anchored(re string) string {
	if re == "" {
		return ""
	}
	return `^(?:` + re + `)$`
}

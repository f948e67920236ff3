package signatures

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// makeModel writes a small model directory.
func makeModel(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny-model")
	files := map[string]string{
		"model.safetensors":   "weights-weights-weights",
		"config.json":         `{"architectures":["BertModel"]}`,
		"tokenizer/vocab.txt": "a\nb\n",
		"empty.txt":           "",
		".git/HEAD":           "ref: refs/heads/main\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mutation changes a signed model or its signature.
type mutation struct {
	name   string
	change func(t *testing.T, dir string, opts *Options)
	status Status
	want   string // in the one-line reason
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// commonMutations apply to every method.
func commonMutations(t *testing.T) []mutation {
	other := makeModel(t)
	write(t, filepath.Join(other, "model.safetensors"), "other weights")
	return []mutation{
		{"one byte changed", func(t *testing.T, dir string, _ *Options) {
			write(t, filepath.Join(dir, "model.safetensors"), "weights-weights-weightS")
		}, Invalid, "digest mismatch"},
		{"file added", func(t *testing.T, dir string, _ *Options) {
			write(t, filepath.Join(dir, "extra.bin"), "x")
		}, Invalid, `not covered by the signature: "extra.bin"`},
		{"file removed", func(t *testing.T, dir string, _ *Options) {
			if err := os.Remove(filepath.Join(dir, "config.json")); err != nil {
				t.Fatal(err)
			}
		}, Invalid, `signed file missing: "config.json"`},
		{"bundle for another model", func(t *testing.T, dir string, _ *Options) {
			data, err := os.ReadFile(filepath.Join(dir, "model.sig"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(other, "model.sig"), string(data))
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(dir, os.DirFS(other)); err != nil {
				t.Fatal(err)
			}
		}, Invalid, "digest mismatch"},
		{"truncated signature", func(t *testing.T, dir string, _ *Options) {
			p := filepath.Join(dir, "model.sig")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			write(t, p, string(data[:len(data)/2]))
		}, Invalid, "not a Sigstore bundle"},
		{"garbage signature", func(t *testing.T, dir string, _ *Options) {
			write(t, filepath.Join(dir, "model.sig"), "\x00\x01garbage")
		}, Invalid, "not a Sigstore bundle"},
		{"no signature", func(t *testing.T, dir string, _ *Options) {
			if err := os.Remove(filepath.Join(dir, "model.sig")); err != nil {
				t.Fatal(err)
			}
		}, Unsigned, "no signature"},
		{"unsigned file allowed", func(t *testing.T, dir string, opts *Options) {
			write(t, filepath.Join(dir, "notes.md"), "x")
			opts.IgnoreUnsignedFiles = true
		}, Verified, ""},
	}
}

func runMutations(t *testing.T, signed string, base Options, muts []mutation) {
	t.Helper()
	for _, m := range muts {
		t.Run(m.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), filepath.Base(signed))
			if err := os.CopyFS(dir, os.DirFS(signed)); err != nil {
				t.Fatal(err)
			}
			opts := base
			m.change(t, dir, &opts)
			r := Verify(context.Background(), dir, opts)
			if r.Status != m.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, m.status)
			}
			if strings.Contains(r.Reason, "\n") || !strings.Contains(r.Reason, m.want) {
				t.Errorf("reason %q, want one line with %q", r.Reason, m.want)
			}
		})
	}
}

func TestKeyMethod(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			dir := makeModel(t)
			key := newKey(t, curve)
			if _, err := Sign(context.Background(), dir, SignOptions{Key: key}); err != nil {
				t.Fatal(err)
			}
			r := Verify(context.Background(), dir, Options{PublicKey: key.Public()})
			if r.Status != Verified || r.Method != MethodKey || len(r.Files) != 4 {
				t.Fatalf("%+v", r)
			}
		})
	}
	dir := makeModel(t)
	key := newKey(t, elliptic.P256())
	if _, err := Sign(context.Background(), dir, SignOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	muts := append(commonMutations(t),
		mutation{"wrong key", func(t *testing.T, _ string, o *Options) {
			o.PublicKey = newKey(t, elliptic.P256()).Public()
		}, Invalid, "not with the given public key"},
		mutation{"no key given", func(t *testing.T, _ string, o *Options) {
			o.PublicKey = nil
		}, Invalid, "no public key was given"},
	)
	runMutations(t, dir, Options{PublicKey: key.Public()}, muts)
}

func TestCertificateMethod(t *testing.T) {
	rootCA := newCA(t, "test root", nil)
	inter := newCA(t, "test intermediate", rootCA)
	key := newKey(t, elliptic.P384())
	leaf := newCert(t, &x509.Certificate{
		Subject:        pkix.Name{CommonName: "signer"},
		EmailAddresses: []string{"release@example.com"},
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}, inter, key.Public())
	dir := makeModel(t)
	if _, err := Sign(context.Background(), dir, SignOptions{Key: key, Certificate: leaf, Chain: []*x509.Certificate{inter.cert}}); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(rootCA.cert)
	base := Options{CARoots: pool}
	r := Verify(context.Background(), dir, base)
	if r.Status != Verified || r.Method != MethodCertificate || r.Identity != "release@example.com" {
		t.Fatalf("%+v", r)
	}
	untrusted := x509.NewCertPool()
	untrusted.AddCert(selfSignedCA(t))
	muts := append(commonMutations(t),
		mutation{"untrusted certificate", func(_ *testing.T, _ string, o *Options) {
			o.CARoots = untrusted
		}, Invalid, "signing certificate is not trusted"},
		mutation{"expired certificate", func(_ *testing.T, _ string, o *Options) {
			o.CertTime = time.Now().Add(48 * time.Hour)
		}, Invalid, "expired"},
		mutation{"no CA given", func(_ *testing.T, _ string, o *Options) {
			o.CARoots = nil
		}, Invalid, "no CA certificate"},
	)
	runMutations(t, dir, base, muts)

	if _, err := Sign(context.Background(), dir, SignOptions{Key: newKey(t, elliptic.P384()), Certificate: leaf}); err == nil {
		t.Error("signed with a certificate for another key")
	}
}

// keylessSign writes a model.sig made by a virtual Sigstore instance (an
// in-memory Fulcio, Rekor and TSA) for the model in dir.
func keylessSign(t *testing.T, vs *ca.VirtualSigstore, dir, identity, issuer string) {
	t.Helper()
	ser := Serialization{Method: "files", HashType: "sha256", IgnorePaths: []string{".git", "model.sig"}}
	files, _, err := listModel(context.Background(), dir, ser, newIgnoreSet(ser.IgnorePaths))
	if err != nil {
		t.Fatal(err)
	}
	res, err := hashFiles(context.Background(), files, ser)
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := buildStatement(filepath.Base(dir), ser, res)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "model.sig"), string(virtualBundle(t, vs, identity, issuer, stmt)))
}

// virtualBundle is a v0.3 bundle file for a DSSE statement signed by the
// virtual Sigstore instance.
func virtualBundle(t *testing.T, vs *ca.VirtualSigstore, identity, issuer string, stmt []byte) []byte {
	t.Helper()
	e, err := vs.AttestAtTime(identity, issuer, stmt, time.Now(), true)
	if err != nil {
		t.Fatal(err)
	}
	vc, err := e.VerificationContent()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.SignatureContent()
	if err != nil {
		t.Fatal(err)
	}
	env := sc.EnvelopeContent().RawEnvelope()
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := e.TlogEntries()
	if err != nil {
		t.Fatal(err)
	}
	// The virtual log's entry lacks the kind a bundle file records.
	tle := proto.Clone(entries[0].TransparencyLogEntry()).(*protorekor.TransparencyLogEntry)
	tle.KindVersion = &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"}
	set, err := vs.RekorSignPayload(tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
		IntegratedTime: tle.IntegratedTime,
		LogIndex:       tle.LogIndex,
		LogID:          hex.EncodeToString(tle.LogId.KeyId),
	})
	if err != nil {
		t.Fatal(err)
	}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content:     &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: vc.Certificate().Raw}},
			TlogEntries: []*protorekor.TransparencyLogEntry{tle},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: payload, PayloadType: env.PayloadType,
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeylessMethod(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const id, iss = "release@example.com", "https://accounts.example.com"
	dir := makeModel(t)
	keylessSign(t, vs, dir, id, iss)
	base := Options{Identity: id, Issuer: iss, TrustedRoot: vs}
	r := Verify(context.Background(), dir, base)
	if r.Status != Verified || r.Method != MethodSigstore || r.Identity != id || r.Issuer != iss || r.LogIndex == nil || r.SignedAt == "" {
		t.Fatalf("%+v", r)
	}
	other, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	muts := append(commonMutations(t),
		mutation{"wrong identity", func(_ *testing.T, _ string, o *Options) {
			o.Identity = "mallory@example.com"
		}, Invalid, "keyless signature rejected"},
		mutation{"wrong issuer", func(_ *testing.T, _ string, o *Options) {
			o.Issuer = "https://evil.example.com"
		}, Invalid, "keyless signature rejected"},
		mutation{"identity regexp", func(_ *testing.T, _ string, o *Options) {
			o.Identity, o.IdentityRegexp = "", `^release@example\.com$`
		}, Verified, ""},
		mutation{"untrusted instance", func(_ *testing.T, _ string, o *Options) {
			o.TrustedRoot = other
		}, Invalid, "keyless signature rejected"},
		mutation{"public-good root", func(_ *testing.T, _ string, o *Options) {
			o.TrustedRoot = nil
		}, Invalid, "keyless signature rejected"},
		mutation{"no identity", func(_ *testing.T, _ string, o *Options) {
			o.Identity = ""
		}, Invalid, "needs a required identity"},
	)
	runMutations(t, dir, base, muts)
}

func TestSingleFileModel(t *testing.T) {
	dir := makeModel(t)
	file := filepath.Join(dir, "model.safetensors")
	key := newKey(t, elliptic.P256())
	sig := filepath.Join(t.TempDir(), "weights.sig")
	if _, err := Sign(context.Background(), file, SignOptions{Key: key, SignaturePath: sig}); err != nil {
		t.Fatal(err)
	}
	opts := Options{PublicKey: key.Public(), SignaturePath: sig}
	if r := Verify(context.Background(), file, opts); r.Status != Verified {
		t.Fatalf("%s: %s", r.Status, r.Reason)
	}
	write(t, file, "changed")
	if r := Verify(context.Background(), file, opts); r.Status != Invalid {
		t.Fatalf("changed single file: %s", r.Status)
	}
}

func TestVerifyDirUsesScanDigests(t *testing.T) {
	dir := makeModel(t)
	key := newKey(t, elliptic.P256())
	if _, err := Sign(context.Background(), dir, SignOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	ser := Serialization{Method: "files", HashType: "sha256"}
	files, _, err := listModel(context.Background(), dir, ser, newIgnoreSet())
	if err != nil {
		t.Fatal(err)
	}
	digests, err := hashFiles(context.Background(), files, ser)
	if err != nil {
		t.Fatal(err)
	}
	var scanned []FileDigest
	for p, d := range digests {
		scanned = append(scanned, FileDigest{Path: p, SHA256: d})
	}
	opts := Options{PublicKey: key.Public()}
	if r := VerifyDir(context.Background(), dir, scanned, opts); r.Status != Verified {
		t.Fatalf("%s: %s", r.Status, r.Reason)
	}
	// The scan read other bytes than the signer hashed: the scan's digest
	// wins, since it is what was analyzed.
	for i := range scanned {
		if scanned[i].Path == "config.json" {
			scanned[i].SHA256 = strings.Repeat("0", 64)
		}
	}
	if r := VerifyDir(context.Background(), dir, scanned, opts); r.Status != Invalid || !strings.Contains(r.Reason, "config.json") {
		t.Fatalf("%s: %s", r.Status, r.Reason)
	}
}

func TestSignatureIgnoreListCannotHideModel(t *testing.T) {
	dir := makeModel(t)
	key := newKey(t, elliptic.P256())
	if _, err := Sign(context.Background(), dir, SignOptions{Key: key, IgnorePaths: []string{"model.safetensors"}}); err != nil {
		t.Fatal(err)
	}
	r := Verify(context.Background(), dir, Options{PublicKey: key.Public()})
	if r.Status != Invalid || !strings.Contains(r.Reason, "hides model file") {
		t.Fatalf("%s: %s", r.Status, r.Reason)
	}
}

func TestSymlinkRejected(t *testing.T) {
	dir := makeModel(t)
	key := newKey(t, elliptic.P256())
	if err := os.Symlink("config.json", filepath.Join(dir, "link.json")); err != nil {
		t.Skip(err)
	}
	_, err := Sign(context.Background(), dir, SignOptions{Key: key})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err %v, want a symlink refusal", err)
	}
	// The way out is a flag the user has, not a setting without one.
	if strings.Contains(err.Error(), "allow_symlinks") || !strings.Contains(err.Error(), "--ignore-paths link.json") {
		t.Errorf("err %q: want it to name --ignore-paths, not allow_symlinks", err)
	}
	if _, err := Sign(context.Background(), dir, SignOptions{Key: key, IgnorePaths: []string{"link.json"}}); err != nil {
		t.Errorf("with the link ignored: %v", err)
	}
}

package signatures

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"
)

// maxSignatureBytes caps a model.sig; real ones are a few kilobytes, plus
// the statement, which grows by about 100 bytes per signed file.
const maxSignatureBytes = 64 << 20

// legacyKey is the public key an old (before model_signing v1.1) key-method
// bundle embedded in place of a hint.
type legacyKey struct{ pem []byte }

// parseBundle reads a model.sig. Bundles written before model_signing
// v1.1 carry publicKey.rawBytes/keyDetails fields the Sigstore bundle
// schema does not have; they are taken out first, as the reference
// verifier does, and the embedded key returned.
func parseBundle(data []byte) (*bundle.Bundle, *legacyKey, error) {
	if len(data) > maxSignatureBytes {
		return nil, nil, fmt.Errorf("signature is %d bytes, over the cap of %d", len(data), maxSignatureBytes)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	var legacy *legacyKey
	if vmRaw, ok := top["verificationMaterial"]; ok {
		var vm map[string]json.RawMessage
		if err := json.Unmarshal(vmRaw, &vm); err != nil {
			return nil, nil, fmt.Errorf("verificationMaterial: %w", err)
		}
		if pkRaw, ok := vm["publicKey"]; ok {
			var pk struct {
				Hint     string `json:"hint"`
				RawBytes []byte `json:"rawBytes"`
			}
			if err := json.Unmarshal(pkRaw, &pk); err != nil {
				return nil, nil, fmt.Errorf("verificationMaterial.publicKey: %w", err)
			}
			if len(pk.RawBytes) > 0 {
				legacy = &legacyKey{pem: pk.RawBytes}
			}
			clean, err := json.Marshal(map[string]string{"hint": pk.Hint})
			if err != nil {
				return nil, nil, fmt.Errorf("re-encode publicKey: %w", err)
			}
			vm["publicKey"] = clean
			if top["verificationMaterial"], err = json.Marshal(vm); err != nil {
				return nil, nil, fmt.Errorf("re-encode verificationMaterial: %w", err)
			}
			if data, err = json.Marshal(top); err != nil {
				return nil, nil, fmt.Errorf("re-encode bundle: %w", err)
			}
		}
	}
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(data, &pb); err != nil {
		return nil, nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	b, err := bundle.NewBundle(&pb, bundle.AllowCertificateChain())
	if err != nil {
		return nil, nil, fmt.Errorf("invalid Sigstore bundle: %w", err)
	}
	if pb.GetDsseEnvelope() == nil {
		return nil, nil, errors.New("bundle holds no DSSE envelope (an OMS signature always does)")
	}
	if pt := pb.GetDsseEnvelope().GetPayloadType(); pt != inTotoPayloadType {
		return nil, nil, fmt.Errorf("DSSE payload type %q is not %s", pt, inTotoPayloadType)
	}
	if n := len(pb.GetDsseEnvelope().GetSignatures()); n != 1 {
		return nil, nil, fmt.Errorf("DSSE envelope has %d signatures, want 1", n)
	}
	return b, legacy, nil
}

// keyHint is how OMS names a public key in a bundle: the hex SHA-256 of
// its PEM SubjectPublicKeyInfo encoding.
func keyHint(pub crypto.PublicKey) (string, []byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", nil, fmt.Errorf("encode public key: %w", err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:]), p, nil
}

// curveHash is the hash OMS pairs with each supported curve.
func curveHash(pub crypto.PublicKey) (crypto.Hash, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return 0, fmt.Errorf("%T keys are not supported (OMS uses ECDSA P-256, P-384 or P-521)", pub)
	}
	switch k.Curve {
	case elliptic.P256():
		return crypto.SHA256, nil
	case elliptic.P384():
		return crypto.SHA384, nil
	case elliptic.P521():
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("curve %s is not supported (OMS uses P-256, P-384 or P-521)", k.Curve.Params().Name)
}

func digestWith(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(msg)
		return s[:]
	}
	s := sha256.Sum256(msg)
	return s[:]
}

// pae is the DSSE pre-authentication encoding.
func pae(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "DSSEv1 %d %s %d ", len(payloadType), payloadType, len(payload))
	b.Write(payload)
	return b.Bytes()
}

// paeCompat is the encoding model_signing v0.2 signed by mistake: the
// payload spliced into the string as Python's bytes repr, after "DSSEV1".
func paeCompat(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEV1 %d %s %d %s", len(payloadType), payloadType, len(payload), pyBytesRepr(payload))
}

// pyBytesRepr renders b the way Python's repr(bytes) does.
func pyBytesRepr(b []byte) string {
	quote := byte('\'')
	if bytes.IndexByte(b, '\'') >= 0 && bytes.IndexByte(b, '"') < 0 {
		quote = '"'
	}
	var s bytes.Buffer
	s.WriteString("b")
	s.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\r':
			s.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			s.WriteString(`\x`)
			s.WriteString(strconv.FormatUint(uint64(c)>>4, 16))
			s.WriteString(strconv.FormatUint(uint64(c)&15, 16))
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte(quote)
	return s.String()
}

// verifyEnvelopeCompat checks the DSSE signature of b with pub under the
// encodings and hashes model_signing has used: the standard encoding with
// the curve's hash, then, for signatures made before v1.0, the v0.2
// encoding and the SHA-256 its certificate method hard-coded.
func verifyEnvelopeCompat(b *bundle.Bundle, pub crypto.PublicKey) error {
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%T keys are not supported (OMS uses ECDSA)", pub)
	}
	h, err := curveHash(pub)
	if err != nil {
		return err
	}
	env := b.GetDsseEnvelope()
	sig := env.GetSignatures()[0].GetSig()
	encodings := [][]byte{pae(env.GetPayloadType(), env.GetPayload()), paeCompat(env.GetPayloadType(), env.GetPayload())}
	hashes := []crypto.Hash{h}
	if h != crypto.SHA256 {
		hashes = append(hashes, crypto.SHA256)
	}
	for _, hh := range hashes {
		for _, msg := range encodings {
			if ecdsa.VerifyASN1(ec, digestWith(hh, msg), sig) {
				return nil
			}
		}
	}
	return errors.New("DSSE signature does not verify with the signer's key")
}

// decodeLegacyKey reads the PEM a pre-v1.1 bundle embedded (rawBytes holds
// the PEM text itself).
func decodeLegacyKey(l *legacyKey) (crypto.PublicKey, error) {
	blk, _ := pem.Decode(l.pem)
	if blk == nil {
		return nil, errors.New("embedded public key is not PEM")
	}
	return x509.ParsePKIXPublicKey(blk.Bytes)
}

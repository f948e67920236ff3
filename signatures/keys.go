package signatures

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// maxPEMBytes caps a key or certificate file.
const maxPEMBytes = 1 << 20

// LoadPublicKey reads a PEM (or DER) SubjectPublicKeyInfo public key.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := readCapped(path, maxPEMBytes)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	der := data
	if blk, _ := pem.Decode(data); blk != nil {
		der = blk.Bytes
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	if _, err := curveHash(pub); err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	return pub, nil
}

// LoadPrivateKey reads an unencrypted PEM EC private key (PKCS#8 or SEC 1),
// or a cosign-encrypted one with an empty password.
func LoadPrivateKey(path string) (crypto.Signer, error) {
	return LoadPrivateKeyPassword(path, nil)
}

// PEM types of the encrypted keys `cosign generate-key-pair` writes.
const (
	sigstoreKeyPEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
	cosignKeyPEM   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// LoadPrivateKeyPassword reads an unencrypted PEM EC private key (PKCS#8
// or SEC 1), or a key `cosign generate-key-pair` wrote, decrypted with
// password.
func LoadPrivateKeyPassword(path string, password []byte) (crypto.Signer, error) {
	data, err := readCapped(path, maxPEMBytes)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, fmt.Errorf("private key %s is not PEM", path)
	}
	if blk.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("private key %s is encrypted; decrypt it first", path)
	}
	if blk.Type == sigstoreKeyPEM || blk.Type == cosignKeyPEM {
		der, err := encrypted.Decrypt(blk.Bytes, password)
		if err != nil {
			return nil, fmt.Errorf("private key %s: decrypt (is COSIGN_PASSWORD right?): %w", path, err)
		}
		blk.Bytes = der
	}
	var key any
	if key, err = x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
		if key, err = x509.ParseECPrivateKey(blk.Bytes); err != nil {
			return nil, fmt.Errorf("private key %s: not a PKCS#8 or EC key", path)
		}
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key %s cannot sign", path)
	}
	if _, err := curveHash(s.Public()); err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	return s, nil
}

// LoadCertificates reads every PEM certificate in the files, in order.
func LoadCertificates(paths ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, p := range paths {
		data, err := readCapped(p, maxPEMBytes)
		if err != nil {
			return nil, fmt.Errorf("read certificates: %w", err)
		}
		for {
			var blk *pem.Block
			blk, data = pem.Decode(data)
			if blk == nil {
				break
			}
			if blk.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certificate in %s: %w", p, err)
			}
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return out, nil
}

// LoadCAPool reads the CA certificates a certificate-method signature must
// chain to.
func LoadCAPool(paths ...string) (*x509.CertPool, error) {
	certs, err := LoadCertificates(paths...)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// WriteKeyPair writes a PEM private key to prefix.key (mode 0600) and its
// public key to prefix.pub. It refuses when either file exists, so an
// existing key pair is never lost, unless force is set; then both are
// replaced, the private key again created with mode 0600 whatever the old
// file's mode was.
func WriteKeyPair(prefix string, priv, pub []byte, force bool) error {
	keyPath, pubPath := prefix+".key", prefix+".pub"
	if !force {
		for _, p := range []string{keyPath, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return fmt.Errorf("%s already exists: pass --force to replace the key pair", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	if err := writeNew(keyPath, priv, 0o600, force); err != nil {
		return err
	}
	return writeNew(pubPath, pub, 0o644, force)
}

// writeNew creates path with mode perm; never through an existing file or
// link, which force removes first.
func writeNew(path string, data []byte, perm fs.FileMode, force bool) error {
	if force {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

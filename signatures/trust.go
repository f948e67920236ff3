package signatures

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// publicGoodRoot is the trusted root of Sigstore's public-good instance
// (Fulcio CAs, Rekor and CT log keys, timestamp authority), as published
// through its TUF repository; sigstore-go ships the same file. It lets a
// keyless signature be verified with no network call.
//
//go:embed trustroot/public-good.json
var publicGoodRoot []byte

// PublicGoodRoot returns the embedded trusted root of the public-good
// Sigstore instance.
func PublicGoodRoot() (*root.TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromJSON(publicGoodRoot)
	if err != nil {
		return nil, fmt.Errorf("embedded public-good trusted root: %w", err)
	}
	return tr, nil
}

// LoadTrustedRoot reads a trusted_root.json, or a ClientTrustConfig
// (application/vnd.dev.sigstore.clienttrustconfig.v0.1+json) whose
// trustedRoot it uses.
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read trusted root: %w", err)
	}
	var wrapper struct {
		MediaType   string          `json:"mediaType"`
		TrustedRoot json.RawMessage `json:"trustedRoot"`
	}
	if json.Unmarshal(data, &wrapper) == nil && len(wrapper.TrustedRoot) > 0 {
		data = wrapper.TrustedRoot
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	return tr, nil
}

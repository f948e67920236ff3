// Package signatures verifies and makes Sigstore provenance for models: the
// OpenSSF Model Signing format (a model.sig Sigstore bundle whose DSSE
// in-toto statement lists every file's digest) with the keyless, public-key
// and certificate-chain methods, and cosign signatures attached to OCI
// artifacts (the sha256-<digest>.sig tag scheme and OCI 1.1 referrer
// bundles).
//
// Verification is offline: the trust root comes from a file or from the
// public-good Sigstore root embedded in the binary, and no network call is
// made except to the OCI registry that holds a cosign signature. It never
// trusts a digest it did not recompute or was not handed by the scan, and it
// never loads a model.
package signatures

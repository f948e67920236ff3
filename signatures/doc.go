// Package signatures verifies and makes Sigstore provenance for models: the
// OpenSSF Model Signing format (a model.sig Sigstore bundle whose DSSE
// in-toto statement lists every file's digest) with the keyless, public-key
// and certificate-chain methods, and cosign signatures and in-toto
// attestations on OCI artifacts (the sha256-<digest>.sig/.att tag scheme
// and OCI 1.1 referrer bundles).
//
// OCI signatures and attestations are checked by cosign's own verifier
// (pkg/cosign with CheckOpts for a key, or a keyless identity and issuer
// under a trusted root); this package keeps what cosign does not do or
// does differently: pinning a tag by hashing the manifest received,
// capped reads of referrer bundles, anchored identity regular expressions,
// every attestation judged on its own, and not-checked for a keyless
// signature whose Rekor entry could only be looked up online.
//
// Verification is offline: the trust root comes from a file or from the
// public-good Sigstore root embedded in the binary, and no network call is
// made except to the OCI registry, and to Rekor only when the caller
// allows it (OCIOptions.AllowNetworkTlog). It never trusts a digest it did
// not recompute or was not handed by the scan, and it never loads a model.
package signatures

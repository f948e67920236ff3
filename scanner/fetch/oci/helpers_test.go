package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func hexOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func fetchtestDescriptor(mt string, ann map[string]string) v1.Descriptor {
	return v1.Descriptor{MediaType: types.MediaType(mt), Annotations: ann, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}}
}

package server

import (
	"fmt"
	"testing"
	"time"
)

// The payload parsers read hostile bytes from the network; they must
// never panic and every target they return must be well formed.

func seedPayloads(f *testing.F) {
	now := time.Unix(1_750_000_000, 0)
	f.Add([]byte(testEnvelope("1", "reg:5000", "a/b", fakeDigest(1), now)))
	f.Add([]byte(fmt.Sprintf(harborDefaultBody, now.Unix(), fakeDigest(2))))
	f.Add([]byte(fmt.Sprintf(harborCloudBody, "x", now.Format(time.RFC3339), fakeDigest(3))))
	f.Add([]byte(fmt.Sprintf(hfBody, sha40(1), sha40(2))))
	f.Add([]byte(`{"events":null}`))
}

func checkEvents(t *testing.T, evs []event, prefix string) {
	for _, e := range evs {
		if len(e.Target) < len(prefix) || e.Target[:len(prefix)] != prefix || immutableDigest(e.Target) != e.Digest {
			t.Fatalf("bad target %q (digest %q)", e.Target, e.Digest)
		}
	}
}

func FuzzParseDistribution(f *testing.F) {
	seedPayloads(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, _, err := parseDistribution(b, Source{AllowedRegistries: []string{"reg:5000"}})
		if err == nil {
			checkEvents(t, evs, "oci://")
		}
	})
}

func FuzzParseHarbor(f *testing.F) {
	seedPayloads(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, _, err := parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test"}})
		if err == nil {
			checkEvents(t, evs, "oci://")
		}
	})
}

func FuzzParseHuggingFace(f *testing.F) {
	seedPayloads(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, _, err := parseHuggingFace(b)
		if err == nil {
			checkEvents(t, evs, "hf://")
		}
	})
}

package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	hfBody            = `{"event":{"action":"update","scope":"repo.content"},"repo":{"type":"model","name":"acme/tiny","id":"1","private":false,"headSha":"%s"},"updatedRefs":[{"ref":"refs/heads/main","oldSha":"0000000000000000000000000000000000000000","newSha":"%s"}],"webhook":{"id":"w1","version":3}}`
	harborDefaultBody = `{"type":"PUSH_ARTIFACT","occur_at":%d,"operator":"admin","event_data":{"resources":[{"digest":"%s","tag":"v1","resource_url":"harbor.test/library/model:v1"}],"repository":{"date_created":1,"name":"model","namespace":"library","repo_full_name":"library/model","repo_type":"private"}}}`
	harborCloudBody   = `{"specversion":"1.0","id":"%s","requestid":"r1","source":"/projects/1/webhook/policies/2","type":"harbor.artifact.pushed","datacontenttype":"application/json","time":"%s","data":{"resources":[{"digest":"%s","tag":"v1","resource_url":"harbor.test/library/model:v1"}],"repository":{"name":"model","namespace":"library","repo_full_name":"library/model","repo_type":"private"}},"operator":"admin"}`
)

func sha40(i int) string { return fakeDigest(i)[7:47] }

// TestAuthAndPayloads checks that every source rejects missing and wrong
// secrets, stale and replayed deliveries create nothing, and oversized
// and malformed payloads get 413 and 400 without harming the service.
func TestAuthAndPayloads(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBodyBytes = 4096
	cfg.Sources.HuggingFace.Secret = "hf-secret"
	cfg.Sources.Harbor.Secret = "Basic aGFyYm9yOnNlY3JldA=="
	srv := newServer(t, cfg)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	now := time.Now()

	dist := testEnvelope("e1", "reg.test:5000", "org/model", fakeDigest(1), now)
	hf := fmt.Sprintf(hfBody, sha40(2), sha40(2))
	hd := fmt.Sprintf(harborDefaultBody, now.Unix(), fakeDigest(3))
	hc := fmt.Sprintf(harborCloudBody, "ce-1", now.UTC().Format(time.RFC3339), fakeDigest(4))
	api := `{"target":"oci://reg.test:5000/org/model@` + fakeDigest(5) + `"}`
	auth := func(k, v string) map[string]string { return map[string]string{k: v} }
	tests := []struct {
		name, path, body string
		hdr              map[string]string
		want             int
		contains         string
	}{
		{"distribution missing", "/v1/events/distribution", dist, nil, 401, "missing"},
		{"distribution wrong", "/v1/events/distribution", dist, auth("Authorization", "Bearer nope"), 401, "wrong"},
		{"distribution ok", "/v1/events/distribution", dist, bearer(), 202, `"created":true`},
		{"distribution replayed id", "/v1/events/distribution", dist, bearer(), 202, `"created":false`},
		{"distribution stale", "/v1/events/distribution", testEnvelope("e2", "reg.test:5000", "org/model", fakeDigest(6), now.Add(-25*time.Hour)), bearer(), 401, "replay window"},
		{"distribution future", "/v1/events/distribution", testEnvelope("e3", "reg.test:5000", "org/model", fakeDigest(6), now.Add(time.Hour)), bearer(), 401, "replay window"},
		{"distribution pull ignored", "/v1/events/distribution", strings.Replace(testEnvelope("e4", "reg.test:5000", "org/model", fakeDigest(7), now), `"push"`, `"pull"`, 1), bearer(), 202, `"ignored":1`},
		{"distribution bad repo", "/v1/events/distribution", testEnvelope("e5", "reg.test:5000", "../etc", fakeDigest(7), now), bearer(), 400, "repository"},
		{"distribution bad digest", "/v1/events/distribution", testEnvelope("e6", "reg.test:5000", "org/model", "sha256:xyz", now), bearer(), 400, "digest"},
		{"distribution malformed", "/v1/events/distribution", `{"events":[`, bearer(), 400, "envelope"},
		{"distribution not an envelope", "/v1/events/distribution", `[]`, bearer(), 400, "envelope"},
		{"distribution oversized", "/v1/events/distribution", `{"events":[],"pad":"` + strings.Repeat("x", 5000) + `"}`, bearer(), 413, "larger"},

		{"hf missing", "/v1/events/huggingface", hf, nil, 401, "missing"},
		{"hf wrong", "/v1/events/huggingface", hf, auth("X-Webhook-Secret", "hf-secreT"), 401, "wrong"},
		{"hf bearer is not the secret", "/v1/events/huggingface", hf, bearer(), 401, "missing"},
		// Proxies and access logs keep query strings: never a secret there.
		{"hf secret in the query refused", "/v1/events/huggingface?secret=hf-secret", hf, nil, 401, "missing"},
		{"hf ok", "/v1/events/huggingface", hf, auth("X-Webhook-Secret", "hf-secret"), 202, `"created":true`},
		{"hf replayed", "/v1/events/huggingface", hf, auth("X-Webhook-Secret", "hf-secret"), 202, `"duplicates":1`},
		{"hf dataset ignored", "/v1/events/huggingface", strings.Replace(hf, `"type":"model"`, `"type":"dataset"`, 1), auth("X-Webhook-Secret", "hf-secret"), 202, `"ignored":1`},
		{"hf bad sha", "/v1/events/huggingface", fmt.Sprintf(hfBody, "x", "main"), auth("X-Webhook-Secret", "hf-secret"), 400, "sha"},

		{"harbor missing", "/v1/events/harbor", hd, nil, 401, "missing"},
		{"harbor wrong", "/v1/events/harbor", hd, auth("Authorization", "Basic d3Jvbmc="), 401, "wrong"},
		{"harbor default ok", "/v1/events/harbor", hd, auth("Authorization", cfg.Sources.Harbor.Secret), 202, `"created":true`},
		{"harbor default stale", "/v1/events/harbor", fmt.Sprintf(harborDefaultBody, now.Add(-48*time.Hour).Unix(), fakeDigest(8)), auth("Authorization", cfg.Sources.Harbor.Secret), 401, "replay window"},
		{"harbor cloudevents ok", "/v1/events/harbor", hc, auth("Authorization", cfg.Sources.Harbor.Secret), 202, `"created":true`},
		{"harbor cloudevents replayed", "/v1/events/harbor", hc, auth("Authorization", cfg.Sources.Harbor.Secret), 202, `"created":false`},
		{"harbor malformed", "/v1/events/harbor", `{"type":`, auth("Authorization", cfg.Sources.Harbor.Secret), 400, "harbor"},

		{"api missing", "/v1/scans", api, nil, 401, "missing"},
		{"api ok", "/v1/scans", api, bearer(), 202, `"created":true`},
		{"api local path refused", "/v1/scans", `{"target":"/etc/passwd"}`, bearer(), 400, "local"},
		{"api unknown field", "/v1/scans", `{"target":"oci://a/b@` + fakeDigest(9) + `","x":1}`, bearer(), 400, "unknown field"},
		{"api empty target", "/v1/scans", `{"target":""}`, bearer(), 400, "target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, hs.URL+tc.path, tc.body, tc.hdr)
			if code != tc.want || !strings.Contains(body, tc.contains) {
				t.Fatalf("%d %s, want %d containing %q", code, body, tc.want, tc.contains)
			}
		})
	}

	// A chunked body without Content-Length is cut at the limit too.
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/events/distribution", struct{ *strings.Reader }{strings.NewReader(strings.Repeat(" ", 10000) + "{}")})
	req.Header.Set("Authorization", "Bearer "+testSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked oversized body: %v %v", resp, err)
	}
	resp.Body.Close()

	// Reads need the API token too.
	for _, p := range []string{"/v1/scans?digest=" + fakeDigest(1), "/v1/artifacts/" + fakeDigest(1), "/v1/scans/x"} {
		resp, err := http.Get(hs.URL + p)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET %s without token: %v %v", p, resp, err)
		}
		resp.Body.Close()
	}
	// A disabled source is not there at all.
	cfg2 := testConfig(t)
	cfg2.Sources.Harbor.Secret = ""
	hs2 := httptest.NewServer(newServer(t, cfg2).Handler())
	defer hs2.Close()
	if code, _ := post(t, hs2.URL+"/v1/events/harbor", hd, nil); code != http.StatusNotFound {
		t.Fatalf("disabled source: %d", code)
	}
	// Still healthy, and the jobs are there: one per distinct content.
	resp, err = http.Get(hs.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	counts, _ := srv.Store().Counts(t.Context())
	if counts["queued"] != 5 {
		t.Fatalf("queued jobs %v, want 5", counts)
	}
	resp, err = http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := string(raw)
	for _, want := range []string{`modelgate_events_received_total{result="queued",source="distribution"} 1`, `modelgate_queue_depth 5`, `modelgate_requests_rejected_total{reason="unauthorized",source="huggingface"} 4`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, "hf-secret") || strings.Contains(m, testSecret) {
		t.Error("a secret leaked into the metrics")
	}
}

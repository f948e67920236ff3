package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/server/store"
)

// trap is a listener on 127.0.0.1 that counts the requests it sees and
// answers each with a body that must never reach a job's reason.
func trap(t *testing.T) (string, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "internal-secret-page", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), &n
}

// scanVia posts a scan request and waits for its job to end.
func scanVia(t *testing.T, r *running, target string) *store.Job {
	t.Helper()
	code, body := post(t, r.url+"/v1/scans", `{"target":"`+target+`"}`, bearer())
	var resp struct {
		Jobs []struct {
			ID string `json:"id"`
		} `json:"jobs"`
	}
	if code != http.StatusAccepted || json.Unmarshal([]byte(body), &resp) != nil || len(resp.Jobs) != 1 {
		t.Fatalf("POST %s: %d %s", target, code, body)
	}
	return waitJob(t, r.srv.Store(), resp.Jobs[0].ID)
}

// TestAddressPolicy: a push source must name its registry; the service
// connects to the registries named and to public addresses, never to a
// loopback (private, link-local, metadata) address an event or request
// names unless allow_addresses lists it, and no answer of an origin comes
// back in a job's reason.
func TestAddressPolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	cfg := testConfig(t)
	cfg.Sources.Distribution.AllowedRegistries = nil
	if _, err := New(context.Background(), cfg, testLogger(t), "test"); err == nil || !strings.Contains(err.Error(), "sources.distribution") {
		t.Fatalf("a push source without a registry: %v", err)
	}

	trapHost, seen := trap(t)
	ln := listen(t)
	host := registrytest.Start(t, registrytest.Notify{URL: "http://" + ln.Addr().String() + "/v1/events/distribution", Token: testSecret})
	cfg = testConfig(t)
	cfg.AllowAddresses = nil
	cfg.MaxAttempts = 2
	cfg.Sources.Distribution.AllowedRegistries = []string{host}
	cfg.Sources.Harbor = Source{}
	r := start(t, newServer(t, cfg), ln)

	// The registry the configuration names is reached although it
	// listens on loopback.
	d := pushModel(t, host, "models/benign", "v1", "model.pkl", readSample(t, "model.pkl"))
	if jobs := waitDone(t, r.srv.Store(), d, 30*time.Second); jobs[0].State != store.Done || jobs[0].Result.Verdict != "pass" {
		t.Fatalf("the named registry: %+v", jobs[0])
	}

	// An event naming another registry is refused.
	if code, body := post(t, r.url+"/v1/events/distribution", testEnvelope("forged", trapHost, "a/b", fakeDigest(1), time.Now()), bearer()); code != http.StatusBadRequest || !strings.Contains(body, "allowed_registries") {
		t.Errorf("forged event: %d %s", code, body)
	}
	// Requests naming a loopback address are never sent.
	for _, target := range []string{"http://" + trapHost + "/model.pkl", "oci://" + trapHost + "/a/b@" + fakeDigest(2), "oci://" + trapHost + "/a/b:v1"} {
		j := scanVia(t, r, target)
		if j.State != store.Failed || !strings.Contains(j.Reason, "address not allowed") {
			t.Errorf("%s: %s %q", target, j.State, j.Reason)
		}
	}
	if n := seen.Load(); n != 0 {
		t.Fatalf("the loopback listener saw %d requests", n)
	}

	// Allowed explicitly, it is reached, and its answer stays out of the
	// reason.
	cfg2 := testConfig(t)
	cfg2.AllowAddresses = []string{"127.0.0.1"}
	cfg2.MaxAttempts = 1
	r2 := start(t, newServer(t, cfg2), listen(t))
	for _, target := range []string{"http://" + trapHost + "/model.pkl", "oci://" + trapHost + "/a/b@" + fakeDigest(3)} {
		j := scanVia(t, r2, target)
		if j.State != store.Failed || strings.Contains(j.Reason, "internal-secret") || !strings.Contains(j.Reason, "404") {
			t.Errorf("%s: %s %q", target, j.State, j.Reason)
		}
	}
	if n := seen.Load(); n == 0 {
		t.Fatal("the explicitly allowed listener saw no request")
	}
}

func TestDialGuardAddresses(t *testing.T) {
	g, err := newDialGuard(Config{AllowAddresses: []string{"10.1.0.0/16", "192.168.7.7"}, HFEndpoint: "https://hub.internal:8443"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true}, {"2606:4700::1111", true},
		{"127.0.0.1", false}, {"::1", false}, {"169.254.169.254", false}, {"fd00:ec2::254", false},
		{"10.0.0.1", false}, {"10.1.2.3", true}, {"172.16.0.1", false}, {"192.168.7.7", true}, {"192.168.7.8", false},
		{"100.100.100.200", false}, {"0.0.0.0", false}, {"::", false}, {"fe80::1", false}, {"64:ff9b::a9fe:a9fe", false},
	} {
		if got := g.permitted(netip.MustParseAddr(c.ip).Unmap()); got != c.want {
			t.Errorf("%s: permitted %v, want %v", c.ip, got, c.want)
		}
	}
	if !g.named("HUB.internal", "8443") || g.named("other.internal", "443") {
		t.Error("the Hub endpoint is not allowed by name, or another host is")
	}
	if _, err := newDialGuard(Config{AllowAddresses: []string{"not-an-address"}}); err == nil {
		t.Error("a malformed allow_addresses entry was accepted")
	}
}

package server

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// TestHarborScannerAPI drives the pluggable scanner API the way Harbor
// does: metadata, a scan request, then report polls until it is ready.
func TestHarborScannerAPI(t *testing.T) {
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	digest := pushModel(t, host, "library/evil", "v1", "model.pkl", readSample(t, "evil.pkl"))

	cfg := testConfig(t)
	cfg.Sources.HarborScanner = Source{Secret: "Bearer harbor-scanner-token", AllowedRegistries: testRegistries}
	cfg.NoReferrers = true
	srv := newServer(t, cfg)
	r := start(t, srv, listen(t))
	auth := map[string]string{"Authorization": "Bearer harbor-scanner-token"}

	get := func(path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, r.url+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := get("/api/v1/metadata", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metadata without credential: %d", resp.StatusCode)
	}
	resp := get("/api/v1/metadata", auth)
	var meta struct {
		Scanner      map[string]string `json:"scanner"`
		Capabilities []struct {
			Produces []string `json:"produces_mime_types"`
		} `json:"capabilities"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil || meta.Scanner["name"] != "modelgate" || meta.Capabilities[0].Produces[0] != harborReportType {
		t.Fatalf("metadata: %+v %v", meta, err)
	}
	resp.Body.Close()

	body := `{"registry":{"url":"` + reg.URL + `","authorization":"Basic cm9ib3Q6c2VjcmV0"},"artifact":{"repository":"library/evil","digest":"` + digest + `","tag":"v1","mime_type":"application/vnd.oci.image.manifest.v1+json"}}`
	code, out := post(t, r.url+"/api/v1/scan", body, auth)
	if code != http.StatusAccepted {
		t.Fatalf("scan: %d %s", code, out)
	}
	var acc struct {
		Jobs []struct {
			ID string `json:"id"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal([]byte(out), &acc); err != nil || len(acc.Jobs) != 1 {
		t.Fatalf("scan answer %s: %v", out, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp := get("/api/v1/scan/"+acc.Jobs[0].ID+"/report", auth)
		if resp.StatusCode == http.StatusFound {
			if resp.Header.Get("Refresh-After") == "" {
				t.Fatal("302 without Refresh-After")
			}
			resp.Body.Close()
			if time.Now().After(deadline) {
				t.Fatal("report never ready")
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		var rep struct {
			Severity        string       `json:"severity"`
			Vulnerabilities []harborVuln `json:"vulnerabilities"`
		}
		err := json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || rep.Severity != "Critical" || len(rep.Vulnerabilities) == 0 || !strings.HasPrefix(rep.Vulnerabilities[0].ID, "MG1") {
			t.Fatalf("report: %d %+v %v", resp.StatusCode, rep, err)
		}
		break
	}
	if resp := get("/api/v1/scan/nope/report", auth); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown report: %d", resp.StatusCode)
	}
}

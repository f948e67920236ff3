package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate/internal/registrytest"
)

// cycloneDX16 compiles the CycloneDX 1.6 JSON schema vendored beside the
// BOM builder.
func cycloneDX16(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		f, err := os.Open(filepath.Join("..", "scanner", "bom", "testdata", "schema", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHarborScannerAPI drives the pluggable scanner API the way Harbor
// does, against the real Distribution registry, and checks each answer's
// status, media type and shape against the Scanner Adapter API v1.0
// OpenAPI document: metadata, a scan request answered 202 with an id,
// report polls answered 302 with Refresh-After until the report is ready,
// the report in Harbor's and in raw form, and the errors.
func TestHarborScannerAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	cfg := testConfig(t)
	cfg.Sources.Distribution = Source{}
	cfg.Sources.HarborScanner = Source{Secret: "Bearer harbor-scanner-token", AllowedRegistries: testRegistries}
	cfg.NoReferrers = true
	ln := listen(t)
	host := registrytest.Start(t, registrytest.Notify{URL: "http://" + ln.Addr().String() + "/v1/events/distribution", Token: testSecret})
	r := start(t, newServer(t, cfg), ln)
	evil := pushModel(t, host, "library/evil", "v1", "model.pkl", readSample(t, "evil.pkl"))
	opaque := pushModel(t, host, "library/opaque", "v1", "weights.bin", []byte(strings.Repeat("\x13\x37 unidentifiable ", 64)))
	auth := map[string]string{"Authorization": "Bearer harbor-scanner-token"}

	do := func(method, path, body string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}
	with := func(k, v string) map[string]string {
		return map[string]string{"Authorization": auth["Authorization"], k: v}
	}
	want := func(what string, resp *http.Response, b []byte, code int, mediaType string) {
		t.Helper()
		if resp.StatusCode != code || resp.Header.Get("Content-Type") != mediaType {
			t.Fatalf("%s: %d %q %s, want %d %q", what, resp.StatusCode, resp.Header.Get("Content-Type"), b, code, mediaType)
		}
	}

	if resp, _ := do("GET", "/api/v1/metadata", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metadata without credential: %d", resp.StatusCode)
	}
	resp, b := do("GET", "/api/v1/metadata", "", auth)
	want("metadata", resp, b, 200, harborMetadataType)
	var meta struct {
		Scanner      map[string]string `json:"scanner"`
		Capabilities []struct {
			Type       string              `json:"type"`
			Consumes   []string            `json:"consumes_mime_types"`
			Produces   []string            `json:"produces_mime_types"`
			Attributes map[string][]string `json:"additional_attributes"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Scanner["name"] != "modelgate" || len(meta.Capabilities) != 2 ||
		meta.Capabilities[0].Type != "vulnerability" || meta.Capabilities[0].Produces[0] != harborReportType ||
		meta.Capabilities[1].Type != "sbom" || !slices.Equal(meta.Capabilities[1].Produces, []string{harborSBOMType}) ||
		!slices.Equal(meta.Capabilities[1].Attributes["sbom_media_types"], []string{"application/vnd.cyclonedx+json"}) {
		t.Fatalf("metadata: %s %v", b, err)
	}
	for _, c := range meta.Capabilities {
		for _, mt := range []string{"application/vnd.oci.image.manifest.v1+json", "application/vnd.cncf.model.manifest.v1+json",
			"application/vnd.kitops.modelkit.manifest.v1+json", "application/vnd.docker.ai.model.config.v0.2+json"} {
			if !slices.Contains(c.Consumes, mt) {
				t.Errorf("%s capability does not consume %s: %v", c.Type, mt, c.Consumes)
			}
		}
	}

	scanWith := func(repo, digest, capabilities string) string {
		t.Helper()
		body := `{"registry":{"url":"http://` + host + `","authorization":"Basic cm9ib3Q6c2VjcmV0"},"artifact":{"repository":"` + repo + `","digest":"` + digest + `","tag":"v1","mime_type":"application/vnd.oci.image.manifest.v1+json"}` + capabilities + `}`
		resp, b := do("POST", "/api/v1/scan", body, with("Content-Type", harborScanType))
		want("scan "+repo, resp, b, 202, harborAcceptedType)
		var acc map[string]any
		if err := json.Unmarshal(b, &acc); err != nil || len(acc) != 1 || acc["id"] == "" {
			t.Fatalf("scan answer %s: %v", b, err)
		}
		id, _ := acc["id"].(string)
		return id
	}
	scan := func(repo, digest string) string { t.Helper(); return scanWith(repo, digest, "") }
	reportQ := func(id, query, accept string) (*http.Response, []byte) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, b := do("GET", "/api/v1/scan/"+id+"/report"+query, "", with("Accept", accept))
			if resp.StatusCode != http.StatusFound {
				return resp, b
			}
			if n, err := strconv.Atoi(resp.Header.Get("Refresh-After")); err != nil || n <= 0 {
				t.Fatalf("302 with Refresh-After %q", resp.Header.Get("Refresh-After"))
			}
			if time.Now().After(deadline) {
				t.Fatal("report never ready")
			}
		}
	}
	report := func(id, accept string) (*http.Response, []byte) { t.Helper(); return reportQ(id, "", accept) }
	type harborReport struct {
		Severity        string       `json:"severity"`
		Vulnerabilities []harborVuln `json:"vulnerabilities"`
		Artifact        struct {
			Repository string `json:"repository"`
			Digest     string `json:"digest"`
		} `json:"artifact"`
	}

	id := scan("library/evil", evil)
	if again := scan("library/evil", evil); again != id {
		t.Errorf("the same artifact asked twice got ids %s and %s", id, again)
	}
	resp, b = report(id, harborReportType)
	want("report", resp, b, 200, harborReportType)
	var rep harborReport
	if err := json.Unmarshal(b, &rep); err != nil || rep.Severity != "Critical" || len(rep.Vulnerabilities) == 0 ||
		!strings.HasPrefix(rep.Vulnerabilities[0].ID, "MG1") || rep.Artifact.Repository != "library/evil" || rep.Artifact.Digest != evil {
		t.Fatalf("report: %s %v", b, err)
	}
	resp, b = report(id, harborRawType)
	want("raw report", resp, b, 200, harborRawType)
	if !strings.Contains(string(b), `"verdict":"fail"`) {
		t.Fatalf("raw report: %s", b)
	}

	// The SBOM report of the same scan: Harbor's envelope around the
	// CycloneDX 1.6 ML-BOM, whose vulnerabilities are the findings.
	sbomID := scanWith("library/evil", evil, `,"enabled_capabilities":[{"type":"sbom","produces_mime_types":["`+harborSBOMType+`"],"parameters":{"sbom_media_types":["application/spdx+json","application/vnd.cyclonedx+json"]}}]`)
	if sbomID != id {
		t.Errorf("an SBOM request for a scanned artifact got a new job %s, not %s", sbomID, id)
	}
	resp, b = reportQ(sbomID, "?sbom_media_type=application/vnd.cyclonedx%2Bjson", harborSBOMType)
	want("sbom report", resp, b, 200, harborSBOMType)
	var sr struct {
		GeneratedAt string            `json:"generated_at"`
		Artifact    map[string]string `json:"artifact"`
		Scanner     map[string]string `json:"scanner"`
		MediaType   string            `json:"media_type"`
		SBOM        json.RawMessage   `json:"sbom"`
	}
	if err := json.Unmarshal(b, &sr); err != nil || sr.MediaType != "application/vnd.cyclonedx+json" || sr.Artifact["digest"] != evil ||
		sr.Artifact["repository"] != "library/evil" || sr.Scanner["name"] != "modelgate" {
		t.Fatalf("sbom report: %.300s %v", b, err)
	}
	if _, err := time.Parse(time.RFC3339, sr.GeneratedAt); err != nil {
		t.Errorf("generated_at %q: %v", sr.GeneratedAt, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sr.SBOM))
	if err != nil {
		t.Fatal(err)
	}
	if err := cycloneDX16(t).Validate(doc); err != nil {
		t.Fatalf("sbom does not validate against CycloneDX 1.6: %v", err)
	}
	if !bytes.Contains(sr.SBOM, []byte(`"vulnerabilities"`)) || !bytes.Contains(sr.SBOM, []byte(`"modelgate:verdict","value":"fail"`)) {
		t.Errorf("sbom lacks the findings or the verdict: %.500s", sr.SBOM)
	}
	for _, q := range []string{"", "?sbom_media_type=application/spdx%2Bjson"} {
		resp, b = do("GET", "/api/v1/scan/"+id+"/report"+q, "", with("Accept", harborSBOMType))
		want("sbom report "+q, resp, b, 400, harborErrorType)
	}
	for _, caps := range []string{
		`,"enabled_capabilities":[{"type":"sbom","parameters":{"sbom_media_types":["application/spdx+json"]}}]`,
		`,"enabled_capabilities":[{"type":"malware"}]`,
		`,"enabled_capabilities":[{"type":"vulnerability","produces_mime_types":["` + harborSBOMType + `"]}]`,
	} {
		body := `{"registry":{"url":"http://` + host + `"},"artifact":{"repository":"library/evil","digest":"` + evil + `"}` + caps + `}`
		resp, b = do("POST", "/api/v1/scan", body, with("Content-Type", harborScanType))
		want("capabilities "+caps, resp, b, 422, harborErrorType)
	}

	// No verdict is not clean: it is an Unknown entry.
	resp, b = report(scan("library/opaque", opaque), harborReportType)
	want("no-verdict report", resp, b, 200, harborReportType)
	rep = harborReport{}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Severity != "Unknown" || len(rep.Vulnerabilities) != 1 || rep.Vulnerabilities[0].Severity != "Unknown" {
		t.Fatalf("no-verdict report: %s %v", b, err)
	}

	resp, b = do("POST", "/api/v1/scan", `{"registry":`, with("Content-Type", harborScanType))
	want("malformed request", resp, b, 400, harborErrorType)
	resp, b = do("POST", "/api/v1/scan", `{"registry":{"url":"http://`+host+`"},"artifact":{"repository":"library/evil","digest":"sha256:nope"}}`, with("Content-Type", harborScanType))
	want("invalid field", resp, b, 422, harborErrorType)
	resp, b = do("GET", "/api/v1/scan/nope/report", "", auth)
	want("unknown report", resp, b, 404, harborErrorType)
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
		t.Fatalf("error body %s", b)
	}
}

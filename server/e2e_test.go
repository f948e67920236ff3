package server

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/modelgate/modelgate/internal/registrytest"
)

// TestDistributionEndToEnd pushes a benign and a malicious model to the
// real Distribution registry, whose notifications reach the service; the
// service scans both and the BOM and report appear as referrers.
func TestDistributionEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	cfg := testConfig(t)
	srv := newServer(t, cfg)
	ln := listen(t)
	r := start(t, srv, ln)
	host := registrytest.Start(t, registrytest.Notify{URL: r.url + "/v1/events/distribution", Token: testSecret})

	benign := pushModel(t, host, "models/benign", "v1", "model.pkl", readSample(t, "model.pkl"))
	evil := pushModel(t, host, "models/evil", "v1", "model.pkl", readSample(t, "evil.pkl"))

	for _, c := range []struct {
		repo, digest, verdict string
	}{{"models/benign", benign, "pass"}, {"models/evil", evil, "fail"}} {
		jobs := waitDone(t, srv.Store(), c.digest, 30*time.Second)
		if len(jobs) != 1 {
			t.Fatalf("%s: %d jobs, want 1: %+v", c.repo, len(jobs), jobs)
		}
		j := jobs[0]
		if j.State != "done" || j.Result == nil || j.Result.Verdict != c.verdict || j.Source != "distribution" {
			t.Fatalf("%s: job %+v", c.repo, j)
		}
		if j.Result.ReferrerError != "" || len(j.Result.Referrers) != 2 {
			t.Fatalf("%s: referrers %v (%s)", c.repo, j.Result.Referrers, j.Result.ReferrerError)
		}
		if !json.Valid(j.Result.BOM) || !json.Valid(j.Result.Report) {
			t.Fatalf("%s: BOM or report is not JSON", c.repo)
		}

		// The registry lists them (2.8 has no referrers API: ggcr reads
		// the sha256-<hex> fallback tag).
		d, err := name.NewDigest(host + "/" + c.repo + "@" + c.digest)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Referrers(d)
		if err != nil {
			t.Fatalf("%s: referrers: %v", c.repo, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]string{}
		for _, m := range im.Manifests {
			types[m.ArtifactType] = m.Annotations[AnnotationVerdict]
		}
		if types[BOMArtifactType] != c.verdict || types[ReportArtifactType] != c.verdict || len(im.Manifests) != 2 {
			t.Fatalf("%s: referrers in the registry: %+v", c.repo, im.Manifests)
		}

		// And the API serves the result.
		req, _ := http.NewRequest(http.MethodGet, r.url+"/v1/artifacts/"+c.digest, nil)
		req.Header.Set("Authorization", "Bearer "+testSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var art struct {
			Scans []struct {
				State  string `json:"state"`
				Result struct {
					Verdict string `json:"verdict"`
				} `json:"result"`
			} `json:"scans"`
		}
		err = json.NewDecoder(resp.Body).Decode(&art)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(art.Scans) != 1 || art.Scans[0].Result.Verdict != c.verdict {
			t.Fatalf("%s: GET /v1/artifacts: %d %+v %v", c.repo, resp.StatusCode, art, err)
		}
	}
}

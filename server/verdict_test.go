package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/server/store"
)

// waitJob waits until the job id has ended.
func waitJob(t *testing.T, st store.Store, id string) *store.Job {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		j, err := st.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == store.Done || j.State == store.Failed {
			return j
		}
	}
	t.Fatalf("job %s did not end", id)
	return nil
}

// TestDigestComesFromTheFetcher: a scan request cannot file a benign
// file's "pass" under the digest of another artifact by writing that
// digest after an "@"; a result is filed under the digest the fetcher
// verified (here, a tag resolved against the real Distribution registry).
func TestDigestComesFromTheFetcher(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	srv := newServer(t, testConfig(t))
	r := start(t, srv, listen(t))
	host := registrytest.Start(t, registrytest.Notify{URL: r.url + "/v1/events/distribution", Token: testSecret})
	victim := pushModel(t, host, "models/victim", "v1", "model.pkl", readSample(t, "evil.pkl"))
	benign := readSample(t, "model.pkl")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "model.pkl", time.Time{}, strings.NewReader(string(benign)))
	}))
	defer web.Close()

	for _, target := range []string{
		web.URL + "/benign.pkl@" + victim,
		web.URL + "/benign.pkl@" + strings.Repeat("ab", 20) + "/x",
		"oci://" + host + "/models/victim:v1",
	} {
		code, body := post(t, r.url+"/v1/scans", `{"target":"`+target+`"}`, bearer())
		var resp struct {
			Jobs []struct {
				ID string `json:"id"`
			} `json:"jobs"`
		}
		if code != http.StatusAccepted || json.Unmarshal([]byte(body), &resp) != nil || len(resp.Jobs) != 1 {
			t.Fatalf("POST %s: %d %s", target, code, body)
		}
		j := waitJob(t, srv.Store(), resp.Jobs[0].ID)
		if j.State != store.Done {
			t.Fatalf("%s: %+v", target, j)
		}
		if want := map[bool]string{true: victim, false: ""}[strings.HasPrefix(target, "oci://")]; j.Digest != want {
			t.Errorf("%s: filed under %q, want %q", target, j.Digest, want)
		}
	}
	jobs, err := srv.Store().ByDigest(t.Context(), victim, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Result == nil || j.Result.Verdict != "fail" {
			t.Errorf("under the victim's digest: %s %s %s", j.Target, j.State, jobVerdict(j))
		}
	}
	if len(jobs) == 0 {
		t.Error("the tag's scan is not filed under the digest it resolved to")
	}
	for repo, code := range map[string]int{host + "/models/victim": 200, host + "/models/other": 404} {
		req, _ := http.NewRequest(http.MethodGet, r.url+"/v1/artifacts/"+victim+"?repository="+repo, nil)
		req.Header.Set("Authorization", "Bearer "+testSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("GET /v1/artifacts/...?repository=%s: %d, want %d", repo, resp.StatusCode, code)
		}
	}
}

func jobVerdict(j store.Job) string {
	if j.Result == nil {
		return "no result"
	}
	return j.Result.Verdict
}

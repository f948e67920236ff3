package server

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/modelgate/modelgate/server/store"
)

// TestJobTimeout: a registry that accepts a blob download and then sends
// nothing holds a scan only until job_timeout: the job ends failed with a
// timeout reason, not retried, and the one worker takes the next job.
func TestJobTimeout(t *testing.T) {
	regh := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/models/stuck/blobs/") {
			w.Header().Set("Content-Length", "100000")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		regh.ServeHTTP(w, r)
	}))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	// Distinct data, so the stuck layer is fetched under its own repo.
	stuck := pushModel(t, host, "models/stuck", "v1", "model.pkl", append(readSample(t, "evil.pkl"), '\n'))
	next := pushModel(t, host, "models/evil", "v1", "model.pkl", readSample(t, "evil.pkl"))

	cfg := testConfig(t)
	cfg.Workers = 1
	cfg.JobTimeout = 400 * time.Millisecond
	cfg.StallTimeout = time.Minute // the deadline, not the stall guard, ends it
	srv := newServer(t, cfg)
	r := start(t, srv, listen(t))
	for _, d := range []string{stuck, next} {
		target := "oci://" + host + "/models/" + map[bool]string{true: "stuck", false: "evil"}[d == stuck] + "@" + d
		if code, body := post(t, r.url+"/v1/scans", `{"target":"`+target+`"}`, bearer()); code != http.StatusAccepted {
			t.Fatalf("POST /v1/scans: %d %s", code, body)
		}
	}
	start := time.Now()
	jobs := waitDone(t, srv.st, stuck, 4*time.Second)
	if len(jobs) != 1 || jobs[0].State != store.Failed || !strings.Contains(jobs[0].Reason, "job_timeout 400ms") || jobs[0].Attempts != 1 {
		t.Fatalf("stuck job: %+v, want one failed on its first attempt with a timeout reason", jobs)
	}
	jobs = waitDone(t, srv.st, next, 4*time.Second)
	if len(jobs) != 1 || jobs[0].State != store.Done || jobs[0].Result == nil || jobs[0].Result.Verdict != "fail" {
		t.Fatalf("next job: %+v, want done with a fail verdict", jobs)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %v", took)
	}
}

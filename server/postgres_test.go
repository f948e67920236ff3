package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/modelgate/modelgate/server/internal/pgtest"
	"github.com/modelgate/modelgate/server/store"
)

// TestPostgresReplicas runs two replicas on one PostgreSQL database; each
// receives half of the scan requests and they share the queue: every job
// is scanned exactly once.
func TestPostgresReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL test")
	}
	dsn := pgtest.Fresh(t)
	if dsn == "" {
		t.Skip("PostgreSQL is not available here (see the log above)")
	}
	const jobs = 24
	dir := t.TempDir()
	benign, evil := readSample(t, "model.pkl"), readSample(t, "evil.pkl")
	var paths []string
	for i := range jobs {
		data := benign
		if i%3 == 0 {
			data = evil
		}
		p := filepath.Join(dir, fmt.Sprintf("model-%02d.pkl", i))
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var replicas []*running
	for range 2 {
		cfg := testConfig(t)
		cfg.Database = dsn
		cfg.AllowLocalTargets = true
		cfg.MaxAttempts = 2
		replicas = append(replicas, start(t, newServer(t, cfg), listen(t)))
	}
	for i, p := range paths {
		r := replicas[i%2]
		if code, body := post(t, r.url+"/v1/scans", `{"target":"`+p+`"}`, bearer()); code != http.StatusAccepted {
			t.Fatalf("POST %s: %d %s", p, code, body)
		}
	}
	// The same immutable target sent to both replicas makes one job (it
	// fails: nothing listens at that address).
	ln := listen(t)
	dead := "oci://" + ln.Addr().String() + "/a/b@" + fakeDigest(7)
	ln.Close()
	for i, r := range replicas {
		code, body := post(t, r.url+"/v1/scans", `{"target":"`+dead+`"}`, bearer())
		if code != http.StatusAccepted || strings.Contains(body, `"created":true`) != (i == 0) {
			t.Fatalf("immutable target to replica %d: %d %s", i, code, body)
		}
	}
	st := replicas[0].srv.Store()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := st.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c[store.Done]+c[store.Failed] == jobs+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs did not end: %v", c)
		}
		time.Sleep(100 * time.Millisecond)
	}
	all, err := st.ByDigest(context.Background(), "", true)
	if err != nil {
		t.Fatal(err)
	}
	byTarget := map[string]store.Job{}
	for _, j := range all {
		byTarget[j.Target] = j
	}
	byReplica := map[string]int{}
	for i, p := range paths {
		j, ok := byTarget[p]
		want := "pass"
		if i%3 == 0 {
			want = "fail"
		}
		if !ok || j.State != store.Done || j.Attempts != 1 || j.Result == nil || j.Result.Verdict != want {
			t.Errorf("%s: want done once with %s: %+v", p, want, j)
			continue
		}
		byReplica[strings.SplitN(j.Worker, "/", 2)[0]]++
	}
	var scans float64
	for _, r := range replicas {
		scans += testutil.ToFloat64(r.srv.m.scans.WithLabelValues("done"))
	}
	if scans != jobs {
		t.Fatalf("%v scans across the replicas, want %d", scans, jobs)
	}
	t.Logf("jobs per replica: %v", byReplica)
}

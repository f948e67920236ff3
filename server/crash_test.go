package server

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/modelgate/modelgate/server/store"
)

// crashable is a store that stops writing when the process "dies": a
// crashed process records nothing more.
type crashable struct {
	store.Store
	dead atomic.Bool
}

var errDead = errors.New("process is dead")

func (c *crashable) Complete(ctx context.Context, id, w string, r store.Result) error {
	if c.dead.Load() {
		return errDead
	}
	return c.Store.Complete(ctx, id, w, r)
}
func (c *crashable) Fail(ctx context.Context, id, w, reason string) error {
	if c.dead.Load() {
		return errDead
	}
	return c.Store.Fail(ctx, id, w, reason)
}
func (c *crashable) Retry(ctx context.Context, id, w, reason string, next time.Time) error {
	if c.dead.Load() {
		return errDead
	}
	return c.Store.Retry(ctx, id, w, reason, next)
}
func (c *crashable) Release(ctx context.Context, id, w string) error {
	if c.dead.Load() {
		return errDead
	}
	return c.Store.Release(ctx, id, w)
}
func (c *crashable) Claim(ctx context.Context, w string, now time.Time, lease time.Duration) (*store.Job, error) {
	if c.dead.Load() {
		return nil, errDead
	}
	return c.Store.Claim(ctx, w, now, lease)
}

// gate holds blob downloads of a registry until opened.
type gate struct {
	open    chan struct{}
	reached chan struct{}
	blobs   atomic.Int32
}

func newGate() *gate { return &gate{open: make(chan struct{}), reached: make(chan struct{}, 16)} }

func (g *gate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			g.blobs.Add(1)
			select {
			case g.reached <- struct{}{}:
			default:
			}
			select {
			case <-g.open:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// TestCrashRecovery kills the service in the middle of a scan (its store
// writes nothing more, its context ends without finishing the job), then
// starts a new instance on the same data directory: the job is scanned
// again and completes once, with one set of referrers.
func TestCrashRecovery(t *testing.T) {
	g := newGate()
	reg := httptest.NewServer(g.wrap(registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	close(g.open) // pushing needs no gate
	digest := pushModel(t, host, "models/evil", "v1", "model.pkl", readSample(t, "evil.pkl"))
	g.open = make(chan struct{})

	cfg := testConfig(t)
	cfg.Workers = 1
	cfg.ShutdownGrace = -1 // no grace: a crash

	srv1, err := New(context.Background(), cfg, testLogger(t), "test")
	if err != nil {
		t.Fatal(err)
	}
	dying := &crashable{Store: srv1.st}
	srv1.st = dying
	r1 := start(t, srv1, listen(t))
	target := "oci://" + host + "/models/evil@" + digest
	if code, body := post(t, r1.url+"/v1/scans", `{"target":"`+target+`"}`, bearer()); code != http.StatusAccepted {
		t.Fatalf("POST /v1/scans: %d %s", code, body)
	}
	select {
	case <-g.reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the scan never reached the registry")
	}
	dying.dead.Store(true)
	r1.stop()
	srv1.Close()

	jobs, err := func() ([]store.Job, error) {
		st, err := store.Open(context.Background(), cfg.DataDir+"/modelgate.db")
		if err != nil {
			return nil, err
		}
		defer st.Close()
		return st.ByDigest(context.Background(), digest, false)
	}()
	if err != nil || len(jobs) != 1 || jobs[0].State != store.Running {
		t.Fatalf("after the crash, want one running job: %+v %v", jobs, err)
	}

	close(g.open)
	srv2 := newServer(t, cfg)
	start(t, srv2, listen(t))
	jobs = waitDone(t, srv2.Store(), digest, 20*time.Second)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	j := jobs[0]
	if j.State != store.Done || j.Attempts != 2 || j.Result == nil || j.Result.Verdict != "fail" || len(j.Result.Referrers) != 2 {
		t.Fatalf("recovered job: %+v %+v", j, j.Result)
	}
	d, _ := name.NewDigest(host + "/models/evil@" + digest)
	idx, err := remote.Referrers(d)
	if err != nil {
		t.Fatal(err)
	}
	if im, _ := idx.IndexManifest(); len(im.Manifests) != 2 {
		t.Fatalf("referrers after recovery: %+v (want one BOM and one report)", im.Manifests)
	}
}

// TestGracefulShutdownRequeues stops the service with a scan in flight and
// no grace: the job goes back to the queue without counting the attempt.
func TestGracefulShutdownRequeues(t *testing.T) {
	g := newGate()
	reg := httptest.NewServer(g.wrap(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	close(g.open)
	digest := pushModel(t, host, "models/benign", "v1", "model.pkl", readSample(t, "model.pkl"))
	g.open = make(chan struct{})
	defer close(g.open)

	cfg := testConfig(t)
	cfg.Workers = 1
	cfg.ShutdownGrace = -1
	srv := newServer(t, cfg)
	r := start(t, srv, listen(t))
	if code, body := post(t, r.url+"/v1/scans", `{"target":"oci://`+host+`/models/benign@`+digest+`"}`, bearer()); code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", code, body)
	}
	select {
	case <-g.reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the scan never reached the registry")
	}
	r.stop()
	jobs, err := srv.Store().ByDigest(context.Background(), digest, false)
	if err != nil || len(jobs) != 1 || jobs[0].State != store.Queued || jobs[0].Attempts != 0 {
		t.Fatalf("after shutdown: %+v %v", jobs, err)
	}
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server/internal/pgtest"
	"github.com/modelgate/modelgate/server/store"
)

func backends(t *testing.T) map[string]store.Store {
	ctx := context.Background()
	out := map[string]store.Store{}
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out["sqlite"] = s
	if !testing.Short() {
		if dsn := pgtest.Fresh(t); dsn != "" {
			p, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			out["postgres"] = p
		}
	}
	return out
}

func TestLifecycle(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			j, e, err := s.Enqueue(ctx, store.Job{Key: "oci://r/a@sha256:1", Target: "oci://r/a@sha256:1", Source: "distribution", Digest: "sha256:1"}, "ev1")
			if err != nil || !e.Created || e.Replayed || j.State != store.Queued {
				t.Fatalf("enqueue: %+v %+v %v", j, e, err)
			}
			again, e, err := s.Enqueue(ctx, store.Job{Key: "oci://r/a@sha256:1", Target: "x", Source: "distribution", Digest: "sha256:1"}, "ev1")
			if err != nil || e.Created || !e.Replayed || again.ID != j.ID {
				t.Fatalf("dedupe: %+v %+v %v", again, e, err)
			}
			if _, e, _ := s.Enqueue(ctx, store.Job{Key: "oci://r/a@sha256:1", Target: "x", Source: "harbor", Digest: "sha256:1"}, "ev1"); e.Created || e.Replayed {
				t.Fatalf("a delivery id of another source: %+v", e)
			}
			now := time.Now()
			c, err := s.Claim(ctx, "w1", now, time.Minute)
			if err != nil || c == nil || c.ID != j.ID || c.Attempts != 1 {
				t.Fatalf("claim: %+v %v", c, err)
			}
			if c2, err := s.Claim(ctx, "w2", now, time.Minute); err != nil || c2 != nil {
				t.Fatalf("second claim while leased: %+v %v", c2, err)
			}
			if err := s.Retry(ctx, j.ID, "w1", "fetch: refused", now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if c2, _ := s.Claim(ctx, "w2", now, time.Minute); c2 != nil {
				t.Fatalf("claimed before its retry time: %+v", c2)
			}
			c, err = s.Claim(ctx, "w2", now.Add(2*time.Hour), time.Minute)
			if err != nil || c == nil || c.Attempts != 2 {
				t.Fatalf("claim after backoff: %+v %v", c, err)
			}
			// The lease expires: another worker takes the job and the first
			// one can no longer finish it.
			c3, err := s.Claim(ctx, "w3", now.Add(3*time.Hour), time.Minute)
			if err != nil || c3 == nil || c3.Attempts != 3 {
				t.Fatalf("claim after lease expiry: %+v %v", c3, err)
			}
			if err := s.Complete(ctx, j.ID, "w2", store.Result{Verdict: "pass"}); !errors.Is(err, store.ErrLost) {
				t.Fatalf("complete by a worker that lost the lease: %v", err)
			}
			if err := s.Complete(ctx, j.ID, "w3", store.Result{Verdict: "fail", Digest: "sha256:1", BySeverity: map[string]int{"critical": 1}, Referrers: []string{"sha256:r"}}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, j.ID)
			if err != nil || got.State != store.Done || got.Result == nil || got.Result.Verdict != "fail" || got.Result.BySeverity["critical"] != 1 {
				t.Fatalf("get: %+v %v", got, err)
			}
			if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("get unknown: %v", err)
			}
			list, err := s.ByDigest(ctx, "sha256:1", true)
			if err != nil || len(list) != 1 || list[0].Result == nil {
				t.Fatalf("by digest: %+v %v", list, err)
			}
			counts, err := s.Counts(ctx)
			if err != nil || counts[store.Done] != 1 || counts[store.Queued] != 0 {
				t.Fatalf("counts: %v %v", counts, err)
			}
			if err := s.PruneDeliveries(ctx, time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, e, _ := s.Enqueue(ctx, store.Job{Key: "oci://r/a@sha256:1", Target: "x", Source: "distribution", Digest: "sha256:1"}, "ev1"); e.Replayed {
				t.Fatal("pruned delivery still remembered")
			}
		})
	}
}

func TestReleaseAndRecover(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, _, _ := s.Enqueue(ctx, store.Job{Key: "k1", Target: "k1", Source: "api", Digest: "d1"}, "")
			b, _, _ := s.Enqueue(ctx, store.Job{Key: "k2", Target: "k2", Source: "api", Digest: "d2"}, "")
			now := time.Now()
			ca, _ := s.Claim(ctx, "w", now, time.Hour)
			cb, _ := s.Claim(ctx, "w", now, time.Hour)
			if ca == nil || cb == nil || ca.ID != a.ID || cb.ID != b.ID {
				t.Fatalf("claims: %+v %+v", ca, cb)
			}
			if err := s.Release(ctx, a.ID, "w"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(ctx, a.ID); got.State != store.Queued || got.Attempts != 0 {
				t.Fatalf("released job: %+v", got)
			}
			n, err := s.RecoverRunning(ctx)
			if err != nil || n != 1 {
				t.Fatalf("recover: %d %v", n, err)
			}
			if got, _ := s.Get(ctx, b.ID); got.State != store.Queued || got.Attempts != 1 {
				t.Fatalf("recovered job: %+v", got)
			}
		})
	}
}

// TestConcurrentClaims checks that workers racing for jobs never take the
// same one twice.
func TestConcurrentClaims(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			const jobs, workers = 60, 6
			for i := range jobs {
				if _, _, err := s.Enqueue(ctx, store.Job{Key: fmt.Sprint("key", i), Target: "t", Source: "api", Digest: "d"}, ""); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			taken := map[string]string{}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					id := fmt.Sprint("w", w)
					for {
						j, err := s.Claim(ctx, id, time.Now(), time.Hour)
						if err != nil {
							t.Error(err)
							return
						}
						if j == nil {
							return
						}
						mu.Lock()
						if prev, ok := taken[j.ID]; ok {
							t.Errorf("job %s claimed by %s and %s", j.ID, prev, id)
						}
						taken[j.ID] = id
						mu.Unlock()
						if err := s.Complete(ctx, j.ID, id, store.Result{Verdict: "pass"}); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			if len(taken) != jobs {
				t.Fatalf("%d jobs done, want %d", len(taken), jobs)
			}
		})
	}
}

// TestConcurrentEnqueue sends each key from several goroutines at once, so
// that copies meet in one group commit and across groups: each key makes
// one job, created once, and every call learns its id.
func TestConcurrentEnqueue(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			const keys, copies = 40, 4
			ids := make([][]string, keys)
			created := make([]int, keys)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for k := range keys {
				ids[k] = make([]string, copies)
				for c := range copies {
					wg.Go(func() {
						key := fmt.Sprintf("oci://r/a@sha256:%d", k)
						j, e, err := s.Enqueue(context.Background(), store.Job{Key: key, Target: key, Source: "distribution", Digest: key}, fmt.Sprintf("ev%d-%d", k, c))
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						defer mu.Unlock()
						ids[k][c] = j.ID
						if e.Created {
							created[k]++
						}
					})
				}
			}
			wg.Wait()
			for k := range keys {
				if created[k] != 1 {
					t.Errorf("key %d created %d times", k, created[k])
				}
				for c := range copies {
					if ids[k][c] != ids[k][0] || ids[k][c] == "" {
						t.Errorf("key %d: ids %v", k, ids[k])
						break
					}
				}
			}
			counts, err := s.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts[store.Queued] != keys {
				t.Fatalf("%v, want %d queued", counts, keys)
			}
		})
	}
}

// TestEnqueueBatch stores the events of one payload in one call: a key
// the batch names twice, or that was stored before, makes one job, and a
// delivery id seen before is a replay, as when enqueued one by one.
func TestEnqueueBatch(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			job := func(k string) store.Job {
				return store.Job{Key: "oci://r/m@" + k, Target: "oci://r/m@" + k, Source: "distribution", Digest: k}
			}
			before, _, err := s.Enqueue(ctx, job("sha256:0"), "ev0")
			if err != nil {
				t.Fatal(err)
			}
			batch := []store.Pending{
				{Job: job("sha256:2"), Delivery: "ev1"},
				{Job: job("sha256:1"), Delivery: "ev2"},
				{Job: job("sha256:2"), Delivery: "ev3"},
				{Job: job("sha256:0"), Delivery: "ev4"},
				{Job: job("sha256:3"), Delivery: "ev0"},
			}
			jobs, e, err := s.EnqueueBatch(ctx, batch)
			if err != nil || len(jobs) != len(batch) || len(e) != len(batch) {
				t.Fatalf("%d jobs, %d outcomes, %v", len(jobs), len(e), err)
			}
			want := []store.Enqueued{{Created: true}, {Created: true}, {}, {}, {Created: true, Replayed: true}}
			for i, w := range want {
				if e[i] != w || jobs[i].Key != batch[i].Job.Key || jobs[i].State != store.Queued {
					t.Errorf("event %d: %+v %+v, want %+v", i, e[i], jobs[i], w)
				}
			}
			if jobs[2].ID != jobs[0].ID || jobs[3].ID != before.ID {
				t.Errorf("one job per key: %s %s, %s %s", jobs[0].ID, jobs[2].ID, before.ID, jobs[3].ID)
			}
			counts, err := s.Counts(ctx)
			if err != nil || counts[store.Queued] != 4 {
				t.Fatalf("counts %v %v", counts, err)
			}
			if jobs, e, err := s.EnqueueBatch(ctx, nil); err != nil || jobs != nil || e != nil {
				t.Fatalf("empty batch: %v %v %v", jobs, e, err)
			}
		})
	}
}

// TestSQLitePathWithURICharacters opens a database whose path holds the
// characters that start a URI's query and fragment: the file is where the
// path says, not at a truncated path.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data#1?x=%41")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "jobs.db")
	s, err := store.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.Enqueue(context.Background(), store.Job{Key: "k", Target: "t", Source: "api"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the database is not at its path: %v", err)
	}
}

package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server/internal/pgtest"
	"github.com/modelgate/modelgate/server/store"
)

func testEnvelope(id, host, repo, digest string, at time.Time) string {
	return fmt.Sprintf(`{"events":[{"id":%q,"timestamp":%q,"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":400,"repository":%q,"url":"http://%s/v2/%s/manifests/%s","tag":"v1"},"request":{"id":"r","addr":"127.0.0.1","host":%q,"method":"PUT","useragent":"test"},"actor":{},"source":{"addr":"reg","instanceID":"i"}}]}`,
		id, at.UTC().Format(time.RFC3339Nano), digest, repo, host, repo, digest, host)
}

func fakeDigest(i int) string {
	s := sha256.Sum256([]byte(fmt.Sprint("manifest", i)))
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestLoadBurst sends 1,000 Distribution events from 16 clients and checks
// that each one is stored as a job before it is answered; it logs the
// sustained rate and the p99 accept latency. Workers are not started, so
// the figures are those of the accept path alone.
func TestLoadBurst(t *testing.T) {
	const events, clients = 1000, 16
	srv := newServer(t, testConfig(t))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}

	lat := make([]time.Duration, events)
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, events)
	begin := time.Now()
	for range clients {
		wg.Go(func() {
			for i := range next {
				body := testEnvelope(fmt.Sprint("ev", i), "registry.test:5000", "load/model", fakeDigest(i), time.Now())
				req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/events/distribution", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testSecret)
				req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != http.StatusAccepted {
					errs <- fmt.Errorf("event %d: status %d", i, resp.StatusCode)
				}
			}
		})
	}
	for i := range events {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(begin)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(lat)
	p99 := lat[events*99/100-1]
	t.Logf("load: %d events in %v: %.0f events/s sustained, p50 %v, p99 accept latency %v (SQLite, synchronous=FULL, %d clients)",
		events, elapsed.Round(time.Millisecond), float64(events)/elapsed.Seconds(), lat[events/2], p99, clients)
	counts, err := srv.Store().Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.Queued] != events {
		t.Fatalf("%d jobs queued, want %d: %v", counts[store.Queued], events, counts)
	}
	if elapsed > 30*time.Second {
		t.Fatalf("burst took %v", elapsed)
	}
}

// BenchmarkAccept measures the accept path of one Distribution event:
// authenticate, parse, store durably, answer.
func BenchmarkAccept(b *testing.B) {
	srv := newServer(b, testConfig(b))
	h := srv.Handler()
	now := time.Now()
	b.ResetTimer()
	for i := range b.N {
		body := testEnvelope(fmt.Sprint("b", i), "registry.test:5000", "bench/model", fakeDigest(i), now)
		b.SetBytes(int64(len(body)))
		req := httptest.NewRequest(http.MethodPost, "/v1/events/distribution", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testSecret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkAcceptRate sends Distribution events over HTTP from 32
// concurrent senders to a service and reports the accept rate (events/s)
// and the p99 accept latency the senders saw, with one commit per event
// (commit=single, as before group commit) and with group commit
// (commit=group), measured in the same run, on SQLite and, where it can
// run, PostgreSQL. Workers are not started. Where the time goes is
// reported beside them: the p99 time in the handler (the HTTP path's
// share is the rest), the mean events per commit, the p99 of a commit
// and of a call's wait for a committer (queueing behind commits in
// progress), and for SQLite the p99 of a 4 KiB write and fsync in the
// data directory, measured just before.
func BenchmarkAcceptRate(b *testing.B) {
	backends := []string{"sqlite"}
	if !testing.Short() {
		backends = append(backends, "postgres")
	}
	for _, backend := range backends {
		for _, mode := range []struct {
			name string
			max  int
		}{{"single", 1}, {"group", store.DefaultMaxGroup}} {
			b.Run(backend+"/commit="+mode.name, func(b *testing.B) {
				cfg := testConfig(b)
				if backend == "postgres" {
					if cfg.Database = pgtest.Fresh(b); cfg.Database == "" {
						b.Skip("PostgreSQL is not available here (see the log above)")
					}
				}
				var fsync time.Duration
				if backend == "sqlite" {
					fsync = fsyncP99(b, cfg.DataDir, 200)
				}
				srv := newServer(b, cfg)
				var mu sync.Mutex
				var groups []store.GroupCommit
				reopenStore(b, srv, store.MaxGroup(mode.max), store.ObserveGroups(func(g store.GroupCommit) {
					mu.Lock()
					groups = append(groups, g)
					mu.Unlock()
				}))
				var handler []time.Duration
				h := srv.Handler()
				hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					t0 := time.Now()
					h.ServeHTTP(w, r)
					d := time.Since(t0)
					mu.Lock()
					handler = append(handler, d)
					mu.Unlock()
				}))
				defer hs.Close()
				b.ResetTimer()
				rate, p99 := burst(b, hs.URL, b.N, 32)
				b.StopTimer()
				mu.Lock()
				defer mu.Unlock()
				events := 0
				var took, waited []time.Duration
				for _, g := range groups {
					events += g.Events
					took, waited = append(took, g.Took), append(waited, g.Waited)
				}
				b.ReportMetric(rate, "events/s")
				b.ReportMetric(ms(p99), "p99-ms")
				b.ReportMetric(ms(quantile(handler, 0.99)), "handler-p99-ms")
				b.ReportMetric(float64(events)/float64(max(1, len(groups))), "events/commit")
				b.ReportMetric(ms(quantile(took, 0.99)), "commit-p99-ms")
				b.ReportMetric(ms(quantile(waited, 0.99)), "wait-p99-ms")
				if backend == "sqlite" {
					b.ReportMetric(ms(fsync), "fsync-p99-ms")
				}
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// quantile returns the q quantile of ds (sorting ds), 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*q))]
}

// fsyncP99 writes 4 KiB and syncs it n times in a file in dir and returns
// the p99 duration: what the disk gives a commit at the moment.
func fsyncP99(t testing.TB, dir string, n int) time.Duration {
	t.Helper()
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	ds := make([]time.Duration, n)
	for i := range ds {
		t0 := time.Now()
		if _, err := f.WriteAt(buf, int64(i%16)*4096); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		ds[i] = time.Since(t0)
	}
	return quantile(ds, 0.99)
}

// reopenStore replaces the store New opened with one opened with opts.
func reopenStore(t testing.TB, srv *Server, opts ...store.Option) {
	t.Helper()
	if err := srv.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), srv.cfg.Database, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv.st = st
	srv.m = newMetrics(st, newCommitMetrics())
}

// burst sends events Distribution events (fakeDigest(0) onwards) from
// clients concurrent senders to the service at url, checks each is
// answered 202, and returns the rate and the p99 latency.
func burst(t testing.TB, url string, events, clients int) (float64, time.Duration) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, events)
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, events)
	begin := time.Now()
	for range clients {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				code, err := sendEvent(client, url, i, t0)
				lat[i] = time.Since(t0)
				if err == nil && code != http.StatusAccepted {
					err = fmt.Errorf("event %d: status %d", i, code)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range events {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(begin)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(lat)
	return float64(events) / elapsed.Seconds(), lat[max(0, (events*99+99)/100-1)]
}

// sendEvent posts the Distribution event of manifest i to the service at
// url and returns the status.
func sendEvent(client *http.Client, url string, i int, at time.Time) (int, error) {
	body := testEnvelope(fmt.Sprint("ev", i), "registry.test:5000", "load/model", fakeDigest(i), at)
	req, err := http.NewRequest(http.MethodPost, url+"/v1/events/distribution", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+testSecret)
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/server/store"
)

// blobCounter is a reverse proxy to a registry that counts the bytes of
// blob bodies it passes on, per digest, so a test sees what a scan
// downloaded.
type blobCounter struct {
	mu    sync.Mutex
	bytes map[string]*atomic.Int64
	// serve, when it holds a digest, is what the proxy serves for that
	// blob instead of the registry's bytes: a registry that lies.
	serve map[string][]byte
}

// lie makes the proxy serve data for digest; nil stops it.
func (c *blobCounter) lie(digest string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serve == nil {
		c.serve = map[string][]byte{}
	}
	c.serve[digest] = data
}

// of returns the counter of digest's bytes.
func (c *blobCounter) of(digest string) *atomic.Int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes == nil {
		c.bytes = map[string]*atomic.Int64{}
	}
	if c.bytes[digest] == nil {
		c.bytes[digest] = new(atomic.Int64)
	}
	return c.bytes[digest]
}

// listenOn listens on addr again once a stopped server let it go.
func listenOn(addr string) (net.Listener, error) {
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}

func (c *blobCounter) start(t testing.TB, registry string) string {
	t.Helper()
	u, err := url.Parse("http://" + registry)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if _, d, ok := strings.Cut(resp.Request.URL.Path, "/blobs/"); ok && resp.Request.Method == http.MethodGet {
			resp.Body = &countingBody{ReadCloser: resp.Body, n: c.of(d)}
		}
		return nil
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, d, ok := strings.Cut(r.URL.Path, "/blobs/"); ok && r.Method == http.MethodGet {
			c.mu.Lock()
			data := c.serve[d]
			c.mu.Unlock()
			if data != nil {
				n := c.of(d)
				http.ServeContent(&countingWriter{ResponseWriter: w, n: n}, r, "", time.Time{}, bytes.NewReader(data))
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return strings.TrimPrefix(ts.URL, "http://")
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n.Add(int64(n))
	return n, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// benignLayer is a pickle of an n-byte string: above the 1 KiB that the
// Hugging Face layout reads of a weight file that could be a Git LFS
// pointer, so that a cached layer is read by nothing.
func benignLayer(n int) []byte {
	b := binary.LittleEndian.AppendUint32([]byte("\x80\x04X"), uint32(n))
	b = append(b, bytes.Repeat([]byte("a"), n)...)
	return append(b, '.')
}

// evilLayer is the n-byte string popped before the sample's call of
// os.system.
func evilLayer(t testing.TB, n int) []byte {
	b := benignLayer(n)
	return append(append(b[:len(b)-1], '0'), readSample(t, "evil.pkl")[11:]...)
}

// TestResultCacheAcrossTags pushes models to the real Distribution
// registry, whose notifications reach the service, and reads the
// registry through a proxy that counts blob bytes. A new manifest over
// layers the service scanned before costs no layer download and says
// cached, with the same verdict (a malicious layer's cached result still
// fails); a service of another version, or judging under another
// fail_on, scans the layers again.
func TestResultCacheAcrossTags(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	cfg := testConfig(t)
	cfg.NoReferrers = true
	ln := listen(t)
	addr := ln.Addr().String()
	registry := registrytest.Start(t, registrytest.Notify{URL: "http://" + addr + "/v1/events/distribution", Token: testSecret})
	var counter blobCounter
	cfg.Sources.Distribution.Registry = counter.start(t, registry)

	models := []struct {
		repo, verdict string
		data          []byte
	}{
		{"cache/benign", "pass", benignLayer(8192)},
		{"cache/evil", "fail", evilLayer(t, 8192)},
	}
	stages := []struct {
		name, version, failOn string
		cached                bool
	}{
		{"first scan", "test", "", false},
		{"new tag, same layers", "test", "", true},
		{"another rules version", "test-2", "", false},
		{"another policy", "test-2", "high", false},
		{"again under it", "test-2", "high", true},
	}
	var r *running
	var srv *Server
	for i, st := range stages {
		if i == 0 || st.version != stages[i-1].version || st.failOn != stages[i-1].failOn {
			if r != nil {
				r.stop()
				srv.Close()
				var err error
				if ln, err = listenOn(addr); err != nil {
					t.Fatal(err)
				}
			}
			c := cfg
			c.FailOn = st.failOn
			var err error
			if srv, err = New(t.Context(), c, testLogger(t), st.version); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			r = start(t, srv, ln)
		}
		for _, m := range models {
			sum := sha256.Sum256(m.data)
			layer := counter.of("sha256:" + hex.EncodeToString(sum[:]))
			layer.Store(0)
			tag := "v" + string(rune('a'+i))
			d := pushModelVariant(t, registry, m.repo, tag, "model.pkl", m.data, tag)
			jobs := waitDone(t, srv.Store(), d, 30*time.Second)
			if len(jobs) != 1 || jobs[0].State != store.Done || jobs[0].Result == nil {
				t.Fatalf("%s, %s: jobs %+v", st.name, m.repo, jobs)
			}
			res := jobs[0].Result
			fetched := layer.Load()
			t.Logf("%s, %s: verdict %s, %d cached, %d blob bytes fetched", st.name, m.repo, res.Verdict, res.Cached, fetched)
			if res.Verdict != m.verdict {
				t.Errorf("%s, %s: verdict %s, want %s", st.name, m.repo, res.Verdict, m.verdict)
			}
			var rep struct {
				Files []struct {
					Cached bool `json:"cached"`
				} `json:"files"`
			}
			if err := json.Unmarshal(res.Report, &rep); err != nil || len(rep.Files) != 1 {
				t.Fatalf("%s, %s: report %s: %v", st.name, m.repo, res.Report, err)
			}
			if st.cached {
				if res.Cached != 1 || !rep.Files[0].Cached || fetched != 0 {
					t.Errorf("%s, %s: want the cached result and no layer bytes fetched: %d cached, report says %v, %d bytes fetched",
						st.name, m.repo, res.Cached, rep.Files[0].Cached, fetched)
				}
				continue
			}
			if res.Cached != 0 || rep.Files[0].Cached || fetched < int64(len(m.data)) {
				t.Errorf("%s, %s: want a scan of the downloaded layer: %d cached, report says %v, %d of %d bytes fetched",
					st.name, m.repo, res.Cached, rep.Files[0].Cached, fetched, len(m.data))
			}
		}
	}
}

// TestResultCacheNeverTrustsAStatedDigest has a registry serve a benign
// pickle for the digest of a malicious layer (of the same size): the
// service hashes what it got, reports the mismatch and keeps nothing
// under that digest, so that when the real layer is served under a new
// tag it is fetched and fails, never answered by the benign verdict.
func TestResultCacheNeverTrustsAStatedDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	cfg := testConfig(t)
	cfg.NoReferrers = true
	ln := listen(t)
	registry := registrytest.Start(t, registrytest.Notify{URL: "http://" + ln.Addr().String() + "/v1/events/distribution", Token: testSecret})
	var counter blobCounter
	cfg.Sources.Distribution.Registry = counter.start(t, registry)
	srv := newServer(t, cfg)
	start(t, srv, ln)

	evil := evilLayer(t, 8192)
	benign := benignLayer(len(evil) - 8)
	if len(benign) != len(evil) {
		t.Fatalf("%d benign bytes for %d", len(benign), len(evil))
	}
	sum := sha256.Sum256(evil)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	counter.lie(digest, benign)
	for _, c := range []struct {
		tag     string
		lie     bool
		finding string
	}{{"lied", true, "MG005"}, {"real", false, "MG102"}} {
		if !c.lie {
			counter.lie(digest, nil)
		}
		layer := counter.of(digest)
		layer.Store(0)
		d := pushModelVariant(t, registry, "cache/lied", c.tag, "model.pkl", evil, c.tag)
		jobs := waitDone(t, srv.Store(), d, 30*time.Second)
		if len(jobs) != 1 || jobs[0].State != store.Done || jobs[0].Result == nil {
			t.Fatalf("%s: jobs %+v", c.tag, jobs)
		}
		res := jobs[0].Result
		if res.Verdict != "fail" || res.Cached != 0 || layer.Load() < int64(len(evil)) || !strings.Contains(string(res.Report), `"`+c.finding+`"`) {
			t.Errorf("%s: verdict %s, %d cached, %d bytes fetched, want a fetched layer failing with %s: %s",
				c.tag, res.Verdict, res.Cached, layer.Load(), c.finding, res.Report)
		}
	}
}

// BenchmarkServiceCachedRescan pushes a 32 MiB model to the real
// Distribution registry and scans it through the service by webhook, then
// pushes it under new tags (new manifests over the same layer): it
// reports the layer bytes the first scan and a re-scan fetched, and how
// much faster the re-scan's job ended.
func BenchmarkServiceCachedRescan(b *testing.B) {
	cfg := testConfig(b)
	cfg.NoReferrers = true
	ln := listen(b)
	registry := registrytest.Start(b, registrytest.Notify{URL: "http://" + ln.Addr().String() + "/v1/events/distribution", Token: testSecret})
	var counter blobCounter
	cfg.Sources.Distribution.Registry = counter.start(b, registry)
	srv := newServer(b, cfg)
	start(b, srv, ln)

	data := benignLayer(32 << 20)
	sum := sha256.Sum256(data)
	layer := counter.of("sha256:" + hex.EncodeToString(sum[:]))
	scan := func(tag string) (int64, time.Duration) {
		layer.Store(0)
		t0 := time.Now()
		d := pushModelVariant(b, registry, "bench/model", tag, "model.pkl", data, tag)
		jobs := waitDone(b, srv.Store(), d, 2*time.Minute)
		if len(jobs) != 1 || jobs[0].Result == nil || jobs[0].Result.Verdict != "pass" {
			b.Fatalf("%s: jobs %+v", tag, jobs)
		}
		return layer.Load(), time.Since(t0)
	}
	firstBytes, firstTime := scan("first")
	b.ResetTimer()
	var rescanBytes int64
	for i := range b.N {
		n, _ := scan(fmt.Sprint("rescan-", i))
		rescanBytes += n
	}
	rescanTime := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(firstBytes), "B-fetched-first")
	b.ReportMetric(float64(rescanBytes)/float64(b.N), "B-fetched-rescan")
	b.ReportMetric(float64(firstTime)/float64(rescanTime), "x-faster-rescan")
}

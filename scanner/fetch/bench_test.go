package fetch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/cache"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

// BenchmarkQuickShardedSafetensors scans a 10-shard safetensors model
// declaring 10 GB over loopback in quick mode and reports the share of the
// model fetched.
func BenchmarkQuickShardedSafetensors(b *testing.B) {
	b.Setenv("HF_TOKEN", "")
	b.Setenv("HF_HOME", b.TempDir())
	b.Setenv("HF_HUB_CACHE", "")
	const shards, shardSize = 10, 1 << 30
	var files []fetchtest.HubFile
	for i := range shards {
		files = append(files, fetchtest.HubFile{
			Name: fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, shards),
			Data: fetchtest.SparseSafetensors(shardSize, 400), Size: shardSize, LFS: true,
			SHA256: fmt.Sprintf("%064x", i+1),
		})
	}
	hub := fetchtest.NewHub("org/big", commit, files...)
	defer hub.Close()
	opts := fetch.Options{HFEndpoint: hub.API.URL, Quick: true}
	b.ResetTimer()
	for b.Loop() {
		src, err := fetch.Open(context.Background(), "hf://org/big", opts)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "hf://org/big", Source: src}}, scanner.Options{Quick: true})
		if err != nil || len(rep.Files) != shards {
			b.Fatalf("scan: %v, %d files", err, len(rep.Files))
		}
	}
	b.StopTimer()
	fetched := float64(hub.CDNBytes.Load()) / float64(b.N)
	b.ReportMetric(fetched, "B-fetched/op")
	b.ReportMetric(100*fetched/float64(shards*shardSize), "%-of-model")
	b.ReportMetric(float64(hub.CDNReqs.Load())/float64(b.N), "cdn-requests/op")
}

// BenchmarkDefaultThroughput scans one 256 MiB file in default mode
// (streamed, hashed, verified) and reports its throughput as a ratio to a
// plain download of the same bytes from the same loopback server.
func BenchmarkDefaultThroughput(b *testing.B) {
	b.Setenv("HF_TOKEN", "")
	b.Setenv("HF_HOME", b.TempDir())
	b.Setenv("HF_HUB_CACHE", "")
	body := bytes.Repeat([]byte("modelgate benchmark bytes, not a model.\n"), (256<<20)/40)
	hub := fetchtest.NewHub("org/big", commit, fetchtest.HubFile{Name: "weights.txt", Body: body, LFS: true})
	defer hub.Close()

	var plain atomic.Int64
	start := time.Now()
	resp, err := http.Get(hub.API.URL + "/org/big/resolve/" + commit + "/weights.txt")
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	plain.Add(n)
	download := float64(n) / time.Since(start).Seconds()

	opts := fetch.Options{HFEndpoint: hub.API.URL}
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start = time.Now()
	for b.Loop() {
		src, err := fetch.Open(context.Background(), "hf://org/big", opts)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "hf://org/big", Source: src}}, scanner.Options{})
		if err != nil || rep.Files[0].Error != "" || len(rep.Files[0].Findings) != 0 {
			b.Fatalf("scan: %v %+v", err, rep.Files)
		}
	}
	rate := float64(len(body)) * float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate/download, "x-download-rate")
}

// BenchmarkLoopbackDownload is the reference: a plain GET of 256 MiB.
func BenchmarkLoopbackDownload(b *testing.B) {
	body := bytes.Repeat([]byte("modelgate benchmark bytes, not a model.\n"), (256<<20)/40)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "x", time.Time{}, bytes.NewReader(body))
	}))
	defer srv.Close()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		resp, err := http.Get(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkCachedRescan scans a 256 MiB Hub model in default (verified)
// mode twice into one result cache and reports, measured in the same
// run, the bytes the CDN sent for the first scan and for a re-scan, and
// how much faster the re-scan is.
func BenchmarkCachedRescan(b *testing.B) {
	b.Setenv("HF_TOKEN", "")
	b.Setenv("HF_HOME", b.TempDir())
	b.Setenv("HF_HUB_CACHE", "")
	const size = 256 << 20
	data := fetchtest.SparseSafetensors(size, 400)
	h := sha256.New()
	if _, err := io.Copy(h, data); err != nil {
		b.Fatal(err)
	}
	data.Seek(0, io.SeekStart)
	hub := fetchtest.NewHub("org/big", commit, fetchtest.HubFile{Name: "model.safetensors",
		Data: data, Size: size, LFS: true, SHA256: hex.EncodeToString(h.Sum(nil))})
	defer hub.Close()
	opts := fetch.Options{HFEndpoint: hub.API.URL}
	scan := func(c scanner.ResultCache) (time.Duration, int64, bool) {
		hub.CDNBytes.Store(0)
		start := time.Now()
		src, err := fetch.Open(context.Background(), "hf://org/big", opts)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "hf://org/big", Source: src}},
			scanner.Options{Cache: c, CacheVersion: "bench"})
		if err != nil || rep.Files[0].Outcome != scanner.Clean {
			b.Fatalf("scan: %v %+v", err, rep.Files)
		}
		return time.Since(start), hub.CDNBytes.Load(), rep.Files[0].Cached
	}
	var firstTime, cachedTime time.Duration
	var firstBytes, cachedBytes int64
	for b.Loop() {
		c, err := cache.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		t1, n1, hit1 := scan(c)
		t2, n2, hit2 := scan(c)
		if hit1 || !hit2 {
			b.Fatalf("cached: first %v, second %v", hit1, hit2)
		}
		firstTime, firstBytes, cachedTime, cachedBytes = firstTime+t1, n1, cachedTime+t2, n2
	}
	b.ReportMetric(float64(firstBytes), "B-fetched-first")
	b.ReportMetric(float64(cachedBytes), "B-fetched-rescan")
	b.ReportMetric(float64(firstTime)/float64(cachedTime), "x-faster-rescan")
}

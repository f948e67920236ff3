package fetch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

// TestStalledHub: a Hub CDN that answers a download and then sends
// nothing leaves the file inconclusive, naming the host, within about
// the stall timeout rather than never.
func TestStalledHub(t *testing.T) {
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "model.safetensors", Body: make([]byte, 1000), LFS: true})
	hub.StallCDN = true
	defer hub.Close()

	start := time.Now()
	src, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: hub.API.URL, StallTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "hf://org/model", Source: src}}, scanner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %v", took)
	}
	cdn := strings.TrimPrefix(hub.CDN.URL, "http://")
	// The file, and the repository layout check that reads it.
	if len(rep.Files) == 0 {
		t.Fatal("no file reported")
	}
	for _, f := range rep.Files {
		if f.Outcome != scanner.Inconclusive || f.Reason != "read-error" || !strings.Contains(f.Error, cdn+": no data for 200ms") {
			t.Errorf("%s: %s %s %q, want inconclusive naming the stalled %s", f.Path, f.Outcome, f.Reason, f.Error, cdn)
		}
	}
}

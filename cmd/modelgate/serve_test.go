package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server"
)

func TestServeCommand(t *testing.T) {
	code, _, stderr := modelgate(t, "serve", "--log-format", "xml")
	if code != 3 || !strings.Contains(stderr, "--log-format") {
		t.Fatalf("bad --log-format: %d %s", code, stderr)
	}
	code, _, stderr = modelgate(t, "serve", "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != 3 || !strings.Contains(stderr, "config") {
		t.Fatalf("missing config: %d %s", code, stderr)
	}

	t.Setenv("MODELGATE_API_TOKEN", "tok")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server.Server, 1)
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		code, _ := runServe(ctx, serveOptions{DataDir: t.TempDir(), Workers: 1, LogFormat: "json", LogLevel: "info", listener: ln,
			ready: func(s *server.Server) { ready <- s }}, &logs)
		done <- code
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	base := "http://" + ln.Addr().String()
	var resp *http.Response
	for range 50 {
		if resp, err = http.Get(base + "/readyz"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/scans", strings.NewReader(`{"target":"/etc/passwd"}`))
	req.Header.Set("Authorization", "Bearer tok")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("local target through the API token from the environment: %v %v", resp, err)
	}
	resp.Body.Close()
	if resp, err = http.Post(base+"/v1/events/harbor", "application/json", strings.NewReader(`{}`)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("harbor without a secret should be disabled: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, logs.String())
	}
	if !strings.Contains(logs.String(), "modelgate serve stopped") || strings.Contains(logs.String(), "tok\"") {
		t.Fatalf("logs: %s", logs.String())
	}
}

// A source without a secret is disabled out loud, one warning each, and a
// service with none enabled is refused unless asked for.
func TestServeWarnsAboutDisabledSources(t *testing.T) {
	for _, env := range serveSecretEnv {
		t.Setenv(env, "")
	}
	code, _, stderr := modelgate(t, "serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0")
	if code != 3 || !strings.Contains(stderr, "no event source is enabled") || !strings.Contains(stderr, "--allow-no-sources") {
		t.Fatalf("no secrets: exit %d %q, want 3 naming --allow-no-sources", code, stderr)
	}
	if n := strings.Count(stderr, "event source disabled"); n != 7 {
		t.Errorf("%d disabled-source warnings, want 7:\n%s", n, stderr)
	}

	for _, allow := range []bool{false, true} {
		if !allow {
			t.Setenv("MODELGATE_HF_WEBHOOK_SECRET", "s")
		} else {
			t.Setenv("MODELGATE_HF_WEBHOOK_SECRET", "")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var logs bytes.Buffer
		code, err := runServe(ctx, serveOptions{DataDir: t.TempDir(), Workers: 1, LogFormat: "text", LogLevel: "info", listener: ln,
			AllowNoSources: allow, ready: func(*server.Server) { cancel() }}, &logs)
		cancel()
		if code != 0 {
			t.Fatalf("allow %v: exit %d %v\n%s", allow, code, err, logs.String())
		}
		want := 6
		if allow {
			want = 7
		}
		if n := strings.Count(logs.String(), "event source disabled"); n != want {
			t.Errorf("allow %v: %d warnings, want %d:\n%s", allow, n, want, logs.String())
		}
		if !allow && strings.Contains(logs.String(), "source=huggingface") {
			t.Errorf("the enabled source is warned about:\n%s", logs.String())
		}
	}
}

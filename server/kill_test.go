package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server/internal/pgtest"
	"github.com/modelgate/modelgate/server/store"
)

// The environment of the re-executed test binary: the data directory and
// the database (a PostgreSQL DSN, or "" for SQLite in the directory).
const (
	childDirEnv = "MODELGATE_TEST_SERVE_DIR"
	childDBEnv  = "MODELGATE_TEST_SERVE_DB"
)

// serveChild runs the accept path of a service (no workers) on a loopback
// port it prints, until it is killed.
func serveChild(dir, db string) int {
	cfg := testConfigIn(dir)
	cfg.Database = db
	srv, err := New(context.Background(), cfg, nil, "test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("listening %s\n", ln.Addr())
	err = http.Serve(ln, srv.Handler())
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// child is a service process started by a test.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, dir, db string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childDBEnv+"="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(func() { c.kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		t.Fatalf("service process: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	c.url = "http://" + addr
	return c
}

// kill ends the process with SIGKILL: no deferred call, no shutdown.
func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

// TestKillMidBurst sends a burst of Distribution events from 32 senders to
// a service process, kills it with SIGKILL in the middle, checks that
// every event answered 202 is stored, then restarts the service and sends
// every event again (as senders retry): each digest ends with exactly one
// job, and an event stored before the kill is answered as a duplicate.
func TestKillMidBurst(t *testing.T) {
	backends := []struct{ name, db string }{{"sqlite", ""}}
	if !testing.Short() {
		if dsn := pgtest.Fresh(t); dsn != "" {
			backends = append(backends, struct{ name, db string }{"postgres", dsn})
		}
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { killMidBurst(t, b.db) })
	}
}

func killMidBurst(t *testing.T, db string) {
	const events, clients, killAfter = 1500, 32, 300
	dir := t.TempDir()
	c := startChild(t, dir, db)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	acked := make([]atomic.Bool, events)
	var nacked atomic.Int32
	var killOnce sync.Once
	var killed atomic.Bool
	var wg sync.WaitGroup
	next := make(chan int)
	for range clients {
		wg.Go(func() {
			for i := range next {
				if killed.Load() {
					continue
				}
				code, err := sendEvent(client, c.url, i, time.Now())
				if err == nil && code == http.StatusAccepted {
					acked[i].Store(true)
					if nacked.Add(1) == killAfter {
						killOnce.Do(func() { c.kill(); killed.Store(true) })
					}
				}
			}
		})
	}
	for i := range events {
		next <- i
	}
	close(next)
	wg.Wait()
	if !killed.Load() {
		t.Fatalf("the burst ended before the kill: %d events acknowledged", nacked.Load())
	}

	st := openStore(t, dir, db)
	stored := make([]bool, events)
	lost := 0
	for i := range events {
		jobs, err := st.ByDigest(context.Background(), fakeDigest(i), false)
		if err != nil {
			t.Fatal(err)
		}
		stored[i] = len(jobs) > 0
		if acked[i].Load() && !stored[i] {
			lost++
		}
	}
	st.Close()
	n := 0
	for i := range events {
		if stored[i] {
			n++
		}
	}
	t.Logf("%d of %d events acknowledged before the kill, %d stored", nacked.Load(), events, n)
	if lost > 0 {
		t.Fatalf("%d events answered 202 were lost in the kill", lost)
	}

	c = startChild(t, dir, db)
	for i := range events {
		created, err := resend(client, c.url, i)
		if err != nil {
			t.Fatalf("after the restart: %v", err)
		}
		if created == stored[i] {
			t.Fatalf("event %d: stored before the restart %v, created again %v", i, stored[i], created)
		}
	}
	c.kill()
	st = openStore(t, dir, db)
	defer st.Close()
	for i := range events {
		jobs, err := st.ByDigest(context.Background(), fakeDigest(i), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 1 {
			t.Fatalf("digest %d has %d jobs, want 1", i, len(jobs))
		}
	}
	counts, err := st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.Queued] != events {
		t.Fatalf("%v, want %d queued", counts, events)
	}
}

func openStore(t *testing.T, dir, db string) store.Store {
	t.Helper()
	if db == "" {
		db = testConfigIn(dir).DataDir + "/modelgate.db"
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// resend posts event i again and says whether it created a job.
func resend(client *http.Client, url string, i int) (bool, error) {
	body := testEnvelope(fmt.Sprint("ev", i), "registry.test:5000", "load/model", fakeDigest(i), time.Now())
	req, err := http.NewRequest(http.MethodPost, url+"/v1/events/distribution", strings.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+testSecret)
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var r struct {
		Jobs []accepted `json:"jobs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusAccepted || len(r.Jobs) != 1 {
		return false, fmt.Errorf("event %d: status %d, %+v %v", i, resp.StatusCode, r, err)
	}
	return r.Jobs[0].Created, nil
}

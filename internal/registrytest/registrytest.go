// Package registrytest runs the CNCF Distribution registry (Debian's
// docker-registry) for tests that need a real OCI registry: the fetchers,
// signature verification, the CLI and `modelgate serve`. It never installs
// it: .ci/run does. Outside CI a missing binary skips the test; under CI
// (CI set) it fails it, so a missing install step cannot pass as green.
package registrytest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Binary is where Debian's docker-registry package installs the registry.
const Binary = "/usr/bin/docker-registry"

// Notify makes the registry send its push events to URL with the header
// "Authorization: Bearer <Token>".
type Notify struct {
	URL, Token string
}

// Available reports whether the registry can run here, for tests that use
// it when it can and run their other cases either way. Outside CI a missing
// binary is logged; under CI it fails t.
func Available(t testing.TB) bool {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (CI must install Debian's docker-registry: see .ci/run)", Binary)
		}
		t.Logf("%s not installed (Debian package docker-registry): the real-registry cases do not run", Binary)
		return false
	}
	return true
}

// Start runs the registry on a free loopback port, with storage (deletes
// enabled) in a temporary directory and no auth, and returns its host:port.
// With a notify, push events go there. The registry stops when t ends; its
// log is shown when t failed.
func Start(t testing.TB, notify ...Notify) string {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (CI must install Debian's docker-registry: see .ci/run)", Binary)
		}
		t.Skipf("%s not installed (Debian package docker-registry; .ci/run installs it)", Binary)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), addr)
	if len(notify) > 0 {
		cfg.WriteString("notifications:\n  endpoints:\n")
		for i, n := range notify {
			fmt.Fprintf(&cfg, "    - name: modelgate%d\n      url: %s\n      headers:\n        Authorization: [Bearer %s]\n"+
				"      timeout: 5s\n      threshold: 3\n      backoff: 200ms\n", i, n.URL, n.Token)
		}
	}
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Binary, "serve", path)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("registry log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("docker-registry did not start: %s", logs.String())
	return ""
}

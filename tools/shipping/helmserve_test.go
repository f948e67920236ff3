package shipping

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestHelmChartServes runs the binary with the arguments and
// configuration the chart renders (paths and port moved to the test's)
// and checks that the probes and the ServiceMonitor's paths answer.
func TestHelmChartServes(t *testing.T) {
	c, values, tpls := loadChart(t)
	out, err := render(c, values, tpls)
	if err != nil {
		t.Fatal(err)
	}
	var dep, cm map[string]any
	if err := yaml.Unmarshal([]byte(out["deployment.yaml"]), &dep); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(out["configmap.yaml"]), &cm); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(cfg, []byte(get(t, cm, "data", "serve.yaml").(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	ctr := get(t, dep, "spec", "template", "spec", "containers", 0)
	var args []string
	for _, a := range get(t, ctr, "args").([]any) {
		s := a.(string)
		switch {
		case strings.HasPrefix(s, "--config="):
			s = "--config=" + cfg
		case strings.HasPrefix(s, "--listen="):
			s = "--listen=" + addr
		case strings.HasPrefix(s, "--data-dir="):
			s = "--data-dir=" + filepath.Join(dir, "data")
		}
		args = append(args, s)
	}
	cmd := exec.Command(modelgate(t), args...)
	cmd.Env = append(os.Environ(), "MODELGATE_API_TOKEN=chart-test-token")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Log(logs.String())
		}
	})
	paths := []string{
		get(t, ctr, "readinessProbe", "httpGet", "path").(string),
		get(t, ctr, "livenessProbe", "httpGet", "path").(string),
		"/metrics",
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range paths {
		for {
			resp, err := http.Get("http://" + addr + p)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
				err = fmt.Errorf("status %s", resp.Status)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v (args %q)", p, err, args)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

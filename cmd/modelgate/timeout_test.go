package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestScanStalledServer: a server that sends an answer's headers and then
// nothing ends the scan with no verdict and a message naming it, within
// about the stall timeout; --timeout ends a scan whatever the server does.
func TestScanStalledServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") == "bytes=0-0" {
			w.Header().Set("Content-Range", "bytes 0-0/100000")
			w.WriteHeader(http.StatusPartialContent)
			w.Write([]byte{0x80})
			return
		}
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"stall", []string{"--stall-timeout", "200ms"}, host + ": no data for 200ms"},
		{"deadline", []string{"--stall-timeout", "0", "--timeout", "300ms"}, "--timeout 300ms reached"},
		{"bad timeout", []string{"--timeout", "-1s"}, "--timeout -1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			args := append([]string{"scan", "--no-cache"}, tc.args...)
			code, stdout, stderr := modelgate(t, append(args, srv.URL+"/model.pkl")...)
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("took %v", took)
			}
			wantCode := 2
			if strings.HasPrefix(tc.name, "bad") {
				wantCode = 3
			}
			if code != wantCode || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q\n%s%s", code, wantCode, tc.want, stdout, stderr)
			}
		})
	}
}

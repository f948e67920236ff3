package remote

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStallGuard: an origin that sends nothing, or stops mid-body, fails
// the request within about the stall timeout; one that trickles a byte
// well within each window is read to its end.
func TestStallGuard(t *testing.T) {
	const d = 150 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/silent":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/midway":
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/trickle":
			w.Header().Set("Content-Length", "6")
			for _, c := range []byte("steady") {
				w.Write([]byte{c})
				w.(http.Flusher).Flush()
				time.Sleep(d / 3)
			}
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: StallGuard(nil, d)}
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		path     string
		wantBody string
		wantErr  string
	}{
		{path: "/silent", wantErr: host + ": no answer for 150ms"},
		{path: "/midway", wantErr: host + ": no data for 150ms"},
		{path: "/trickle", wantBody: "steady"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			body, err := get(client, srv.URL+tc.path)
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("took %v", took)
			}
			if tc.wantErr != "" {
				var se *StallError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a StallError containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || body != tc.wantBody {
				t.Fatalf("got %q, %v; want %q", body, err, tc.wantBody)
			}
		})
	}
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestStallGuardIdleConsumer: time the consumer spends between reads is
// not a stall.
func TestStallGuardIdleConsumer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ab"))
	}))
	defer srv.Close()
	resp, err := (&http.Client{Transport: StallGuard(nil, 50*time.Millisecond)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := make([]byte, 1)
	if _, err := resp.Body.Read(p); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := io.ReadFull(resp.Body, p); err != nil {
		t.Fatalf("second read after an idle consumer: %v", err)
	}
}

// TestGuardOpener: a range whose body stops fails the ReaderAt, after
// the chunk retries, with the stall named.
func TestGuardOpener(t *testing.T) {
	open := func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			<-ctx.Done()
			pw.CloseWithError(ctx.Err())
		}()
		return pr, nil
	}
	r := NewReaderAt(t.Context(), 1<<10, GuardOpener(open, "s3://bucket/", 50*time.Millisecond))
	start := time.Now()
	_, err := r.ReadAt(make([]byte, 10), 0)
	var se *StallError
	if !errors.As(err, &se) || se.Host != "s3://bucket/" {
		t.Fatalf("err = %v, want a StallError", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v", took)
	}
}

package fetchtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartGCS serves the slice of the Cloud Storage JSON API the gs://
// fetcher uses (object metadata, listing by prefix, ranged media reads
// through the JSON and XML paths) for one bucket, and points
// STORAGE_EMULATOR_HOST at it, the Go client's documented emulator hook.
func StartGCS(t testing.TB, bucket string, objects map[string][]byte) {
	t.Helper()
	meta := func(name string) map[string]any {
		return map[string]any{"kind": "storage#object", "bucket": bucket, "name": name,
			"size": strconv.Itoa(len(objects[name])), "generation": "1", "contentType": "application/octet-stream"}
	}
	notFound := func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":404,"message":"No such object"}}`))
	}
	media := func(w http.ResponseWriter, r *http.Request, name string) {
		body, ok := objects[name]
		if !ok {
			notFound(w)
			return
		}
		w.Header().Set("X-Goog-Generation", "1")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		for _, pre := range []string{"/download/storage/v1/b/", "/storage/v1/b/"} {
			rest, ok := strings.CutPrefix(p, pre)
			if !ok {
				continue
			}
			b, obj, _ := strings.Cut(rest, "/o")
			if b != bucket {
				notFound(w)
				return
			}
			if obj == "" { // listing
				var items []any
				var names []string
				for k := range objects {
					if strings.HasPrefix(k, r.URL.Query().Get("prefix")) {
						names = append(names, k)
					}
				}
				slices.Sort(names)
				for _, k := range names {
					items = append(items, meta(k))
				}
				json.NewEncoder(w).Encode(map[string]any{"kind": "storage#objects", "items": items})
				return
			}
			name := strings.TrimPrefix(obj, "/")
			if r.URL.Query().Get("alt") == "media" {
				media(w, r, name)
				return
			}
			if _, ok := objects[name]; !ok {
				notFound(w)
				return
			}
			json.NewEncoder(w).Encode(meta(name))
			return
		}
		b, name, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		if b != bucket {
			notFound(w)
			return
		}
		media(w, r, name)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(srv.URL, "http://"))
}

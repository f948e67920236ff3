package vertex_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
	"github.com/modelgate/modelgate/scanner/fetch/internal/scantest"
	"github.com/modelgate/modelgate/scanner/fetch/vertex"
)

const (
	models    = "projects/acme/locations/us-central1/models/"
	benignPkl = "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."
	evilPkl   = "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
)

// standIn answers Models.get as the Vertex AI REST reference documents it:
// GET /v1/{name}, a Model resource, errors as {"error": {code, message,
// status}}.
func standIn(t *testing.T) *httptest.Server {
	errorJSON := func(w http.ResponseWriter, code int, status, msg string) {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/v1/")
		if r.Method != http.MethodGet || !ok {
			errorJSON(w, 400, "INVALID_ARGUMENT", "bad request")
			return
		}
		base, version, _ := strings.Cut(name, "@")
		m := map[string]any{"name": base, "displayName": "m", "versionAliases": []string{"default"}}
		switch {
		case base == models+"bert" && (version == "" || version == "default" || version == "3"):
			m["versionId"], m["artifactUri"] = "3", "gs://acme-models/bert/3"
		case base == models+"evil" && version == "1":
			m["versionId"], m["artifactUri"] = "1", "gs://acme-models/evil"
		case base == models+"image-only":
			m["versionId"] = "1"
		case base == models+"secret":
			errorJSON(w, 403, "PERMISSION_DENIED", "Permission 'aiplatform.models.get' denied on resource '//aiplatform.googleapis.com/"+name+"' (or it may not exist).")
			return
		default:
			errorJSON(w, 404, "NOT_FOUND", "The Model does not exist.")
			return
		}
		json.NewEncoder(w).Encode(m)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestScanModelVersion(t *testing.T) {
	fetchtest.StartGCS(t, "acme-models", map[string][]byte{
		"bert/3/model.pkl":     []byte(benignPkl),
		"bert/3/config.json":   []byte(`{"a": 1}`),
		"evil/model.pkl":       []byte(evilPkl),
		"evilish/decoy.pkl":    []byte(evilPkl),
		"bert/30/not-this.pkl": []byte(evilPkl),
	})
	t.Setenv("MODELGATE_VERTEX_ENDPOINT", standIn(t).URL)
	// The objects read are pinned to their Cloud Storage generation.
	const bert3 = "#object=gs://acme-models/bert/3/config.json%231&object=gs://acme-models/bert/3/model.pkl%231"
	tests := []struct {
		target, verdict, pinned string
		files                   int
	}{
		{"vertex://" + models + "bert@3", "pass", "vertex://" + models + "bert@3" + bert3, 2},
		{"vertex://" + models + "bert@default", "pass", "vertex://" + models + "bert@3" + bert3, 2},
		{"vertex://" + models + "bert", "pass", "vertex://" + models + "bert@3" + bert3, 2},
		{"vertex://" + models + "evil@1", "fail", "vertex://" + models + "evil@1#object=gs://acme-models/evil/model.pkl%231", 1},
	}
	for _, quick := range []bool{false, true} {
		for _, tt := range tests {
			rep := scantest.Scan(t, tt.target, fetch.Options{Quick: quick})
			if rep.Summary.Verdict != tt.verdict || rep.Pinned[tt.target] != tt.pinned || len(rep.Files) != tt.files {
				t.Errorf("quick=%v %s: verdict %s pinned %q (%d files, errors %v); want %s pinned %q, %d files",
					quick, tt.target, rep.Summary.Verdict, rep.Pinned[tt.target], len(rep.Files), rep.Errors, tt.verdict, tt.pinned, tt.files)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	fetchtest.StartGCS(t, "acme-models", nil)
	api := standIn(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct{ endpoint, target, want string }{
		{api.URL, "vertex://" + models + "bert@9", "HTTP 404 NOT_FOUND: The Model does not exist."},
		{api.URL, "vertex://" + models + "secret@1", "HTTP 403 PERMISSION_DENIED: Permission 'aiplatform.models.get' denied"},
		{api.URL, "vertex://" + models + "image-only", "has no artifactUri"},
		{down.URL, "vertex://" + models + "bert@3", "connection refused"},
		{api.URL, "vertex://projects/acme/locations/us-central1/models/../x", "want vertex://projects/"},
		{api.URL, "vertex://projects/acme/locations/evil.example#/models/x", "want vertex://projects/"},
	}
	for _, tt := range tests {
		t.Setenv("MODELGATE_VERTEX_ENDPOINT", tt.endpoint)
		_, err := fetch.Open(context.Background(), tt.target, fetch.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", tt.target, err, tt.want)
		}
	}
	if _, _, err := vertex.Parse("vertex://" + models + "m@1@2"); err == nil {
		t.Error("two versions parsed")
	}
}

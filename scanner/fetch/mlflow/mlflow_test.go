package mlflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
	"github.com/modelgate/modelgate/scanner/fetch/mlflow"
)

// evil runs os.system at load; benign builds a tuple of strings.
var (
	evil    = []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.")
	benign  = []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02ab\x8c\x06abcdef\x86\x8c\x02id\x86\x94.")
	mlmodel = []byte("artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n    python_version: 3.11.4\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n    sklearn_version: 1.2.1\nmlflow_version: 2.9.2\n")
)

// version is one registered model version of the stand-in.
type version struct {
	name, number, runID, source, stage, download string
}

// standIn is an MLflow tracking server speaking the REST API's documented
// JSON: model registry reads and the artifacts proxy (list and download).
type standIn struct {
	*httptest.Server
	versions  []version
	aliases   map[string]string // name@alias -> version
	artifacts map[string][]byte // path under the proxy root -> bytes
	token     string            // when set, the Bearer token required
	tags      chan [3]string    // set-tag calls: name, version, key=value
}

func mlError(w http.ResponseWriter, code int, errorCode, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error_code": errorCode, "message": msg})
}

func (s *standIn) mv(v version) map[string]any {
	return map[string]any{"name": v.name, "version": v.number, "source": v.source, "run_id": v.runID,
		"status": "READY", "current_stage": v.stage, "creation_timestamp": 1700000000000}
}

func (s *standIn) find(name, number string) *version {
	for i := range s.versions {
		if s.versions[i].name == name && s.versions[i].number == number {
			return &s.versions[i]
		}
	}
	return nil
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		mlError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "You are not authenticated.")
		return
	}
	q := r.URL.Query()
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	notFound := func() {
		mlError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Model Version (name="+q.Get("name")+", version="+q.Get("version")+") not found")
	}
	switch p := r.URL.Path; {
	case p == "/api/2.0/mlflow/model-versions/get" && r.Method == http.MethodGet:
		if v := s.find(q.Get("name"), q.Get("version")); v != nil {
			reply(map[string]any{"model_version": s.mv(*v)})
			return
		}
		notFound()
	case p == "/api/2.0/mlflow/model-versions/get-download-uri":
		if v := s.find(q.Get("name"), q.Get("version")); v != nil {
			reply(map[string]any{"artifact_uri": v.download})
			return
		}
		notFound()
	case p == "/api/2.0/mlflow/registered-models/alias":
		if v := s.find(q.Get("name"), s.aliases[q.Get("name")+"@"+q.Get("alias")]); v != nil {
			reply(map[string]any{"model_version": s.mv(*v)})
			return
		}
		mlError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Registered model alias "+q.Get("alias")+" not found.")
	case p == "/api/2.0/mlflow/registered-models/get-latest-versions" && r.Method == http.MethodPost:
		var req struct {
			Name   string   `json:"name"`
			Stages []string `json:"stages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		out := []map[string]any{}
		for _, v := range s.versions {
			if v.name == req.Name && len(req.Stages) == 1 && strings.EqualFold(v.stage, req.Stages[0]) {
				out = append(out, s.mv(v))
			}
		}
		reply(map[string]any{"model_versions": out})
	case p == "/api/2.0/mlflow/model-versions/set-tag" && r.Method == http.MethodPost:
		var req struct{ Name, Version, Key, Value string }
		json.NewDecoder(r.Body).Decode(&req)
		s.tags <- [3]string{req.Name, req.Version, req.Key + "=" + req.Value}
		reply(map[string]any{})
	case p == "/api/2.0/mlflow-artifacts/artifacts":
		dir := strings.Trim(q.Get("path"), "/")
		seen := map[string]bool{}
		files := []map[string]any{}
		for k, b := range s.artifacts {
			rest, ok := strings.CutPrefix(k, dir+"/")
			if !ok {
				continue
			}
			first, _, isDir := strings.Cut(rest, "/")
			if seen[first] {
				continue
			}
			seen[first] = true
			if isDir {
				files = append(files, map[string]any{"path": first, "is_dir": true})
			} else {
				files = append(files, map[string]any{"path": first, "is_dir": false, "file_size": len(b)})
			}
		}
		sort.Slice(files, func(i, j int) bool { return files[i]["path"].(string) < files[j]["path"].(string) })
		reply(map[string]any{"files": files})
	case strings.HasPrefix(p, "/api/2.0/mlflow-artifacts/artifacts/"):
		b, ok := s.artifacts[strings.TrimPrefix(p, "/api/2.0/mlflow-artifacts/artifacts/")]
		if !ok {
			mlError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "not found")
			return
		}
		http.ServeContent(w, r, path.Base(p), time.Time{}, bytes.NewReader(b))
	default:
		mlError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "no such endpoint")
	}
}

func newStandIn(t *testing.T) *standIn {
	s := &standIn{
		versions: []version{
			{name: "clf", number: "1", runID: "run1", source: "models:/m-1", download: "mlflow-artifacts:/0/run1/artifacts/model"},
			{name: "clf", number: "2", runID: "run2", source: "runs:/run2/model", stage: "Production", download: "mlflow-artifacts:/0/run2/artifacts/model"},
			{name: "s3clf", number: "1", runID: "run3", source: "s3://models/0/run3/artifacts/model", download: "s3://models/0/run3/artifacts/model"},
			{name: "s3clf", number: "2", runID: "run4", source: "s3://models/0/run4/artifacts/model", download: "s3://models/0/run4/artifacts/model"},
		},
		aliases: map[string]string{"clf@champion": "1"},
		artifacts: map[string][]byte{
			"0/run1/artifacts/model/MLmodel":   mlmodel,
			"0/run1/artifacts/model/model.pkl": benign,
			"0/run2/artifacts/model/MLmodel":   mlmodel,
			"0/run2/artifacts/model/model.pkl": evil,
		},
		tags: make(chan [3]string, 8),
	}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func env(t *testing.T) {
	for _, k := range []string{"MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"} {
		t.Setenv(k, "")
	}
}

func scan(t *testing.T, target string, opts fetch.Options) (*scanner.Report, error) {
	t.Helper()
	src, err := fetch.Open(context.Background(), target, opts)
	if err != nil {
		return nil, err
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: target, Source: src}}, scanner.Options{FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	return rep, nil
}

func TestScanModelVersions(t *testing.T) {
	env(t)
	s := newStandIn(t)
	host := strings.TrimPrefix(s.URL, "http://")
	endpoint := fetchtest.StartS3(t, "models", map[string][]byte{
		"0/run3/artifacts/model/MLmodel": mlmodel, "0/run3/artifacts/model/model.pkl": benign,
		"0/run4/artifacts/model/MLmodel": mlmodel, "0/run4/artifacts/model/model.pkl": evil,
	})
	s.token = "tok"
	t.Setenv("MLFLOW_TRACKING_TOKEN", "tok")
	for _, tc := range []struct {
		target, verdict, pinned string
	}{
		{"mlflow+http://" + host + "/models/clf/1", "pass", "mlflow+http://" + host + "/models/clf/1#run_id=run1&source=models%3A%2Fm-1"},
		{"mlflow+http://" + host + "/models/clf@champion", "pass", "mlflow+http://" + host + "/models/clf/1#run_id=run1&source=models%3A%2Fm-1"},
		{"mlflow+http://" + host + "/models/clf/2", "fail", ""},
		{"mlflow+http://" + host + "/models/clf/production", "fail", "mlflow+http://" + host + "/models/clf/2#run_id=run2&source=runs%3A%2Frun2%2Fmodel"},
		{"mlflow+http://" + host + "/models/s3clf/1", "pass", ""},
		{"mlflow+http://" + host + "/models/s3clf/2", "fail", ""},
	} {
		t.Run(tc.target, func(t *testing.T) {
			rep, err := scan(t, tc.target, fetch.Options{Endpoint: endpoint})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Verdict != tc.verdict || len(rep.Files) != 2 {
				for _, f := range rep.Files {
					t.Logf("%s %s %s", f.Path, f.Outcome, f.Error)
				}
				t.Fatalf("verdict %s over %d files, want %s over 2", rep.Summary.Verdict, len(rep.Files), tc.verdict)
			}
			if tc.pinned != "" && rep.Pinned[tc.target] != tc.pinned {
				t.Errorf("pinned %q, want %q", rep.Pinned[tc.target], tc.pinned)
			}
		})
	}
}

func TestOneLineErrors(t *testing.T) {
	env(t)
	s := newStandIn(t)
	host := strings.TrimPrefix(s.URL, "http://")
	dead := httptest.NewServer(http.NotFoundHandler())
	deadHost := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	for _, tc := range []struct {
		name, target, token, want string
	}{
		{"missing version", "mlflow+http://" + host + "/models/clf/9", "", "no such registered model or version"},
		{"missing alias", "mlflow+http://" + host + "/models/clf@nope", "", "RESOURCE_DOES_NOT_EXIST"},
		{"empty stage", "mlflow+http://" + host + "/models/clf/Staging", "", "no version of clf is in stage Staging"},
		{"no token", "mlflow+http://" + host + "/models/clf/1", "", "permission denied by the MLflow server: set MLFLOW_TRACKING_TOKEN"},
		{"wrong token", "mlflow+http://" + host + "/models/clf/1", "bad", "the credentials in use may not read this model"},
		{"unreachable", "mlflow+http://" + deadHost + "/models/clf/1", "", "cannot reach the MLflow tracking server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.token = ""
			if strings.Contains(tc.name, "token") {
				s.token = "tok"
			}
			t.Setenv("MLFLOW_TRACKING_TOKEN", tc.token)
			_, err := scan(t, tc.target, fetch.Options{})
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	env(t)
	for _, tc := range []struct {
		target, env, server, name, version, alias, stage string
		usage                                            bool
	}{
		{target: "mlflow://mlflow.example.com/models/clf/3", server: "https://mlflow.example.com", name: "clf", version: "3"},
		{target: "mlflow://h:5000/models/clf@prod", server: "https://h:5000", name: "clf", alias: "prod"},
		{target: "mlflow://h:5000/models/clf@prod", env: "http://h:5000", server: "http://h:5000", name: "clf", alias: "prod"},
		{target: "mlflow://h/mlflow/models/clf/Staging", server: "https://h/mlflow", name: "clf", stage: "Staging"},
		{target: "mlflow:///models/clf/1", env: "http://localhost:5000/", server: "http://localhost:5000", name: "clf", version: "1"},
		{target: "mlflow+http://h:5000/models/my%20model/1#run_id=x", server: "http://h:5000", name: "my model", version: "1"},
		{target: "mlflow:///models/clf/1", usage: true},
		{target: "mlflow://h/models/clf", usage: true},
		{target: "mlflow://h/models/clf/01", usage: true},
		{target: "mlflow://h/models/clf/latest", usage: true},
		{target: "mlflow://h/models/clf@", usage: true},
		{target: "mlflow://user:pw@h/models/clf/1", usage: true},
		{target: "mlflow://h/clf/1", usage: true},
	} {
		t.Run(tc.target, func(t *testing.T) {
			t.Setenv("MLFLOW_TRACKING_URI", tc.env)
			r, err := mlflow.ParseRef(tc.target)
			var ue *fetch.ErrUsage
			if tc.usage {
				if !errors.As(err, &ue) {
					t.Fatalf("got %+v, %v; want a usage error", r, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Server != tc.server || r.Name != tc.name || r.Version != tc.version || r.Alias != tc.alias || r.Stage != tc.stage {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

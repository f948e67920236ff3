// Package mlflowtest is a stand-in MLflow tracking server for tests: it
// speaks the documented JSON of the REST API's model registry reads
// (model-versions/get, get-download-uri, registered-models/alias,
// get-latest-versions), model-versions/set-tag, and the artifacts proxy
// (list and download), with MLflow's error shape ({"error_code",
// "message"}). It holds a benign and a malicious MLflow model directory.
// It is not MLflow: only what the fetcher and the service use is served.
package mlflowtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Evil runs os.system at load; Benign builds a tuple of strings; MLmodel
// is what mlflow.sklearn.log_model writes (a pyfunc and an sklearn flavor
// over model.pkl).
var (
	Evil    = []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.")
	Benign  = []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02ab\x8c\x06abcdef\x86\x8c\x02id\x86\x94.")
	MLmodel = []byte("artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n    python_version: 3.11.4\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: cloudpickle\n    sklearn_version: 1.2.1\nmlflow_version: 2.9.2\n")
)

// Version is one registered model version.
type Version struct {
	Name, Number, RunID, Source, Stage string
	// Download is what get-download-uri answers.
	Download string
}

// Tag is one set-tag call.
type Tag struct{ Name, Version, Key, Value, Auth string }

// Server is the stand-in.
type Server struct {
	*httptest.Server
	Versions  []Version
	Aliases   map[string]string // name@alias -> version number
	Artifacts map[string][]byte // path under the proxy root -> bytes
	// Tags receives every set-tag call.
	Tags chan Tag

	mu    sync.Mutex
	token string
}

// SetToken makes every request need "Authorization: Bearer token"; ""
// lets any through.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// Start serves two versions of "clf" through the artifacts proxy (1
// benign, aliased champion; 2 malicious, in stage Production) and two of
// "s3clf" whose artifacts are in bucket "models" of an S3 store the caller
// fills with S3Objects.
func Start(t testing.TB) *Server {
	s := &Server{
		Versions: []Version{
			{Name: "clf", Number: "1", RunID: "run1", Source: "models:/m-1", Download: "mlflow-artifacts:/0/run1/artifacts/model"},
			{Name: "clf", Number: "2", RunID: "run2", Source: "runs:/run2/model", Stage: "Production", Download: "mlflow-artifacts:/0/run2/artifacts/model"},
			{Name: "s3clf", Number: "1", RunID: "run3", Source: "s3://models/0/run3/artifacts/model", Download: "s3://models/0/run3/artifacts/model"},
			{Name: "s3clf", Number: "2", RunID: "run4", Source: "s3://models/0/run4/artifacts/model", Download: "s3://models/0/run4/artifacts/model"},
		},
		Aliases: map[string]string{"clf@champion": "1"},
		Artifacts: map[string][]byte{
			"0/run1/artifacts/model/MLmodel":   MLmodel,
			"0/run1/artifacts/model/model.pkl": Benign,
			"0/run2/artifacts/model/MLmodel":   MLmodel,
			"0/run2/artifacts/model/model.pkl": Evil,
		},
		Tags: make(chan Tag, 16),
	}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// S3Objects are the objects of the s3clf versions.
func S3Objects() map[string][]byte {
	return map[string][]byte{
		"0/run3/artifacts/model/MLmodel": MLmodel, "0/run3/artifacts/model/model.pkl": Benign,
		"0/run4/artifacts/model/MLmodel": MLmodel, "0/run4/artifacts/model/model.pkl": Evil,
	}
}

func mlError(w http.ResponseWriter, code int, errorCode, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error_code": errorCode, "message": msg})
}

func modelVersion(v Version) map[string]any {
	return map[string]any{"name": v.Name, "version": v.Number, "source": v.Source, "run_id": v.RunID,
		"status": "READY", "current_stage": v.Stage, "creation_timestamp": 1700000000000}
}

func (s *Server) find(name, number string) *Version {
	for i := range s.Versions {
		if s.Versions[i].Name == name && s.Versions[i].Number == number {
			return &s.Versions[i]
		}
	}
	return nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	token := s.token
	s.mu.Unlock()
	if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
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
			reply(map[string]any{"model_version": modelVersion(*v)})
			return
		}
		notFound()
	case p == "/api/2.0/mlflow/model-versions/get-download-uri" && r.Method == http.MethodGet:
		if v := s.find(q.Get("name"), q.Get("version")); v != nil {
			reply(map[string]any{"artifact_uri": v.Download})
			return
		}
		notFound()
	case p == "/api/2.0/mlflow/registered-models/alias" && r.Method == http.MethodGet:
		if v := s.find(q.Get("name"), s.Aliases[q.Get("name")+"@"+q.Get("alias")]); v != nil {
			reply(map[string]any{"model_version": modelVersion(*v)})
			return
		}
		mlError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Registered model alias "+q.Get("alias")+" not found.")
	case p == "/api/2.0/mlflow/registered-models/get-latest-versions" && r.Method == http.MethodPost:
		var req struct {
			Name   string   `json:"name"`
			Stages []string `json:"stages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			mlError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error())
			return
		}
		out := []map[string]any{}
		for _, v := range s.Versions {
			if v.Name == req.Name && len(req.Stages) == 1 && strings.EqualFold(v.Stage, req.Stages[0]) {
				out = append(out, modelVersion(v))
			}
		}
		reply(map[string]any{"model_versions": out})
	case p == "/api/2.0/mlflow/model-versions/set-tag" && r.Method == http.MethodPost:
		var req struct{ Name, Version, Key, Value string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || s.find(req.Name, req.Version) == nil {
			mlError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "bad set-tag request")
			return
		}
		s.Tags <- Tag{Name: req.Name, Version: req.Version, Key: req.Key, Value: req.Value, Auth: r.Header.Get("Authorization")}
		reply(map[string]any{})
	case p == "/api/2.0/mlflow-artifacts/artifacts" && r.Method == http.MethodGet:
		reply(map[string]any{"files": s.list(strings.Trim(q.Get("path"), "/"))})
	case strings.HasPrefix(p, "/api/2.0/mlflow-artifacts/artifacts/") && r.Method == http.MethodGet:
		b, ok := s.Artifacts[strings.TrimPrefix(p, "/api/2.0/mlflow-artifacts/artifacts/")]
		if !ok {
			mlError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "not found")
			return
		}
		http.ServeContent(w, r, path.Base(p), time.Time{}, bytes.NewReader(b))
	default:
		mlError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "no such endpoint")
	}
}

// list answers as MLflow's proxy does: base names, directories without a
// size.
func (s *Server) list(dir string) []map[string]any {
	seen := map[string]bool{}
	files := []map[string]any{}
	for k, b := range s.Artifacts {
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
	return files
}

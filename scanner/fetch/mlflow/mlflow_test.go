package mlflow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/internal/mlflowtest"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
	"github.com/modelgate/modelgate/scanner/fetch/mlflow"
)

func env(t *testing.T) {
	for _, k := range []string{"MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "DATABRICKS_HOST", "DATABRICKS_TOKEN"} {
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
	s := mlflowtest.Start(t)
	host := strings.TrimPrefix(s.URL, "http://")
	endpoint := fetchtest.StartS3(t, "models", mlflowtest.S3Objects())
	s.SetToken("tok")
	t.Setenv("MLFLOW_TRACKING_TOKEN", "tok")
	for _, tc := range []struct {
		target, verdict, pinned string
	}{
		{"mlflow+http://" + host + "/models/clf/1", "pass", "mlflow+http://" + host + "/models/clf/1#run_id=run1&source=models:/m-1"},
		{"mlflow+http://" + host + "/models/clf@champion", "pass", "mlflow+http://" + host + "/models/clf/1#run_id=run1&source=models:/m-1"},
		{"mlflow+http://" + host + "/models/clf/2", "fail", ""},
		{"mlflow+http://" + host + "/models/clf/production", "fail", "mlflow+http://" + host + "/models/clf/2#run_id=run2&source=runs:/run2/model"},
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
			// Artifacts in S3 are pinned to the object versions read.
			if strings.Contains(tc.target, "s3clf") && !strings.Contains(rep.Pinned[tc.target], "#object=s3://models/0/run") {
				t.Errorf("pinned %q names no object version", rep.Pinned[tc.target])
			}
		})
	}
}

// TestAzureArtifacts reads versions whose artifacts MLflow stored in Azure
// Blob Storage (wasbs://) and Data Lake Gen2 (abfss://) from the Azure
// Blob stand-in, and refuses a location that is not a plain one.
func TestAzureArtifacts(t *testing.T) {
	env(t)
	s := mlflowtest.Start(t)
	host := strings.TrimPrefix(s.URL, "http://")
	s.Versions = append(s.Versions,
		mlflowtest.Version{Name: "azclf", Number: "1", RunID: "run5", Source: "models:/m-5", Download: "wasbs://mlruns@acmestore.blob.core.windows.net/0/run5/artifacts/model"},
		mlflowtest.Version{Name: "azclf", Number: "2", RunID: "run6", Source: "models:/m-6", Download: "abfss://mlruns@acmestore.dfs.core.windows.net/0/run6/artifacts/model"},
		mlflowtest.Version{Name: "azclf", Number: "3", RunID: "run7", Source: "models:/m-7", Download: "wasbs://mlruns@acmestore.blob.core.windows.net.evil.example/0/run5/artifacts/model"},
	)
	fetchtest.StartAzureBlob(t, "acmestore", "mlruns", map[string][]byte{
		"0/run5/artifacts/model/MLmodel": mlflowtest.MLmodel, "0/run5/artifacts/model/model.pkl": mlflowtest.Benign,
		"0/run6/artifacts/model/MLmodel": mlflowtest.MLmodel, "0/run6/artifacts/model/model.pkl": mlflowtest.Evil,
	})
	for _, tc := range []struct{ version, verdict string }{{"1", "pass"}, {"2", "fail"}} {
		target := "mlflow+http://" + host + "/models/azclf/" + tc.version
		rep, err := scan(t, target, fetch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Summary.Verdict != tc.verdict || len(rep.Files) != 2 {
			t.Errorf("%s: verdict %s over %d files, want %s over 2", target, rep.Summary.Verdict, len(rep.Files), tc.verdict)
		}
	}
	_, err := scan(t, "mlflow+http://"+host+"/models/azclf/3", fetch.Options{})
	if err == nil || !strings.Contains(err.Error(), "not a plain Azure Blob Storage or Data Lake URL") {
		t.Errorf("a wasbs:// location on another host: %v, want it refused", err)
	}
}

func TestOneLineErrors(t *testing.T) {
	env(t)
	s := mlflowtest.Start(t)
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
		// MLFLOW_TRACKING_URI names another server: its token stays home.
		{"token of another server", "mlflow+http://" + host + "/models/clf/1", "tok", "set MLFLOW_TRACKING_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.SetToken("")
			if strings.Contains(tc.name, "token") {
				s.SetToken("tok")
			}
			t.Setenv("MLFLOW_TRACKING_TOKEN", tc.token)
			if tc.name == "token of another server" {
				t.Setenv("MLFLOW_TRACKING_URI", "http://mlflow.elsewhere.example:5000")
			}
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

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"mlflow://h:5000/models/clf/3", "mlflow://h/p/models/a@b", "mlflow+http://h/models/x/Staging#run_id=1", "mlflow:///models/m/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		r, err := mlflow.ParseRef(target)
		if err != nil {
			return
		}
		set := 0
		for _, v := range []string{r.Version, r.Alias, r.Stage} {
			if v != "" {
				set++
			}
		}
		if r.Name == "" || set != 1 || r.Server == "" {
			t.Fatalf("%q parsed to %+v", target, r)
		}
	})
}

// TestDatabricksToken: a workspace's registry is read with DATABRICKS_TOKEN
// when DATABRICKS_HOST (a URL or a bare host) names it, and only then.
func TestDatabricksToken(t *testing.T) {
	env(t)
	s := mlflowtest.Start(t)
	s.SetToken("dapi-tok")
	host := strings.TrimPrefix(s.URL, "http://")
	t.Setenv("DATABRICKS_TOKEN", "dapi-tok")
	for _, tc := range []struct {
		databricksHost string
		ok             bool
	}{{host, true}, {s.URL, true}, {"adb-1.azuredatabricks.net", false}, {"", false}} {
		t.Setenv("DATABRICKS_HOST", tc.databricksHost)
		_, err := scan(t, "mlflow+http://"+host+"/models/clf/1", fetch.Options{})
		if (err == nil) != tc.ok {
			t.Errorf("DATABRICKS_HOST=%q: %v, want ok=%v", tc.databricksHost, err, tc.ok)
		}
	}
}

package azureml_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/azureml"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
	"github.com/modelgate/modelgate/scanner/fetch/internal/scantest"
)

const (
	sub   = "00000000-1111-2222-3333-444444444444"
	group = "ml-rg"
	arm   = "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.MachineLearningServices/registries/acme-reg/models/"
	// datastores is where "Datastores - Get" answers for workspace acme-ws.
	datastores = "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.MachineLearningServices/workspaces/acme-ws/datastores/"
	// datastoreURI is how the Azure ML SDK writes a datastore path.
	datastoreURI = "azureml://subscriptions/" + sub + "/resourcegroups/" + group + "/workspaces/acme-ws/datastores/"
	benignPkl    = "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."
	evilPkl      = "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
)

// standIn answers "Registry Model Versions - Get" as the Azure Resource
// Manager reference documents it: GET {id}?api-version=..., a ModelVersion
// resource with properties.modelUri, errors as {"error": {code, message}}.
func standIn(t *testing.T) *httptest.Server {
	errorJSON := func(w http.ResponseWriter, status int, code, msg string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Query().Get("api-version") == "" {
			errorJSON(w, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
			return
		}
		if ds, ok := strings.CutPrefix(r.URL.Path, datastores); ok {
			props := map[string]any{"accountName": "acmestore", "endpoint": "core.windows.net", "protocol": "https"}
			switch ds {
			case "workspaceblobstore":
				props["datastoreType"], props["containerName"] = "AzureBlob", "acme-models"
			case "lake":
				props["datastoreType"], props["filesystem"] = "AzureDataLakeGen2", "acme-models"
			case "files":
				props["datastoreType"], props["fileShareName"] = "AzureFile", "share"
			case "elsewhere":
				props["datastoreType"], props["containerName"], props["endpoint"] = "AzureBlob", "acme-models", "core.evil.example"
			default:
				errorJSON(w, 404, "UserError", "DatastoreNotFound: datastore "+ds+" does not exist.")
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"id": r.URL.Path, "name": ds,
				"type": "Microsoft.MachineLearningServices/workspaces/datastores", "properties": props})
			return
		}
		uri := ""
		switch r.URL.Path {
		case arm + "bert/versions/3":
			uri = "https://acmestore.blob.core.windows.net/acme-models/bert/3"
		case arm + "evil/versions/1":
			uri = "wasbs://acme-models@acmestore.blob.core.windows.net/evil/model.pkl"
		case arm + "sneaky/versions/1":
			uri = "https://169.254.169.254/acme-models/bert/3"
		case arm + "secret/versions/1":
			errorJSON(w, 403, "AuthorizationFailed", "The client 'ci' with object id 'x' does not have authorization to perform action 'Microsoft.MachineLearningServices/registries/models/versions/read' over scope '"+r.URL.Path+"' or the scope is invalid.")
			return
		default:
			errorJSON(w, 404, "UserError", "Not found: model version does not exist.")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"id": r.URL.Path, "name": "3", "type": "Microsoft.MachineLearningServices/registries/models/versions",
			"properties": map[string]any{"modelType": "custom_model", "modelUri": uri, "provisioningState": "Succeeded"},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestScanModelVersion(t *testing.T) {
	fetchtest.StartAzureBlob(t, "acmestore", "acme-models", map[string][]byte{
		"bert/3/model.pkl":   []byte(benignPkl),
		"bert/3/config.json": []byte(`{"a": 1}`),
		"bert/30/other.pkl":  []byte(evilPkl),
		"evil/model.pkl":     []byte(evilPkl),
	})
	t.Setenv("MODELGATE_AZUREML_ENDPOINT", standIn(t).URL)
	t.Setenv("AZURE_SUBSCRIPTION_ID", sub)
	t.Setenv("AZURE_RESOURCE_GROUP", group)
	long := "azureml://subscriptions/" + sub + "/resourceGroups/" + group + "/registries/acme-reg/models/"
	tests := []struct {
		target, verdict, pinned string
		files                   int
	}{
		{"azureml://registries/acme-reg/models/bert/versions/3", "pass", long + "bert/versions/3", 2},
		{long + "bert/versions/3", "pass", long + "bert/versions/3", 2},
		{"azureml://registries/acme-reg/models/evil/versions/1", "fail", long + "evil/versions/1", 1},
		{datastoreURI + "workspaceblobstore/paths/bert/3", "pass", datastoreURI + "workspaceblobstore/paths/bert/3", 2},
		{datastoreURI + "lake/paths/evil/model.pkl", "fail", datastoreURI + "lake/paths/evil/model.pkl", 1},
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
	fetchtest.StartAzureBlob(t, "acmestore", "acme-models", nil)
	api := standIn(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	t.Setenv("AZURE_SUBSCRIPTION_ID", sub)
	t.Setenv("AZURE_RESOURCE_GROUP", group)
	const reg = "azureml://registries/acme-reg/models/"
	tests := []struct{ endpoint, target, want string }{
		{api.URL, reg + "bert/versions/9", "HTTP 404 UserError: Not found: model version does not exist."},
		{api.URL, reg + "secret/versions/1", "HTTP 403 AuthorizationFailed: The client 'ci' with object id 'x' does not have authorization"},
		{api.URL, reg + "sneaky/versions/1", "not a plain Azure Blob Storage or Data Lake URL"},
		{down.URL, reg + "bert/versions/3", "connection refused"},
		{api.URL, reg + "../versions/1", "want azureml://registries/"},
		{api.URL, "azureml://registries/acme-reg/models/bert", "want azureml://registries/"},
		{api.URL, datastoreURI + "nope/paths/bert/3", "get datastore: HTTP 404 UserError: DatastoreNotFound"},
		{api.URL, datastoreURI + "files/paths/bert/3", `of type "AzureFile": only AzureBlob and AzureDataLakeGen2`},
		{api.URL, datastoreURI + "elsewhere/paths/bert/3", "not a plain Azure Blob Storage or Data Lake URL"},
		{api.URL, datastoreURI + "workspaceblobstore/paths/bert/../evil", "not a plain relative path"},
	}
	for _, tt := range tests {
		t.Setenv("MODELGATE_AZUREML_ENDPOINT", tt.endpoint)
		_, err := fetch.Open(context.Background(), tt.target, fetch.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", tt.target, err, tt.want)
		}
	}
	t.Setenv("AZURE_SUBSCRIPTION_ID", "")
	if _, err := azureml.Parse(reg + "bert/versions/3"); err == nil || !strings.Contains(err.Error(), "AZURE_SUBSCRIPTION_ID") {
		t.Errorf("no subscription: %v", err)
	}
}

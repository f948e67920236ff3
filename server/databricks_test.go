package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/mlflowtest"
)

const databricksSecret = "databricks-webhook-secret"

// databricksDelivery is a registry webhook as Databricks documents it,
// signed with secret.
func databricksDelivery(secret, event, name, version string, at time.Time, extra map[string]any) (string, map[string]string) {
	p := map[string]any{"event": event, "webhook_id": "c5596721253c4b429368cf6f4341b88a", "event_timestamp": at.UnixMilli(),
		"model_name": name, "version": version, "text": "Registered model '" + name + "' version " + version + "."}
	for k, v := range extra {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(b)
	return string(b), map[string]string{"Content-Type": "application/json", "X-Databricks-Signature": hex.EncodeToString(mac.Sum(nil))}
}

// TestDatabricksWebhook: a signed MODEL_VERSION_CREATED (benign) and
// TRANSITION_REQUEST_CREATED (malicious) are scanned on the workspace
// with DATABRICKS_TOKEN and their verdicts tagged; a bad signature gets
// 401, a replayed old event too.
func TestDatabricksWebhook(t *testing.T) {
	ml := mlflowtest.Start(t)
	ml.SetToken("dapi-tok")
	t.Setenv("MLFLOW_TRACKING_URI", "")
	t.Setenv("MLFLOW_TRACKING_TOKEN", "")
	t.Setenv("DATABRICKS_HOST", ml.URL)
	t.Setenv("DATABRICKS_TOKEN", "dapi-tok")
	cfg := testConfig(t)
	cfg.Sources.Databricks = MLflowSource{Secret: databricksSecret, TrackingURI: ml.URL}
	srv := newServer(t, cfg)
	r := start(t, srv, listen(t))
	url := r.url + "/v1/events/databricks"

	for _, c := range []struct {
		event, version, verdict string
		extra                   map[string]any
	}{
		{"MODEL_VERSION_CREATED", "1", "pass", nil},
		{"TRANSITION_REQUEST_CREATED", "2", "fail", map[string]any{"to_stage": "Production", "from_stage": "None"}},
	} {
		body, hdr := databricksDelivery(databricksSecret, c.event, "clf", c.version, time.Now(), c.extra)
		code, resp := post(t, url, body, hdr)
		if code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", c.event, code, resp)
		}
		wantTaggedScan(t, srv, ml, c.event, resp, c.version, c.verdict, "Bearer dapi-tok")
	}

	// The verdict tag this service writes comes back as an event: it
	// must not start another scan.
	body, hdr := databricksDelivery(databricksSecret, "MODEL_VERSION_TAG_SET", "clf", "1", time.Now(), map[string]any{"tags": []map[string]string{{"key": "modelgate.verdict", "value": "pass"}}})
	if code, resp := post(t, url, body, hdr); code != http.StatusAccepted || !strings.Contains(resp, `"ignored":1`) {
		t.Fatalf("tag event: %d %s", code, resp)
	}

	for name, mutate := range map[string]func(body *string, h map[string]string){
		"wrong secret": func(body *string, h map[string]string) {
			_, g := databricksDelivery("other", "MODEL_VERSION_CREATED", "clf", "1", time.Now(), nil)
			h["X-Databricks-Signature"] = g["X-Databricks-Signature"]
		},
		"missing signature": func(_ *string, h map[string]string) { delete(h, "X-Databricks-Signature") },
		"upper-case hex": func(_ *string, h map[string]string) {
			h["X-Databricks-Signature"] = strings.ToUpper(h["X-Databricks-Signature"])
		},
		"other body": func(body *string, _ map[string]string) {
			*body = strings.Replace(*body, `"version":"1"`, `"version":"2"`, 1)
		},
		"old event": func(body *string, h map[string]string) {
			var g map[string]string
			*body, g = databricksDelivery(databricksSecret, "MODEL_VERSION_CREATED", "clf", "1", time.Now().Add(-48*time.Hour), nil)
			h["X-Databricks-Signature"] = g["X-Databricks-Signature"]
		},
	} {
		body, hdr := databricksDelivery(databricksSecret, "MODEL_VERSION_CREATED", "clf", "1", time.Now(), nil)
		mutate(&body, hdr)
		if code, resp := post(t, url, body, hdr); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, code, resp)
		}
	}
	wantNoTag(t, ml)
}

// TestDatabricksWebhookDisabled: without a secret the endpoint is not there.
func TestDatabricksWebhookDisabled(t *testing.T) {
	srv := newServer(t, testConfig(t))
	r := start(t, srv, listen(t))
	body, hdr := databricksDelivery(databricksSecret, "MODEL_VERSION_CREATED", "clf", "1", time.Now(), nil)
	if code, resp := post(t, r.url+"/v1/events/databricks", body, hdr); code != http.StatusNotFound {
		t.Fatalf("%d %s, want 404", code, resp)
	}
}

func TestParseDatabricks(t *testing.T) {
	checkParse(t, func(b []byte) ([]event, int, error) { return parseDatabricks(b, "https://w.example") }, []parseCase{
		{body: `{"event":"MODEL_VERSION_CREATED","event_timestamp":1589859029343,"model_name":"clf","version":"3"}`, target: "mlflow://w.example/models/clf/3"},
		{body: `{"event":"TRANSITION_REQUEST_TO_PRODUCTION_CREATED","event_timestamp":1589859029343,"model_name":"a b@c","version":"8","to_stage":"Production"}`, target: "mlflow://w.example/models/a%20b%40c/8"},
		{body: `{"event":"MODEL_VERSION_TRANSITIONED_STAGE","event_timestamp":1589859029343,"model_name":"clf","version":"8","to_stage":"Staging"}`, target: "mlflow://w.example/models/clf/8"},
		{body: `{"event":"MODEL_VERSION_TRANSITIONED_STAGE","event_timestamp":1589859029343,"model_name":"clf","version":"8","to_stage":"Archived"}`, ignored: 1},
		{body: `{"event":"COMMENT_CREATED","event_timestamp":1589859029343,"model_name":"clf","version":"8","comment":"x"}`, ignored: 1},
		{body: `{"event":"REGISTERED_MODEL_CREATED","event_timestamp":1589859029343,"model_name":"clf"}`, ignored: 1},
		{body: `{"event":"MODEL_VERSION_CREATED","event_timestamp":1589859029343,"model_name":"clf","version":"03"}`, bad: true},
		{body: `{"event":"MODEL_VERSION_CREATED","event_timestamp":1589859029343,"model_name":"","version":"3"}`, bad: true},
		{body: `{"event":"MODEL_VERSION_CREATED","model_name":"clf","version":"3"}`, bad: true},
		{body: `{"event":"MODEL_VERSION_CREATED","event_timestamp":"soon","model_name":"clf","version":"3"}`, bad: true},
		{body: `{"model_name":"clf","version":"3"}`, bad: true},
		{body: `[`, bad: true},
	}, func(body string, ev event) {
		if ev.At.UnixMilli() != 1589859029343 {
			t.Errorf("%s: time %v", body, ev.At)
		}
	})
}

// FuzzDatabricksSignature: no payload passes without the secret's signature.
func FuzzDatabricksSignature(f *testing.F) {
	f.Add([]byte(`{"event":"MODEL_VERSION_CREATED"}`), "00")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		mac := hmac.New(sha256.New, []byte(databricksSecret))
		mac.Write(body)
		want := hex.EncodeToString(mac.Sum(nil))
		if databricksSigned(databricksSecret, body, sig) != (sig == want) {
			t.Fatalf("signature %q judged wrongly", sig)
		}
	})
}

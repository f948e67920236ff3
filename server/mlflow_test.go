package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/mlflowtest"
	"github.com/modelgate/modelgate/server/store"
)

const mlflowSecret = "mlflow-webhook-secret"

// mlflowDelivery is a webhook as MLflow 3 sends it, signed with secret.
func mlflowDelivery(secret, delivery, entity, action string, data map[string]string) (string, map[string]string) {
	b, _ := json.Marshal(map[string]any{"entity": entity, "action": action, "timestamp": time.Now().UTC().Format(time.RFC3339), "data": data})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(delivery + "." + ts + "." + string(b)))
	return string(b), map[string]string{
		"Content-Type":         "application/json",
		"X-MLflow-Delivery-Id": delivery,
		"X-MLflow-Timestamp":   ts,
		"X-MLflow-Signature":   "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}
}

// TestMLflowWebhook: a signed model_version.created (benign) and
// model_version_alias.created (malicious) are scanned and their verdicts
// written back as the modelgate.verdict tag; bad signatures get 401.
func TestMLflowWebhook(t *testing.T) {
	ml := mlflowtest.Start(t)
	ml.SetToken("tok")
	t.Setenv("MLFLOW_TRACKING_URI", "")
	t.Setenv("MLFLOW_TRACKING_TOKEN", "tok")
	cfg := testConfig(t)
	cfg.Sources.MLflow = MLflowSource{Secret: mlflowSecret, TrackingURI: ml.URL}
	srv := newServer(t, cfg)
	r := start(t, srv, listen(t))
	url := r.url + "/v1/events/mlflow"

	for _, c := range []struct {
		entity, version, verdict string
		data                     map[string]string
	}{
		{"model_version", "1", "pass", map[string]string{"name": "clf", "version": "1", "source": "models:/m-1", "run_id": "run1"}},
		{"model_version_alias", "2", "fail", map[string]string{"name": "clf", "alias": "challenger", "version": "2"}},
	} {
		body, hdr := mlflowDelivery(mlflowSecret, "d-"+c.version, c.entity, "created", c.data)
		code, resp := post(t, url, body, hdr)
		if code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", c.entity, code, resp)
		}
		wantTaggedScan(t, srv, ml, c.entity, resp, c.version, c.verdict, "Bearer tok")
		// The same delivery again creates nothing.
		if code, resp := post(t, url, body, hdr); code != http.StatusAccepted || !strings.Contains(resp, `"duplicates":1`) {
			t.Fatalf("replay: %d %s", code, resp)
		}
	}

	// The API may name versions of the configured server only: the
	// service's MLflow credentials go nowhere else.
	if code, resp := post(t, r.url+"/v1/scans", `{"target":"mlflow+http://127.0.0.2:1/models/clf/1"}`, bearer()); code != http.StatusBadRequest {
		t.Fatalf("mlflow target on another host: %d %s, want 400", code, resp)
	}

	body, hdr := mlflowDelivery(mlflowSecret, "d-3", "registered_model", "created", map[string]string{"name": "clf"})
	if code, resp := post(t, url, body, hdr); code != http.StatusAccepted || !strings.Contains(resp, `"ignored":1`) {
		t.Fatalf("other event: %d %s", code, resp)
	}
	for name, mutate := range map[string]func(h map[string]string){
		"wrong secret": func(h map[string]string) {
			_, g := mlflowDelivery("other", "d-4", "model_version", "created", nil)
			h["X-MLflow-Signature"] = g["X-MLflow-Signature"]
		},
		"missing signature": func(h map[string]string) { delete(h, "X-MLflow-Signature") },
		"other delivery id": func(h map[string]string) { h["X-MLflow-Delivery-Id"] = "d-5" },
		"other timestamp":   func(h map[string]string) { h["X-MLflow-Timestamp"] = "1" },
		"no version prefix": func(h map[string]string) {
			h["X-MLflow-Signature"] = strings.TrimPrefix(h["X-MLflow-Signature"], "v1,")
		},
	} {
		body, hdr := mlflowDelivery(mlflowSecret, "d-4", "model_version", "created", map[string]string{"name": "clf", "version": "1"})
		mutate(hdr)
		if code, resp := post(t, url, body, hdr); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, code, resp)
		}
	}
	wantNoTag(t, ml)
}

// TestMLflowWebhookDisabled: without a secret the endpoint is not there.
func TestMLflowWebhookDisabled(t *testing.T) {
	srv := newServer(t, testConfig(t))
	r := start(t, srv, listen(t))
	body, hdr := mlflowDelivery(mlflowSecret, "d-1", "model_version", "created", map[string]string{"name": "clf", "version": "1"})
	if code, resp := post(t, r.url+"/v1/events/mlflow", body, hdr); code != http.StatusNotFound {
		t.Fatalf("%d %s, want 404", code, resp)
	}
}

func TestParseMLflow(t *testing.T) {
	checkParse(t, func(b []byte) ([]event, int, error) { return parseMLflow(b, "https://m.example/mlflow/") }, []parseCase{
		{body: `{"entity":"model_version","action":"created","data":{"name":"clf","version":"3"}}`, target: "mlflow://m.example/mlflow/models/clf/3"},
		{body: `{"type":"model_version_alias.created","data":{"name":"a b@c/d","version":"1","alias":"x"}}`, target: "mlflow://m.example/mlflow/models/a%20b%40c%2Fd/1"},
		{body: `{"entity":"model_version_tag","action":"set","data":{"name":"clf","version":"3"}}`, ignored: 1},
		{body: `{"entity":"model_version","action":"created","data":{"name":"clf","version":"03"}}`, bad: true},
		{body: `{"entity":"model_version","action":"created","data":{"name":"","version":"3"}}`, bad: true},
		{body: `{"entity":"model_version","action":"created","data":{"name":"a\u0000b","version":"3"}}`, bad: true},
		{body: `{"data":{}}`, bad: true},
		{body: `[`, bad: true},
	}, nil)
}

// parseCase is a webhook body and what its parser makes of it: one scan
// of target, or ignored events, or an error (bad).
type parseCase struct {
	body, target string
	ignored      int
	bad          bool
}

// checkParse runs parse on each case's body; check, when not nil, also
// looks at the one event of a case with a target.
func checkParse(t *testing.T, parse func([]byte) ([]event, int, error), cases []parseCase, check func(body string, ev event)) {
	t.Helper()
	for _, c := range cases {
		evs, ignored, err := parse([]byte(c.body))
		if c.bad {
			if err == nil {
				t.Errorf("%s: want an error, got %+v", c.body, evs)
			}
			continue
		}
		if err != nil || ignored != c.ignored {
			t.Errorf("%s: %v, ignored %d", c.body, err, ignored)
			continue
		}
		got := ""
		if len(evs) == 1 {
			got = evs[0].Target
			if check != nil {
				check(c.body, evs[0])
			}
		}
		if got != c.target {
			t.Errorf("%s: target %q, want %q", c.body, got, c.target)
		}
	}
}

// FuzzMLflowSignature: no payload passes without the secret's signature.
func FuzzMLflowSignature(f *testing.F) {
	f.Add([]byte(`{"entity":"model_version"}`), "d", "1", "v1,AAAA")
	f.Fuzz(func(t *testing.T, body []byte, delivery, ts, sig string) {
		mac := hmac.New(sha256.New, []byte(mlflowSecret))
		mac.Write([]byte(delivery + "." + ts + "."))
		mac.Write(body)
		want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if mlflowSigned(mlflowSecret, delivery, ts, body, sig) != (sig == want) {
			t.Fatalf("signature %q judged wrongly", sig)
		}
	})
}

// wantTaggedScan checks that a webhook answered resp with one scan of
// version of the registered model clf, that it ended with verdict, and
// that the verdict was written back as the modelgate.verdict tag with
// auth.
func wantTaggedScan(t *testing.T, srv *Server, ml *mlflowtest.Server, event, resp, version, verdict, auth string) {
	t.Helper()
	var out struct {
		Jobs []accepted `json:"jobs"`
	}
	if err := json.Unmarshal([]byte(resp), &out); err != nil || len(out.Jobs) != 1 {
		t.Fatalf("%s: %s", event, resp)
	}
	want := "mlflow+http://" + strings.TrimPrefix(ml.URL, "http://") + "/models/clf/" + version
	if out.Jobs[0].Target != want {
		t.Fatalf("target %s, want %s", out.Jobs[0].Target, want)
	}
	j := waitJob(t, srv.Store(), out.Jobs[0].ID)
	if j.State != store.Done || j.Result.Verdict != verdict {
		t.Fatalf("%s: job %+v", event, j)
	}
	select {
	case tag := <-ml.Tags:
		if tag != (mlflowtest.Tag{Name: "clf", Version: version, Key: "modelgate.verdict", Value: verdict, Auth: auth}) {
			t.Fatalf("tag %+v", tag)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no set-tag call")
	}
}

// wantNoTag checks that no tag was written since the last one read.
func wantNoTag(t *testing.T, ml *mlflowtest.Server) {
	t.Helper()
	select {
	case tag := <-ml.Tags:
		t.Fatalf("unexpected set-tag %+v", tag)
	default:
	}
}

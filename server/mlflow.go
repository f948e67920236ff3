package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/modelgate/modelgate/scanner/fetch/mlflow"
)

// The headers of an MLflow 3 webhook delivery (mlflow/webhooks/constants.py)
// and the tag the verdict is written back to.
const (
	mlflowSignatureHeader = "X-MLflow-Signature"
	mlflowDeliveryHeader  = "X-MLflow-Delivery-Id"
	mlflowTimestampHeader = "X-MLflow-Timestamp"
	// MLflowVerdictTag is the model-version tag the verdict is written
	// to: pass, fail or inconclusive.
	MLflowVerdictTag = "modelgate.verdict"
)

// mlflowSigned reports whether sig is MLflow's signature of a delivery:
// "v1," and the base64 HMAC-SHA256, under the webhook's secret, of
// "<delivery id>.<timestamp>.<body>".
func mlflowSigned(secret, delivery, timestamp string, body []byte, sig string) bool {
	b64, ok := strings.CutPrefix(sig, "v1,")
	if !ok || secret == "" {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(delivery + "." + timestamp + "."))
	mac.Write(body)
	// Compared as text, as MLflow's own receiver does: base64 decoding
	// would accept variants (line breaks) of the one encoding.
	return hmac.Equal([]byte(b64), []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil))))
}

// mlflowHandler takes an MLflow webhook: 404 when the source is
// disabled, 401 without a valid signature, else its events are accepted.
func (s *Server) mlflowHandler(w http.ResponseWriter, r *http.Request) {
	const source = "mlflow"
	start := time.Now()
	src := s.cfg.Sources.MLflow
	delivery, ts := r.Header.Get(mlflowDeliveryHeader), r.Header.Get(mlflowTimestampHeader)
	body, ok := s.signedBody(w, r, source, src.Secret, func(body []byte) (string, bool) {
		sig := r.Header.Get(mlflowSignatureHeader)
		return sig, mlflowSigned(src.Secret, delivery, ts, body, sig)
	})
	if !ok {
		return
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		s.malformed(w, r, source, errors.New("X-MLflow-Timestamp is not a Unix time"))
		return
	}
	evs, ignored, err := parseMLflow(body, src.TrackingURI)
	if err != nil {
		s.malformed(w, r, source, err)
		return
	}
	for i := range evs {
		evs[i].Delivery, evs[i].At = delivery, time.Unix(sec, 0)
	}
	s.accept(w, r, source, evs, ignored, start)
}

type mlflowPayload struct {
	// MLflow 3 sends entity and action; its first webhooks sent type.
	Entity string `json:"entity"`
	Action string `json:"action"`
	Type   string `json:"type"`
	Data   struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"data"`
}

// parseMLflow reads an MLflow webhook and keeps new model versions and
// new aliases of one; other events are ignored. The job's target is the
// version on the configured tracking server: a version's source never
// changes, so its job dedupes.
func parseMLflow(body []byte, trackingURI string) ([]event, int, error) {
	var p mlflowPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, 0, fmt.Errorf("mlflow webhook: %w", err)
	}
	kind := p.Type
	if p.Entity != "" || p.Action != "" {
		kind = p.Entity + "." + p.Action
	}
	switch kind {
	case "model_version.created", "model_version_alias.created":
	case "", ".":
		return nil, 0, fmt.Errorf("mlflow webhook: no entity and action")
	default:
		return nil, 1, nil
	}
	name, version := p.Data.Name, p.Data.Version
	if name == "" || len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, 0, fmt.Errorf("mlflow webhook: model name %q is not usable", name)
	}
	if n, err := strconv.ParseUint(version, 10, 63); err != nil || n == 0 || strconv.FormatUint(n, 10) != version {
		return nil, 0, fmt.Errorf("mlflow webhook: version %q is not a version number", version)
	}
	target, err := mlflowTarget(trackingURI, name, version)
	if err != nil {
		return nil, 0, err
	}
	return []event{{Target: target, Immutable: true}}, 0, nil
}

// mlflowTarget names a version on a tracking server as an mlflow://
// target (mlflow+http:// for a plain-http server).
func mlflowTarget(trackingURI, name, version string) (string, error) {
	u, err := url.Parse(trackingURI)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("mlflow tracking URI %q is not a URL", trackingURI)
	}
	scheme := "mlflow"
	if u.Scheme == "http" {
		scheme = "mlflow+http"
	}
	// PathEscape leaves @ alone, which the target reads as an alias.
	n := strings.ReplaceAll(url.PathEscape(name), "@", "%40")
	base := scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/")
	return base + "/models/" + n + "/" + version, nil
}

// tagsVerdict reports whether a job of source writes its verdict to the
// model version's tag: MLflow's and Databricks' registries.
func tagsVerdict(source string) bool { return source == "mlflow" || source == "databricks" }

// mlflowVerdict is the tag value of a verdict.
func mlflowVerdict(verdict string) string {
	if verdict == "pass" || verdict == "fail" {
		return verdict
	}
	return "inconclusive"
}

// tagMLflow writes the verdict to the model version target names, on the
// server it names, with the MLflow client's credentials.
func (s *Server) tagMLflow(ctx context.Context, target, verdict string) error {
	ref, err := mlflow.ParseRef(target)
	if err != nil {
		return err
	}
	c := mlflow.NewClient(ref.Server, s.transport)
	req := map[string]string{"name": ref.Name, "version": ref.Version, "key": MLflowVerdictTag, "value": mlflowVerdict(verdict)}
	if err := c.Call(ctx, http.MethodPost, "mlflow/model-versions/set-tag", nil, req, nil); err != nil {
		return fmt.Errorf("set tag %s on %s: %w", MLflowVerdictTag, target, err)
	}
	return nil
}

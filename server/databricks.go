package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// databricksSignatureHeader carries a Databricks registry webhook's
// signature: the lower-case hex HMAC-SHA256 of the body under the
// webhook's shared secret (Databricks' "Workspace Model Registry
// webhooks", Security: client verification).
const databricksSignatureHeader = "X-Databricks-Signature"

// databricksSigned reports whether sig is Databricks' signature of body.
// Compared as text, as Databricks' example compares hexdigest(): a hex
// decoding would take variants of the one encoding.
func databricksSigned(secret string, body []byte, sig string) bool {
	if secret == "" {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil))))
}

// databricksScanned are the registry events that name a model version
// about to be used: a new version, a stage transition requested, and a
// transition to Staging or Production done. Others — comments, tags (the
// verdict tag this service writes is one), new registered models,
// archiving — are acknowledged and ignored.
var databricksScanned = map[string]bool{
	"MODEL_VERSION_CREATED":                    true,
	"TRANSITION_REQUEST_CREATED":               true,
	"TRANSITION_REQUEST_TO_STAGING_CREATED":    true,
	"TRANSITION_REQUEST_TO_PRODUCTION_CREATED": true,
	"MODEL_VERSION_TRANSITIONED_STAGE":         true,
	"MODEL_VERSION_TRANSITIONED_TO_STAGING":    true,
	"MODEL_VERSION_TRANSITIONED_TO_PRODUCTION": true,
}

type databricksPayload struct {
	Event          string      `json:"event"`
	WebhookID      string      `json:"webhook_id"`
	EventTimestamp json.Number `json:"event_timestamp"`
	ModelName      string      `json:"model_name"`
	Version        string      `json:"version"`
	ToStage        string      `json:"to_stage"`
}

// databricksHandler takes a Databricks Workspace Model Registry webhook:
// 404 when the source is disabled, 401 without a valid signature, else
// the version it names is scanned and its verdict tagged as for MLflow.
func (s *Server) databricksHandler(w http.ResponseWriter, r *http.Request) {
	const source = "databricks"
	start := time.Now()
	src := s.cfg.Sources.Databricks
	body, ok := s.signedBody(w, r, source, src.Secret, func(body []byte) (string, bool) {
		sig := r.Header.Get(databricksSignatureHeader)
		return sig, databricksSigned(src.Secret, body, sig)
	})
	if !ok {
		return
	}
	evs, ignored, err := parseDatabricks(body, src.TrackingURI)
	if err != nil {
		s.malformed(w, r, source, err)
		return
	}
	s.accept(w, r, source, evs, ignored, start)
}

// parseDatabricks reads a registry webhook's payload. The signed
// event_timestamp (milliseconds) is the event's time, so an old delivery
// replayed falls outside the replay window.
func parseDatabricks(body []byte, workspaceURL string) ([]event, int, error) {
	var p databricksPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, 0, fmt.Errorf("databricks webhook: %w", err)
	}
	if p.Event == "" {
		return nil, 0, fmt.Errorf("databricks webhook: no event")
	}
	if !databricksScanned[p.Event] || (p.Event == "MODEL_VERSION_TRANSITIONED_STAGE" && strings.EqualFold(p.ToStage, "Archived")) {
		return nil, 1, nil
	}
	name, version := p.ModelName, p.Version
	if name == "" || len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, 0, fmt.Errorf("databricks webhook: model name %q is not usable", name)
	}
	if n, err := strconv.ParseUint(version, 10, 63); err != nil || n == 0 || strconv.FormatUint(n, 10) != version {
		return nil, 0, fmt.Errorf("databricks webhook: version %q is not a version number", version)
	}
	ms, err := p.EventTimestamp.Int64()
	if err != nil || ms <= 0 {
		return nil, 0, fmt.Errorf("databricks webhook: event_timestamp %q is not a time in milliseconds", p.EventTimestamp)
	}
	target, err := mlflowTarget(workspaceURL, name, version)
	if err != nil {
		return nil, 0, err
	}
	delivery := ""
	if p.WebhookID != "" {
		delivery = p.WebhookID + "/" + p.EventTimestamp.String()
	}
	return []event{{Target: target, Immutable: true, Delivery: delivery, At: time.UnixMilli(ms)}}, 0, nil
}

package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/server/store"
)

// Harbor's pluggable scanner API (Scanner Adapter API v1.0, the OpenAPI
// document of goharbor/pluggable-scanner-spec): Harbor registers the
// service as a scanner, asks it to scan an artifact (202 with the scan
// request id) and polls for a report (302 with Refresh-After until it is
// ready) in Harbor's vulnerability report format, or the raw modelgate
// report. A finding becomes a "vulnerability" whose id is the rule ID and
// whose package is the file; a file that could not be fully scanned, and a
// scan that ended without a verdict, are listed with severity Unknown, so
// that no verdict never reads as clean.
const (
	harborMetadataType = "application/vnd.scanner.adapter.metadata+json; version=1.0"
	harborScanType     = "application/vnd.scanner.adapter.scan.request+json; version=1.0"
	harborAcceptedType = "application/vnd.scanner.adapter.scan.response+json; version=1.0"
	harborReportType   = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
	harborRawType      = "application/vnd.scanner.adapter.vuln.report.raw"
	harborErrorType    = "application/vnd.scanner.adapter.error+json; version=1.0"
)

// harborRefreshAfter is how many seconds Harbor is told to wait before
// polling a report again.
const harborRefreshAfter = "5"

// harborError answers with the spec's ErrorResponse.
func harborError(w http.ResponseWriter, code int, msg string) {
	harborJSON(w, code, harborErrorType, map[string]any{"error": map[string]string{"message": msg}})
}

func harborJSON(w http.ResponseWriter, code int, mediaType string, v any) {
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) harborScannerRoutes(mux *http.ServeMux) {
	src := s.cfg.Sources.HarborScanner
	guard := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if s.authenticate(w, r, "harbor-scanner", src) {
				h(w, r)
			}
		}
	}
	mux.HandleFunc("GET /api/v1/metadata", guard(s.harborMetadata))
	mux.HandleFunc("POST /api/v1/scan", guard(s.harborScan))
	mux.HandleFunc("GET /api/v1/scan/{id}/report", guard(s.harborReport))
}

func (s *Server) harborMetadata(w http.ResponseWriter, _ *http.Request) {
	harborJSON(w, http.StatusOK, harborMetadataType, map[string]any{
		"scanner": map[string]string{"name": "modelgate", "vendor": "modelgate", "version": s.version},
		"capabilities": []map[string]any{{
			"consumes_mime_types": []string{"application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"},
			"produces_mime_types": []string{harborReportType, harborRawType},
		}},
		"properties": map[string]string{
			"harbor.scanner-adapter/scanner-type": "model-artifact",
			"env.MODELGATE_FAIL_ON":               s.cfg.FailOn,
		},
	})
}

type harborScanRequest struct {
	Registry struct {
		URL string `json:"url"`
	} `json:"registry"`
	Artifact struct {
		Repository string `json:"repository"`
		Digest     string `json:"digest"`
		Tag        string `json:"tag"`
		MimeType   string `json:"mime_type"`
	} `json:"artifact"`
}

// errHarborJSON marks a scan request that is not JSON of the right shape
// (400); any other parse error is an invalid field (422).
var errHarborJSON = errors.New("harbor scan request: not a ScanRequest")

// parseHarborScan reads a ScanRequest. The pull credential Harbor sends is
// not used or stored: the service pulls with its own credentials, so that
// no secret lands in the job store.
func (s *Server) parseHarborScan(body []byte) (event, error) {
	var req harborScanRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return event{}, fmt.Errorf("%w: %v", errHarborJSON, err)
	}
	u, err := url.Parse(req.Registry.URL)
	if err != nil || u.Host == "" {
		return event{}, fmt.Errorf("harbor scan request: registry url %q", req.Registry.URL)
	}
	host, err := s.cfg.Sources.HarborScanner.registryFor(u.Host)
	if err != nil {
		return event{}, fmt.Errorf("harbor scan request: %w", err)
	}
	target, err := ociTarget(host, req.Artifact.Repository, req.Artifact.Digest)
	if err != nil {
		return event{}, fmt.Errorf("harbor scan request: %w", err)
	}
	return event{Target: target, Digest: req.Artifact.Digest}, nil
}

// harborScan is AcceptScanRequest: it stores the job and answers 202 with
// its id, which is the scan request id Harbor polls the report with. A
// request for an artifact already scanned or queued gets that job; one
// whose last job failed gets a new job, so that Harbor can scan again.
func (s *Server) harborScan(w http.ResponseWriter, r *http.Request) {
	const source = "harbor-scanner"
	body, ok := s.readBody(w, r, source)
	if !ok {
		return
	}
	ev, err := s.parseHarborScan(body)
	if err != nil {
		s.m.rejected.WithLabelValues(source, "malformed").Inc()
		code := http.StatusUnprocessableEntity
		if errors.Is(err, errHarborJSON) {
			code = http.StatusBadRequest
		}
		harborError(w, code, err.Error())
		return
	}
	j, res, err := s.st.Enqueue(r.Context(), store.Job{Key: ev.Target, Target: ev.Target, Source: source, Digest: ev.Digest}, "")
	if err == nil && j.State == store.Failed {
		j, res, err = s.st.Enqueue(r.Context(), store.Job{Key: ev.Target + "#" + store.NewID(), Target: ev.Target, Source: source, Digest: ev.Digest}, "")
	}
	if err != nil {
		s.log.Error("store job", "source", source, "err", err)
		harborError(w, http.StatusInternalServerError, "could not store the scan request; retry")
		return
	}
	if res.Created {
		s.m.events.WithLabelValues(source, "queued").Inc()
		s.log.Info("queued scan", "source", source, "job", j.ID, "target", j.Target)
		s.notify()
	} else {
		s.m.events.WithLabelValues(source, "duplicate").Inc()
	}
	harborJSON(w, http.StatusAccepted, harborAcceptedType, map[string]string{"id": j.ID})
}

// harborVuln is one entry of Harbor's vulnerability report.
type harborVuln struct {
	ID          string   `json:"id"`
	Package     string   `json:"package"`
	Version     string   `json:"version"`
	FixVersion  string   `json:"fix_version"`
	Severity    string   `json:"severity"`
	Description string   `json:"description"`
	Links       []string `json:"links"`
}

var harborSeverity = map[formats.Severity]string{
	formats.Critical: "Critical",
	formats.High:     "High",
	formats.Medium:   "Medium",
	formats.Low:      "Low",
	formats.Info:     "Negligible",
}

var harborRank = map[string]int{"Unknown": 1, "Negligible": 2, "Low": 3, "Medium": 4, "High": 5, "Critical": 6}

func (s *Server) harborReport(w http.ResponseWriter, r *http.Request) {
	j, err := s.st.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		harborError(w, http.StatusNotFound, "no such scan request")
		return
	}
	if err != nil {
		s.log.Error("harbor report", "err", err)
		harborError(w, http.StatusInternalServerError, "store unavailable")
		return
	}
	raw := acceptsRaw(r.Header.Get("Accept"))
	switch j.State {
	case store.Queued, store.Running:
		w.Header().Set("Refresh-After", harborRefreshAfter)
		w.Header().Set("Location", r.URL.Path)
		w.WriteHeader(http.StatusFound)
		return
	case store.Failed:
		harborError(w, http.StatusInternalServerError, "scan failed: "+j.Reason)
		return
	}
	if raw && j.Result != nil {
		w.Header().Set("Content-Type", harborRawType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(j.Result.Report)
		return
	}
	var rep struct {
		Files []struct {
			Path     string            `json:"path"`
			SHA256   string            `json:"sha256"`
			Outcome  string            `json:"outcome"`
			Reason   string            `json:"reason"`
			Error    string            `json:"error"`
			Findings []formats.Finding `json:"findings"`
		} `json:"files"`
		Errors  []string `json:"errors"`
		Summary struct {
			Verdict string `json:"verdict"`
		} `json:"summary"`
	}
	if j.Result == nil || json.Unmarshal(j.Result.Report, &rep) != nil {
		harborError(w, http.StatusInternalServerError, "stored report unreadable")
		return
	}
	vulns := []harborVuln{}
	overall := ""
	add := func(v harborVuln) {
		vulns = append(vulns, v)
		if harborRank[v.Severity] > harborRank[overall] {
			overall = v.Severity
		}
	}
	for _, f := range rep.Files {
		for _, x := range f.Findings {
			sev := harborSeverity[x.Severity]
			if sev == "" {
				sev = "Unknown"
			}
			add(harborVuln{ID: x.Rule, Package: f.Path, Version: "sha256:" + f.SHA256, Severity: sev,
				Description: x.Message + " (" + x.Location + ")", Links: []string{"https://github.com/modelgate/modelgate#" + strings.ToLower(x.Rule)}})
		}
		if f.Outcome == "inconclusive" {
			add(harborVuln{ID: "modelgate-inconclusive", Package: f.Path, Version: "sha256:" + f.SHA256, Severity: "Unknown",
				Description: "not fully scanned (" + f.Reason + "): " + f.Error})
		}
	}
	for _, e := range rep.Errors {
		add(harborVuln{ID: "modelgate-inconclusive", Package: j.Target, Severity: "Unknown", Description: e})
	}
	if rep.Summary.Verdict == "no-verdict" && overall == "" {
		// Nothing in the artifact could be judged (no model file, or
		// nothing identifiable): that is not clean.
		add(harborVuln{ID: "modelgate-no-verdict", Package: j.Target, Severity: "Unknown",
			Description: "no verdict: nothing in the artifact could be judged (no file of a known model format was found)"})
	}
	if overall == "" {
		// Harbor's own scale has None for a report without entries.
		overall = "None"
	}
	repo, digest, _ := strings.Cut(strings.TrimPrefix(j.Target, "oci://"), "@")
	_, repo, _ = strings.Cut(repo, "/")
	harborJSON(w, http.StatusOK, harborReportType, map[string]any{
		"generated_at":    j.UpdatedAt.Format(time.RFC3339),
		"artifact":        map[string]string{"repository": repo, "digest": digest, "mime_type": "application/vnd.oci.image.manifest.v1+json"},
		"scanner":         map[string]string{"name": "modelgate", "vendor": "modelgate", "version": s.version},
		"severity":        overall,
		"vulnerabilities": vulns,
	})
}

// acceptsRaw reports whether an Accept header asks for the raw report
// rather than Harbor's vulnerability report.
func acceptsRaw(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case harborRawType:
			return true
		case "application/vnd.scanner.adapter.vuln.report.harbor+json":
			return false
		}
	}
	return false
}

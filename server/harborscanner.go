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

// Harbor's pluggable scanner API (Scanner Adapter API v1.0): Harbor
// registers the service as a scanner, asks it to scan an artifact and
// polls for a report in Harbor's vulnerability report format. A finding
// becomes a "vulnerability" whose id is the rule ID and whose package is
// the file; a file that could not be fully scanned is listed with
// severity Unknown, so that an inconclusive scan never reads as clean.
const (
	harborReportType = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
	harborScanType   = "application/vnd.scanner.adapter.scan.request+json; version=1.0"
)

// harborRefreshAfter is how long Harbor is told to wait before polling a
// report again.
const harborRefreshAfter = "5"

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
	mux.HandleFunc("POST /api/v1/scan", s.eventHandler("harbor-scanner", src, s.parseHarborScan))
	mux.HandleFunc("GET /api/v1/scan/{id}/report", guard(s.harborReport))
}

func (s *Server) harborMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"scanner": map[string]string{"name": "modelgate", "vendor": "modelgate", "version": s.version},
		"capabilities": []map[string]any{{
			"consumes_mime_types": []string{"application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"},
			"produces_mime_types": []string{harborReportType},
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

// parseHarborScan reads a ScanRequest. The pull credential Harbor sends is
// not used or stored: the service pulls with its own credentials, so that
// no secret lands in the job store.
func (s *Server) parseHarborScan(body []byte) ([]event, int, error) {
	var req harborScanRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, 0, fmt.Errorf("harbor scan request: %w", err)
	}
	u, err := url.Parse(req.Registry.URL)
	if err != nil || u.Host == "" {
		return nil, 0, fmt.Errorf("harbor scan request: registry url %q", req.Registry.URL)
	}
	host, err := s.cfg.Sources.HarborScanner.registryFor(u.Host)
	if err != nil {
		return nil, 0, fmt.Errorf("harbor scan request: %w", err)
	}
	target, err := ociTarget(host, req.Artifact.Repository, req.Artifact.Digest)
	if err != nil {
		return nil, 0, fmt.Errorf("harbor scan request: %w", err)
	}
	return []event{{Target: target, Digest: req.Artifact.Digest}}, 0, nil
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
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"message": "no such scan request"}})
		return
	}
	if err != nil {
		s.log.Error("harbor report", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]string{"message": "store unavailable"}})
		return
	}
	switch j.State {
	case store.Queued, store.Running:
		w.Header().Set("Refresh-After", harborRefreshAfter)
		w.Header().Set("Location", r.URL.Path)
		w.WriteHeader(http.StatusFound)
		return
	case store.Failed:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]string{"message": "scan failed: " + j.Reason}})
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
		Errors []string `json:"errors"`
	}
	if j.Result == nil || json.Unmarshal(j.Result.Report, &rep) != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]string{"message": "stored report unreadable"}})
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
	if overall == "" {
		overall = "None"
	}
	repo, digest, _ := strings.Cut(strings.TrimPrefix(j.Target, "oci://"), "@")
	_, repo, _ = strings.Cut(repo, "/")
	w.Header().Set("Content-Type", harborReportType)
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"generated_at":    j.UpdatedAt.Format(time.RFC3339),
		"artifact":        map[string]string{"repository": repo, "digest": digest, "mime_type": "application/vnd.oci.image.manifest.v1+json"},
		"scanner":         map[string]string{"name": "modelgate", "vendor": "modelgate", "version": s.version},
		"severity":        overall,
		"vulnerabilities": vulns,
	})
}

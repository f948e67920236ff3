package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch/oci"
	"github.com/modelgate/modelgate/server/store"
)

// Harbor's pluggable scanner API (Scanner Adapter API v1.2, the OpenAPI
// document of goharbor/pluggable-scanner-spec): Harbor registers the
// service as a scanner, asks it to scan an artifact (202 with the scan
// request id) and polls for a report (302 with Refresh-After until it is
// ready) in Harbor's vulnerability report format, the raw modelgate
// report, or the SBOM report, whose sbom is the CycloneDX ML-BOM the same
// scan built (the SBOM reads nothing the scan did not). Both capabilities
// are served from one scan, so a scan request's enabled_capabilities only
// rejects what cannot be served. A finding becomes a "vulnerability" whose id is the rule ID and
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
	harborSBOMType     = "application/vnd.security.sbom.report+json; version=1.0"
	// cycloneDXType is the one sbom_media_type served: SPDX has no
	// ML-BOM counterpart here.
	cycloneDXType = "application/vnd.cyclonedx+json"
)

// harborConsumes are the artifact media types both capabilities accept:
// image manifests, and the model artifact conventions the OCI fetcher
// reads (CNCF ModelPack and KitOps artifact types, Docker model config).
var harborConsumes = []string{
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	oci.ModelPackArtifact,
	oci.KitOpsArtifact,
	oci.DockerModelConfig,
}

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
			"type":                "vulnerability",
			"consumes_mime_types": harborConsumes,
			"produces_mime_types": []string{harborReportType, harborRawType},
		}, {
			"type":                  "sbom",
			"consumes_mime_types":   harborConsumes,
			"produces_mime_types":   []string{harborSBOMType},
			"additional_attributes": map[string][]string{"sbom_media_types": {cycloneDXType}},
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
	EnabledCapabilities []struct {
		Type       string   `json:"type"`
		Produces   []string `json:"produces_mime_types"`
		Parameters *struct {
			SBOMMediaTypes []string `json:"sbom_media_types"`
		} `json:"parameters"`
	} `json:"enabled_capabilities"`
}

// checkCapabilities rejects a scan request that enables a capability, a
// report type or an SBOM format this scanner does not produce, so that
// Harbor learns it now rather than when it polls the report.
func (req *harborScanRequest) checkCapabilities() error {
	for _, c := range req.EnabledCapabilities {
		var produces []string
		switch c.Type {
		case "vulnerability":
			produces = []string{harborReportType, harborRawType}
		case "sbom":
			produces = []string{harborSBOMType}
			if c.Parameters != nil && len(c.Parameters.SBOMMediaTypes) > 0 && !slices.Contains(c.Parameters.SBOMMediaTypes, cycloneDXType) {
				return fmt.Errorf("harbor scan request: sbom_media_types %q: only %s is produced", c.Parameters.SBOMMediaTypes, cycloneDXType)
			}
		default:
			return fmt.Errorf("harbor scan request: capability type %q: want vulnerability or sbom", c.Type)
		}
		for _, mt := range c.Produces {
			if !slices.Contains(produces, mt) {
				return fmt.Errorf("harbor scan request: %s capability does not produce %q", c.Type, mt)
			}
		}
	}
	return nil
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
	if err := req.checkCapabilities(); err != nil {
		return event{}, err
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
	want := acceptedReport(r.Header.Get("Accept"))
	if want == harborSBOMType {
		// Asked before the job's state: a request Harbor cannot be
		// answered is 400 whether or not the scan has finished.
		switch mt := r.URL.Query().Get("sbom_media_type"); mt {
		case cycloneDXType:
		case "":
			harborError(w, http.StatusBadRequest, "an SBOM report needs ?sbom_media_type="+cycloneDXType)
			return
		default:
			harborError(w, http.StatusBadRequest, "sbom_media_type "+strconv.Quote(mt)+": only "+cycloneDXType+" is produced")
			return
		}
	}
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
	if want == harborRawType && j.Result != nil {
		w.Header().Set("Content-Type", harborRawType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(j.Result.Report)
		return
	}
	repo, digest := harborArtifact(j.Target)
	if want == harborSBOMType {
		if j.Result == nil || len(j.Result.BOM) == 0 || !json.Valid(j.Result.BOM) {
			harborError(w, http.StatusInternalServerError, "stored BOM unreadable")
			return
		}
		harborJSON(w, http.StatusOK, harborSBOMType, map[string]any{
			"generated_at":      j.UpdatedAt.Format(time.RFC3339),
			"artifact":          map[string]string{"repository": repo, "digest": digest, "mime_type": "application/vnd.oci.image.manifest.v1+json"},
			"scanner":           map[string]string{"name": "modelgate", "vendor": "modelgate", "version": s.version},
			"vendor_attributes": map[string]string{"spec-version": "1.6", "create-by": "modelgate"},
			"media_type":        cycloneDXType,
			"sbom":              j.Result.BOM,
		})
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
	harborJSON(w, http.StatusOK, harborReportType, map[string]any{
		"generated_at":    j.UpdatedAt.Format(time.RFC3339),
		"artifact":        map[string]string{"repository": repo, "digest": digest, "mime_type": "application/vnd.oci.image.manifest.v1+json"},
		"scanner":         map[string]string{"name": "modelgate", "vendor": "modelgate", "version": s.version},
		"severity":        overall,
		"vulnerabilities": vulns,
	})
}

// harborArtifact splits a job's oci://host/repo@digest target into the
// repository and digest Harbor names the artifact by.
func harborArtifact(target string) (repo, digest string) {
	repo, digest, _ = strings.Cut(strings.TrimPrefix(target, "oci://"), "@")
	_, repo, _ = strings.Cut(repo, "/")
	return repo, digest
}

// acceptedReport returns the report type an Accept header asks for: the
// raw report, the SBOM report, or else Harbor's vulnerability report.
func acceptedReport(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case harborRawType:
			return harborRawType
		case "application/vnd.security.sbom.report+json":
			return harborSBOMType
		case "application/vnd.scanner.adapter.vuln.report.harbor+json", "application/vnd.security.vulnerability.report":
			return harborReportType
		}
	}
	return harborReportType
}

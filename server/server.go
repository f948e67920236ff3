// Package server is the webhook service behind `modelgate serve`: it
// receives push events from OCI registries (CNCF Distribution, Harbor)
// and Hugging Face, and scan requests over a small HTTP API; it turns each
// into a durable job (keyed by registry, repository and digest for an OCI
// artifact; a result is filed under the digest the fetcher verified),
// scans jobs with a bounded worker pool through the same fetchers, engine
// and BOM builder as `modelgate scan`, stores the verdict, findings, BOM and
// signature outcomes, and attaches the BOM and report to OCI artifacts as
// referrers. It never loads or executes a model, never answers 2xx before
// an event's job is stored, and never logs a secret.
package server

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/cache"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
	"github.com/modelgate/modelgate/server/store"
	"github.com/modelgate/modelgate/signatures"
)

// Server is one replica of the service.
type Server struct {
	cfg     Config
	log     *slog.Logger
	st      store.Store
	m       *metrics
	failOn  formats.Severity
	version string
	// cacheVersion is the result cache's key version (build and policy),
	// "" when there is no cache.
	cacheVersion string
	id           string // worker id prefix, unique per process
	wake         chan struct{}
	lock         *os.File // the SQLite data directory's lock
	// transport carries every request to a registry, the Hub or a URL,
	// through the address policy.
	transport http.RoundTripper
	// now is the clock; tests replace it.
	now func() time.Time
	// attestKey signs the attestations of scanned OCI artifacts; nil
	// means none are attached.
	attestKey crypto.Signer
}

// New opens the store the configuration names and returns a server ready
// to Run. With SQLite, it locks the data directory (one process per
// directory) and requeues jobs a previous process left running.
func New(ctx context.Context, cfg Config, log *slog.Logger, version string) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	enabled := 0
	for _, src := range cfg.sourceSecrets() {
		if src.secret != "" {
			enabled++
			continue
		}
		log.Warn("event source disabled: no secret configured", "source", src.name, "endpoint", src.endpoint,
			"configure", "sources."+src.name+".secret")
	}
	if enabled == 0 && !cfg.AllowNoSources {
		return nil, ErrNoSources
	}
	s := &Server{cfg: cfg, log: log, version: version, wake: make(chan struct{}, 1), now: time.Now}
	s.failOn, _ = formats.ParseSeverity(cfg.FailOn)
	if cfg.AttestKey != "" {
		if s.attestKey, err = signatures.LoadPrivateKeyPassword(cfg.AttestKey, []byte(os.Getenv("COSIGN_PASSWORD"))); err != nil {
			return nil, fmt.Errorf("attest_key: %w", err)
		}
	}
	if !cfg.NoCache {
		if build, err := cache.BuildID(version); err != nil {
			log.Warn("no result cache: cannot identify this build", "err", err)
		} else {
			s.cacheVersion = cache.KeyVersion(build, servePolicySHA256(cfg))
		}
	}
	g, err := newDialGuard(cfg)
	if err != nil {
		return nil, err
	}
	// The stall guard covers the service's own requests too (referrers,
	// signatures, MLflow), not only the fetchers'.
	s.transport = remote.StallGuard(g.transport(), max(cfg.StallTimeout, 0))
	host, _ := os.Hostname()
	s.id = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), store.NewID()[:6])
	postgres := strings.HasPrefix(cfg.Database, "postgres://") || strings.HasPrefix(cfg.Database, "postgresql://")
	if !postgres {
		if err := os.MkdirAll(filepath.Dir(cfg.Database), 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		if s.lock, err = lockFile(cfg.Database + ".lock"); err != nil {
			return nil, err
		}
	}
	commits := newCommitMetrics()
	s.st, err = store.Open(ctx, cfg.Database, store.ObserveGroups(commits.observe))
	if err != nil {
		s.unlock()
		return nil, err
	}
	if !postgres {
		// This process holds the data directory: whatever was running
		// belonged to a process that is gone.
		n, err := s.st.RecoverRunning(ctx)
		if err != nil {
			s.Close()
			return nil, err
		}
		if n > 0 {
			log.Info("requeued jobs left running by a previous process", "jobs", n)
		}
	}
	s.m = newMetrics(s.st, commits)
	return s, nil
}

// servePolicySHA256 stands for the policy file of `modelgate scan` in the
// result cache's keys: the service has none, and judges by its fail_on.
func servePolicySHA256(cfg Config) string {
	sum := sha256.Sum256([]byte("modelgate serve\x00fail_on " + cfg.FailOn))
	return hex.EncodeToString(sum[:])
}

func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: another modelgate serve uses this data directory (use PostgreSQL for several replicas): %w", path, err)
	}
	return f, nil
}

func (s *Server) unlock() {
	if s.lock != nil {
		s.lock.Close()
		s.lock = nil
	}
}

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.st }

// Close closes the store and releases the data directory.
func (s *Server) Close() error {
	err := s.st.Close()
	s.unlock()
	return err
}

// Run serves HTTP on ln (or on the configured address when ln is nil) and
// runs the workers until ctx is done, then shuts down gracefully: it stops
// accepting requests, lets running scans finish for ShutdownGrace and puts
// the rest back in the queue.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("modelgate serve listening", "addr", ln.Addr().String(), "workers", s.cfg.Workers, "store", storeKind(s.cfg.Database))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { s.RunWorkers(ctx) })
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		cancel()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func storeKind(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "postgres"
	}
	return "sqlite " + dsn
}

// Handler returns the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events/distribution", s.eventHandler("distribution", s.cfg.Sources.Distribution, func(b []byte) ([]event, int, error) {
		evs, ignored, err := parseDistribution(b, s.cfg.Sources.Distribution)
		if err != nil {
			return nil, 0, err
		}
		evs, ignored = s.passOverCosign(evs, ignored)
		return evs, ignored, nil
	}))
	mux.HandleFunc("POST /v1/events/harbor", s.eventHandler("harbor", s.cfg.Sources.Harbor, func(b []byte) ([]event, int, error) {
		return parseHarbor(b, s.cfg.Sources.Harbor)
	}))
	mux.HandleFunc("POST /v1/events/huggingface", s.eventHandler("huggingface", s.cfg.Sources.HuggingFace, parseHuggingFace))
	mux.HandleFunc("POST /v1/events/mlflow", s.mlflowHandler)
	mux.HandleFunc("POST /v1/events/databricks", s.databricksHandler)
	mux.HandleFunc("POST /v1/scans", s.eventHandler("api", s.cfg.Sources.API, s.parseScanRequest))
	mux.HandleFunc("GET /v1/scans/{id}", s.authed("api", s.getScan))
	mux.HandleFunc("GET /v1/scans", s.authed("api", s.listScans))
	mux.HandleFunc("GET /v1/artifacts/{digest}", s.authed("api", s.getArtifact))
	s.harborScannerRoutes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{}))
	return mux
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// secretsOf extracts the credentials a request presents for a source.
func secretsOf(source string, r *http.Request) []string {
	auth := r.Header.Get("Authorization")
	bearer, isBearer := strings.CutPrefix(auth, "Bearer ")
	switch source {
	case "huggingface":
		// Header only: proxies and access logs keep query strings.
		if v := r.Header.Get("X-Webhook-Secret"); v != "" {
			return []string{v}
		}
		return nil
	case "harbor", "harbor-scanner":
		// Harbor sends its configured header value verbatim: accept it
		// whole or without a Bearer prefix.
		if isBearer {
			return []string{auth, bearer}
		}
		if auth != "" {
			return []string{auth}
		}
		return nil
	}
	if isBearer && bearer != "" {
		return []string{bearer}
	}
	return nil
}

// checkSecret compares in constant time; hashing first keeps the time
// independent of the lengths too.
func checkSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1 && want != ""
}

// authenticate answers 404 for a disabled source and 401 for a missing or
// wrong secret, logging the source and peer but never the secret.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, source string, src Source) bool {
	if src.Secret == "" {
		s.m.rejected.WithLabelValues(source, "disabled").Inc()
		http.Error(w, source+" is not enabled on this server", http.StatusNotFound)
		return false
	}
	got := secretsOf(source, r)
	ok := false
	for _, g := range got {
		// Every candidate is compared, so that timing does not say which
		// form matched.
		if checkSecret(g, src.Secret) {
			ok = true
		}
	}
	if ok {
		return true
	}
	reason := "wrong secret"
	if len(got) == 0 {
		reason = "missing secret"
	}
	s.m.rejected.WithLabelValues(source, "unauthorized").Inc()
	s.log.Warn("rejected request", "source", source, "reason", reason, "remote", r.RemoteAddr, "path", r.URL.Path)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": reason})
	return false
}

func (s *Server) authed(source string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.authenticate(w, r, source, s.cfg.Sources.API) {
			h(w, r)
		}
	}
}

// signedBody reads the body of a webhook signed with an HMAC over it
// (MLflow, Databricks): 404 when the source is disabled, 413 beyond
// MaxBodyBytes, 401 unless signed reports the header's signature valid.
// signed returns the signature it checked, so that a missing one is told
// apart from a wrong one in the answer and the log.
func (s *Server) signedBody(w http.ResponseWriter, r *http.Request, source, secret string, signed func(body []byte) (sig string, ok bool)) ([]byte, bool) {
	if secret == "" {
		s.m.rejected.WithLabelValues(source, "disabled").Inc()
		http.Error(w, source+" is not enabled on this server", http.StatusNotFound)
		return nil, false
	}
	body, ok := s.readBody(w, r, source)
	if !ok {
		return nil, false
	}
	if sig, ok := signed(body); !ok {
		reason := "wrong signature"
		if sig == "" {
			reason = "missing signature"
		}
		s.m.rejected.WithLabelValues(source, "unauthorized").Inc()
		s.log.Warn("rejected request", "source", source, "reason", reason, "remote", r.RemoteAddr, "path", r.URL.Path)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": reason})
		return nil, false
	}
	return body, true
}

// malformed answers 400 for a payload its source's parser refused.
func (s *Server) malformed(w http.ResponseWriter, r *http.Request, source string, err error) {
	s.m.rejected.WithLabelValues(source, "malformed").Inc()
	s.log.Warn("malformed payload", "source", source, "remote", r.RemoteAddr, "err", err)
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
}

// readBody reads at most MaxBodyBytes, answering 413 beyond.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, source string) ([]byte, bool) {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		s.m.rejected.WithLabelValues(source, "too-large").Inc()
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", s.cfg.MaxBodyBytes)})
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.m.rejected.WithLabelValues(source, "too-large").Inc()
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", s.cfg.MaxBodyBytes)})
		return nil, false
	}
	if err != nil {
		s.m.rejected.WithLabelValues(source, "read-error").Inc()
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "read body: " + err.Error()})
		return nil, false
	}
	return b, true
}

// accepted is one job in an event response.
type accepted struct {
	ID      string      `json:"id"`
	Target  string      `json:"target"`
	State   store.State `json:"state"`
	Created bool        `json:"created"`
}

// eventHandler authenticates, bounds and parses a payload, then accepts
// its events.
func (s *Server) eventHandler(source string, src Source, parse func([]byte) ([]event, int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if !s.authenticate(w, r, source, src) {
			return
		}
		body, ok := s.readBody(w, r, source)
		if !ok {
			return
		}
		evs, ignored, err := parse(body)
		if err != nil {
			s.malformed(w, r, source, err)
			return
		}
		s.accept(w, r, source, evs, ignored, start)
	}
}

// accept stores one job per event before answering 202. A delivery id
// seen before, or an event older than the replay window, creates nothing.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, source string, evs []event, ignored int, start time.Time) {
	now := s.now()
	for _, e := range evs {
		if !e.At.IsZero() && (now.Sub(e.At) > s.cfg.ReplayWindow || e.At.Sub(now) > 5*time.Minute) {
			s.m.rejected.WithLabelValues(source, "stale").Inc()
			s.log.Warn("rejected event outside the replay window", "source", source, "remote", r.RemoteAddr, "delivery", e.Delivery, "event_time", e.At)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "event timestamp outside the replay window"})
			return
		}
	}
	resp := struct {
		Jobs       []accepted `json:"jobs"`
		Duplicates int        `json:"duplicates"`
		Ignored    int        `json:"ignored"`
	}{Jobs: []accepted{}, Ignored: ignored}
	// One transaction for the payload: a Distribution envelope carries
	// many events, and its 2xx says all of them are stored.
	batch := make([]store.Pending, len(evs))
	for i, ev := range evs {
		// Only an immutable reference dedupes: a tag or a path may
		// name other bytes next time.
		key := ev.Target
		if ev.Digest == "" && !ev.Immutable {
			key += "#" + store.NewID()
		}
		batch[i] = store.Pending{Job: store.Job{Key: key, Target: ev.Target, Source: source, Digest: ev.Digest}, Delivery: ev.Delivery}
	}
	jobs, outcomes, err := s.st.EnqueueBatch(r.Context(), batch)
	if err != nil {
		s.log.Error("store jobs", "source", source, "events", len(batch), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "could not store the jobs; retry"})
		return
	}
	created := false
	for i, j := range jobs {
		res, ev := outcomes[i], evs[i]
		switch {
		case res.Created:
			created = true
			s.m.events.WithLabelValues(source, "queued").Inc()
			s.log.Info("queued scan", "source", source, "job", j.ID, "target", j.Target, "delivery", ev.Delivery)
		case res.Replayed:
			s.m.events.WithLabelValues(source, "replayed").Inc()
			s.log.Info("ignored a delivery seen before", "source", source, "job", j.ID, "delivery", ev.Delivery)
		default:
			s.m.events.WithLabelValues(source, "duplicate").Inc()
		}
		if !res.Created {
			resp.Duplicates++
		}
		resp.Jobs = append(resp.Jobs, accepted{ID: j.ID, Target: j.Target, State: j.State, Created: res.Created})
	}
	if ignored > 0 {
		s.m.events.WithLabelValues(source, "ignored").Add(float64(ignored))
	}
	if created {
		s.notify()
	}
	s.m.accept.Observe(time.Since(start).Seconds())
	writeJSON(w, http.StatusAccepted, resp)
}

// maxTarget caps the length of a target in a scan request.
const maxTarget = 2048

// parseScanRequest reads POST /v1/scans {"target": "..."}.
func (s *Server) parseScanRequest(body []byte) ([]event, int, error) {
	var req struct {
		Target string `json:"target"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, 0, fmt.Errorf("scan request: %w", err)
	}
	t := strings.TrimSpace(req.Target)
	if t == "" || len(t) > maxTarget || strings.ContainsAny(t, "\x00\n\r") {
		return nil, 0, fmt.Errorf("scan request: want a target (oci://, hf://, s3://, https://) of at most %d bytes", maxTarget)
	}
	if !strings.Contains(t, "://") && !s.cfg.AllowLocalTargets {
		return nil, 0, fmt.Errorf("scan request: local paths are not allowed on this server (allow_local_targets)")
	}
	if strings.HasPrefix(t, "file://") && !s.cfg.AllowLocalTargets {
		return nil, 0, fmt.Errorf("scan request: local paths are not allowed on this server (allow_local_targets)")
	}
	// The service's MLflow credentials are for its tracking servers only.
	if scheme, rest, _ := strings.Cut(t, "://"); strings.HasPrefix(strings.ToLower(scheme), "mlflow") {
		host, _, _ := strings.Cut(rest, "/")
		known := false
		for _, uri := range []string{s.cfg.Sources.MLflow.TrackingURI, s.cfg.Sources.Databricks.TrackingURI} {
			u, err := url.Parse(uri)
			known = known || (err == nil && u.Host != "" && strings.EqualFold(host, u.Host))
		}
		if !known {
			return nil, 0, fmt.Errorf("scan request: mlflow targets must name this server's MLflow tracking server (sources.mlflow.tracking_uri) or Databricks workspace (sources.databricks.tracking_uri)")
		}
	}
	// A request names a target, never the key or the digest its result
	// is filed under: those come from what the fetcher verifies (see
	// scan). Only an OCI reference by digest, which the fetcher checks
	// against the manifest bytes, is keyed by registry, repository and
	// digest while it waits, so repeated requests share one job.
	ev := event{Target: t}
	if rest, ok := strings.CutPrefix(t, "oci://"); ok {
		if d, err := name.NewDigest(rest); err == nil && ociDigest.MatchString(d.DigestStr()) {
			ev.Target, ev.Digest = "oci://"+d.Context().Name()+"@"+d.DigestStr(), d.DigestStr()
		}
	}
	return []event{ev}, 0, nil
}

func (s *Server) getScan(w http.ResponseWriter, r *http.Request) {
	j, err := s.st.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such scan"})
		return
	}
	if err != nil {
		s.log.Error("get scan", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) listScans(w http.ResponseWriter, r *http.Request) {
	d := r.URL.Query().Get("digest")
	if d == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want ?digest=sha256:... or a commit sha"})
		return
	}
	jobs, err := s.st.ByDigest(r.Context(), d, false)
	if err != nil {
		s.log.Error("list scans", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable"})
		return
	}
	if jobs == nil {
		jobs = []store.Job{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"scans": jobs})
}

// getArtifact answers with the latest finished result of a digest: its
// verdict, findings counts, BOM and signature outcomes.
func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	d := r.PathValue("digest")
	jobs, err := s.st.ByDigest(r.Context(), d, true)
	if err != nil {
		s.log.Error("get artifact", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable"})
		return
	}
	// ?repository=host/name narrows the results to that registry and
	// repository: the same digest elsewhere is other signatures and
	// other referrers.
	if repo := r.URL.Query().Get("repository"); repo != "" {
		jobs = slices.DeleteFunc(jobs, func(j store.Job) bool {
			pinned := j.Target
			if j.Result != nil && j.Result.Pinned != "" {
				pinned = j.Result.Pinned
			}
			return !strings.HasPrefix(pinned, "oci://"+repo+"@")
		})
	}
	if len(jobs) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no scan of this digest"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"digest": d, "scans": jobs})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// notify wakes one idle worker.
func (s *Server) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

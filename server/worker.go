package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all" // every analyzer
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/bom"
	"github.com/modelgate/modelgate/scanner/fetch"
	_ "github.com/modelgate/modelgate/scanner/fetch/all" // every fetcher
	"github.com/modelgate/modelgate/scanner/fetch/remote"
	"github.com/modelgate/modelgate/scanner/policy"
	"github.com/modelgate/modelgate/scanner/report"
	"github.com/modelgate/modelgate/server/store"
	"github.com/modelgate/modelgate/signatures"
)

// RunWorkers scans jobs until ctx is done. It then stops claiming, gives
// running scans ShutdownGrace to finish and puts the others back in the
// queue.
func (s *Server) RunWorkers(ctx context.Context) {
	// Scans run under their own context so that shutdown can let them
	// finish after ctx is done.
	scanCtx, stopScans := context.WithCancel(context.WithoutCancel(ctx))
	defer stopScans()
	var wg sync.WaitGroup
	for i := range s.cfg.Workers {
		wg.Go(func() { s.worker(ctx, scanCtx, fmt.Sprintf("%s/%d", s.id, i)) })
	}
	go s.pruneLoop(ctx)
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(s.cfg.ShutdownGrace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	s.log.Info("shutdown grace over: requeueing running scans")
	stopScans()
	<-done
}

// cacheTTL is how long a result cache entry is kept: entries of earlier
// builds or policies are never read again, and a file still pushed is
// scanned afresh once in that time.
const cacheTTL = 30 * 24 * time.Hour

func (s *Server) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.st.PruneDeliveries(ctx, s.now().Add(-s.cfg.ReplayWindow)); err != nil && ctx.Err() == nil {
				s.log.Warn("prune delivery ids", "err", err)
			}
			if err := s.st.PruneCache(ctx, s.now().Add(-cacheTTL)); err != nil && ctx.Err() == nil {
				s.log.Warn("prune the result cache", "err", err)
			}
		}
	}
}

func (s *Server) worker(ctx, scanCtx context.Context, id string) {
	for ctx.Err() == nil {
		j, err := s.st.Claim(ctx, id, s.now(), s.cfg.Lease)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("claim a job", "worker", id, "err", err)
		}
		if j == nil {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			case <-time.After(s.cfg.Poll):
			}
			continue
		}
		s.process(scanCtx, id, j)
	}
}

// reasonOf is the text of err fit to store as a job's reason: what an
// origin said in an error body or message is replaced by its status code,
// so that a sender who points the service at an address cannot read the
// answer back through GET /v1/scans.
func reasonOf(err error) string {
	msg := err.Error()
	var te *transport.Error
	if errors.As(err, &te) {
		if i := strings.Index(msg, te.Error()); i >= 0 {
			msg = msg[:i] + fmt.Sprintf("the registry answered %d %s", te.StatusCode, http.StatusText(te.StatusCode))
		}
	}
	var se *remote.StatusError
	if errors.As(err, &se) && se.Message != "" {
		msg = strings.ReplaceAll(msg, ": "+se.Message, "")
	}
	return msg
}

// errRetry marks a failure worth another attempt (the origin could not be
// reached); anything else ends the job failed.
type errRetry struct{ err error }

func (e *errRetry) Error() string { return e.err.Error() }
func (e *errRetry) Unwrap() error { return e.err }

// errJobTimeout is the cause of a scan stopped at job_timeout.
var errJobTimeout = errors.New("job_timeout reached")

// process runs one attempt of j and records how it ended.
func (s *Server) process(ctx context.Context, worker string, j *store.Job) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := s.log.With("job", j.ID, "target", j.Target, "attempt", j.Attempts)
	log.Info("scanning")
	var hb sync.WaitGroup
	hb.Go(func() { s.heartbeat(ctx, cancel, worker, j.ID, log) })
	start := time.Now()
	jctx, jcancel := ctx, context.CancelFunc(func() {})
	if s.cfg.JobTimeout > 0 {
		jctx, jcancel = context.WithTimeoutCause(ctx, s.cfg.JobTimeout, errJobTimeout)
	}
	res, err := s.scan(jctx, j, log)
	jcancel()
	s.m.scanTime.Observe(time.Since(start).Seconds())
	interrupted := ctx.Err() != nil
	if err != nil && !interrupted && errors.Is(context.Cause(jctx), errJobTimeout) {
		// Not retried: a target that held a worker this long would hold
		// it again on every attempt.
		err = fmt.Errorf("timeout: the scan did not end within job_timeout %s", s.cfg.JobTimeout)
	}
	cancel()
	hb.Wait()

	// Outcomes are written even while shutting down, under a short
	// context of their own.
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	var rerr *errRetry
	var serr error
	switch {
	case interrupted:
		s.m.scans.WithLabelValues("released").Inc()
		serr = s.st.Release(wctx, j.ID, worker)
		log.Info("scan interrupted: job back in the queue")
	case err == nil:
		s.m.scans.WithLabelValues("done").Inc()
		serr = s.st.Complete(wctx, j.ID, worker, *res)
		log.Info("scan done", "verdict", res.Verdict, "findings", res.BySeverity, "duration", time.Since(start).Round(time.Millisecond))
	case errors.As(err, &rerr) && j.Attempts < s.cfg.MaxAttempts:
		s.m.scans.WithLabelValues("retry").Inc()
		next := s.now().Add(s.backoff(j.Attempts))
		serr = s.st.Retry(wctx, j.ID, worker, reasonOf(err), next)
		log.Warn("scan attempt failed: will retry", "err", err, "next", next)
	default:
		s.m.scans.WithLabelValues("failed").Inc()
		serr = s.st.Fail(wctx, j.ID, worker, reasonOf(err))
		log.Warn("scan failed", "err", err)
		if tagsVerdict(j.Source) {
			if terr := s.tagMLflow(wctx, j.Target, "no-verdict"); terr != nil {
				log.Warn("could not tag the model version inconclusive", "err", terr)
			}
		}
	}
	if serr != nil {
		log.Error("record job outcome", "err", serr)
	}
}

// heartbeat renews the lease while the scan runs and stops the scan when
// the lease is lost to another replica.
func (s *Server) heartbeat(ctx context.Context, stop context.CancelFunc, worker, id string, log *slog.Logger) {
	t := time.NewTicker(s.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := s.st.Extend(ctx, id, worker, s.now().Add(s.cfg.Lease))
			if errors.Is(err, store.ErrLost) {
				log.Warn("lease lost: stopping the scan", "err", err)
				stop()
				return
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("renew lease", "err", err)
			}
		}
	}
}

func (s *Server) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

// scan fetches and scans a job's target the way `modelgate scan` does,
// checks its signature when configured, builds the BOM and attaches the
// BOM and report to an OCI artifact.
func (s *Server) scan(ctx context.Context, j *store.Job, log *slog.Logger) (*store.Result, error) {
	fo := fetch.Options{HFEndpoint: s.cfg.HFEndpoint, Transport: s.transport, Policed: true, StallTimeout: s.cfg.StallTimeout}
	src, err := fetch.Open(ctx, j.Target, fo)
	var ue *fetch.ErrUsage
	if errors.As(err, &ue) {
		return nil, fmt.Errorf("target: %w", err)
	}
	if err != nil {
		return nil, &errRetry{fmt.Errorf("fetch: %w", err)}
	}
	opts := scanner.Options{Jobs: s.cfg.ScanJobs, FailOn: s.failOn, Version: s.version}
	if s.cacheVersion != "" {
		opts.Cache, opts.CacheVersion = &dbCache{ctx: ctx, st: s.st, log: log}, s.cacheVersion
	}
	rep, err := scanner.Scan(ctx, []scanner.Target{{Name: j.Target, Source: src}}, opts)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	// A target that could not be walked is worth another try while
	// attempts remain; on the last one its no-verdict report is kept.
	if len(rep.Errors) > 0 && j.Attempts < s.cfg.MaxAttempts {
		return nil, &errRetry{fmt.Errorf("fetch: %s", strings.Join(rep.Errors, "; "))}
	}
	pinned := fetch.PinnedRef(src)
	if pinned == "" {
		pinned = j.Target
	}

	// A configured signature is a required one: anything but verified
	// fails the verdict (MG091), as --require-signature does.
	var sig *signatures.Result
	if strings.HasPrefix(pinned, "oci://") && s.signatureConfigured() {
		r, err := s.verifyOCI(ctx, pinned)
		if err != nil {
			return nil, err
		}
		sig = &r
		rep.Signatures = append(rep.Signatures, scanner.SignatureOutcome{
			Target: j.Target, Status: string(r.Status), Reason: r.Reason, Method: r.Method,
			Identity: r.Identity, Issuer: r.Issuer, LogIndex: r.LogIndex, SignedAt: r.SignedAt,
			Signature: r.Signature, RequiredBy: "serve configuration",
		})
		if r.Status != signatures.Verified {
			f := formats.NewFinding(policy.RuleSignatureRequired, formats.NoOffset,
				"signature required by the service configuration: %s: %s", r.Status, r.Reason).At(max(formats.High, s.failOn))
			f.Location = pinned
			rep.Files = append(rep.Files, scanner.FileResult{Path: pinned, Outcome: scanner.Findings, Findings: []formats.Finding{f}})
			rep.Summarize()
		}
	}
	res := &store.Result{Verdict: rep.Summary.Verdict, ExitCode: rep.Summary.ExitCode, BySeverity: rep.Summary.BySeverity, Bytes: rep.Summary.Bytes, Pinned: pinned, Digest: verifiedDigest(src)}
	var fetched int64
	for _, f := range rep.Files {
		if f.Cached {
			res.Cached++
		} else {
			fetched += f.Size
		}
	}
	s.m.fetched.Add(float64(fetched))
	for sev, n := range rep.Summary.BySeverity {
		s.m.findings.WithLabelValues(sev).Add(float64(n))
	}

	if sig != nil {
		var err error
		if res.Signatures, err = json.Marshal([]signatures.Result{*sig}); err != nil {
			return nil, fmt.Errorf("encode signature outcome: %w", err)
		}
	}

	var rb bytes.Buffer
	if err := report.WriteJSON(&rb, rep); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	res.Report = rb.Bytes()
	b, err := bom.Build(ctx, rep, bom.Options{PURL: purlOf(pinned), Revision: pinned, Signature: sig})
	if err != nil {
		return nil, fmt.Errorf("build BOM: %w", err)
	}
	var bb bytes.Buffer
	if err := bom.Encode(&bb, b, "json"); err != nil {
		return nil, err
	}
	res.BOM = bb.Bytes()

	if strings.HasPrefix(pinned, "oci://") && !s.cfg.NoReferrers {
		refs, err := s.attach(ctx, pinned, res.BOM, res.Report)
		switch {
		case err != nil:
			// The verdict stands without its referrers; the job says why
			// they are missing.
			s.m.referrers.WithLabelValues("error").Inc()
			res.ReferrerError = reasonOf(err)
			log.Warn("attach referrers", "err", err)
		case len(refs) > 0:
			s.m.referrers.WithLabelValues("attached").Add(float64(len(refs)))
		}
		res.Referrers = refs
	}
	if strings.HasPrefix(pinned, "oci://") && s.attestKey != nil {
		att, err := s.attest(ctx, pinned, rep, res.BOM)
		switch {
		case err != nil:
			// As with referrers, the verdict stands; the job says why the
			// attestations are missing.
			s.m.referrers.WithLabelValues("error").Inc()
			res.ReferrerError = strings.TrimPrefix(strings.Join([]string{res.ReferrerError, reasonOf(err)}, "; "), "; ")
			log.Warn("attach attestations", "err", err)
		case att != "":
			s.m.referrers.WithLabelValues("attested").Add(2)
			res.Referrers = append(res.Referrers, att)
		}
	}
	// A deployment job reads the verdict from the tag: without it the
	// scan has not delivered, and is tried again.
	if tagsVerdict(j.Source) {
		if err := s.tagMLflow(ctx, j.Target, res.Verdict); err != nil {
			return nil, &errRetry{err}
		}
		log.Info("tagged the model version", "tag", MLflowVerdictTag, "verdict", mlflowVerdict(res.Verdict))
	}
	return res, nil
}

// dbCache is the scanner's result cache in the service's database. The
// scanner derives the keys and decides what may be kept and reused: only
// complete verdicts on bytes the scan itself hashed, so a layer's entry is
// only ever filed under a digest this service verified. A damaged entry
// is a miss; a database error is one too, after a warning.
type dbCache struct {
	ctx context.Context
	st  store.Store
	log *slog.Logger
}

func (c *dbCache) Get(key string) ([]byte, bool) {
	b, ok, err := c.st.CachedResult(c.ctx, key)
	if err != nil {
		c.log.Warn("result cache", "err", err)
	}
	return b, ok
}

func (c *dbCache) Put(key string, value []byte) error {
	err := c.st.CacheResult(c.ctx, key, value)
	if err != nil {
		c.log.Warn("result cache", "err", err)
	}
	return err
}

// verifiedDigest is the digest a result is filed under: the manifest
// digest an OCI fetcher hashed, or the commit a whole Hugging Face
// repository was resolved to; "" for anything else (a URL, an object, one
// file of a repository), whatever text its target holds after an "@".
func verifiedDigest(src fetch.Source) string {
	p := fetch.PinnedRef(src)
	switch {
	case strings.HasPrefix(p, "oci://"):
		return immutableDigest(p)
	case strings.HasPrefix(p, "hf://"):
		_, rev, ok := strings.Cut(strings.TrimPrefix(p, "hf://"), "@")
		if ok && gitSHA.MatchString(rev) {
			return rev
		}
	}
	return ""
}

// purlOf names a pinned target as a package URL.
func purlOf(pinned string) string {
	switch {
	case strings.HasPrefix(pinned, "hf://"):
		repo, rev, ok := strings.Cut(strings.TrimPrefix(pinned, "hf://"), "@")
		if !ok {
			return ""
		}
		rev, _, _ = strings.Cut(rev, "/")
		return "pkg:huggingface/" + repo + "@" + rev
	case strings.HasPrefix(pinned, "oci://"):
		rest := strings.TrimPrefix(pinned, "oci://")
		repo, digest, ok := strings.Cut(rest, "@")
		if !ok {
			return ""
		}
		host, path, _ := strings.Cut(repo, "/")
		last := path[strings.LastIndex(path, "/")+1:]
		return "pkg:oci/" + last + "@" + strings.ReplaceAll(digest, ":", "%3A") + "?repository_url=" + host + "/" + path
	}
	return ""
}

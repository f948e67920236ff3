package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/bom"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/signatures"
)

type scanOptions struct {
	Targets []string
	Format  string
	Output  string
	// Reports are more FORMAT=FILE outputs of the same scan.
	Reports []string
	// BOM names a file for the CycloneDX ML-BOM of the same scan.
	BOM    string
	FailOn string
	Quiet  bool
	Jobs   int
	// Progress forces the progress display on or off; nil means "on
	// when stderr is a terminal".
	Progress *bool
	Fetch    fetch.Options
	// Timeout, when > 0, is the deadline of the whole scan.
	Timeout    time.Duration
	Cache      cacheOptions
	Gate       gateOptions
	Provenance provenanceOptions
}

func newScanCmd() *cobra.Command {
	var o scanOptions
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Scan model files and directories",
		Long: "Scan model files and directories for code-execution payloads and malformed structure.\n\n" +
			"Exit codes: 0 nothing at or above --fail-on; 1 a finding at or above --fail-on;\n" +
			"2 no verdict (a file could not be fully read, or nothing was scanned); 3 usage error.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("scan needs at least one PATH (a model file or directory)")
			}
			o.Targets = args
			code, err := runScan(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil || code != 0 {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "text", "report format: text, json, sarif or markdown")
	f.StringVarP(&o.Output, "output", "o", "", "write the report to `FILE` instead of standard output")
	f.StringArrayVar(&o.Reports, "report", nil, "also write the report as `FORMAT=FILE` (e.g. markdown=summary.md, cyclonedx=model.cdx.json); repeatable, so one scan feeds SARIF, JSON, Markdown and the BOM")
	f.StringVar(&o.BOM, "bom", "", "also write the CycloneDX 1.6 ML-BOM of this scan to `FILE` (as `modelgate bom` would, without reading the model again)")
	f.StringVar(&o.FailOn, "fail-on", "medium", "lowest severity that fails the scan: critical, high, medium, low or info")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print only what fails the scan, inconclusive files and the verdict")
	f.IntVar(&o.Jobs, "jobs", 0, "files scanned at once; 0 means one per CPU")
	addFetchFlags(f, &o.Fetch)
	addTimeoutFlag(f, &o.Timeout)
	addCacheFlags(f, &o.Cache)
	addGateFlags(f, &o.Gate)
	addProvenanceFlags(f, &o.Provenance)
	return cmd
}

// runScan does the work of `modelgate scan` and returns the exit code.
func runScan(ctx context.Context, o scanOptions, stdout, stderr io.Writer) (int, error) {
	failOn, err := formats.ParseSeverity(o.FailOn)
	if err != nil {
		return scanner.ExitUsage, fmt.Errorf("--fail-on: %v", err)
	}
	if err := checkFormat(o.Format); err != nil {
		return scanner.ExitUsage, err
	}
	extra, err := parseReports(o.Reports)
	if err != nil {
		return scanner.ExitUsage, err
	}
	if o.BOM != "" {
		extra = append(extra, extraReport{format: "cyclonedx", file: o.BOM})
	}
	if err := o.Gate.validate(o.Targets, stderr); err != nil {
		return scanner.ExitUsage, err
	}
	if err := o.Provenance.validate(); err != nil {
		return scanner.ExitUsage, err
	}
	if o.Jobs < 0 {
		return scanner.ExitUsage, fmt.Errorf("--jobs %d: want a positive number, or 0 for one per CPU", o.Jobs)
	}
	if o.Fetch.Connections < 0 || o.Fetch.Connections > fetch.MaxConnections {
		return scanner.ExitUsage, fmt.Errorf("--connections %d: want 1 to %d", o.Fetch.Connections, fetch.MaxConnections)
	}
	if err := checkFetchFlags(&o.Fetch, o.Timeout); err != nil {
		return scanner.ExitUsage, err
	}
	ctx, cancel := withTimeout(ctx, o.Timeout)
	defer cancel()
	var targets []scanner.Target
	for _, t := range o.Targets {
		t = fetch.CleanTarget(t)
		src, err := fetch.Open(ctx, t, o.Fetch)
		var ue *fetch.ErrUsage
		if errors.As(err, &ue) {
			return scanner.ExitUsage, err
		}
		if err != nil {
			if c := context.Cause(ctx); c != nil {
				return scanner.ExitNoVerdict, fmt.Errorf("%v: %v", c, err)
			}
			return scanner.ExitNoVerdict, fmt.Errorf("%v (check the target)", err)
		}
		targets = append(targets, scanner.Target{Name: t, Source: src})
	}

	out := stdout
	if o.Output != "" {
		f, err := os.Create(o.Output)
		if err != nil {
			return scanner.ExitUsage, fmt.Errorf("-o: %v", err)
		}
		defer f.Close()
		out = f
	}

	showProgress := isTerminal(stderr)
	if o.Progress != nil {
		showProgress = *o.Progress
	}
	opts := scanner.Options{Jobs: o.Jobs, FailOn: failOn, Version: Version(), Quick: o.Fetch.Quick,
		PickleEcosystems: o.Gate.policy.PickleSelection()}
	var policySHA256 string
	if o.Gate.policy != nil {
		policySHA256 = o.Gate.policy.SHA256
	}
	if opts.Cache, opts.CacheVersion, err = o.Cache.open(stderr, policySHA256); err != nil {
		return scanner.ExitUsage, err
	}
	var prog *progress
	if showProgress {
		prog = startProgress(stderr)
		opts.Progress = prog.update
	}
	rep, err := scanner.Scan(ctx, targets, opts)
	prog.stop()
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			err = c
		}
		return scanner.ExitNoVerdict, fmt.Errorf("scan interrupted: %v", err)
	}

	chk := &checker{ctx: ctx, rep: rep, oci: signatures.OCIOptions{Remote: sigRemote(o.Fetch.Stall()), AllowNetworkTlog: o.Provenance.Sig.AllowNetworkTlog, RekorURL: o.Provenance.Sig.RekorURL}}
	if o.Provenance.Require {
		o.Gate.afterPolicy = func(*scanner.Report) error { return chk.requireAll(o.Provenance) }
	}
	o.Gate.summaryOut = stderr
	o.Gate.verifier = chk.policyVerifier
	if err := o.Gate.apply(rep); err != nil {
		return scanner.ExitUsage, err
	}
	if err := writeReport(out, rep, o, o.Output == "" && isTerminal(stdout)); err != nil {
		return scanner.ExitNoVerdict, fmt.Errorf("write report: %v", err)
	}
	if o.Output != "" {
		if err := out.(*os.File).Close(); err != nil {
			return scanner.ExitNoVerdict, fmt.Errorf("write report: %v", err)
		}
	}
	var bomDoc []byte
	for _, x := range extra {
		if isBOMFormat(x.format) && bomDoc == nil {
			// Built once from this scan's report and signature checks:
			// the BOM never reads the model's bytes again.
			if bomDoc, err = scanBOM(ctx, rep, chk); err != nil {
				return scanner.ExitNoVerdict, fmt.Errorf("--bom %s: %v", x.file, err)
			}
		}
		if err := writeReportFile(x.file, rep, scanOptions{Format: x.format, Quiet: o.Quiet}, bomDoc); err != nil {
			return scanner.ExitNoVerdict, fmt.Errorf("--report %s=%s: %v", x.format, x.file, err)
		}
	}
	return rep.ExitCode(), nil
}

// scanBOM encodes the CycloneDX ML-BOM of a finished scan. A single local
// target is its model's root, so the model card is filled from its
// metadata files and format headers (config.json, README.md and headers,
// each under bom's caps) as `modelgate bom` does; the weights are never
// read again. The signature outcome is the one this scan's checks
// recorded, if any.
func scanBOM(ctx context.Context, rep *scanner.Report, chk *checker) ([]byte, error) {
	var bo bom.Options
	if len(rep.Targets) == 1 {
		t := rep.Targets[0]
		if !strings.Contains(t, "://") {
			if _, err := os.Stat(t); err == nil {
				bo.Root = t
			}
		}
		if r, ok := chk.results[t]; ok {
			bo.Signature = &r
		}
		if p := rep.Pinned[t]; p != "" {
			bo.Revision = p
		}
	}
	b, err := bom.Build(ctx, rep, bo)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := bom.Encode(&buf, b, "json"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type extraReport struct{ format, file string }

// parseReports reads --report FORMAT=FILE values before anything is
// scanned, so a typo costs no scan time.
func parseReports(values []string) ([]extraReport, error) {
	var out []extraReport
	for _, v := range values {
		format, file, ok := strings.Cut(v, "=")
		if !ok || file == "" {
			return nil, fmt.Errorf("--report %q: want FORMAT=FILE, e.g. markdown=summary.md", v)
		}
		if isBOMFormat(format) {
			out = append(out, extraReport{format: format, file: file})
			continue
		}
		if err := checkFormat(format); err != nil {
			return nil, fmt.Errorf("--report %q: %v (or cyclonedx, bom)", v, err)
		}
		out = append(out, extraReport{format: format, file: file})
	}
	return out, nil
}

// writeReportFile writes rep to the file name in o's format; a BOM format
// writes bomDoc, already encoded.
func writeReportFile(name string, rep *scanner.Report, o scanOptions, bomDoc []byte) error {
	if isBOMFormat(o.Format) {
		return os.WriteFile(name, bomDoc, 0o644)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := writeReport(f, rep, o, false); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws one status line on a terminal once a scan has run longer
// than a moment, and erases it when the scan ends.
type progress struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	last  scanner.Progress
	done  chan struct{}
	wg    sync.WaitGroup
}

func startProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now(), done: make(chan struct{})}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *progress) update(s scanner.Progress) {
	p.mu.Lock()
	p.last = s
	p.mu.Unlock()
}

func (p *progress) loop() {
	defer p.wg.Done()
	delay := time.NewTimer(time.Second)
	defer delay.Stop()
	select {
	case <-p.done:
		return
	case <-delay.C:
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		p.mu.Lock()
		s := p.last
		p.mu.Unlock()
		secs := time.Since(p.start).Seconds()
		fmt.Fprintf(p.w, "\r\x1b[Kscanning: %d/%d files, %s, %s/s", s.Done, s.Files, bytesHuman(s.Bytes), bytesHuman(int64(float64(s.Bytes)/secs)))
		select {
		case <-p.done:
			fmt.Fprint(p.w, "\r\x1b[K")
			return
		case <-tick.C:
		}
	}
}

func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
}

func bytesHuman(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/baseline"
	"github.com/modelgate/modelgate/scanner/policy"
	"github.com/modelgate/modelgate/scanner/report"
)

// gateOptions are the promotion-gate settings of a scan: the policy, the
// baseline to compare with, and the CI summary line.
type gateOptions struct {
	PolicyFile   string
	BaselineFile string
	Summary      bool

	flags      *pflag.FlagSet // to tell an explicit --fail-on from the default
	summaryOut io.Writer
	now        func() time.Time

	policy *policy.Policy
	base   *scanner.Report
	// verifier makes the signature checker for a policy file; nil leaves
	// signature requirements unverifiable (inconclusive).
	verifier func(policyFile string) policy.Verifier
	// afterPolicy runs once the policy has settled the fail-on threshold
	// (the command line's signature requirement).
	afterPolicy func(*scanner.Report) error
}

func addGateFlags(f *pflag.FlagSet, g *gateOptions) {
	f.StringVar(&g.PolicyFile, "policy", "", "promotion-gate policy `FILE` (default: "+policy.FileName+
		" in the working directory; never one inside a scanned target)")
	f.StringVar(&g.BaselineFile, "baseline", "", "earlier JSON report `FILE`: fail only on findings that are new or worse, and on files that changed")
	f.BoolVar(&g.Summary, "summary", false, "print a one-line verdict for CI logs on standard error")
	g.flags = f
	g.summaryOut = os.Stderr
	g.now = time.Now
}

// validate loads the policy and the baseline before anything is scanned,
// so a mistake in either costs no scan time. The policy is configuration
// of the gate: it comes from --policy or the working directory, never from
// a scanned target, whose uploader would otherwise choose the verdict (the
// scanner reports a policy file found in a target as MG006).
func (g *gateOptions) validate(targets []string, stderr io.Writer) error {
	if g.PolicyFile != "" {
		p, err := policy.Load(g.PolicyFile)
		if err != nil {
			return policyError(err)
		}
		g.policy = p
	} else if t, inside := insideTarget(policy.FileName, targets); inside {
		// Scanning the working directory (or a directory above it) makes
		// its policy file part of the artifact: its uploader wrote it.
		if _, err := os.Lstat(policy.FileName); err == nil {
			fmt.Fprintf(stderr, "modelgate: not applying ./%s: it lies inside the scanned target %s; pass it with --policy to use it\n",
				policy.FileName, formats.DisplayName(t))
		}
	} else if p, err := policy.Load(policy.FileName); err == nil {
		g.policy = p
	} else if !errors.Is(err, os.ErrNotExist) {
		return policyError(err)
	}
	if g.BaselineFile != "" {
		b, err := baseline.Load(g.BaselineFile)
		if err != nil {
			return fmt.Errorf("--baseline: %v", err)
		}
		g.base = b
	}
	return nil
}

// insideTarget reports the first local target that holds the file name
// (relative to the working directory), after resolving links on both
// sides; remote targets hold no local file.
func insideTarget(name string, targets []string) (string, bool) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", false
	}
	dir := filepath.Dir(abs)
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	for _, t := range targets {
		if strings.Contains(t, "://") {
			continue
		}
		root, err := filepath.Abs(t)
		if err != nil {
			continue
		}
		if r, err := filepath.EvalSymlinks(root); err == nil {
			root = r
		}
		if rel, err := filepath.Rel(root, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return t, true
		}
	}
	return "", false
}

// policyError tells how to fix a policy: every mistake with its place.
func policyError(err error) error {
	var es policy.Errors
	if errors.As(err, &es) {
		return fmt.Errorf("the policy has %d error(s); fix them (`modelgate policy check FILE` shows them all):\n%v", len(es), err)
	}
	return err
}

// apply judges a finished report under the policy and the baseline, in
// that order: drift findings first, so the policy's overrides and waivers
// cover them; then the policy; then the comparison, on the severities the
// policy decided.
func (g *gateOptions) apply(rep *scanner.Report) error {
	if g.base != nil {
		baseline.Drift(rep, g.base)
	}
	if p := g.policy; p != nil {
		if p.FailOn != nil {
			if g.flags != nil && g.flags.Changed("fail-on") {
				// The stricter threshold wins: neither side can loosen
				// what the other asks for.
				rep.FailOn = min(rep.FailOn, *p.FailOn)
			} else {
				rep.FailOn = *p.FailOn
			}
		}
		var v policy.Verifier
		if g.verifier != nil {
			v = g.verifier(p.Source)
		}
		p.Apply(rep, g.now(), v)
	}
	if g.afterPolicy != nil {
		if err := g.afterPolicy(rep); err != nil {
			return err
		}
	}
	if g.base != nil {
		baseline.Compare(rep, g.base, g.BaselineFile)
	}
	rep.Summarize()
	if g.Summary {
		if err := report.WriteSummary(g.summaryOut, rep); err != nil {
			return fmt.Errorf("write summary: %v", err)
		}
	}
	return nil
}

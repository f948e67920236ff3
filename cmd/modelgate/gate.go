package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

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
		" in the working directory, else at the root of a scanned directory)")
	f.StringVar(&g.BaselineFile, "baseline", "", "earlier JSON report `FILE`: fail only on findings that are new or worse, and on files that changed")
	f.BoolVar(&g.Summary, "summary", false, "print a one-line verdict for CI logs on standard error")
	g.flags = f
	g.summaryOut = os.Stderr
	g.now = time.Now
}

// validate loads the policy and the baseline before anything is scanned,
// so a mistake in either costs no scan time. A policy in a scanned
// directory is only known once the targets are, and is loaded by apply.
func (g *gateOptions) validate() error {
	if g.PolicyFile != "" {
		p, err := policy.Load(g.PolicyFile)
		if err != nil {
			return policyError(err)
		}
		g.policy = p
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

// policyError tells how to fix a policy: every mistake with its place.
func policyError(err error) error {
	var es policy.Errors
	if errors.As(err, &es) {
		return fmt.Errorf("the policy has %d error(s); fix them (`modelgate policy check FILE` shows them all):\n%v", len(es), err)
	}
	return err
}

// findTargetPolicy looks for a policy at the root of each scanned local
// directory. Such a policy ships with the artifact it judges, so it may
// not let code execution through: that takes a policy the gate's owner
// passes with --policy or keeps in the working directory.
func (g *gateOptions) findTargetPolicy(targets []string) error {
	var found *policy.Policy
	for _, t := range targets {
		st, err := os.Stat(t)
		if err != nil || !st.IsDir() {
			continue
		}
		p, err := policy.Load(filepath.Join(t, policy.FileName))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return policyError(err)
		}
		if found != nil && found.SHA256 != p.SHA256 {
			return fmt.Errorf("different policies in %s and %s: pass the one to use with --policy", found.Source, p.Source)
		}
		if p.Ecosystems != nil {
			// Ecosystems decide how globals are judged while files are
			// scanned; this policy was only found once the scan was done.
			return fmt.Errorf("%s sets pickle.ecosystems, which takes effect while files are scanned: "+
				"pass the policy with --policy or keep it in the working directory", p.Source)
		}
		if allowsCodeExecution(p) {
			return fmt.Errorf("%s lets code execution through (%s), and it lies inside the scanned artifact: "+
				"pass such a policy with --policy instead", p.Source, policy.CodeExecutionFlag)
		}
		found = p
	}
	g.policy = found
	return nil
}

func allowsCodeExecution(p *policy.Policy) bool {
	for _, r := range p.Rules {
		if r.AllowsCodeExecution {
			return true
		}
	}
	for _, a := range p.Globals {
		if a.AllowsCodeExecution {
			return true
		}
	}
	for _, w := range p.Waivers {
		if w.AllowsCodeExecution {
			return true
		}
	}
	return false
}

// apply judges a finished report under the policy and the baseline, in
// that order: drift findings first, so the policy's overrides and waivers
// cover them; then the policy; then the comparison, on the severities the
// policy decided.
func (g *gateOptions) apply(rep *scanner.Report) error {
	if g.policy == nil {
		if err := g.findTargetPolicy(rep.Targets); err != nil {
			return err
		}
	}
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

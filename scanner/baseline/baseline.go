// Package baseline compares a scan with an earlier JSON report of the same
// artifact, so a gate can fail only on what is new: findings that were not
// there before or got more severe, and files whose bytes changed (drift).
//
// Exit-code semantics under a baseline: findings the baseline already had
// at the same or a higher severity leave the verdict (they stay in the
// report as "baseline" suppressions); a file whose SHA-256 changed gets an
// MG092 finding (medium by default, so it fails the default gate; a policy
// may set MG092's severity). Everything else is unchanged: new or worse
// findings at or above fail-on exit 1, an inconclusive file still exits 2.
// This package never reads model files; it only compares reports.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

// RuleDrift is the finding for a file whose bytes changed since the baseline.
const RuleDrift = "MG092"

// KindBaseline is the suppression kind of a finding the baseline had.
const KindBaseline = "baseline"

// MaxSize bounds a baseline report.
const MaxSize = 256 << 20

func init() {
	formats.RegisterRule(formats.Rule{
		ID: RuleDrift, Severity: formats.Medium,
		Title: "File changed since the baseline",
		Doc: "The file's SHA-256 differs from the one recorded in the baseline report the scan was compared " +
			"with (--baseline). The new bytes were scanned in full, but whatever review or approval the " +
			"baseline stood for does not cover them. Check why the file changed, then make the current " +
			"report the new baseline; a policy can lower this rule's severity where files change routinely.",
	})
}

// Load reads a JSON report written by `modelgate scan --format json`.
func Load(name string) (*scanner.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", name, err)
	}
	return Parse(name, data)
}

// Parse reads a baseline report from data; name is used in errors.
func Parse(name string, data []byte) (*scanner.Report, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("baseline %s: larger than %d bytes", name, MaxSize)
	}
	var r scanner.Report
	if err := json.Unmarshal(data, &r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("baseline %s: not a JSON report (byte %d: %v); write one with `modelgate scan --format json`", name, se.Offset, err)
		}
		return nil, fmt.Errorf("baseline %s: not a modelgate JSON report: %w", name, err)
	}
	if r.SchemaVersion != scanner.SchemaVersion {
		return nil, fmt.Errorf("baseline %s: report schema_version %q, this build reads %q; write it with `modelgate scan --format json`",
			name, r.SchemaVersion, scanner.SchemaVersion)
	}
	return &r, nil
}

// Drift adds an MG092 finding to every scanned (not skipped) file of r
// whose SHA-256 differs from the baseline's file of the same path. Call it before a policy is
// applied, so the policy's overrides and waivers apply to drift too.
func Drift(r, base *scanner.Report) {
	old := map[string]string{}
	for _, f := range base.Files {
		if f.SHA256 != "" {
			old[f.Path] = f.SHA256
		}
	}
	for i := range r.Files {
		f := &r.Files[i]
		prev, ok := old[f.Path]
		// A skipped file (a README, a licence) is not part of the model.
		if !ok || f.SHA256 == "" || prev == f.SHA256 || f.Outcome == scanner.Skipped {
			continue
		}
		x := formats.NewFinding(RuleDrift, formats.NoOffset, "content changed since the baseline (sha256 %.12s… was %.12s…)", f.SHA256, prev).
			With("baseline_sha256", prev)
		x.Location = f.Path
		f.Findings = append(f.Findings, x)
		if f.Outcome == scanner.Clean {
			f.Outcome = scanner.Findings
		}
	}
}

// key identifies a finding across runs over the same bytes: the rule and
// the location, which holds the container path and the byte offset.
func key(x formats.Finding) string { return x.Rule + "\x00" + x.Location }

// Compare moves out of r's verdict every finding the baseline already had
// at the same or a higher severity, records what changed in r.Baseline and
// recomputes r's summary. Drift findings are never treated as known.
func Compare(r, base *scanner.Report, source string) {
	known := map[string]formats.Severity{}
	seen := map[string]bool{}
	for _, f := range base.Files {
		seen[f.Path] = false
		for _, x := range f.Findings {
			if s, ok := known[key(x)]; !ok || x.Severity > s {
				known[key(x)] = x.Severity
			}
		}
		// A finding waived or allowed in the baseline run was accepted
		// then, at the severity it had.
		for _, s := range f.Suppressed {
			if k, ok := known[key(s.Finding)]; !ok || s.Finding.Severity > k {
				known[key(s.Finding)] = s.Finding.Severity
			}
		}
	}
	info := &scanner.BaselineInfo{Source: source}
	for i := range r.Files {
		f := &r.Files[i]
		if _, ok := seen[f.Path]; ok {
			seen[f.Path] = true
		}
		if f.SHA256 != "" {
			for _, x := range f.Findings {
				if x.Rule == RuleDrift {
					info.Drift = append(info.Drift, f.Path)
					break
				}
			}
		}
		kept := make([]formats.Finding, 0, len(f.Findings))
		for _, x := range f.Findings {
			if prev, ok := known[key(x)]; ok && x.Rule != RuleDrift && x.Severity <= prev {
				info.Known++
				f.Suppressed = append(f.Suppressed, scanner.Suppression{Finding: x, Kind: KindBaseline,
					Reason: fmt.Sprintf("already in the baseline at %s", prev)})
				continue
			}
			info.New++
			kept = append(kept, x)
		}
		f.Findings = kept
		if f.Outcome == scanner.Findings && len(kept) == 0 {
			f.Outcome = scanner.Clean
		}
	}
	for _, f := range base.Files {
		if !seen[f.Path] {
			info.Removed = append(info.Removed, f.Path)
			seen[f.Path] = true
		}
	}
	r.Baseline = info
	r.Summarize()
}

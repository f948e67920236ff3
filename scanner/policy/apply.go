package policy

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

// Suppression kinds, as the report records them.
const (
	KindWaived   = "waived"
	KindDisabled = "disabled"
	KindAllowed  = "allowed-by-policy"
)

// SignatureUnavailable is why a file a signature requirement covers is
// inconclusive when Apply is given no Verifier.
const SignatureUnavailable = "no signature verifier was given"

// Verifier checks the signature of one scanned target against one of the
// policy's signature requirements, and says why when it does not verify.
type Verifier func(target string, req SignatureRequirement) (ok bool, reason string)

// Apply judges r under p at time now and recomputes its summary. It never
// removes a finding from the report: one the policy takes out of the
// verdict moves to its file's Suppressed list with the reason. It does not
// change r.FailOn: the caller decides how the policy's threshold combines
// with the command line's.
//
// Files a signature requirement covers are checked through verify, once
// per target and requirement; a signature that does not verify is an MG091
// finding on each covered file. Without a verifier they are inconclusive:
// the gate fails closed.
func (p *Policy) Apply(r *scanner.Report, now time.Time, verify Verifier) {
	info := &scanner.PolicyInfo{Source: p.Source, SHA256: p.SHA256}
	waiverHits := make([]int, len(p.Waivers))
	signatureFiles := 0
	type verdict struct {
		ok     bool
		reason string
	}
	verdicts := map[string]verdict{}
	for i := range r.Files {
		f := &r.Files[i]
		if f.Outcome == scanner.Skipped {
			continue
		}
		rel := relPaths(f.Path, r.Targets)
		p.acceptUnidentified(f, rel)
		f.Findings = append(f.Findings, p.formatFindings(f)...)
		for _, req := range p.signatureRequirements(rel) {
			if verify != nil {
				target := targetOf(f.Path, r.Targets)
				k := fmt.Sprintf("%s\x00%d", target, req.Pos.Line)
				v, done := verdicts[k]
				if !done {
					v.ok, v.reason = verify(target, req)
					verdicts[k] = v
				}
				if !v.ok {
					// A required signature fails the gate whatever the
					// threshold: the finding is at least at fail-on.
					x := formats.NewFinding(RuleSignatureRequired, formats.NoOffset,
						"the policy (line %d) requires a verified signature for this file: %s", req.Pos.Line, v.reason).
						At(max(formats.High, r.FailOn))
					x.Location = f.Path
					f.Findings = append(f.Findings, x)
				}
				continue
			}
			signatureFiles++
			x := formats.NewFinding(RuleSignatureRequired, formats.NoOffset,
				"the policy requires a verified signature for this file, and %s", SignatureUnavailable)
			x.Location = f.Path
			f.Findings = append(f.Findings, x)
			f.Outcome, f.Reason, f.Error = scanner.Inconclusive, "unsupported", SignatureUnavailable+" (the policy requires a signature)"
			break
		}
		kept := make([]formats.Finding, 0, len(f.Findings))
		for _, x := range f.Findings {
			if s, drop := p.judge(&x, f, rel, now, waiverHits); drop {
				f.Suppressed = append(f.Suppressed, s)
				continue
			}
			kept = append(kept, x)
		}
		f.Findings = kept
		switch {
		case f.Outcome == scanner.Findings && len(kept) == 0 && f.Unidentified:
			// Accepted unidentified content was never read clean.
			f.Outcome = scanner.Skipped
		case f.Outcome == scanner.Findings && len(kept) == 0:
			f.Outcome = scanner.Clean
		case (f.Outcome == scanner.Clean || f.Outcome == scanner.Skipped) && len(kept) > 0:
			f.Outcome = scanner.Findings
		}
	}
	if signatureFiles > 0 {
		info.Notes = append(info.Notes, fmt.Sprintf("%d file(s) require a signature and %s: they are inconclusive "+
			"until a verifier checks them", signatureFiles, SignatureUnavailable))
	}
	for i, w := range p.Waivers {
		switch {
		case w.Expired(now):
			info.Notes = append(info.Notes, fmt.Sprintf("waiver at line %d (%s on %s, owner %s) expired on %s and no longer applies",
				w.Pos.Line, w.Rule, w.Path, w.Owner, w.Expires.Format(time.DateOnly)))
		case waiverHits[i] == 0:
			info.Notes = append(info.Notes, fmt.Sprintf("waiver at line %d (%s on %s) matched no finding: remove it if the file changed",
				w.Pos.Line, w.Rule, w.Path))
		}
	}
	r.Policy = info
	r.Summarize()
}

// judge applies the policy to one finding, possibly changing its severity,
// and says whether it leaves the verdict and why.
func (p *Policy) judge(x *formats.Finding, f *scanner.FileResult, rel []string, now time.Time, waiverHits []int) (scanner.Suppression, bool) {
	for i := len(p.Rules) - 1; i >= 0; i-- {
		o := p.Rules[i]
		if o.Rule != x.Rule || !matchAny(o.Paths, rel) {
			continue
		}
		if o.Disabled {
			return scanner.Suppression{Finding: *x, Kind: KindDisabled, Reason: reasonOr(o.Reason, "rule disabled by the policy")}, true
		}
		x.Severity = o.Severity
		break
	}
	if g, ok := x.Details["global"]; ok {
		for _, a := range p.Globals {
			if a.Global != g {
				continue
			}
			// MG101 (not on the allowlist) and MG116 (used beyond its
			// allowlist entry) need only the project's word; the denylist's
			// rules need the flag as well.
			if x.Rule == "MG101" || x.Rule == "MG116" ||
				((x.Rule == "MG102" || x.Rule == "MG103" || x.Rule == "MG115") && a.AllowsCodeExecution) {
				return scanner.Suppression{Finding: *x, Kind: KindAllowed, Reason: a.Reason}, true
			}
		}
	}
	for i, w := range p.Waivers {
		if w.Rule != x.Rule || f.SHA256 == "" || w.SHA256 != f.SHA256 || !matchAny([]Glob{w.Path}, rel) || w.Expired(now) {
			continue
		}
		waiverHits[i]++
		return scanner.Suppression{Finding: *x, Kind: KindWaived, Reason: w.Reason, Owner: w.Owner,
			Expires: w.Expires.Format(time.DateOnly)}, true
	}
	return scanner.Suppression{}, false
}

func reasonOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// AcceptedNote starts the note of an unidentified file a policy accepted.
const AcceptedNote = "accepted by policy"

// acceptUnidentified skips an inconclusive file whose content is
// unidentified when an entry of formats.unidentified matches its path; the
// note keeps the entry, its reason and what the content looked like. Its
// findings, if any, are judged as usual.
func (p *Policy) acceptUnidentified(f *scanner.FileResult, rel []string) {
	if f.Outcome == scanner.Inconclusive && len(f.UnidentifiedMembers) > 0 {
		p.acceptMembers(f, rel)
		return
	}
	if !f.Unidentified || f.Outcome != scanner.Inconclusive {
		return
	}
	for _, u := range p.Unidentified {
		if !matchAny(u.Paths, rel) {
			continue
		}
		f.Note = fmt.Sprintf("%s (formats.unidentified, line %d): %s; content: %s", AcceptedNote, u.Pos.Line, u.Reason, f.Error)
		f.Outcome, f.Reason, f.Error = scanner.Skipped, "", ""
		if len(f.Findings) > 0 {
			f.Outcome = scanner.Findings
		}
		return
	}
}

// acceptMembers ends the inconclusive outcome of a container whose only
// trouble is members of unidentified content, when member globs of
// formats.unidentified accept every one of them. The container was read;
// its note names each accepted member with the entry and its reason.
func (p *Policy) acceptMembers(f *scanner.FileResult, rel []string) {
	var notes []string
	for _, loc := range f.UnidentifiedMembers {
		rest, ok := strings.CutPrefix(loc, f.Path+"!")
		if !ok {
			return
		}
		chain := strings.Split(rest, "!")
		u, ok := p.memberEntry(rel, chain)
		if !ok {
			return
		}
		notes = append(notes, fmt.Sprintf("%s (line %d: %s)", loc, u.Pos.Line, u.Reason))
	}
	f.Note = fmt.Sprintf("%s (formats.unidentified): members of unidentified content, not read: %s; first: %s",
		AcceptedNote, strings.Join(notes, ", "), f.Error)
	f.Outcome, f.Reason, f.Error = scanner.Clean, "", ""
	if len(f.Findings) > 0 {
		f.Outcome = scanner.Findings
	}
}

// memberEntry is the first entry of formats.unidentified with a member glob
// matching the member chain of a file known by the names rel.
func (p *Policy) memberEntry(rel, chain []string) (UnidentifiedAcceptance, bool) {
	for _, u := range p.Unidentified {
		for _, g := range u.Paths {
			for _, r := range rel {
				if g.MatchMember(r, chain) {
					return u, true
				}
			}
		}
	}
	return UnidentifiedAcceptance{}, false
}

// formatFindings reports every reading of f the policy does not allow, and
// content that is no known format at all unless the policy accepted it.
func (p *Policy) formatFindings(f *scanner.FileResult) []formats.Finding {
	if p.Formats == nil {
		return nil
	}
	var out []formats.Finding
	if f.Unidentified && f.Outcome == scanner.Inconclusive {
		x := formats.NewFinding(RuleFormatNotAllowed, formats.NoOffset, "unidentified content is no allowed format (the policy allows %s)",
			strings.Join(p.Formats, ", ")).With("format", "unidentified")
		x.Location = f.Path
		out = append(out, x)
	}
	for _, k := range f.Formats {
		if slices.Contains(p.Formats, k) {
			continue
		}
		x := formats.NewFinding(RuleFormatNotAllowed, formats.NoOffset, "%s is not an allowed format (the policy allows %s)",
			k, strings.Join(p.Formats, ", ")).With("format", k)
		x.Location = f.Path
		out = append(out, x)
	}
	return out
}

// signatureRequirements returns the requirements that cover a file.
func (p *Policy) signatureRequirements(rel []string) []SignatureRequirement {
	var out []SignatureRequirement
	for _, s := range p.Signatures {
		if matchAny(s.Paths, rel) {
			out = append(out, s)
		}
	}
	return out
}

// targetOf returns the scan target a file was found under: the longest
// target its path starts with, or the path itself.
func targetOf(p string, targets []string) string {
	best := ""
	for _, t := range targets {
		c := path.Clean(filepath.ToSlash(t))
		q := path.Clean(filepath.ToSlash(p))
		if (q == c || strings.HasPrefix(q, c+"/")) && len(t) > len(best) {
			best = t
		}
	}
	if best == "" {
		return p
	}
	return best
}

// matchAny reports whether any glob matches any of the file's paths; no
// globs match every path.
func matchAny(globs []Glob, rel []string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		for _, p := range rel {
			if g.Match(p) {
				return true
			}
		}
	}
	return false
}

// relPaths returns the names a policy glob may match a file by: its path
// as reported, and its path relative to each target that contains it, so
// that one policy works whether the model directory is scanned as "." or
// as "models/bert".
func relPaths(p string, targets []string) []string {
	p = path.Clean(filepath.ToSlash(p))
	out := []string{p}
	for _, t := range targets {
		t = path.Clean(filepath.ToSlash(t))
		if rest, ok := strings.CutPrefix(p, t+"/"); ok && rest != "" && !slices.Contains(out, rest) {
			out = append(out, rest)
		}
	}
	return out
}

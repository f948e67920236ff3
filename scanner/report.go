package scanner

import (
	"time"

	"github.com/modelgate/modelgate/formats"
)

// SchemaVersion is the version of the JSON report schema
// (docs/report-schema.md, schema/report.schema.json). It changes only when
// a field changes meaning or disappears; new fields may appear within a
// version.
const SchemaVersion = "1"

// Outcome is how the scan of one file ended.
type Outcome string

// Outcomes. A file is clean only when it was read completely and nothing
// was found; anything the scanner could not fully read is inconclusive.
const (
	Clean        Outcome = "clean"
	Findings     Outcome = "findings"
	Inconclusive Outcome = "inconclusive"
	Skipped      Outcome = "skipped"
)

// Exit codes of a scan, as DESIGN.md defines them.
const (
	ExitClean     = 0 // every file scanned, nothing at or above fail-on
	ExitFindings  = 1 // a finding at or above fail-on (wins over errors)
	ExitNoVerdict = 2 // an inconclusive file, a fetch error, or nothing scanned
	ExitUsage     = 3 // bad flag, bad target syntax
)

// Report is the result of one scan.
type Report struct {
	SchemaVersion string        `json:"schema_version"`
	Tool          Tool          `json:"tool"`
	StartedAt     time.Time     `json:"started_at"`
	Duration      time.Duration `json:"duration_ns"`
	Targets       []string      `json:"targets"`
	// Pinned maps a target given by a mutable reference (a branch, a tag)
	// to the immutable one that was scanned (a commit, a manifest digest).
	Pinned  map[string]string `json:"pinned,omitempty"`
	FailOn  formats.Severity  `json:"-"`
	Summary Summary           `json:"summary"`
	Files   []FileResult      `json:"files"`
	// Errors are failures that concern no single file: a target that
	// could not be read, a walk that stopped.
	Errors []string `json:"errors,omitempty"`
	// Policy says which policy file shaped the verdict, when one did.
	Policy *PolicyInfo `json:"policy,omitempty"`
	// Baseline says what changed since an earlier report, when the scan
	// was compared with one.
	Baseline *BaselineInfo `json:"baseline,omitempty"`
	// Signatures are the provenance checks made for the scan's targets:
	// the ones --require-signature or a policy asked for.
	Signatures []SignatureOutcome `json:"signatures,omitempty"`
}

// PolicyInfo records the policy a report was judged under.
type PolicyInfo struct {
	Source string `json:"source"` // the file it was read from
	SHA256 string `json:"sha256"` // of the file's bytes, to tie a verdict to a policy version
	// Notes are what a reviewer must know about how the policy applied:
	// an expired waiver, a waiver that matched nothing, a requirement this
	// build could not check.
	Notes []string `json:"notes,omitempty"`
}

// SignatureOutcome is the signature check of one target.
type SignatureOutcome struct {
	Target string `json:"target"`
	// Status is verified, unsigned, invalid or not-checked. Only verified
	// means a trusted signer vouched for exactly the bytes scanned.
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	Method    string `json:"method,omitempty"`
	Identity  string `json:"identity,omitempty"`
	Issuer    string `json:"issuer,omitempty"`
	LogIndex  *int64 `json:"log_index,omitempty"`
	SignedAt  string `json:"signed_at,omitempty"`
	Signature string `json:"signature,omitempty"`
	// RequiredBy says who asked: "command line" or the policy requirement.
	RequiredBy string `json:"required_by"`
}

// BaselineInfo is the comparison of a scan with an earlier report.
type BaselineInfo struct {
	Source string `json:"source"`
	// New counts findings that are new or more severe than in the
	// baseline; Known counts those the baseline already had, which are
	// moved to the files' suppressed lists.
	New   int `json:"new"`
	Known int `json:"known"`
	// Drift lists files whose SHA-256 differs from the baseline's.
	Drift []string `json:"drift,omitempty"`
	// Removed lists files of the baseline that this scan did not see.
	Removed []string `json:"removed,omitempty"`
}

// Suppression is a finding the gate took out of the verdict, and why. It
// stays in the report so that nothing is hidden from a reviewer.
type Suppression struct {
	Finding formats.Finding `json:"finding"`
	// Kind is waived (a policy waiver), disabled (a rule turned off by the
	// policy), allowed-by-policy (a pickle global the policy allows) or
	// baseline (already in the baseline report).
	Kind    string `json:"kind"`
	Reason  string `json:"reason,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Tool names the scanner that made a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts a report's files and findings.
type Summary struct {
	Files        int `json:"files"`
	Clean        int `json:"clean"`
	WithFindings int `json:"findings"`
	Inconclusive int `json:"inconclusive"`
	Skipped      int `json:"skipped"`
	// Inert counts the skipped files identified as inert (text, images,
	// tokenizer files, ...); Accepted the skipped files that are
	// unidentified but accepted by the policy. Unsupported counts the
	// inconclusive files of a format this build does not analyze or
	// bytes it could not identify.
	Inert       int            `json:"inert"`
	Accepted    int            `json:"accepted"`
	Unsupported int            `json:"unsupported"`
	Bytes       int64          `json:"bytes"`
	BySeverity  map[string]int `json:"by_severity"`
	FailOn      string         `json:"fail_on"`
	ExitCode    int            `json:"exit_code"`
	Verdict     string         `json:"verdict"` // pass, fail or no-verdict
}

// FileResult is the scan of one file.
type FileResult struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	// SHA256FromOrigin says SHA256 is the digest the origin states, trusted
	// without reading every byte (quick mode).
	SHA256FromOrigin bool `json:"sha256_from_origin,omitempty"`
	// SHA256NotComputed says why SHA256 is empty for a file that was
	// read: "quick" when a structure-only scan (--quick) read only what
	// the analyzers need and the origin stated no digest.
	SHA256NotComputed string `json:"sha256_not_computed,omitempty"`
	// Cached says the file was not analyzed: a result cache held the
	// verdict of a scan of the same bytes (same SHA-256) under the same
	// rules, build, policy and limits.
	Cached  bool     `json:"cached,omitempty"`
	Formats []string `json:"formats,omitempty"`
	Outcome Outcome  `json:"outcome"`
	// Reason classifies an inconclusive outcome: limit, parse-error,
	// unsupported, read-error, canceled.
	Reason string `json:"reason,omitempty"`
	// Error says what could not be read, and where.
	Error string `json:"error,omitempty"`
	// Note says why a file was skipped: what it was identified as when
	// inert ("inert: Markdown text"), why it was not read (version-control
	// metadata, a directory already walked by another path), or the policy
	// entry that accepted an unidentified file and its reason.
	Note string `json:"note,omitempty"`
	// Unidentified says the file's bytes match no format modelgate knows
	// and are not inert: it is inconclusive (unsupported), or skipped when
	// a policy's formats.unidentified accepted its path.
	Unidentified bool `json:"unidentified,omitempty"`
	// UnidentifiedMembers are the locations of the container members
	// ("model.tar!extra/blob.bin") whose bytes match no known format and
	// are not inert, when they are all that left the file inconclusive: a
	// policy's formats.unidentified may accept them by member glob.
	UnidentifiedMembers []string          `json:"unidentified_members,omitempty"`
	Findings            []formats.Finding `json:"findings"`
	// Members is how many container members were analyzed inside the file.
	Members int `json:"members,omitempty"`
	// Suppressed are findings a policy or baseline took out of the
	// verdict; they count in no summary.
	Suppressed []Suppression `json:"suppressed,omitempty"`
}

// NotComputedQuick is FileResult.SHA256NotComputed for a file a quick
// scan read only in part.
const NotComputedQuick = "quick"

// MaxSeverity returns the highest severity among the file's findings.
func (f *FileResult) MaxSeverity() (formats.Severity, bool) {
	if len(f.Findings) == 0 {
		return formats.Info, false
	}
	m := formats.Info
	for _, x := range f.Findings {
		m = max(m, x.Severity)
	}
	return m, true
}

// Summarize recomputes r.Summary from r.Files and r.FailOn, after a policy
// or a baseline has changed them.
func (r *Report) Summarize() { r.summarize() }

// summarize fills r.Summary from r.Files for the fail-on threshold.
func (r *Report) summarize() {
	s := Summary{BySeverity: map[string]int{}, FailOn: r.FailOn.String()}
	failed, noVerdict := false, len(r.Errors) > 0
	scanned := 0
	for i := range r.Files {
		f := &r.Files[i]
		s.Files++
		s.Bytes += f.Size
		switch f.Outcome {
		case Clean:
			s.Clean++
		case Findings:
			s.WithFindings++
		case Inconclusive:
			s.Inconclusive++
			noVerdict = true
			if f.Reason == "unsupported" {
				s.Unsupported++
			}
		case Skipped:
			s.Skipped++
			if f.Unidentified {
				s.Accepted++
			} else {
				s.Inert++
			}
		}
		if f.Outcome != Skipped {
			scanned++
		}
		for _, x := range f.Findings {
			s.BySeverity[x.Severity.String()]++
			if x.Severity >= r.FailOn {
				failed = true
			}
		}
	}
	if scanned == 0 {
		noVerdict = true
	}
	switch {
	case failed:
		s.ExitCode, s.Verdict = ExitFindings, "fail"
	case noVerdict:
		s.ExitCode, s.Verdict = ExitNoVerdict, "no-verdict"
	default:
		s.ExitCode, s.Verdict = ExitClean, "pass"
	}
	r.Summary = s
}

// ExitCode is the process exit code the report calls for.
func (r *Report) ExitCode() int { return r.Summary.ExitCode }

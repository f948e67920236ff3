// Package policy reads a modelgate promotion-gate policy (a versioned YAML
// file, schema/policy.schema.json) and applies it to a finished
// scanner.Report: severity overrides and disabled rules, project-specific
// pickle globals, allowed formats, unidentified files accepted by path,
// signature requirements, waivers with an owner and an expiry, and the
// fail-on threshold.
//
// Reading is strict: an unknown key, a wrong type, a bad glob or date, an
// unknown rule ID is an error with the file, line and column, because a
// policy that is read loosely can loosen the gate without anyone noticing.
// Applying never deletes what was found: every finding the policy takes
// out of the verdict stays in the report as a suppression with its reason,
// and every policy decision a reviewer needs to know (an expired waiver, a
// requirement this build cannot check) is noted in the report.
package policy

import (
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
	"github.com/modelgate/modelgate/scanner"
)

// Version is the policy schema version this build reads.
const Version = 1

// FileName is the name under which a policy is found without --policy, in
// the working directory only: a policy inside a scanned target is never
// applied (the scanner reports it instead).
const FileName = scanner.PolicyFileName

// CodeExecutionFlag is the key that must be set to true on every entry that
// lets code-execution findings through.
const CodeExecutionFlag = "i-understand-this-allows-code-execution"

// Policy is a parsed policy file.
type Policy struct {
	Source string // the file it was read from
	SHA256 string // of its bytes
	// FailOn is the policy's threshold; nil leaves the command line's.
	FailOn *formats.Severity
	// Rules are severity overrides and disabled rules, in file order; the
	// last entry that matches a finding decides.
	Rules []RuleOverride
	// Globals extend the pickle allowlist.
	Globals []AllowedGlobal
	// Ecosystems, when not nil, switch groups of the pickle allowlist on or
	// off (numpy, pandas, gensim, ...). It takes effect while files are
	// scanned, so it must be known before the scan starts.
	Ecosystems *EcosystemSelection
	// Formats, when not nil, are the only formats a file may be read as;
	// a file whose content is unidentified is read as none of them.
	Formats []string
	// Unidentified accepts files whose content matches no known format
	// and is not inert, by path, each entry with its reason.
	Unidentified []UnidentifiedAcceptance
	// Signatures are signature requirements by path.
	Signatures []SignatureRequirement
	// Waivers take one finding of one exact file out of the verdict.
	Waivers []Waiver
}

// Position is where an entry was written in the policy file.
type Position struct {
	Line, Column int
}

// RuleOverride changes how one rule's findings count, for every path or
// only the paths its globs match.
type RuleOverride struct {
	Rule     string
	Disabled bool
	Severity formats.Severity // when not Disabled
	Paths    []Glob           // empty: every path
	Reason   string
	// AllowsCodeExecution is the explicit flag that lowering or disabling
	// a code-execution rule needs.
	AllowsCodeExecution bool
	Pos                 Position
}

// AllowedGlobal is a pickle global (module.name, as findings report it in
// Details["global"]) that the project vouches for.
type AllowedGlobal struct {
	Global string
	Reason string
	// Denied says the global is on modelgate's denylist; it is then only
	// allowed when AllowsCodeExecution is set (parsing enforces it).
	Denied              bool
	AllowsCodeExecution bool
	Pos                 Position
}

// EcosystemSelection picks the pickle allowlist's ecosystems: Enable, when
// not nil, lists the only ones that count; Disable switches ones off. A
// disabled ecosystem's globals are judged as not on the allowlist (MG101).
type EcosystemSelection struct {
	Enable  []string
	Disable []string
	Pos     Position
}

// PickleSelection is the selection the pickle analyzers judge globals
// with; every ecosystem counts when the policy sets none. Parsing checked
// the names, so building it cannot fail.
func (p *Policy) PickleSelection() globals.Selection {
	if p == nil || p.Ecosystems == nil {
		return globals.Selection{}
	}
	s, err := globals.NewSelection(p.Ecosystems.Enable, p.Ecosystems.Disable)
	if err != nil {
		return globals.Selection{}
	}
	return s
}

// UnidentifiedAcceptance accepts the files its globs match when their
// content is unidentified: they are skipped, with the reason in the report,
// instead of inconclusive.
type UnidentifiedAcceptance struct {
	Paths  []Glob
	Reason string
	Pos    Position
}

// SignatureRequirement says which files must carry a verified signature,
// and from whom.
type SignatureRequirement struct {
	Paths      []Glob
	Identities []string
	Issuers    []string
	Keys       []string
	Pos        Position
}

// Waiver takes the findings of one rule in one exact file (by path and
// SHA-256) out of the verdict until its expiry date has passed.
type Waiver struct {
	Rule    string
	Path    Glob
	SHA256  string
	Reason  string
	Owner   string
	Expires time.Time // the last day the waiver applies, UTC midnight
	// AllowsCodeExecution is the explicit flag waiving a code-execution
	// rule needs.
	AllowsCodeExecution bool
	Pos                 Position
}

// Expired reports whether the waiver no longer applies at now: it applies
// through the whole of its expiry day (UTC).
func (w Waiver) Expired(now time.Time) bool {
	return !now.UTC().Before(w.Expires.AddDate(0, 0, 1))
}

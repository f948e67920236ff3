package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func finding(rule string, sev formats.Severity, loc string, details ...string) formats.Finding {
	f := formats.Finding{Rule: rule, Severity: sev, Message: rule + " here", Location: loc, Offset: 10}
	for i := 0; i+1 < len(details); i += 2 {
		f = f.With(details[i], details[i+1])
	}
	return f
}

// report is a scan of models/ with one pickle, one safetensors file and a
// README.
func report() *scanner.Report {
	r := &scanner.Report{
		Targets: []string{"models"},
		FailOn:  formats.Medium,
		Files: []scanner.FileResult{
			{Path: "models/README.md", Outcome: scanner.Skipped, Findings: []formats.Finding{}},
			{Path: "models/legacy.pkl", SHA256: sha, Formats: []string{"pickle"}, Outcome: scanner.Findings, Findings: []formats.Finding{
				finding("MG101", formats.Medium, "models/legacy.pkl@10", "global", "mypkg.model.Net"),
				finding("MG102", formats.Critical, "models/legacy.pkl@20", "global", "builtins.exec"),
				finding("MG108", formats.Medium, "models/legacy.pkl@30"),
			}},
			{Path: "models/model.safetensors", SHA256: strings.Repeat("a", 64), Formats: []string{"safetensors"},
				Outcome: scanner.Clean, Findings: []formats.Finding{}},
		},
	}
	r.Summarize()
	return r
}

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := Parse("policy.yaml", []byte("version: 1\n"+src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rulesOf lists "RULE:severity" for the findings left in the verdict and
// "RULE/kind" for the suppressed ones, file by file.
func rulesOf(r *scanner.Report) string {
	var out []string
	for _, f := range r.Files {
		for _, x := range f.Findings {
			out = append(out, x.Rule+":"+x.Severity.String())
		}
		for _, s := range f.Suppressed {
			out = append(out, s.Finding.Rule+"/"+s.Kind)
		}
	}
	return strings.Join(out, " ")
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		policy  string
		want    string // rulesOf after applying
		verdict string
		note    string // in the policy notes
	}{
		{"empty policy changes nothing", "", "MG101:medium MG102:critical MG108:medium", "fail", ""},
		{"severity override", "rules:\n  MG108: low\n", "MG101:medium MG102:critical MG108:low", "fail", ""},
		{"disable", "rules:\n  MG108: off\n", "MG101:medium MG102:critical MG108/disabled", "fail", ""},
		{"disable by matching glob", "rules:\n  MG108:\n    severity: off\n    paths: ['*.pkl']\n",
			"MG101:medium MG102:critical MG108/disabled", "fail", ""},
		{"disable by glob relative to target", "rules:\n  MG108:\n    severity: off\n    paths: ['legacy.pkl']\n",
			"MG101:medium MG102:critical MG108/disabled", "fail", ""},
		{"glob that does not match", "rules:\n  MG108:\n    severity: off\n    paths: ['other/**']\n",
			"MG101:medium MG102:critical MG108:medium", "fail", ""},
		{"last override wins", "rules:\n  MG108:\n    - severity: info\n    - severity: high\n      paths: ['models/**']\n",
			"MG101:medium MG102:critical MG108:high", "fail", ""},
		{"allowed global drops unknown-global finding", "pickle:\n  allow:\n    - global: mypkg.model.Net\n      reason: ours\n",
			"MG102:critical MG108:medium MG101/allowed-by-policy", "fail", ""},
		{"denylisted global with the flag", "pickle:\n  allow:\n    - global: builtins.exec\n      reason: fixture\n      " +
			CodeExecutionFlag + ": true\n", "MG101:medium MG108:medium MG102/allowed-by-policy", "fail", ""},
		{"waiver", "waivers:\n  - {rule: MG108, path: models/legacy.pkl, sha256: " + sha + ", reason: pad, owner: me, expires: 2026-06-01}\n",
			"MG101:medium MG102:critical MG108/waived", "fail", ""},
		{"expired waiver", "waivers:\n  - {rule: MG108, path: models/legacy.pkl, sha256: " + sha + ", reason: pad, owner: me, expires: 2026-05-31}\n",
			"MG101:medium MG102:critical MG108:medium", "fail", "expired on 2026-05-31 and no longer applies"},
		{"waiver for other bytes", "waivers:\n  - {rule: MG108, path: models/legacy.pkl, sha256: " + strings.Repeat("b", 64) +
			", reason: pad, owner: me, expires: 2027-01-01}\n", "MG101:medium MG102:critical MG108:medium", "fail", "matched no finding"},
		{"formats allowed", "formats:\n  allow: [safetensors]\n",
			"MG101:medium MG102:critical MG108:medium MG090:high", "fail", ""},
		{"signature required fails closed", "signatures:\n  require:\n    - keys: [k.pub]\n      paths: ['*.safetensors']\n",
			"MG101:medium MG102:critical MG108:medium MG091:high", "fail", SignatureUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report()
			mustParse(t, tt.policy).Apply(r, now, nil)
			if got := rulesOf(r); got != tt.want {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
			if r.Summary.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s", r.Summary.Verdict, tt.verdict)
			}
			notes := strings.Join(r.Policy.Notes, "\n")
			if (tt.note == "") != (notes == "") || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want %q", notes, tt.note)
			}
		})
	}
}

func TestApplyPassesOnceEverythingIsAccountedFor(t *testing.T) {
	r := report()
	mustParse(t, "pickle:\n  allow:\n    - {global: mypkg.model.Net, reason: ours}\n"+
		"    - {global: builtins.exec, reason: fixture, "+CodeExecutionFlag+": true}\n"+
		"waivers:\n  - {rule: MG108, path: '**/legacy.pkl', sha256: "+sha+", reason: pad, owner: me, expires: 2027-01-01}\n").Apply(r, now, nil)
	if r.Summary.Verdict != "pass" || r.ExitCode() != scanner.ExitClean {
		t.Fatalf("verdict %s exit %d: %s", r.Summary.Verdict, r.ExitCode(), rulesOf(r))
	}
	if f := r.Files[1]; f.Outcome != scanner.Clean || len(f.Findings) != 0 || len(f.Suppressed) != 3 {
		t.Errorf("file %+v", f)
	}
	if r.Summary.BySeverity["critical"] != 0 {
		t.Errorf("suppressed findings counted: %v", r.Summary.BySeverity)
	}
	if r.Policy == nil || r.Policy.SHA256 == "" {
		t.Errorf("policy info %+v", r.Policy)
	}
}

func TestApplySignatureRequirementIsInconclusiveEvenWhenFindingIsDisabled(t *testing.T) {
	r := report()
	mustParse(t, "fail-on: critical\nrules:\n  MG091: off\nsignatures:\n  require:\n    - keys: [k.pub]\n      paths: ['*.safetensors']\n").Apply(r, now, nil)
	f := r.Files[2]
	if f.Outcome != scanner.Inconclusive || !strings.Contains(f.Error, SignatureUnavailable) {
		t.Errorf("file %+v", f)
	}
	r.FailOn = formats.Critical + 1 // nothing can fail: only the inconclusive file decides
	r.Summarize()
	if r.ExitCode() != scanner.ExitNoVerdict {
		t.Errorf("exit %d, want %d", r.ExitCode(), scanner.ExitNoVerdict)
	}
}

func TestApplySkipsSkippedFiles(t *testing.T) {
	r := report()
	mustParse(t, "formats:\n  allow: [pickle, safetensors]\nsignatures:\n  require:\n    - keys: [k.pub]\n      paths: ['*.md']\n").Apply(r, now, nil)
	if f := r.Files[0]; f.Outcome != scanner.Skipped || len(f.Findings) != 0 {
		t.Errorf("README %+v", f)
	}
}

func TestWaiverExpiry(t *testing.T) {
	w := Waiver{Expires: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 6, 1, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), false},
	} {
		if got := w.Expired(tt.at); got != tt.want {
			t.Errorf("Expired(%v) = %v", tt.at, got)
		}
	}
}

func TestApplySignatureRequirementWithVerifier(t *testing.T) {
	const pol = "signatures:\n  require:\n    - keys: [k.pub]\n      paths: ['*.safetensors', '*.pkl']\n"
	for _, ok := range []bool{true, false} {
		r := report()
		calls := 0
		mustParse(t, pol).Apply(r, now, func(target string, req SignatureRequirement) (bool, string) {
			calls++
			if target != "models" || len(req.Keys) != 1 {
				t.Errorf("verify(%q, %+v)", target, req)
			}
			return ok, "digest mismatch: \"model.safetensors\" changed since signing"
		})
		if calls != 1 {
			t.Errorf("verified %d times for one target and one requirement", calls)
		}
		f := r.Files[2]
		got := slices.ContainsFunc(f.Findings, func(x formats.Finding) bool { return x.Rule == RuleSignatureRequired })
		if got == ok || f.Outcome == scanner.Inconclusive {
			t.Errorf("verified=%v: file %+v", ok, f)
		}
		if !ok && !strings.Contains(f.Findings[0].Message, "digest mismatch") {
			t.Errorf("finding %q lacks the reason", f.Findings[0].Message)
		}
	}
}

// TestAllowCoversSplitPickleRules: a policy's pickle.allow covers a global
// reported as used beyond its allowlist entry (MG116) on the project's word,
// and an introspection primitive (MG115) only with the flag.
func TestAllowCoversSplitPickleRules(t *testing.T) {
	mk := func() *scanner.Report {
		r := &scanner.Report{Targets: []string{"models"}, FailOn: formats.Medium, Files: []scanner.FileResult{
			{Path: "models/a.pkl", SHA256: sha, Formats: []string{"pickle"}, Outcome: scanner.Findings, Findings: []formats.Finding{
				finding("MG116", formats.Medium, "models/a.pkl@10", "global", "mypkg.model.Net"),
				finding("MG115", formats.High, "models/a.pkl@20", "global", "builtins.dir"),
			}},
		}}
		r.Summarize()
		return r
	}
	for _, tt := range []struct{ policy, want string }{
		{"pickle:\n  allow:\n    - {global: mypkg.model.Net, reason: ours}\n", "MG115:high MG116/allowed-by-policy"},
		{"pickle:\n  allow:\n    - {global: mypkg.model.Net, reason: ours}\n    - {global: builtins.dir, reason: fixture, " +
			CodeExecutionFlag + ": true}\n", "MG116/allowed-by-policy MG115/allowed-by-policy"},
	} {
		r := mk()
		mustParse(t, tt.policy).Apply(r, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil)
		if got := rulesOf(r); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.policy, got, tt.want)
		}
	}
	if _, err := Parse("p.yaml", []byte("version: 1\npickle:\n  allow:\n    - {global: builtins.dir, reason: r}\n")); err == nil {
		t.Error("allowing an introspection primitive without the flag was accepted")
	}
}

// TestUnidentified: formats.unidentified skips unidentified content by
// path with its reason, and formats.allow fails unidentified content that
// no entry accepts; inert files need no entry.
func TestUnidentified(t *testing.T) {
	unidentified := func(path string, findings ...formats.Finding) scanner.FileResult {
		return scanner.FileResult{Path: path, Outcome: scanner.Inconclusive, Reason: "unsupported", Unidentified: true,
			Error: "unidentified binary data (4 KB)", Findings: append([]formats.Finding{}, findings...)}
	}
	accept := "formats:\n  unidentified:\n    - paths: [emb/*.dat]\n      reason: our own table\n"
	memberPolicy := "formats:\n  unidentified:\n    - paths: ['m.tar!extra/blob.bin', 'm.tar!*.lut']\n      reason: lookup table\n"
	withMembers := func(path string, rest ...any) scanner.FileResult {
		f := scanner.FileResult{Path: path, Outcome: scanner.Inconclusive, Reason: "unsupported", Findings: []formats.Finding{}}
		for _, x := range rest {
			switch x := x.(type) {
			case string:
				f.UnidentifiedMembers = append(f.UnidentifiedMembers, x)
			case formats.Finding:
				f.Findings = append(f.Findings, x)
			}
		}
		f.Error = f.UnidentifiedMembers[0] + ": member matches no known format: unidentified binary data"
		return f
	}
	tests := []struct {
		name, policy string
		file         scanner.FileResult
		outcome      scanner.Outcome
		note         string // in the file's note
		rules        string
		verdict      string
	}{
		{"not accepted", "", unidentified("models/emb/a.dat"), scanner.Inconclusive, "", "", "no-verdict"},
		{"accepted", accept, unidentified("models/emb/a.dat"), scanner.Skipped,
			"accepted by policy (formats.unidentified, line 4): our own table; content: unidentified binary data (4 KB)", "", "pass"},
		{"other path", accept, unidentified("models/b.dat"), scanner.Inconclusive, "", "", "no-verdict"},
		{"accepted keeps findings", accept, unidentified("models/emb/a.dat", finding("MG006", formats.Info, "models/emb/a.dat")),
			scanner.Findings, "accepted by policy", "MG006:info", "pass"},
		{"allow fails it", "formats:\n  allow: [safetensors]\n", unidentified("models/emb/a.dat"), scanner.Inconclusive, "", "MG090:high", "fail"},
		{"allow and accepted", "formats:\n  allow: [safetensors]\n  unidentified:\n    - paths: ['**']\n      reason: r\n",
			unidentified("models/emb/a.dat"), scanner.Skipped, "accepted by policy", "", "pass"},
		{"member not accepted", accept, withMembers("models/m.tar", "models/m.tar!extra/blob.bin"), scanner.Inconclusive, "", "", "no-verdict"},
		{"member accepted", memberPolicy, withMembers("models/m.tar", "models/m.tar!extra/blob.bin"), scanner.Clean,
			"accepted by policy (formats.unidentified): members of unidentified content, not read: models/m.tar!extra/blob.bin (line 4: lookup table)", "", "pass"},
		{"members all accepted", memberPolicy, withMembers("models/m.tar", "models/m.tar!extra/blob.bin", "models/m.tar!x.lut"), scanner.Clean,
			"models/m.tar!x.lut (line 4", "", "pass"},
		{"one member left", memberPolicy, withMembers("models/m.tar", "models/m.tar!extra/blob.bin", "models/m.tar!other.bin"),
			scanner.Inconclusive, "", "", "no-verdict"},
		{"member of another container", memberPolicy, withMembers("models/n.tar", "models/n.tar!extra/blob.bin"), scanner.Inconclusive, "", "", "no-verdict"},
		{"nested member needs its level", memberPolicy, withMembers("models/m.tar", "models/m.tar!extra/blob.bin!y"), scanner.Inconclusive, "", "", "no-verdict"},
		{"member accepted keeps findings", memberPolicy, withMembers("models/m.tar", "models/m.tar!extra/blob.bin", finding("MG201", formats.Medium, "models/m.tar!a")),
			scanner.Findings, "accepted by policy", "MG201:medium", "fail"},
		{"allow ignores inert files", "formats:\n  allow: [safetensors]\n",
			scanner.FileResult{Path: "models/README.md", Outcome: scanner.Skipped, Note: "inert: Markdown text", Findings: []formats.Finding{}},
			scanner.Skipped, "inert", "", "pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scanner.Report{Targets: []string{"models"}, FailOn: formats.Medium, Files: []scanner.FileResult{
				{Path: "models/model.safetensors", Formats: []string{"safetensors"}, Outcome: scanner.Clean, Findings: []formats.Finding{}},
				tt.file,
			}}
			r.Summarize()
			mustParse(t, tt.policy).Apply(r, now, nil)
			f := r.Files[1]
			if f.Outcome != tt.outcome || !strings.Contains(f.Note, tt.note) || rulesOf(r) != tt.rules || r.Summary.Verdict != tt.verdict {
				t.Errorf("outcome %s, note %q, rules %q, verdict %s; want %s, %q, %q, %s",
					f.Outcome, f.Note, rulesOf(r), r.Summary.Verdict, tt.outcome, tt.note, tt.rules, tt.verdict)
			}
			if f.Outcome == scanner.Skipped && (f.Error != "" || f.Reason != "") {
				t.Errorf("a skipped file keeps error %q, reason %q", f.Error, f.Reason)
			}
			if tt.outcome == scanner.Skipped && tt.file.Unidentified && r.Summary.Accepted != 1 {
				t.Errorf("summary %+v: want 1 accepted", r.Summary)
			}
		})
	}
}

package bom

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/modelgate/modelgate/signatures"
)

func TestAttestedFacts(t *testing.T) {
	s := schema(t)
	dir := makeModel(t)
	rep := scan(t, dir)
	own := encode(t, rep, Options{Root: dir}, "json")
	// The same BOM with one file's hash changed, as a BOM attested for
	// other bytes would be.
	var ob cdx.BOM
	if err := json.Unmarshal(own, &ob); err != nil {
		t.Fatal(err)
	}
	for i, c := range *ob.Components {
		if c.Name == "model.safetensors" {
			(*(*ob.Components)[i].Hashes)[0].Value = strings.Repeat("ab", 32)
		}
	}
	other, err := json.Marshal(ob)
	if err != nil {
		t.Fatal(err)
	}
	slsa := signatures.Attestation{PredicateType: "https://slsa.dev/provenance/v1", Provenance: &signatures.Provenance{
		BuilderID: "https://github.com/actions/runner/github-hosted", BuildType: "https://actions.github.io/buildtypes/workflow/v1",
		SourceRepository: "git+https://github.com/org/model@refs/heads/main", SourceDigest: "gitCommit:0123abcd",
	}}
	cyclonedx := func(p []byte) signatures.Attestation {
		return signatures.Attestation{PredicateType: signatures.CycloneDXPredicateType, Predicate: p}
	}

	tests := []struct {
		name      string
		atts      signatures.AttestationsResult
		want      []string // properties name=value
		notWant   []string
		pedigree  bool
		mismatchN int
	}{
		{"verified provenance and a matching BOM", signatures.AttestationsResult{Status: signatures.Verified, Attestations: []signatures.Attestation{slsa, cyclonedx(own)}},
			[]string{"modelgate:attestations:status=verified", "modelgate:provenance:builder=https://github.com/actions/runner/github-hosted",
				"modelgate:provenance:source=git+https://github.com/org/model@refs/heads/main", "modelgate:provenance:source-digest=gitCommit:0123abcd",
				"modelgate:attested-bom=match"}, nil, true, 0},
		{"an attested BOM of other bytes", signatures.AttestationsResult{Status: signatures.Verified, Attestations: []signatures.Attestation{cyclonedx(other)}},
			[]string{"modelgate:attested-bom=mismatch", "modelgate:attested-bom:mismatch=model.safetensors: attested sha256:abab"}, nil, false, 1},
		{"attestations that did not all verify are not believed", signatures.AttestationsResult{Status: signatures.Invalid, Reason: "1 of 2 did not verify", Attestations: []signatures.Attestation{slsa}},
			[]string{"modelgate:attestations:status=invalid", "modelgate:attestations:reason=1 of 2 did not verify"}, []string{"modelgate:provenance:", "modelgate:attested-bom"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			atts := tt.atts
			b, err := Build(context.Background(), rep, Options{Root: dir, Attestations: &atts})
			if err != nil {
				t.Fatal(err)
			}
			var props []string
			for _, p := range *b.Metadata.Component.Properties {
				props = append(props, p.Name+"="+p.Value)
			}
			all := strings.Join(props, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("no property %q in\n%s", w, all)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all, w) {
					t.Errorf("property %q recorded from unverified attestations:\n%s", w, all)
				}
			}
			ped := b.Metadata.Component.Pedigree
			hasCommit := ped != nil && ped.Commits != nil && len(*ped.Commits) == 1 &&
				(*ped.Commits)[0].UID == "0123abcd" && (*ped.Commits)[0].URL == slsa.Provenance.SourceRepository && strings.Contains(ped.Notes, "built by https://github.com/actions/runner/github-hosted")
			if hasCommit != tt.pedigree {
				t.Errorf("pedigree %+v, want the source commit: %v", ped, tt.pedigree)
			}
			if n := strings.Count(all, "modelgate:attested-bom:mismatch="); n != tt.mismatchN {
				t.Errorf("%d mismatches, want %d:\n%s", n, tt.mismatchN, all)
			}
			var out strings.Builder
			if err := Encode(&out, b, "json"); err != nil {
				t.Fatal(err)
			}
			validate(t, s, []byte(out.String()))
		})
	}
}

func TestCompareFiles(t *testing.T) {
	h := func(c byte) string { return strings.Repeat(string(c), 64) }
	ours := []cdx.Component{
		{Type: cdx.ComponentTypeFile, Name: "a", Hashes: &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: h('1')}}},
		{Type: cdx.ComponentTypeFile, Name: "b", Hashes: &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: h('2')}}},
		{Type: cdx.ComponentTypeFile, Name: "only-scanned"},
	}
	attested := `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` +
		`{"type":"file","name":"a","hashes":[{"alg":"SHA-256","content":"` + strings.ToUpper(h('1')) + `"}]},` +
		`{"type":"file","name":"b","hashes":[{"alg":"SHA-256","content":"` + h('3') + `"}]},` +
		`{"type":"file","name":"only-attested"},{"type":"library","name":"not-a-file"}]}`
	got, err := CompareFiles(ours, []byte(attested))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"b: attested sha256:" + h('3') + ", scanned sha256:" + h('2'),
		"only-attested: in the attested BOM, not scanned",
		"only-scanned: scanned, not in the attested BOM",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := CompareFiles(ours, []byte("[")); err == nil {
		t.Error("an unreadable attested BOM compared")
	}
}

package signatures

import (
	"encoding/base64"
	"testing"
)

type rawPayload []byte

func (p rawPayload) Payload() ([]byte, error) { return p, nil }

func envelope(statement string) rawPayload {
	return rawPayload(`{"payloadType":"application/vnd.in-toto+json","payload":"` +
		base64.StdEncoding.EncodeToString([]byte(statement)) + `","signatures":[]}`)
}

func TestReadAttestation(t *testing.T) {
	tests := []struct {
		name      string
		statement string
		want      Attestation
		wantErr   bool
	}{
		{
			name: "SLSA v0.2",
			statement: `{"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{"builder":{"id":"https://tekton.dev/chains/v2"},` +
				`"buildType":"tekton","invocation":{"configSource":{"uri":"git+https://example.com/m.git","digest":{"sha1":"abc"}}}}}`,
			want: Attestation{PredicateType: "https://slsa.dev/provenance/v0.2", Provenance: &Provenance{
				BuilderID: "https://tekton.dev/chains/v2", BuildType: "tekton", SourceRepository: "git+https://example.com/m.git", SourceDigest: "sha1:abc"}},
		},
		{
			name: "SLSA v1, first dependency with a digest is the source",
			statement: `{"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"bt","resolvedDependencies":[` +
				`{"uri":"no-digest"},{"uri":"git+https://example.com/m","digest":{"gitCommit":"0123","sha256":"ff"}}]},"runDetails":{"builder":{"id":"b"}}}}`,
			want: Attestation{PredicateType: "https://slsa.dev/provenance/v1", Provenance: &Provenance{
				BuilderID: "b", BuildType: "bt", SourceRepository: "git+https://example.com/m", SourceDigest: "sha256:ff"}},
		},
		{
			name:      "verdict",
			statement: `{"predicateType":"https://modelgate.dev/verdict/v1","predicate":{"verdict":"fail","rulesVersion":"v1","findings":{"critical":1}}}`,
			want:      Attestation{PredicateType: VerdictPredicateType, Verdict: "fail", RulesVersion: "v1", Findings: map[string]int{"critical": 1}},
		},
		{
			name:      "other predicates are reported by type only",
			statement: `{"predicateType":"https://cyclonedx.org/bom","predicate":{"bomFormat":"CycloneDX"}}`,
			want:      Attestation{PredicateType: CycloneDXPredicateType},
		},
		{name: "verdict of the wrong shape", statement: `{"predicateType":"https://modelgate.dev/verdict/v1","predicate":{"verdict":1}}`, wantErr: true},
		{name: "not a statement", statement: `[1]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAttestation(envelope(tt.statement))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got.PredicateType != tt.want.PredicateType || got.Verdict != tt.want.Verdict || got.RulesVersion != tt.want.RulesVersion ||
				len(got.Findings) != len(tt.want.Findings) || got.Findings["critical"] != tt.want.Findings["critical"] {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if (got.Provenance == nil) != (tt.want.Provenance == nil) || got.Provenance != nil && *got.Provenance != *tt.want.Provenance {
				t.Errorf("provenance %+v, want %+v", got.Provenance, tt.want.Provenance)
			}
		})
	}
}

func FuzzReadAttestation(f *testing.F) {
	f.Add([]byte(envelope(`{"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`)))
	f.Add([]byte(`{"payload":"!!"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		readAttestation(rawPayload(b))
	})
}

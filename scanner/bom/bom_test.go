package bom

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/signatures"
)

// schema compiles the vendored CycloneDX 1.6 JSON schema.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		f, err := os.Open(filepath.Join("testdata", "schema", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validate checks encoded JSON against the 1.6 schema.
func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Fatalf("BOM does not validate against CycloneDX 1.6: %v\n%s", err, data)
	}
}

// safetensorsFile is a minimal valid safetensors file with two tensors.
func safetensorsFile() []byte {
	hdr := `{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, uint64(len(hdr)))
	out.WriteString(hdr)
	out.Write(make([]byte, 32))
	return out.Bytes()
}

func makeModel(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny-bert")
	files := map[string][]byte{
		"model.safetensors": safetensorsFile(),
		"config.json":       []byte(`{"architectures":["BertForMaskedLM"],"model_type":"bert","quantization_config":{"quant_method":"bitsandbytes"}}`),
		"README.md":         []byte("---\nlicense: apache-2.0\ndatasets:\n- wikipedia\n- bookcorpus\nbase_model: google-bert/bert-base-uncased\npipeline_tag: fill-mask\n---\n# tiny\n"),
	}
	for n, d := range files {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func scan(t *testing.T, dir string) *scanner.Report {
	t.Helper()
	src, err := fetch.Open(context.Background(), dir, fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: dir, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func encode(t *testing.T, rep *scanner.Report, opts Options, format string) []byte {
	t.Helper()
	b, err := Build(context.Background(), rep, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Encode(&out, b, format); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestBOMFromScan(t *testing.T) {
	s := schema(t)
	dir := makeModel(t)
	rep := scan(t, dir)
	// A finding as an analyzer would report it, to exercise the
	// vulnerability mapping whatever the analyzers find in this model.
	rep.Files = append(rep.Files, scanner.FileResult{
		Path: "pytorch_model.bin", Size: 10, SHA256: strings.Repeat("ab", 32), Formats: []string{"pytorch"},
		Outcome: scanner.Findings,
		Findings: []formats.Finding{{
			Rule: "MG101", Severity: formats.Critical, Message: "pickle imports os.system",
			Location: "pytorch_model.bin!archive/data.pkl@12", Offset: 12,
			Details: map[string]string{"global": "os.system", "cve": "CVE-2025-32434"},
		}},
	})
	idx := int64(42)
	sig := &signatures.Result{
		Status: signatures.Verified, Method: signatures.MethodSigstore,
		Identity: "release@example.com", Issuer: "https://accounts.example.com", LogIndex: &idx,
		SignedAt: "2026-01-02T03:04:05Z", RootDigest: strings.Repeat("cd", 32),
		Signature: filepath.Join(dir, "model.sig"), SignatureSHA256: strings.Repeat("ef", 32),
	}
	opts := Options{Root: dir, Name: "tiny-bert", PURL: "pkg:huggingface/example/tiny-bert@0123456789abcdef0123456789abcdef01234567", Revision: "0123456789abcdef0123456789abcdef01234567", Signature: sig}
	out := encode(t, rep, opts, "json")
	validate(t, s, out)

	if again := encode(t, rep, opts, "json"); !bytes.Equal(out, again) {
		t.Error("BOM is not byte-deterministic")
	}
	for _, want := range []string{
		`"type": "machine-learning-model"`, `"modelArchitecture": "BertForMaskedLM"`, `"architectureFamily": "bert"`,
		`"task": "fill-mask"`, `"name": "wikipedia"`, `"pkg:huggingface/google-bert/bert-base-uncased"`,
		`"name": "apache-2.0"`, `"modelgate:parameters"`, `"value": "10"`, `"value": "BF16,F32"`,
		`"value": "bitsandbytes"`, `"id": "MG101"`, `"severity": "critical"`, "502", `"CVE-2025-32434"`,
		`"ref": "file:pytorch_model.bin"`, `"modelgate:signature:status"`, `"value": "verified"`,
		`"modelgate:signature:log-index"`, `"value": "42"`, `"type": "attestation"`, `"url": "model.sig"`,
		`"alg": "SHA-256"`, `"dependsOn"`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("BOM lacks %s", want)
		}
	}
	if bytes.Contains(out, []byte(`"timestamp"`)) || bytes.Contains(out, []byte(dir)) {
		t.Error("BOM records a timestamp or the scanning machine's path")
	}

	xml := encode(t, rep, opts, "xml")
	if !bytes.Contains(xml, []byte(`xmlns="http://cyclonedx.org/schema/bom/1.6"`)) {
		t.Errorf("XML BOM is not 1.6:\n%.300s", xml)
	}
}

func TestBOMOutcomes(t *testing.T) {
	s := schema(t)
	rep := &scanner.Report{Targets: []string{"/models/x/"}, Summary: scanner.Summary{Verdict: "no-verdict"}, Files: []scanner.FileResult{
		{Path: "a.bin", Outcome: scanner.Inconclusive, Reason: "limit"},
	}}
	tests := []struct {
		name string
		sig  *signatures.Result
		want []string
		deny []string
	}{
		{"not checked", nil, []string{`"value": "not-checked"`}, nil},
		{"invalid", &signatures.Result{Status: signatures.Invalid, Reason: "digest mismatch", Identity: "mallory@example.com"},
			[]string{`"value": "invalid"`, `"value": "digest mismatch"`}, []string{"mallory"}},
		{"unsigned", &signatures.Result{Status: signatures.Unsigned, Reason: "no signature"}, []string{`"value": "unsigned"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := encode(t, rep, Options{Signature: tt.sig}, "json")
			validate(t, s, out)
			for _, w := range tt.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("lacks %s", w)
				}
			}
			for _, d := range tt.deny {
				if bytes.Contains(out, []byte(d)) {
					t.Errorf("records %s from an unverified signature", d)
				}
			}
			var doc struct {
				Metadata struct{ Component struct{ Name string } }
			}
			if err := json.Unmarshal(out, &doc); err != nil || doc.Metadata.Component.Name != "x" {
				t.Errorf("model name %q (%v), want x", doc.Metadata.Component.Name, err)
			}
		})
	}
	quick := &scanner.Report{Targets: []string{"/models/x/"}, Summary: scanner.Summary{Verdict: "pass"}, Files: []scanner.FileResult{
		{Path: "m.safetensors", Outcome: scanner.Clean, SHA256NotComputed: scanner.NotComputedQuick},
		{Path: "c.safetensors", Outcome: scanner.Clean, SHA256: strings.Repeat("a", 64), Cached: true},
	}}
	out := encode(t, quick, Options{}, "json")
	validate(t, s, out)
	if !bytes.Contains(out, []byte(`"value": "not computed (quick)"`)) || bytes.Count(out, []byte(`"alg": "SHA-256"`)) != 1 ||
		!bytes.Contains(out, []byte(`"name": "modelgate:cached"`)) {
		t.Errorf("a quick scan's file without a hash:\n%s", out)
	}
	if _, err := Build(context.Background(), nil, Options{}); err == nil {
		t.Error("built a BOM without a report")
	}
	var buf bytes.Buffer
	if err := Encode(&buf, nil, "yaml"); err == nil {
		t.Error("encoded an unknown format")
	}
}

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cdxSchema compiles the vendored CycloneDX 1.6 JSON schema.
func cdxSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		f, err := os.Open(filepath.Join("..", "..", "scanner", "bom", "testdata", "schema", name))
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

// tinySafetensors is a safetensors file of one F32 tensor of n values.
func tinySafetensors(n int) []byte {
	hdr := fmt.Sprintf(`{"w":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]}}`, n, 4*n)
	hdr += strings.Repeat(" ", (8-len(hdr)%8)%8)
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, uint64(len(hdr)))
	b.WriteString(hdr)
	b.Write(make([]byte, 4*n))
	return b.Bytes()
}

// bigPickle is a protocol 4 pickle of one n-byte bytes object.
func bigPickle(n int) []byte {
	b := []byte{0x80, 4, 0x8e}
	b = binary.LittleEndian.AppendUint64(b, uint64(n))
	b = append(b, make([]byte, n)...)
	return append(b, '.')
}

// TestOneScanWritesEveryReport scans a model served over HTTP once and
// writes SARIF, JSON and the CycloneDX BOM from that one scan: the server
// sends each byte of the model once (besides the one-byte request that
// learns its size), as many as for SARIF alone, and every report agrees
// on the verdict.
func TestOneScanWritesEveryReport(t *testing.T) {
	evil, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", "evil.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	sch := cdxSchema(t)
	for _, tc := range []struct {
		name      string
		data      []byte
		code      int
		bomFlag   []string
		vulnerabl bool
	}{
		{"model.pkl", evil, 1, []string{"--bom"}, true},
		{"model.safetensors", tinySafetensors(1 << 19), 0, []string{"--report", "cyclonedx="}, false},
		{"bytes.pkl", bigPickle(1 << 20), 0, []string{"--report", "bom="}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Counted from the ranges asked for, which a scan has sent
			// before it ends, unlike the bytes a handler may still be
			// writing.
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch rng := r.Header.Get("Range"); rng {
				case "bytes=0-0":
					// The size probe: not a read of the model.
				case "":
					sent.Add(int64(len(tc.data)))
				default:
					var a, b int64
					if _, err := fmt.Sscanf(rng, "bytes=%d-%d", &a, &b); err != nil {
						t.Errorf("range %q: %v", rng, err)
					}
					sent.Add(min(b, int64(len(tc.data))-1) - a + 1)
				}
				http.ServeContent(w, r, tc.name, time.Time{}, bytes.NewReader(tc.data))
			}))
			defer srv.Close()
			dir := t.TempDir()
			sarif, js, cdx := filepath.Join(dir, "out.sarif"), filepath.Join(dir, "out.json"), filepath.Join(dir, "model.cdx.json")
			target := srv.URL + "/" + tc.name

			if code, _, stderr := modelgate(t, "scan", "--no-cache", "--format", "sarif", "-o", sarif, target); code != tc.code {
				t.Fatalf("SARIF only: exit %d, want %d\n%s", code, tc.code, stderr)
			}
			alone := sent.Swap(0)
			args := []string{"scan", "--no-cache", "--format", "sarif", "-o", sarif, "--report", "json=" + js}
			if bomArg := tc.bomFlag[len(tc.bomFlag)-1]; strings.HasSuffix(bomArg, "=") {
				args = append(args, tc.bomFlag[0], bomArg+cdx)
			} else {
				args = append(args, bomArg, cdx)
			}
			code, stdout, stderr := modelgate(t, append(args, target)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			// The JSON report and the BOM cost no read, and the scan reads
			// each byte once (a model-named file of at most 1 KiB, which
			// may be a Git LFS pointer, is checked as the scan read it).
			all := sent.Load()
			if all != alone {
				t.Errorf("SARIF, JSON and BOM: the server sent %d bytes; SARIF alone: %d", all, alone)
			}
			if want := int64(len(tc.data)); all != want {
				t.Errorf("the server sent %d bytes of a %d-byte model", all, len(tc.data))
			}
			t.Logf("%s: %d bytes sent for a %d-byte model", tc.name, all, len(tc.data))

			var rep struct {
				Summary struct{ Verdict string } `json:"summary"`
			}
			jsonDoc, _ := os.ReadFile(js)
			if err := json.Unmarshal(jsonDoc, &rep); err != nil {
				t.Fatalf("json report: %v", err)
			}
			if s, _ := os.ReadFile(sarif); !bytes.Contains(s, []byte(`"version": "2.1.0"`)) && !bytes.Contains(s, []byte(`"version":"2.1.0"`)) {
				t.Fatalf("not a SARIF 2.1.0 log: %.200s", s)
			}
			b, err := os.ReadFile(cdx)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("BOM is not JSON: %v", err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Fatalf("BOM does not validate against CycloneDX 1.6: %v", err)
			}
			var bom struct {
				Metadata struct {
					Component struct {
						Properties []struct{ Name, Value string }
					}
				}
				Vulnerabilities []json.RawMessage
			}
			if err := json.Unmarshal(b, &bom); err != nil {
				t.Fatal(err)
			}
			verdict := ""
			for _, p := range bom.Metadata.Component.Properties {
				if p.Name == "modelgate:verdict" {
					verdict = p.Value
				}
			}
			if verdict != rep.Summary.Verdict || verdict == "" {
				t.Errorf("BOM verdict %q, JSON report's %q", verdict, rep.Summary.Verdict)
			}
			if (len(bom.Vulnerabilities) > 0) != tc.vulnerabl {
				t.Errorf("BOM lists %d vulnerabilities, want some: %v", len(bom.Vulnerabilities), tc.vulnerabl)
			}
		})
	}
}

func TestReportFormatsUsage(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "m.safetensors", tinySafetensors(4))
	for _, f := range []string{"bom", "cyclonedx"} {
		out := filepath.Join(dir, f+".cdx.json")
		if code, _, stderr := modelgate(t, "scan", "--no-cache", "-q", "--report", f+"="+out, p); code != 0 {
			t.Fatalf("--report %s: exit %d %s", f, code, stderr)
		}
		if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte(`"bomFormat": "CycloneDX"`)) {
			t.Fatalf("--report %s: %.200s %v", f, b, err)
		}
	}
	if code, _, stderr := modelgate(t, "scan", "--report", "spdx=x.json", p); code != 3 || !strings.Contains(stderr, "cyclonedx") {
		t.Fatalf("--report spdx: exit %d %s", code, stderr)
	}
}

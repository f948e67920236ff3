package shipping

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type action struct {
	Name        string
	Description string
	Author      string
	Branding    struct{ Icon, Color string }
	Inputs      map[string]struct {
		Description string
		Required    bool
		Default     *string
	}
	Outputs map[string]struct {
		Description string
		Value       string
	}
	Runs struct {
		Using string
		Steps []struct {
			ID               string
			Name             string
			If               string
			Uses             string
			Shell            string
			Run              string
			Env              map[string]string
			With             map[string]string
			WorkingDirectory string `yaml:"working-directory"`
		}
	}
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

func TestActionShape(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Name == "" || a.Description == "" {
		t.Error("action.yml needs a name and a description")
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	for _, in := range []string{"paths", "targets", "policy", "fail-on", "sarif", "json", "bom", "upload-sarif", "args"} {
		i, ok := a.Inputs[in]
		if !ok {
			t.Errorf("input %s missing", in)
			continue
		}
		if i.Description == "" || i.Default == nil {
			t.Errorf("input %s: needs a description and a default", in)
		}
	}
	for _, out := range []string{"exit-code", "verdict", "sarif", "json", "bom"} {
		o, ok := a.Outputs[out]
		if !ok {
			t.Errorf("output %s missing", out)
			continue
		}
		if o.Value != "${{ steps.scan.outputs."+out+" }}" {
			t.Errorf("output %s = %q, want the scan step's", out, o.Value)
		}
	}

	ids := map[string]bool{}
	var uses []string
	var scripts []string
	for i, s := range a.Runs.Steps {
		if s.ID != "" {
			ids[s.ID] = true
		}
		if (s.Uses == "") == (s.Run == "") {
			t.Errorf("step %d (%s): exactly one of uses and run", i, s.Name)
		}
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %d (%s): a composite run step needs a shell", i, s.Name)
		}
		if s.Uses != "" {
			uses = append(uses, s.Uses)
		}
		// Inputs are text a caller controls: spliced into a run script
		// they could inject commands, so they go through env.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d (%s): run uses an expression; pass it through env", i, s.Name)
		}
		if strings.Contains(s.Run, "scripts/action-scan.sh") {
			scripts = append(scripts, s.Run)
		}
		var texts []string
		texts = append(texts, "${{ "+s.If+" }}")
		for _, v := range s.Env {
			texts = append(texts, v)
		}
		for _, v := range s.With {
			texts = append(texts, v)
		}
		for _, text := range texts {
			for _, m := range expr.FindAllStringSubmatch(text, -1) {
				for _, ref := range regexp.MustCompile(`inputs\.([A-Za-z0-9_-]+)`).FindAllStringSubmatch(m[1], -1) {
					if _, ok := a.Inputs[ref[1]]; !ok {
						t.Errorf("step %d (%s): inputs.%s is not declared", i, s.Name, ref[1])
					}
				}
				for _, ref := range regexp.MustCompile(`steps\.([A-Za-z0-9_-]+)\.`).FindAllStringSubmatch(m[1], -1) {
					if !ids[ref[1]] {
						t.Errorf("step %d (%s): steps.%s is not an earlier step", i, s.Name, ref[1])
					}
				}
			}
		}
	}
	for _, want := range []string{"actions/setup-go@", "github/codeql-action/upload-sarif@"} {
		if !slices.ContainsFunc(uses, func(u string) bool { return strings.HasPrefix(u, want) }) {
			t.Errorf("no step uses %s", want)
		}
	}
	for _, s := range a.Runs.Steps {
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") &&
			(!strings.Contains(s.If, "always()") || !strings.Contains(s.If, "inputs.upload-sarif")) {
			t.Errorf("the SARIF upload must run whatever the verdict, when asked: if = %q", s.If)
		}
	}
	if len(scripts) != 2 || !strings.HasSuffix(scripts[0], " scan") || !strings.HasSuffix(scripts[1], " enforce") {
		t.Errorf("want a scan step then an enforce step calling scripts/action-scan.sh, got %q", scripts)
	}
}

// TestActionScript runs the action's shell steps with a built binary, as
// the runner would: inputs in INPUT_*, outputs to $GITHUB_OUTPUT. The
// binary is called through a wrapper that logs each call, so the test
// sees that one scan writes SARIF, JSON and the BOM.
func TestActionScript(t *testing.T) {
	bin := modelgate(t)
	script := abs(t, "scripts/action-scan.sh")
	sample := abs(t, "testdata/sample")
	blob := unidentified(t, t.TempDir())

	tests := []struct {
		name     string
		paths    string
		bom      bool
		wantCode int
		verdict  string
	}{
		{"benign", "model.pkl", true, 0, "pass"},
		{"malicious", "model.pkl\nevil.pkl", true, 1, "fail"},
		{"unreadable is no verdict", blob, false, 2, "no-verdict"},
		{"nothing to scan", "", true, 3, "usage-error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			outFile := filepath.Join(dir, "output")
			summary := filepath.Join(dir, "summary.md")
			sarif := filepath.Join(dir, "modelgate.sarif")
			jsonFile := filepath.Join(dir, "modelgate.json")
			bom := ""
			if tc.bom {
				bom = filepath.Join(dir, "model.cdx.json")
			}
			calls := filepath.Join(dir, "calls")
			wrapper := filepath.Join(dir, "modelgate")
			if err := os.WriteFile(wrapper, []byte("#!/bin/sh\necho \"$1\" >> "+strconv.Quote(calls)+"\nexec "+strconv.Quote(bin)+" \"$@\"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			env := []string{
				"MODELGATE=" + wrapper,
				"GITHUB_OUTPUT=" + outFile,
				"GITHUB_STEP_SUMMARY=" + summary,
				"INPUT_PATHS=" + tc.paths,
				"INPUT_TARGETS=",
				"INPUT_SARIF=" + sarif,
				"INPUT_JSON=" + jsonFile,
				"INPUT_BOM=" + bom,
				"INPUT_ARGS=--no-cache",
				"INPUT_POLICY=",
				"INPUT_FAIL_ON=",
			}
			log, code := run(t, sample, env, script, "scan")
			if code != 0 {
				t.Fatalf("scan step exit %d, want 0 so the upload runs:\n%s", code, log)
			}
			out := outputs(t, outFile)
			if out["exit-code"] != strconv.Itoa(tc.wantCode) || out["verdict"] != tc.verdict {
				t.Fatalf("outputs %v, want exit-code %d verdict %s\n%s", out, tc.wantCode, tc.verdict, log)
			}
			called, _ := os.ReadFile(calls)
			wantCalls := "scan\n"
			if tc.wantCode == 3 {
				wantCalls = ""
			}
			if string(called) != wantCalls {
				t.Errorf("modelgate called as %q, want one scan (%q)", called, wantCalls)
			}
			if tc.wantCode <= 2 {
				if out["sarif"] != sarif {
					t.Errorf("sarif output %q, want %q", out["sarif"], sarif)
				}
				if v := readJSON(t, sarif)["version"]; v != "2.1.0" {
					t.Errorf("SARIF version %v", v)
				}
				if out["json"] != jsonFile {
					t.Errorf("json output %q, want %q", out["json"], jsonFile)
				}
				if _, ok := readJSON(t, jsonFile)["targets"]; !ok {
					t.Errorf("%s: no targets in the JSON report", jsonFile)
				}
				if st, err := os.Stat(summary); err != nil || st.Size() == 0 {
					t.Errorf("no job summary written: %v", err)
				}
			}
			if !tc.bom || tc.wantCode > 2 {
				if out["bom"] != "" {
					t.Errorf("bom output %q, want none", out["bom"])
				}
			} else {
				if out["bom"] != bom {
					t.Fatalf("bom output %q, want %q", out["bom"], bom)
				}
				doc := readJSON(t, bom)
				if f := doc["bomFormat"]; f != "CycloneDX" {
					t.Errorf("%s: bomFormat %v", bom, f)
				}
				b, _ := os.ReadFile(bom)
				for _, name := range strings.Split(tc.paths, "\n") {
					if !strings.Contains(string(b), name) {
						t.Errorf("the BOM does not name %s", name)
					}
				}
			}

			_, code = run(t, dir, []string{"MG_EXIT=" + out["exit-code"]}, script, "enforce")
			if code != tc.wantCode {
				t.Errorf("enforce step exit %d, want the gate's %d", code, tc.wantCode)
			}
		})
	}

	// A scan step that died without recording a code must not let the
	// job pass.
	if _, code := run(t, t.TempDir(), []string{"MG_EXIT="}, script, "enforce"); code != 3 {
		t.Errorf("enforce without a recorded exit code: %d, want 3", code)
	}
}

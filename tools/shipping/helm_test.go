package shipping

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// helm is not installable here (Debian has no package), so the chart is
// checked by rendering it with text/template and the few Sprig functions
// it uses, implemented as Helm documents them; a template using any other
// function fails to parse, and a value the chart reads but values.yaml
// lacks fails the render (missingkey=error) and the static check.
const chartDir = "deploy/helm/modelgate"

type chart struct {
	APIVersion  string `yaml:"apiVersion"`
	Name        string
	Version     string
	AppVersion  string `yaml:"appVersion"`
	Description string
	Type        string
	Home        string
	Sources     []string
	Keywords    []string
}

func loadChart(t *testing.T) (chart, map[string]any, map[string]string) {
	t.Helper()
	dir := filepath.Join(root, chartDir)
	var c chart
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("Chart.yaml: %v", err)
	}
	var values map[string]any
	b, err = os.ReadFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "templates", "*"))
	if err != nil {
		t.Fatal(err)
	}
	tpls := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tpls[filepath.Base(f)] = string(b)
	}
	return c, values, tpls
}

func toYAML(v any) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case int:
		return x == 0
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// render renders every template of the chart with values, as `helm
// template` would, and returns the non-empty documents by file.
func render(c chart, values map[string]any, tpls map[string]string) (map[string]string, error) {
	root := template.New("chart").Option("missingkey=error")
	root.Funcs(template.FuncMap{
		"include": func(name string, data any) (string, error) {
			var buf bytes.Buffer
			err := root.ExecuteTemplate(&buf, name, data)
			return buf.String(), err
		},
		"toYaml":  toYAML,
		"nindent": func(n int, s string) string { return "\n" + indent(n, s) },
		"indent":  indent,
		"quote":   func(v any) string { return strconv.Quote(fmt.Sprint(v)) },
		"default": func(d, v any) any {
			if empty(v) {
				return d
			}
			return v
		},
		"int": func(v any) (int, error) {
			switch x := v.(type) {
			case int:
				return x, nil
			case float64:
				return int(x), nil
			case string:
				return strconv.Atoi(x)
			}
			return 0, fmt.Errorf("int of %T", v)
		},
		"fail":     func(msg string) (string, error) { return "", errors.New(msg) },
		"contains": func(sub, s string) bool { return strings.Contains(s, sub) },
		"trunc": func(n int, s string) string {
			if len(s) > n {
				return s[:n]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"sha256sum": func(s string) string {
			h := sha256.Sum256([]byte(s))
			return hex.EncodeToString(h[:])
		},
	})
	for _, name := range slices.Sorted(maps.Keys(tpls)) {
		if _, err := root.New(name).Parse(tpls[name]); err != nil {
			return nil, err
		}
	}
	data := map[string]any{
		"Values":  values,
		"Release": map[string]any{"Name": "mg", "Namespace": "modelgate", "Service": "Helm"},
		"Chart":   map[string]any{"Name": c.Name, "Version": c.Version, "AppVersion": c.AppVersion},
	}
	out := map[string]string{}
	for name := range tpls {
		if strings.HasPrefix(name, "_") {
			continue
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, err
		}
		if s := strings.TrimSpace(buf.String()); s != "" {
			out[name] = s
		}
	}
	return out, nil
}

func merge(dst, src map[string]any) map[string]any {
	out := maps.Clone(dst)
	for k, v := range src {
		if m, ok := v.(map[string]any); ok {
			if d, ok := out[k].(map[string]any); ok {
				out[k] = merge(d, m)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// get walks a rendered document: keys for maps, indexes for lists.
func get(t *testing.T, doc any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := doc.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a map at %q", path, k)
			}
			doc = m[k]
		case int:
			l, ok := doc.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no item %d", path, k)
			}
			doc = l[k]
		}
	}
	return doc
}

func TestHelmChart(t *testing.T) {
	c, values, tpls := loadChart(t)
	if c.APIVersion != "v2" || c.Name != "modelgate" || c.Version == "" || c.AppVersion == "" || c.Type != "application" {
		t.Errorf("Chart.yaml: %+v", c)
	}

	// Every value a template reads is declared in values.yaml, whatever
	// branch reads it.
	ref := regexp.MustCompile(`\.Values((?:\.[A-Za-z0-9_]+)+)`)
	for name, text := range tpls {
		for _, m := range ref.FindAllStringSubmatch(text, -1) {
			var v any = values
			for _, k := range strings.Split(m[1][1:], ".") {
				mv, ok := v.(map[string]any)
				if !ok {
					t.Errorf("%s: .Values%s: %s is not a map in values.yaml", name, m[1], k)
					break
				}
				if v, ok = mv[k]; !ok {
					t.Errorf("%s: .Values%s is not in values.yaml", name, m[1])
					break
				}
			}
		}
	}

	tests := []struct {
		name    string
		set     map[string]any
		wantErr string
		kinds   []string
		check   func(t *testing.T, docs map[string]map[string]any)
	}{
		{
			name:  "defaults: one replica on SQLite",
			kinds: []string{"ConfigMap", "Deployment", "Service"},
			check: func(t *testing.T, docs map[string]map[string]any) {
				d := docs["Deployment"]
				if r := get(t, d, "spec", "replicas"); r != 1 {
					t.Errorf("replicas %v", r)
				}
				pod := get(t, d, "spec", "template", "spec")
				if get(t, pod, "securityContext", "runAsNonRoot") != true || get(t, pod, "securityContext", "runAsUser") != 65532 {
					t.Errorf("pod securityContext %v", get(t, pod, "securityContext"))
				}
				ctr := get(t, pod, "containers", 0)
				if get(t, ctr, "securityContext", "readOnlyRootFilesystem") != true || get(t, ctr, "securityContext", "allowPrivilegeEscalation") != false {
					t.Errorf("container securityContext %v", get(t, ctr, "securityContext"))
				}
				if get(t, ctr, "readinessProbe", "httpGet", "path") != "/readyz" || get(t, ctr, "livenessProbe", "httpGet", "path") != "/healthz" {
					t.Errorf("probes %v %v", get(t, ctr, "readinessProbe"), get(t, ctr, "livenessProbe"))
				}
				if get(t, ctr, "resources", "limits", "memory") == nil {
					t.Error("no memory limit")
				}
				if args := fmt.Sprint(get(t, ctr, "args")); !strings.Contains(args, "--data-dir=/var/lib/modelgate") || strings.Contains(args, "--database") {
					t.Errorf("args %s", args)
				}
				var cfg map[string]any
				if err := yaml.Unmarshal([]byte(get(t, docs["ConfigMap"], "data", "serve.yaml").(string)), &cfg); err != nil || cfg["fail_on"] != "medium" {
					t.Errorf("serve.yaml %v (%v)", cfg, err)
				}
			},
		},
		{
			name:    "replicas on SQLite are refused",
			set:     map[string]any{"replicaCount": 3},
			wantErr: "PostgreSQL",
		},
		{
			name: "replicas on PostgreSQL, secrets, ServiceMonitor",
			set: map[string]any{
				"replicaCount":   3,
				"database":       map[string]any{"secretName": "mg-db"},
				"secrets":        map[string]any{"name": "mg-secrets"},
				"dockerConfig":   map[string]any{"secretName": "mg-docker"},
				"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "prom"}},
			},
			kinds: []string{"ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceMonitor"},
			check: func(t *testing.T, docs map[string]map[string]any) {
				d := docs["Deployment"]
				if r := get(t, d, "spec", "replicas"); r != 3 {
					t.Errorf("replicas %v", r)
				}
				ctr := get(t, d, "spec", "template", "spec", "containers", 0)
				env := map[string]any{}
				for _, e := range get(t, ctr, "env").([]any) {
					env[get(t, e, "name").(string)] = e
				}
				if get(t, env["MODELGATE_DATABASE"], "valueFrom", "secretKeyRef", "name") != "mg-db" {
					t.Errorf("MODELGATE_DATABASE %v", env["MODELGATE_DATABASE"])
				}
				for _, name := range []string{"MODELGATE_DISTRIBUTION_SECRET", "MODELGATE_HARBOR_SECRET", "MODELGATE_HF_WEBHOOK_SECRET", "MODELGATE_API_TOKEN", "MODELGATE_MLFLOW_WEBHOOK_SECRET", "MLFLOW_TRACKING_TOKEN", "MODELGATE_DATABRICKS_WEBHOOK_SECRET", "DATABRICKS_TOKEN"} {
					if get(t, env[name], "valueFrom", "secretKeyRef", "name") != "mg-secrets" {
						t.Errorf("%s %v", name, env[name])
					}
				}
				if env["DOCKER_CONFIG"] == nil {
					t.Error("no DOCKER_CONFIG")
				}
				if args := fmt.Sprint(get(t, ctr, "args")); !strings.Contains(args, "--database=$(MODELGATE_DATABASE)") || strings.Contains(args, "--data-dir") {
					t.Errorf("args %s", args)
				}
				sm := docs["ServiceMonitor"]
				if get(t, sm, "spec", "endpoints", 0, "path") != "/metrics" || get(t, sm, "spec", "endpoints", 0, "port") != "http" ||
					get(t, sm, "metadata", "labels", "release") != "prom" {
					t.Errorf("ServiceMonitor %v", sm)
				}
			},
		},
		{
			name:  "SQLite on a volume",
			set:   map[string]any{"persistence": map[string]any{"enabled": true}},
			kinds: []string{"ConfigMap", "Deployment", "PersistentVolumeClaim", "Service"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := render(c, merge(values, tc.set), tpls)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("render error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			docs := map[string]map[string]any{}
			for name, text := range out {
				var doc map[string]any
				if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
					t.Fatalf("%s does not render to YAML: %v\n%s", name, err, text)
				}
				kind, _ := doc["kind"].(string)
				if doc["apiVersion"] == nil || kind == "" || get(t, doc, "metadata", "name") != "mg-modelgate" {
					t.Errorf("%s: apiVersion %v kind %q name %v", name, doc["apiVersion"], kind, get(t, doc, "metadata", "name"))
				}
				docs[kind] = doc
			}
			if kinds := slices.Sorted(maps.Keys(docs)); !slices.Equal(kinds, tc.kinds) {
				t.Fatalf("kinds %v, want %v", kinds, tc.kinds)
			}
			if tc.check != nil {
				tc.check(t, docs)
			}
		})
	}
}

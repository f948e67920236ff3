package server

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server/store"
)

func TestParseEvents(t *testing.T) {
	now := time.Unix(1_750_000_000, 0).UTC()
	d := fakeDigest(1)
	tests := []struct {
		name    string
		parse   func([]byte) ([]event, int, error)
		body    string
		want    []string // targets
		ignored int
		err     string
	}{
		{"distribution push", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{AllowedRegistries: []string{"reg:5000"}})
		}, testEnvelope("1", "reg:5000", "a/b", d, now), []string{"oci://reg:5000/a/b@" + d}, 0, ""},
		{"distribution host override", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{Registry: "registry.internal:5000"})
		}, testEnvelope("1", "reg:5000", "a/b", d, now), []string{"oci://registry.internal:5000/a/b@" + d}, 0, ""},
		{"distribution layer push ignored", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{AllowedRegistries: []string{"reg:5000"}})
		}, strings.Replace(testEnvelope("1", "reg:5000", "a/b", d, now), "application/vnd.oci.image.manifest.v1+json", "application/octet-stream", 1), nil, 1, ""},
		{"distribution referrers tag ignored", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{AllowedRegistries: []string{"reg:5000"}})
		}, strings.NewReplacer(`"tag":"v1"`, `"tag":"sha256-`+d[7:]+`"`, "image.manifest.v1", "image.index.v1").Replace(testEnvelope("1", "reg:5000", "a/b", d, now)), nil, 1, ""},
		{"distribution manifest under the referrers tag scanned", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{AllowedRegistries: []string{"reg:5000"}})
		}, strings.Replace(testEnvelope("1", "reg:5000", "a/b", d, now), `"tag":"v1"`, `"tag":"sha256-`+d[7:]+`"`, 1), []string{"oci://reg:5000/a/b@" + d}, 0, ""},
		{"distribution host with path", func(b []byte) ([]event, int, error) { return parseDistribution(b, Source{Registry: "evil/host"}) }, testEnvelope("1", "reg:5000", "a/b", d, now), nil, 0, "host"},
		{"distribution host not allowed", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{AllowedRegistries: []string{"reg:5001", "other"}})
		}, testEnvelope("1", "reg:5000", "a/b", d, now), nil, 0, "allowed_registries"},
		{"distribution host allowed on any port", func(b []byte) ([]event, int, error) {
			return parseDistribution(b, Source{AllowedRegistries: []string{"REG"}})
		}, testEnvelope("1", "reg:5000", "a/b", d, now), []string{"oci://reg:5000/a/b@" + d}, 0, ""},
		{"harbor host not allowed", func(b []byte) ([]event, int, error) {
			return parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test:444"}})
		}, fmt.Sprintf(harborDefaultBody, now.Unix(), d), nil, 0, "allowed_registries"},
		{"harbor default", func(b []byte) ([]event, int, error) {
			return parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test"}})
		}, fmt.Sprintf(harborDefaultBody, now.Unix(), d), []string{"oci://harbor.test/library/model@" + d}, 0, ""},
		{"harbor string occur_at", func(b []byte) ([]event, int, error) {
			return parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test"}})
		}, strings.Replace(fmt.Sprintf(harborDefaultBody, now.Unix(), d), fmt.Sprint(now.Unix()), `"`+fmt.Sprint(now.Unix())+`"`, 1), []string{"oci://harbor.test/library/model@" + d}, 0, ""},
		{"harbor cloudevents", func(b []byte) ([]event, int, error) { return parseHarbor(b, Source{Registry: "h:443"}) }, fmt.Sprintf(harborCloudBody, "x", now.Format(time.RFC3339), d), []string{"oci://h:443/library/model@" + d}, 0, ""},
		{"harbor pull ignored", func(b []byte) ([]event, int, error) {
			return parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test"}})
		}, strings.Replace(fmt.Sprintf(harborDefaultBody, now.Unix(), d), "PUSH_ARTIFACT", "PULL_ARTIFACT", 1), nil, 1, ""},
		{"harbor scan completed ignored", func(b []byte) ([]event, int, error) {
			return parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test"}})
		}, strings.Replace(fmt.Sprintf(harborCloudBody, "x", now.Format(time.RFC3339), d), "harbor.artifact.pushed", "harbor.scan.completed", 1), nil, 1, ""},
		{"harbor push without resources", func(b []byte) ([]event, int, error) {
			return parseHarbor(b, Source{AllowedRegistries: []string{"harbor.test"}})
		}, `{"type":"PUSH_ARTIFACT","occur_at":1,"event_data":{}}`, nil, 0, "resources"},
		{"hf content", parseHuggingFace, fmt.Sprintf(hfBody, sha40(1), sha40(2)), []string{"hf://acme/tiny@" + sha40(2)}, 0, ""},
		{"hf deleted ref", parseHuggingFace, strings.Replace(fmt.Sprintf(hfBody, sha40(1), sha40(2)), `"`+sha40(2)+`"`, "null", 1), nil, 1, ""},
		{"hf no refs uses head_sha", parseHuggingFace, `{"event":{"action":"update","scope":"repo.content"},"repo":{"type":"model","name":"a/b","head_sha":"` + sha40(3) + `"}}`, []string{"hf://a/b@" + sha40(3)}, 0, ""},
		{"hf config scope ignored", parseHuggingFace, `{"event":{"action":"update","scope":"repo.config"},"repo":{"type":"model","name":"a/b"}}`, nil, 1, ""},
		{"hf bad repo name", parseHuggingFace, strings.Replace(fmt.Sprintf(hfBody, sha40(1), sha40(2)), "acme/tiny", "../x", 1), nil, 0, "repo name"},
		{"hf not an object", parseHuggingFace, `"x"`, nil, 0, "webhook"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, ignored, err := tc.parse([]byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.Target)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || ignored != tc.ignored {
				t.Fatalf("got %v ignored %d, want %v ignored %d", got, ignored, tc.want, tc.ignored)
			}
		})
	}
}

func TestImmutableDigestAndPURL(t *testing.T) {
	d := fakeDigest(1)
	for in, want := range map[string]string{
		"oci://r/a@" + d:              d,
		"oci://r/a:v1":                "",
		"hf://a/b@" + sha40(1):        sha40(1),
		"hf://a/b@" + sha40(1) + "/x": sha40(1),
		"hf://a/b@main":               "",
	} {
		if got := immutableDigest(in); got != want {
			t.Errorf("immutableDigest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := purlOf("oci://reg:5000/org/model@" + d); got != "pkg:oci/model@sha256%3A"+d[7:]+"?repository_url=reg:5000/org/model" {
		t.Errorf("oci purl %s", got)
	}
	if got := purlOf("hf://a/b@" + sha40(1)); got != "pkg:huggingface/a/b@"+sha40(1) {
		t.Errorf("hf purl %s", got)
	}
}

// TestRetryThenFail checks that a fetch error is retried with backoff and
// the job ends failed with the reason once attempts run out.
func TestRetryThenFail(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxAttempts = 3
	cfg.RetryBase = 20 * time.Millisecond
	srv := newServer(t, cfg)
	r := start(t, srv, listen(t))
	ln := listen(t)
	dead := ln.Addr().String()
	ln.Close() // nothing listens there any more
	d := fakeDigest(42)
	if code, body := post(t, r.url+"/v1/scans", `{"target":"oci://`+dead+`/a/b@`+d+`"}`, bearer()); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, body)
	}
	jobs := waitDone(t, srv.Store(), d, 20*time.Second)
	j := jobs[0]
	if j.State != store.Failed || j.Attempts != 3 || !strings.Contains(j.Reason, "fetch") {
		t.Fatalf("job %+v", j)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "serve.yaml")
	t.Setenv("MG_TEST_TOKEN", "from-env")
	os.WriteFile(filepath.Join(dir, "hf"), []byte("from-file\n"), 0o600)
	os.WriteFile(p, []byte(`listen: 127.0.0.1:9999
workers: 3
lease: 90s
sources:
  distribution:
    secret: env:MG_TEST_TOKEN
    registry: registry:5000
  huggingface:
    secret: file:`+filepath.Join(dir, "hf")+`
`), 0o600)
	if _, err := LoadConfig(filepath.Join("..", "examples", "serve", "serve.yaml")); err != nil {
		t.Fatalf("the example configuration: %v", err)
	}
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err = c.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers != 3 || c.Lease != 90*time.Second || c.Sources.Distribution.Secret != "from-env" || c.Sources.HuggingFace.Secret != "from-file" || c.MaxAttempts != 5 || c.Sources.Distribution.Registry != "registry:5000" {
		t.Fatalf("config %+v", c)
	}
	os.WriteFile(p, []byte("sources:\n  distribution:\n    secert: x\n"), 0o600)
	if _, err := LoadConfig(p); err == nil {
		t.Fatal("a misspelt key was accepted")
	}
	os.WriteFile(p, []byte("sources:\n  api:\n    secret: env:MG_TEST_UNSET_VAR\n"), 0o600)
	c, _ = LoadConfig(p)
	if _, err := c.withDefaults(); err == nil {
		t.Fatal("an unset secret variable was accepted")
	}
}

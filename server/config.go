package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

// Config configures the service. The zero value of a field means its
// default (see Defaults); LoadConfig reads YAML (or JSON).
type Config struct {
	// Listen is the address the HTTP server listens on.
	Listen string `yaml:"listen"`
	// DataDir holds the SQLite database when Database is empty.
	DataDir string `yaml:"data_dir"`
	// Database is a PostgreSQL DSN (postgres://...) for several replicas,
	// or a SQLite file path; empty means DataDir/modelgate.db.
	Database string `yaml:"database"`
	// Workers is how many jobs one process scans at once.
	Workers int `yaml:"workers"`
	// ScanJobs is how many files one scan reads at once.
	ScanJobs int `yaml:"scan_jobs"`
	// MaxBodyBytes caps a request body; larger ones get 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// ReplayWindow is how old an event's own timestamp may be, and how
	// long delivery ids are remembered.
	ReplayWindow time.Duration `yaml:"replay_window"`
	// MaxAttempts bounds the scans of one job before it fails.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBase is the first retry delay; each retry doubles it, up to
	// RetryMax.
	RetryBase time.Duration `yaml:"retry_base"`
	RetryMax  time.Duration `yaml:"retry_max"`
	// Lease is how long a claimed job stays a worker's without a
	// heartbeat; a crashed replica's job is retried after it.
	Lease time.Duration `yaml:"lease"`
	// Poll is how often an idle worker looks for a job another replica
	// queued.
	Poll time.Duration `yaml:"poll"`
	// ShutdownGrace is how long running jobs may finish at shutdown
	// before they are put back in the queue.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// JobTimeout bounds one attempt of a job: a scan still running then
	// ends the job failed (no verdict) and frees its worker. Negative
	// means no bound.
	JobTimeout time.Duration `yaml:"job_timeout"`
	// StallTimeout fails a request whose origin sends nothing for this
	// long (remote.StallGuard); negative means no bound.
	StallTimeout time.Duration `yaml:"stall_timeout"`
	// FailOn is the lowest severity that makes the verdict fail.
	FailOn string `yaml:"fail_on"`
	// NoCache turns off the result cache: every file of every job is
	// fetched and analyzed, even when the service scanned the same bytes
	// before.
	NoCache bool `yaml:"no_cache"`
	// NoReferrers turns off attaching the BOM and report to OCI artifacts.
	NoReferrers bool `yaml:"no_referrers"`
	// AllowLocalTargets lets POST /v1/scans name paths on this machine;
	// off by default, since a caller could then read any file here.
	AllowLocalTargets bool `yaml:"allow_local_targets"`
	// AllowNoSources starts the service when no event source has a
	// secret (every endpoint answers 404: only health and metrics work);
	// without it, that configuration is refused as a mistake.
	AllowNoSources bool `yaml:"allow_no_sources"`
	// HFEndpoint is the Hugging Face Hub that hf:// targets use.
	HFEndpoint string `yaml:"hf_endpoint"`
	// AllowAddresses lists the addresses or CIDR prefixes the service may
	// connect to although they are loopback, link-local, private or a
	// metadata service; the hosts named as registries are allowed too.
	AllowAddresses []string `yaml:"allow_addresses"`

	Sources Sources `yaml:"sources"`
	// Signature, when set, checks cosign signatures on OCI artifacts.
	Signature SignatureConfig `yaml:"signature"`
	// AttestKey is a private key file (PEM EC key, unencrypted or from
	// `cosign generate-key-pair` with $COSIGN_PASSWORD); when set, every
	// scanned OCI artifact gets its BOM and verdict attached as in-toto
	// attestations signed with it, as `modelgate attest` attaches them.
	AttestKey string `yaml:"attest_key"`
}

// Sources holds one entry per event source. A source without a secret is
// disabled: its endpoint answers 404.
type Sources struct {
	Distribution Source `yaml:"distribution"`
	Harbor       Source `yaml:"harbor"`
	HuggingFace  Source `yaml:"huggingface"`
	API          Source `yaml:"api"`
	// HarborScanner enables Harbor's pluggable scanner API (/api/v1/...);
	// its secret is the access credential of the scanner registration.
	HarborScanner Source `yaml:"harbor_scanner"`
	// MLflow enables MLflow webhooks (/v1/events/mlflow).
	MLflow MLflowSource `yaml:"mlflow"`
	// Databricks enables Databricks Workspace Model Registry webhooks
	// (/v1/events/databricks); its tracking_uri is the workspace URL.
	Databricks MLflowSource `yaml:"databricks"`
}

// MLflowSource is an MLflow tracking server whose webhooks the service
// takes. The service reads the model versions and writes their
// modelgate.verdict tags with the MLflow client's credentials from its
// environment (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and
// MLFLOW_TRACKING_PASSWORD).
type MLflowSource struct {
	// Secret is the webhook's HMAC secret (env: and file: as for Source).
	Secret string `yaml:"secret"`
	// TrackingURI is the server's URL, http(s)://host[:port][/prefix]:
	// events name no server, so every version is read from this one.
	TrackingURI string `yaml:"tracking_uri"`
}

// Source is an event source's credentials and addressing.
type Source struct {
	// Secret is the bearer token (Distribution, API), the Authorization
	// header value (Harbor) or the webhook secret (Hugging Face). Write
	// "env:NAME" or "file:/path" to read it from the environment or a
	// file instead of the configuration.
	Secret string `yaml:"secret"`
	// Registry replaces the registry host:port of events, for when the
	// service reaches the registry by another name than its clients.
	Registry string `yaml:"registry"`
	// AllowedRegistries lists the registries ("host" for any port, or
	// "host:port") an event may name when Registry is not set. A push
	// source needs one or the other: the service never fetches from
	// whatever host a sender names.
	AllowedRegistries []string `yaml:"allowed_registries"`
}

// registries are the hosts a source fetches from.
func (s Source) registries() []string {
	if s.Registry != "" {
		return []string{s.Registry}
	}
	return s.AllowedRegistries
}

// registryFor is the host to fetch an event's artifact from: Registry,
// or the event's own host when the allowlist names it.
func (s Source) registryFor(eventHost string) (string, error) {
	if s.Registry != "" {
		return s.Registry, nil
	}
	h := strings.ToLower(eventHost)
	name, _, err := net.SplitHostPort(h)
	if err != nil {
		name = h
	}
	for _, a := range s.AllowedRegistries {
		if a = strings.ToLower(a); a == h || a == name {
			return eventHost, nil
		}
	}
	return "", fmt.Errorf("registry %q is not in allowed_registries", eventHost)
}

type namedSource struct {
	name string
	src  Source
}

// push lists the sources whose events name a registry to fetch from.
func (s Sources) push() []namedSource {
	return []namedSource{{"distribution", s.Distribution}, {"harbor", s.Harbor}, {"harbor_scanner", s.HarborScanner}}
}

// SignatureConfig says which cosign signatures to trust on OCI artifacts.
type SignatureConfig struct {
	PublicKey string `yaml:"public_key"`
	Identity  string `yaml:"identity"`
	Issuer    string `yaml:"issuer"`
}

// Defaults returns the configuration used for every field left zero.
func Defaults() Config {
	return Config{
		Listen:        ":8080",
		DataDir:       "modelgate-data",
		Workers:       2,
		MaxBodyBytes:  1 << 20,
		ReplayWindow:  24 * time.Hour,
		MaxAttempts:   5,
		RetryBase:     5 * time.Second,
		RetryMax:      10 * time.Minute,
		Lease:         2 * time.Minute,
		Poll:          time.Second,
		ShutdownGrace: 20 * time.Second,
		JobTimeout:    2 * time.Hour,
		StallTimeout:  remote.DefaultStallTimeout,
		FailOn:        "medium",
	}
}

// LoadConfig reads a YAML or JSON configuration file; unknown keys are
// errors, so a misspelt secret name does not silently disable a source.
func LoadConfig(path string) (Config, error) {
	var c Config
	f, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("parse config %s: %w", path, err)
	}
	return c, nil
}

// withDefaults fills zero fields and resolves secrets.
func (c Config) withDefaults() (Config, error) {
	d := Defaults()
	setStr := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setStr(&c.Listen, d.Listen)
	setStr(&c.DataDir, d.DataDir)
	setStr(&c.FailOn, d.FailOn)
	if c.Workers == 0 {
		c.Workers = d.Workers
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	setDur(&c.ReplayWindow, d.ReplayWindow)
	setDur(&c.RetryBase, d.RetryBase)
	setDur(&c.RetryMax, d.RetryMax)
	setDur(&c.Lease, d.Lease)
	setDur(&c.Poll, d.Poll)
	setDur(&c.JobTimeout, d.JobTimeout)
	setDur(&c.StallTimeout, d.StallTimeout)
	if c.ShutdownGrace < 0 {
		c.ShutdownGrace = 0
	} else if c.ShutdownGrace == 0 {
		c.ShutdownGrace = d.ShutdownGrace
	}
	if c.Database == "" {
		c.Database = filepath.Join(c.DataDir, "modelgate.db")
	}
	if c.Workers < 0 || c.MaxBodyBytes < 0 || c.MaxAttempts < 0 || c.ScanJobs < 0 {
		return c, fmt.Errorf("config: workers, scan_jobs, max_body_bytes and max_attempts must not be negative")
	}
	if _, err := formats.ParseSeverity(c.FailOn); err != nil {
		return c, fmt.Errorf("config: fail_on: %w", err)
	}
	for _, s := range []struct {
		name string
		v    *string
	}{{"distribution", &c.Sources.Distribution.Secret}, {"harbor", &c.Sources.Harbor.Secret}, {"huggingface", &c.Sources.HuggingFace.Secret}, {"api", &c.Sources.API.Secret}, {"harbor_scanner", &c.Sources.HarborScanner.Secret}, {"mlflow", &c.Sources.MLflow.Secret}, {"databricks", &c.Sources.Databricks.Secret}} {
		v, err := resolveSecret(*s.v)
		if err != nil {
			return c, fmt.Errorf("config: sources.%s.secret: %w", s.name, err)
		}
		*s.v = v
	}
	for _, s := range c.Sources.push() {
		if s.src.Secret != "" && len(s.src.registries()) == 0 {
			return c, fmt.Errorf("config: sources.%s: name the registry to fetch from (registry, or allowed_registries): without one, whoever holds the secret could make this service fetch from any host", s.name)
		}
	}
	for _, s := range []struct {
		name string
		src  MLflowSource
	}{{"mlflow", c.Sources.MLflow}, {"databricks", c.Sources.Databricks}} {
		if s.src.Secret == "" {
			continue
		}
		u, err := url.Parse(s.src.TrackingURI)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			return c, fmt.Errorf("config: sources.%s.tracking_uri: want http(s)://host[:port][/prefix] without credentials, got %q", s.name, s.src.TrackingURI)
		}
	}
	if _, err := newDialGuard(c); err != nil {
		return c, err
	}
	return c, nil
}

// ErrNoSources is returned by New when no event source is enabled and
// the configuration does not allow it.
var ErrNoSources = errors.New("no event source is enabled: give at least one source a secret " +
	"(sources.<name>.secret), or allow_no_sources to run without any")

// sourceSecrets are the event sources in a stable order, with the endpoint
// each one enables.
func (c Config) sourceSecrets() []struct{ name, endpoint, secret string } {
	return []struct{ name, endpoint, secret string }{
		{"distribution", "POST /v1/events/distribution", c.Sources.Distribution.Secret},
		{"harbor", "POST /v1/events/harbor", c.Sources.Harbor.Secret},
		{"huggingface", "POST /v1/events/huggingface", c.Sources.HuggingFace.Secret},
		{"api", "/v1/scans and /v1/artifacts", c.Sources.API.Secret},
		{"harbor_scanner", "/api/v1 (Harbor pluggable scanner)", c.Sources.HarborScanner.Secret},
		{"mlflow", "POST /v1/events/mlflow", c.Sources.MLflow.Secret},
		{"databricks", "POST /v1/events/databricks", c.Sources.Databricks.Secret},
	}
}

// resolveSecret reads env: and file: secrets.
func resolveSecret(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "env:"):
		name := strings.TrimPrefix(v, "env:")
		s, ok := os.LookupEnv(name)
		if !ok || s == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return s, nil
	case strings.HasPrefix(v, "file:"):
		b, err := os.ReadFile(strings.TrimPrefix(v, "file:"))
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("secret file %s is empty", strings.TrimPrefix(v, "file:"))
		}
		return s, nil
	}
	return v, nil
}

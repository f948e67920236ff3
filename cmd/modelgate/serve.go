package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/server"
)

type serveOptions struct {
	ConfigFile string
	Listen     string
	DataDir    string
	Database   string
	Workers    int
	LogFormat  string
	LogLevel   string
	// AllowNoSources starts the service with every event source disabled.
	AllowNoSources bool
	// AttestKey signs attestations of every scanned OCI artifact.
	AttestKey string
	// set records which flags were given, to let them override the file.
	set map[string]bool
	// listener, when set (tests), is served instead of Listen.
	listener net.Listener
	// ready, when set (tests), receives the server once it is running.
	ready func(*server.Server)
}

// Environment variables that hold the sources' secrets when the
// configuration file does not, so that one command starts a service.
var serveSecretEnv = map[string]string{
	"distribution": "MODELGATE_DISTRIBUTION_SECRET",
	"harbor":       "MODELGATE_HARBOR_SECRET",
	"huggingface":  "MODELGATE_HF_WEBHOOK_SECRET",
	"api":          "MODELGATE_API_TOKEN",
	"mlflow":       "MODELGATE_MLFLOW_WEBHOOK_SECRET",
	"databricks":   "MODELGATE_DATABRICKS_WEBHOOK_SECRET",
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Scan models on registry push: a webhook service for Distribution, Harbor, Hugging Face and MLflow",
		Long: "Run the registry webhook service. It receives push events from a CNCF Distribution\n" +
			"registry (POST /v1/events/distribution), Harbor (/v1/events/harbor), Hugging Face\n" +
			"(/v1/events/huggingface), MLflow (/v1/events/mlflow), Databricks' model registry\n" +
			"(/v1/events/databricks) and scan requests (POST /v1/scans),\n" +
			"stores one job per pushed digest, commit or model version, scans it, keeps the verdict,\n" +
			"findings and AI-BOM (GET /v1/scans/{id}, /v1/scans?digest=, /v1/artifacts/{digest}),\n" +
			"attaches the BOM and report to OCI artifacts as referrers (and, with --attest-key, as\n" +
			"signed in-toto attestations, as `modelgate attest` does), and writes an MLflow model\n" +
			"version's verdict to its modelgate.verdict tag.\n\n" +
			"Secrets come from the configuration file or from MODELGATE_DISTRIBUTION_SECRET,\n" +
			"MODELGATE_HARBOR_SECRET, MODELGATE_HF_WEBHOOK_SECRET, MODELGATE_API_TOKEN and\n" +
			"MODELGATE_MLFLOW_WEBHOOK_SECRET (MLflow also needs MLFLOW_TRACKING_URI, and reads and\n" +
			"tags with MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD), and\n" +
			"MODELGATE_DATABRICKS_WEBHOOK_SECRET (with DATABRICKS_HOST and DATABRICKS_TOKEN); a source\n" +
			"without a secret is disabled, with a warning in the log. With none enabled the service\n" +
			"refuses to start unless --allow-no-sources is given. See docs/serve.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.set = map[string]bool{}
			cmd.Flags().Visit(func(f *pflag.Flag) { o.set[f.Name] = true })
			code, err := runServe(cmd.Context(), o, cmd.ErrOrStderr())
			if err != nil || code != 0 {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ConfigFile, "config", "", "read the configuration from `FILE` (YAML or JSON)")
	f.StringVar(&o.Listen, "listen", ":8080", "listen on `ADDR`")
	f.StringVar(&o.DataDir, "data-dir", "modelgate-data", "keep the embedded SQLite database in `DIR`")
	f.StringVar(&o.Database, "database", "", "PostgreSQL `DSN` (postgres://...) shared by several replicas; empty means SQLite in --data-dir")
	f.IntVar(&o.Workers, "workers", 2, "scans run at once by this process")
	f.StringVar(&o.LogFormat, "log-format", "json", "log format: json or text")
	f.StringVar(&o.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.BoolVar(&o.AllowNoSources, "allow-no-sources", false, "start even when no event source has a secret (only health and metrics answer)")
	f.StringVar(&o.AttestKey, "attest-key", "", "private key `FILE` (as for `modelgate attest --key`): attach every scanned OCI artifact's BOM and verdict as signed in-toto attestations")
	return cmd
}

// runServe runs the service until ctx is done and returns the exit code.
func runServe(ctx context.Context, o serveOptions, stderr io.Writer) (int, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.LogLevel)); err != nil {
		return scanner.ExitUsage, fmt.Errorf("--log-level: %v", err)
	}
	var h slog.Handler
	switch o.LogFormat {
	case "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	case "text":
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return scanner.ExitUsage, fmt.Errorf("--log-format %q: want json or text", o.LogFormat)
	}
	cfg := server.Config{}
	if o.ConfigFile != "" {
		var err error
		if cfg, err = server.LoadConfig(o.ConfigFile); err != nil {
			return scanner.ExitUsage, err
		}
	}
	override := func(flag string, dst *string, v string) {
		if o.set[flag] || *dst == "" {
			*dst = v
		}
	}
	override("listen", &cfg.Listen, o.Listen)
	override("data-dir", &cfg.DataDir, o.DataDir)
	override("database", &cfg.Database, o.Database)
	override("attest-key", &cfg.AttestKey, o.AttestKey)
	if o.set["workers"] || cfg.Workers == 0 {
		cfg.Workers = o.Workers
	}
	if o.AllowNoSources {
		cfg.AllowNoSources = true
	}
	if cfg.Workers < 1 {
		return scanner.ExitUsage, fmt.Errorf("--workers %d: want at least 1", cfg.Workers)
	}
	for src, dst := range map[string]*string{
		"distribution": &cfg.Sources.Distribution.Secret,
		"harbor":       &cfg.Sources.Harbor.Secret,
		"huggingface":  &cfg.Sources.HuggingFace.Secret,
		"api":          &cfg.Sources.API.Secret,
		"mlflow":       &cfg.Sources.MLflow.Secret,
		"databricks":   &cfg.Sources.Databricks.Secret,
	} {
		if *dst == "" {
			*dst = os.Getenv(serveSecretEnv[src])
		}
	}
	// The MLflow client's own variable names the tracking server.
	if cfg.Sources.MLflow.TrackingURI == "" {
		cfg.Sources.MLflow.TrackingURI = os.Getenv("MLFLOW_TRACKING_URI")
	}
	// And the Databricks client's names the workspace, scheme optional.
	if h := os.Getenv("DATABRICKS_HOST"); cfg.Sources.Databricks.TrackingURI == "" && h != "" {
		if !strings.Contains(h, "://") {
			h = "https://" + h
		}
		cfg.Sources.Databricks.TrackingURI = h
	}
	log := slog.New(h)
	srv, err := server.New(ctx, cfg, log, Version())
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return scanner.ExitUsage, err
		}
		if errors.Is(err, server.ErrNoSources) {
			return scanner.ExitUsage, fmt.Errorf("no event source is enabled: set at least one of %s, %s, %s or %s "+
				"(or sources.<name>.secret in --config), or pass --allow-no-sources",
				serveSecretEnv["distribution"], serveSecretEnv["harbor"], serveSecretEnv["huggingface"], serveSecretEnv["api"])
		}
		return scanner.ExitNoVerdict, err
	}
	defer srv.Close()
	if o.ready != nil {
		o.ready(srv)
	}
	if err := srv.Run(ctx, o.listener); err != nil {
		return scanner.ExitNoVerdict, err
	}
	log.Info("modelgate serve stopped")
	return 0, nil
}

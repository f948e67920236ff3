package main

import (
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner"
)

// gateOptions are the promotion-gate settings of a scan.
type gateOptions struct{}

func addGateFlags(_ *pflag.FlagSet, _ *gateOptions) {}

// validate checks the gate settings before anything is scanned.
func (g *gateOptions) validate() error { return nil }

// apply applies the gate's policy to a finished report.
func (g *gateOptions) apply(_ *scanner.Report) error { return nil }

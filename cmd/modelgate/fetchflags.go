package main

import (
	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner/fetch"
)

// addFetchFlags registers the flags that shape how targets are fetched.
func addFetchFlags(_ *pflag.FlagSet, _ *fetch.Options) {}

package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/cache"
)

// cacheOptions are the result cache's flags.
type cacheOptions struct {
	Dir     string
	Disable bool
}

func addCacheFlags(f *pflag.FlagSet, o *cacheOptions) {
	f.StringVar(&o.Dir, "cache-dir", "", "result cache `DIR`: files whose SHA-256 was scanned before by this build under the same policy and limits are not fetched or analyzed again (default: modelgate/results under the user cache directory)")
	f.BoolVar(&o.Disable, "no-cache", false, "neither use nor fill the result cache")
}

// open returns the result cache to use and the version its keys carry,
// or nil when disabled. A cache that cannot be used is a warning: the
// scan goes on without it. A directory named by --cache-dir that is not
// private is an error, as the user asked for it.
func (o cacheOptions) open(stderr io.Writer, policySHA256 string) (scanner.ResultCache, string, error) {
	if o.Disable {
		return nil, "", nil
	}
	dir, explicit := o.Dir, o.Dir != ""
	if !explicit {
		d, err := cache.DefaultDir()
		if err != nil {
			fmt.Fprintf(stderr, "note: no result cache (%v); scanning every file\n", err)
			return nil, "", nil
		}
		dir = d
	}
	build, err := cache.BuildID(Version())
	if err != nil {
		fmt.Fprintf(stderr, "note: no result cache (cannot identify this build: %v); scanning every file\n", err)
		return nil, "", nil
	}
	c, err := cache.Open(dir)
	if err != nil {
		if explicit {
			return nil, "", fmt.Errorf("--cache-dir: %v", err)
		}
		fmt.Fprintf(stderr, "note: no result cache (%v); scanning every file\n", err)
		return nil, "", nil
	}
	return c, cache.KeyVersion(build, policySHA256), nil
}

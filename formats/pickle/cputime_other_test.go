//go:build !unix

package pickle

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }

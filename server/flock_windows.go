package server

import (
	"os"

	"golang.org/x/sys/windows"
)

// flock takes an exclusive lock on f's first byte without waiting.
func flock(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &windows.Overlapped{})
}

//go:build unix

package cache

import (
	"fmt"
	"os"
	"syscall"
)

// checkPrivate refuses a path that group or others may write, or that
// another user owns.
func checkPrivate(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("writable by other users (mode %v): a cache anyone else can write could choose verdicts; chmod go-w it or pick another --cache-dir", st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("owned by uid %d, not by this user (%d)", sys.Uid, os.Geteuid())
	}
	return nil
}

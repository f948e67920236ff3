//go:build !unix

package cache

import "os"

// checkPrivate checks only that p exists: this platform's permissions
// are ACLs, which the cache does not inspect.
func checkPrivate(p string) error {
	_, err := os.Stat(p)
	return err
}

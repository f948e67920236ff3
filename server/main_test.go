package server

import (
	"os"
	"testing"

	"github.com/modelgate/modelgate/server/internal/pgtest"
)

func TestMain(m *testing.M) {
	// The test binary re-executed as the service process that
	// TestKillMidBurst kills.
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(serveChild(dir, os.Getenv(childDBEnv)))
	}
	pgtest.Main(m)
}

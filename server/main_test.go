package server

import (
	"testing"

	"github.com/modelgate/modelgate/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

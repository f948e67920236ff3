package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server/internal/pgtest"
	"github.com/modelgate/modelgate/server/store"
)

// TestResultCache stores and reads back result cache entries, and checks
// that an entry damaged in the database, or moved under another key,
// reads as a miss on both backends.
func TestResultCache(t *testing.T) {
	type backend struct {
		dsn, driver, raw string // raw opens the database directly
	}
	p := filepath.Join(t.TempDir(), "jobs.db")
	bs := map[string]backend{"sqlite": {p, "sqlite", "file:" + p}}
	if !testing.Short() {
		if dsn := pgtest.Fresh(t); dsn != "" {
			bs["postgres"] = backend{dsn, "pgx", dsn}
		}
	}
	k1, k2 := strings.Repeat("a", 64), strings.Repeat("b", 64)
	for name, b := range bs {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok, err := s.CachedResult(ctx, k1); ok || err != nil {
				t.Fatalf("empty cache: %v %v", ok, err)
			}
			if err := s.CacheResult(ctx, "../x", []byte(`{}`)); err == nil {
				t.Fatal("a key that is not a hex SHA-256 was stored")
			}
			for _, v := range []string{`{"v":1}`, `{"v":2}`} {
				if err := s.CacheResult(ctx, k1, []byte(v)); err != nil {
					t.Fatal(err)
				}
				if got, ok, err := s.CachedResult(ctx, k1); !ok || err != nil || string(got) != v {
					t.Fatalf("read back %q: %q %v %v", v, got, ok, err)
				}
			}
			if err := s.CacheResult(ctx, k2, []byte(`{"v":3}`)); err != nil {
				t.Fatal(err)
			}
			raw, err := sql.Open(b.driver, b.raw)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			q := func(query string) {
				t.Helper()
				if b.driver == "pgx" {
					query = strings.NewReplacer("?1", "$1", "?2", "$2").Replace(query)
				}
				if _, err := raw.Exec(query, k1, k2); err != nil {
					t.Fatal(err)
				}
			}
			// A value edited in place.
			q(`UPDATE result_cache SET value = '{"v":9}' WHERE key = ?1 OR key = ?2`)
			for _, k := range []string{k1, k2} {
				if got, ok, err := s.CachedResult(ctx, k); ok || err != nil {
					t.Fatalf("a damaged entry was trusted: %q %v", got, err)
				}
			}
			// A sound entry moved under another key.
			if err := s.CacheResult(ctx, k1, []byte(`{"v":1}`)); err != nil {
				t.Fatal(err)
			}
			q(`DELETE FROM result_cache WHERE key = ?2 AND key <> ?1`)
			q(`UPDATE result_cache SET key = ?2 WHERE key = ?1`)
			if got, ok, err := s.CachedResult(ctx, k2); ok || err != nil {
				t.Fatalf("an entry moved under another key was trusted: %q %v", got, err)
			}
			// Pruning forgets entries stored before the time given.
			if err := s.CacheResult(ctx, k1, []byte(`{"v":1}`)); err != nil {
				t.Fatal(err)
			}
			if err := s.PruneCache(ctx, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.CachedResult(ctx, k1); !ok {
				t.Fatal("a fresh entry was pruned")
			}
			if err := s.PruneCache(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.CachedResult(ctx, k1); ok {
				t.Fatal("an old entry was kept")
			}
		})
	}
}

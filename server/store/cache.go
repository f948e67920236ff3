package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// The result cache keeps bytes under keys and gives them back unaltered
// or not at all; what a key means and whether a value may answer for a
// file is the scanner's business (scanner.ResultCache).

// cacheKey is what the scanner's keys look like: a hex SHA-256.
var cacheKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// maxCached bounds a value read back: larger ones were not written here.
const maxCached = 16 << 20

// checksum ties a value to its key, so that a row damaged or edited by
// hand, or moved under another key, reads as a miss.
func checksum(key string, value []byte) string {
	h := sha256.New()
	h.Write([]byte("modelgate result cache 1\x00"))
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write(value)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *sqlStore) CachedResult(ctx context.Context, key string) ([]byte, bool, error) {
	if !cacheKey.MatchString(key) {
		return nil, false, nil
	}
	var value, sum string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value, checksum FROM result_cache WHERE key = ?`), key).Scan(&value, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("result cache: %w", err)
	}
	if len(value) == 0 || len(value) > maxCached || checksum(key, []byte(value)) != sum {
		return nil, false, nil
	}
	return []byte(value), true, nil
}

func (s *sqlStore) CacheResult(ctx context.Context, key string, value []byte) error {
	if !cacheKey.MatchString(key) {
		return fmt.Errorf("result cache key %q is not a hex SHA-256", key)
	}
	if len(value) == 0 || len(value) > maxCached {
		return fmt.Errorf("result cache: a %d-byte value", len(value))
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO result_cache (key, value, checksum, stored_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, checksum = excluded.checksum, stored_at = excluded.stored_at`),
		key, string(value), checksum(key, value), time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("result cache: %w", err)
	}
	return nil
}

func (s *sqlStore) PruneCache(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM result_cache WHERE stored_at < ?`), ms(before)); err != nil {
		return fmt.Errorf("prune the result cache: %w", err)
	}
	return nil
}

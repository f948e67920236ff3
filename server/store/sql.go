package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect holds what differs between the SQL backends.
type dialect struct {
	name string
	// numbered placeholders ($1) instead of ?.
	numbered bool
	// lock is appended to the claim's inner SELECT.
	lock string
}

// sqlStore implements Store over database/sql.
type sqlStore struct {
	db *sql.DB
	d  dialect
	c  *committer
	// stopBG stops background work (SQLite's checkpointer), or is nil.
	stopBG func()
}

const schema = `
CREATE TABLE IF NOT EXISTS jobs (
	id TEXT PRIMARY KEY,
	key TEXT NOT NULL UNIQUE,
	target TEXT NOT NULL,
	source TEXT NOT NULL,
	digest TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT '',
	worker TEXT NOT NULL DEFAULT '',
	next_at BIGINT NOT NULL,
	lease_until BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	result TEXT
);
CREATE INDEX IF NOT EXISTS jobs_digest ON jobs (digest);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, next_at);
CREATE TABLE IF NOT EXISTS deliveries (
	source TEXT NOT NULL,
	id TEXT NOT NULL,
	seen_at BIGINT NOT NULL,
	PRIMARY KEY (source, id)
);
CREATE TABLE IF NOT EXISTS result_cache (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	checksum TEXT NOT NULL,
	stored_at BIGINT NOT NULL
);
`

func (s *sqlStore) migrate(ctx context.Context) error {
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: create schema: %w", s.d.name, err)
		}
	}
	return nil
}

// q rewrites ? placeholders for the dialect; queries hold no literal ?.
func (s *sqlStore) q(query string) string {
	if !s.d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

const jobCols = `id, key, target, source, digest, state, attempts, reason, worker, next_at, created_at, updated_at`

func ms(t time.Time) int64 { return t.UnixMilli() }

func scanJob(row interface{ Scan(...any) error }, withResult bool) (*Job, error) {
	var j Job
	var next, created, updated int64
	var res sql.NullString
	dst := []any{&j.ID, &j.Key, &j.Target, &j.Source, &j.Digest, &j.State, &j.Attempts, &j.Reason, &j.Worker, &next, &created, &updated}
	if withResult {
		dst = append(dst, &res)
	}
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	j.NextAt, j.CreatedAt, j.UpdatedAt = time.UnixMilli(next).UTC(), time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if res.Valid && res.String != "" {
		var r Result
		if err := json.Unmarshal([]byte(res.String), &r); err != nil {
			return nil, fmt.Errorf("job %s: decode result: %w", j.ID, err)
		}
		j.Result = &r
	}
	return &j, nil
}

// PruneDeliveries forgets delivery ids seen before t.
func (s *sqlStore) PruneDeliveries(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM deliveries WHERE seen_at < ?`), ms(before)); err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	return nil
}

func (s *sqlStore) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration) (*Job, error) {
	t := ms(now)
	row := s.db.QueryRowContext(ctx, s.q(`UPDATE jobs SET state = ?, worker = ?, attempts = attempts + 1, lease_until = ?, updated_at = ?
		WHERE id = (SELECT id FROM jobs
			WHERE (state = ? AND next_at <= ?) OR (state = ? AND lease_until < ?)
			ORDER BY next_at, created_at LIMIT 1 `+s.d.lock+`)
		RETURNING `+jobCols),
		string(Running), worker, ms(now.Add(lease)), t, string(Queued), t, string(Running), t)
	j, err := scanJob(row, false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim a job: %w", err)
	}
	return j, nil
}

// update runs a state change on a job worker holds.
func (s *sqlStore) update(ctx context.Context, what, id, worker, set string, args ...any) error {
	args = append(args, time.Now().UnixMilli(), id, worker, string(Running))
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE jobs SET `+set+`, updated_at = ? WHERE id = ? AND worker = ? AND state = ?`), args...)
	if err != nil {
		return fmt.Errorf("%s job %s: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s job %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s job %s: %w", what, id, ErrLost)
	}
	return nil
}

func (s *sqlStore) Extend(ctx context.Context, id, worker string, until time.Time) error {
	return s.update(ctx, "extend", id, worker, `lease_until = ?`, ms(until))
}

func (s *sqlStore) Complete(ctx context.Context, id, worker string, r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("complete job %s: encode result: %w", id, err)
	}
	return s.update(ctx, "complete", id, worker, `state = ?, reason = '', result = ?, digest = ?`, string(Done), string(b), r.Digest)
}

func (s *sqlStore) Fail(ctx context.Context, id, worker, reason string) error {
	return s.update(ctx, "fail", id, worker, `state = ?, reason = ?`, string(Failed), reason)
}

func (s *sqlStore) Retry(ctx context.Context, id, worker, reason string, next time.Time) error {
	return s.update(ctx, "retry", id, worker, `state = ?, reason = ?, next_at = ?, worker = ''`, string(Queued), reason, ms(next))
}

func (s *sqlStore) Release(ctx context.Context, id, worker string) error {
	return s.update(ctx, "release", id, worker, `state = ?, attempts = attempts - 1, next_at = ?, worker = ''`, string(Queued), time.Now().UnixMilli())
}

func (s *sqlStore) RecoverRunning(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE jobs SET state = ?, worker = '', next_at = ?, reason = ? WHERE state = ?`),
		string(Queued), time.Now().UnixMilli(), "requeued after a restart", string(Running))
	if err != nil {
		return 0, fmt.Errorf("requeue running jobs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("requeue running jobs: %w", err)
	}
	return int(n), nil
}

func (s *sqlStore) Get(ctx context.Context, id string) (*Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, s.q(`SELECT `+jobCols+`, result FROM jobs WHERE id = ?`), id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", id, err)
	}
	return j, nil
}

// maxByDigest caps the jobs one digest look-up returns.
const maxByDigest = 100

func (s *sqlStore) ByDigest(ctx context.Context, digest string, withResult bool) ([]Job, error) {
	cols := jobCols
	if withResult {
		cols += ", result"
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+cols+` FROM jobs WHERE digest = ? ORDER BY created_at DESC LIMIT `+strconv.Itoa(maxByDigest)), digest)
	if err != nil {
		return nil, fmt.Errorf("jobs of %s: %w", digest, err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows, withResult)
		if err != nil {
			return nil, fmt.Errorf("jobs of %s: %w", digest, err)
		}
		out = append(out, *j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs of %s: %w", digest, err)
	}
	return out, nil
}

func (s *sqlStore) Counts(ctx context.Context) (map[State]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := make(map[State]int, len(States))
	for _, st := range States {
		out[st] = 0
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out[State(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	return out, nil
}

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", s.d.name, err)
	}
	return nil
}

// Close stops taking events, lets the group commit in flight finish and
// closes the database.
func (s *sqlStore) Close() error {
	if s.c != nil {
		s.stopCommitter()
	}
	if s.stopBG != nil {
		s.stopBG()
		s.stopBG = nil
	}
	return s.db.Close()
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// pgCommitters is how many group commits one process keeps in flight on
// PostgreSQL; their groups take row locks in key order, so they cannot
// deadlock with each other or with other replicas.
const pgCommitters = 4

// OpenPostgres connects to PostgreSQL and creates the schema if needed.
// Several processes may share one database: a job is claimed with SELECT
// ... FOR UPDATE SKIP LOCKED, so two replicas never take the same job.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	s := &sqlStore{db: db, d: dialect{name: "postgres", numbered: true, lock: "FOR UPDATE SKIP LOCKED"}}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Replicas starting together race to create the schema; an advisory
	// lock, held on one connection, makes them take turns.
	if err := s.migrateLocked(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.startCommitter(buildOptions(opts), pgCommitters)
	return s, nil
}

func (s *sqlStore) migrateLocked(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7150001)`); err != nil {
		return fmt.Errorf("postgres: lock schema: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7150001)`)
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("postgres: create schema: %w", err)
		}
	}
	return nil
}

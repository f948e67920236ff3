package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// OpenSQLite opens (creating if needed) the SQLite database at path. The
// database is in WAL mode with full synchronous commits, so a job is on
// disk when Enqueue returns; one connection serialises writers, which is
// what SQLite does anyway.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (Store, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &sqlStore{db: db, d: dialect{name: "sqlite " + path}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.startCommitter(buildOptions(opts).maxGroup)
	return s, nil
}

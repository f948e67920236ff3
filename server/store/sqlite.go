package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// checkpointEvery is how often the background checkpointer copies the
// write-ahead log into the database file.
const checkpointEvery = 250 * time.Millisecond

// OpenSQLite opens (creating if needed) the SQLite database at path. The
// database is in WAL mode with full synchronous commits, so a job is on
// disk when Enqueue returns; one connection serialises writers, which is
// what SQLite does anyway. Checkpoints run on a connection of their own,
// off the commit path: left to the writer, every thousandth page it
// writes would make one commit wait for the database file's fsync.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (Store, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	// A URI file name: "?" and "#" in the path would start its query or
	// fragment, and SQLite would open another file than the one named.
	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", uri+"?"+q.Encode()+"&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &sqlStore{db: db, d: dialect{name: "sqlite " + path}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	cp, err := sql.Open("sqlite", uri+"?"+q.Encode())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	cp.SetMaxOpenConns(1)
	s.startCheckpointer(cp)
	s.startCommitter(buildOptions(opts), 1)
	return s, nil
}

// startCheckpointer runs passive checkpoints on cp, which never block the
// writer, until Close. A checkpoint that fails is tried again next time;
// the log is only copied, never lost.
func (s *sqlStore) startCheckpointer(cp *sql.DB) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_, _ = cp.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			case <-quit:
				return
			}
		}
	}()
	s.stopBG = func() {
		close(quit)
		<-done
		cp.Close()
	}
}

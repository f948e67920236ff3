package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// pgRowsPerStatement caps the rows of one multi-row statement on
// PostgreSQL, well within its limit on parameters.
const pgRowsPerStatement = 100

// DefaultMaxGroup caps the events one group commit holds, so that one
// transaction stays short and a failed one fails few requests.
const DefaultMaxGroup = 256

// Option tunes a store when it is opened.
type Option func(*options)

type options struct {
	maxGroup int
	observe  func(GroupCommit)
}

// GroupCommit describes one group commit, for metrics: where the time
// of an Enqueue call goes.
type GroupCommit struct {
	// Events is how many events the group held.
	Events int
	// Waited is how long its longest-waiting call waited for a
	// committer: queueing behind the commits in progress.
	Waited time.Duration
	// Took is the group's transaction, its commit (and sync) included.
	Took time.Duration
	// Failed says the commit failed.
	Failed bool
}

// ObserveGroups calls f after each group commit, on the committer's
// goroutine: f must be quick.
func ObserveGroups(f func(GroupCommit)) Option {
	return func(o *options) { o.observe = f }
}

// MaxGroup caps the Enqueue calls that share one commit; 1 commits each
// on its own (one fsync per event, as before group commit).
func MaxGroup(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxGroup = n
		}
	}
}

func buildOptions(opts []Option) options {
	o := options{maxGroup: DefaultMaxGroup}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// errClosed answers Enqueue calls made after Close.
var errClosed = errors.New("store closed")

// enqueueReq is one Enqueue or EnqueueBatch call waiting for the commit
// that holds it.
type enqueueReq struct {
	ctx   context.Context
	items []Pending
	done  chan enqueueRes
	at    time.Time // when the call was made
}

type enqueueRes struct {
	jobs []Job
	e    []Enqueued
	err  error
}

// committer turns concurrent Enqueue calls into group commits. Its
// goroutines own the writing: while they commit, the calls that arrive
// wait on an unbuffered channel, and the next one free takes all of them
// as its group. Under load a group holds what arrived during one commit;
// alone, an event commits at once. No call is answered before the commit
// holding it is done, and a failed commit fails every call in it.
type committer struct {
	reqs     chan *enqueueReq
	quit     chan struct{}
	loops    sync.WaitGroup
	stopOnce sync.Once
	max      int
	observe  func(GroupCommit)
}

// startCommitter starts n commit loops: one for SQLite, which has one
// writer anyway; a few for PostgreSQL, whose commits can overlap.
func (s *sqlStore) startCommitter(o options, n int) {
	s.c = &committer{reqs: make(chan *enqueueReq), quit: make(chan struct{}), max: o.maxGroup, observe: o.observe}
	for range n {
		s.c.loops.Go(s.commitLoop)
	}
}

// stopCommitter ends the loops after the groups in flight; later Enqueue
// calls get errClosed.
func (s *sqlStore) stopCommitter() {
	s.c.stopOnce.Do(func() { close(s.c.quit) })
	s.c.loops.Wait()
}

func (s *sqlStore) Enqueue(ctx context.Context, j Job, delivery string) (Job, Enqueued, error) {
	jobs, e, err := s.EnqueueBatch(ctx, []Pending{{Job: j, Delivery: delivery}})
	if err != nil {
		return Job{}, Enqueued{}, err
	}
	return jobs[0], e[0], nil
}

func (s *sqlStore) EnqueueBatch(ctx context.Context, batch []Pending) ([]Job, []Enqueued, error) {
	if len(batch) == 0 {
		return nil, nil, nil
	}
	items := make([]Pending, len(batch))
	for i, p := range batch {
		if p.Job.ID == "" {
			p.Job.ID = NewID()
		}
		items[i] = p
	}
	r := &enqueueReq{ctx: ctx, items: items, done: make(chan enqueueRes, 1), at: time.Now()}
	select {
	case s.c.reqs <- r:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("enqueue %s: %w", r.what(), ctx.Err())
	case <-s.c.quit:
		return nil, nil, fmt.Errorf("enqueue %s: %w", r.what(), errClosed)
	}
	// Once handed over the jobs may be committed: wait for the outcome
	// whatever ctx says, so that no caller reports a failure for a job
	// that is in fact stored.
	res := <-r.done
	return res.jobs, res.e, res.err
}

// what names a call's jobs in errors.
func (r *enqueueReq) what() string {
	if len(r.items) == 1 {
		return r.items[0].Job.Key
	}
	return fmt.Sprintf("%d jobs (%s, ...)", len(r.items), r.items[0].Job.Key)
}

func (s *sqlStore) commitLoop() {
	for {
		var group []*enqueueReq
		select {
		case r := <-s.c.reqs:
			group = append(group, r)
		case <-s.c.quit:
			return
		}
		n := len(group[0].items)
	more:
		for n < s.c.max {
			select {
			case r := <-s.c.reqs:
				group = append(group, r)
				n += len(r.items)
			default:
				break more
			}
		}
		s.commitGroup(group)
	}
}

// commitGroup stores a group in one transaction and answers each call.
// Jobs are inserted in key order and deliveries in (source, id) order, so
// that replicas committing overlapping groups on PostgreSQL take their row
// locks in one order and cannot deadlock; the sort is stable, so among
// calls with one key the first to arrive creates the job, as it would
// one call at a time.
func (s *sqlStore) commitGroup(group []*enqueueReq) {
	live := group[:0]
	var items []Pending
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- enqueueRes{err: fmt.Errorf("enqueue %s: %w", r.what(), err)}
			continue
		}
		live = append(live, r)
		items = append(items, r.items...)
	}
	if len(live) == 0 {
		return
	}
	start := time.Now()
	jobs, e, err := s.writeGroup(items)
	if s.c.observe != nil {
		var waited time.Duration
		for _, r := range live {
			waited = max(waited, start.Sub(r.at))
		}
		s.c.observe(GroupCommit{Events: len(items), Waited: waited, Took: time.Since(start), Failed: err != nil})
	}
	for _, r := range live {
		if err != nil {
			r.done <- enqueueRes{err: fmt.Errorf("enqueue %s: group commit of %d events: %w", r.what(), len(items), err)}
			continue
		}
		n := len(r.items)
		r.done <- enqueueRes{jobs: jobs[:n:n], e: e[:n:n]}
		jobs, e = jobs[n:], e[n:]
	}
}

// stmts prepares a transaction's statements once per text: a group runs
// the same few statements many times.
type stmts struct {
	tx   *sql.Tx
	byQ  map[string]*sql.Stmt
	fmtQ func(string) string
}

func (st *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if p, ok := st.byQ[query]; ok {
		return p, nil
	}
	p, err := st.tx.PrepareContext(ctx, st.fmtQ(query))
	if err != nil {
		return nil, err
	}
	st.byQ[query] = p
	return p, nil
}

func (st *stmts) close() {
	for _, p := range st.byQ {
		p.Close()
	}
}

// values is the VALUES list of rows rows of cols placeholders each.
func values(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}

// insert runs INSERT INTO head VALUES ... ON CONFLICT conflict DO
// NOTHING over rows, and says which rows were inserted (of rows with one
// key, at most the first). SQLite runs one prepared statement per row,
// which costs it less than parsing a long one; PostgreSQL answers each
// statement over the network, so there the rows go in a few statements
// that return the keys inserted (returned, the SQL of key).
func (s *sqlStore) insert(ctx context.Context, st *stmts, head, conflict string, rows [][]any, key func(int) string, returned string) ([]bool, error) {
	inserted := make([]bool, len(rows))
	if len(rows) == 0 {
		return inserted, nil
	}
	cols := len(rows[0])
	if !s.d.numbered {
		p, err := st.get(ctx, `INSERT INTO `+head+` VALUES `+values(1, cols)+` ON CONFLICT `+conflict+` DO NOTHING`)
		if err != nil {
			return nil, err
		}
		for i, args := range rows {
			r, err := p.ExecContext(ctx, args...)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key(i), err)
			}
			n, err := r.RowsAffected()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key(i), err)
			}
			inserted[i] = n == 1
		}
		return inserted, nil
	}
	fresh := map[string]bool{}
	for lo := 0; lo < len(rows); lo += pgRowsPerStatement {
		chunk := rows[lo:min(lo+pgRowsPerStatement, len(rows))]
		p, err := st.get(ctx, `INSERT INTO `+head+` VALUES `+values(len(chunk), cols)+` ON CONFLICT `+conflict+` DO NOTHING RETURNING `+returned)
		if err != nil {
			return nil, err
		}
		args := make([]any, 0, cols*len(chunk))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if err := func() error {
			rs, err := p.QueryContext(ctx, args...)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var k string
				if err := rs.Scan(&k); err != nil {
					return err
				}
				fresh[k] = true
			}
			return rs.Err()
		}(); err != nil {
			return nil, fmt.Errorf("%s, ...: %w", key(lo), err)
		}
	}
	for i := range rows {
		k := key(i)
		inserted[i] = fresh[k]
		delete(fresh, k)
	}
	return inserted, nil
}

func (s *sqlStore) writeGroup(group []Pending) ([]Job, []Enqueued, error) {
	// The group's transaction must not end with one caller's request.
	ctx := context.Background()
	now := time.Now()
	jobs, out := make([]Job, len(group)), make([]Enqueued, len(group))
	order := make([]int, len(group))
	for i := range order {
		order[i] = i
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	st := &stmts{tx: tx, byQ: map[string]*sql.Stmt{}, fmtQ: s.q}
	defer st.close()
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(group[a].Job.Key, group[b].Job.Key) })
	rows := make([][]any, len(order))
	for n, i := range order {
		j := group[i].Job
		if j.NextAt.IsZero() {
			j.NextAt = now
		}
		rows[n] = []any{j.ID, j.Key, j.Target, j.Source, j.Digest, string(Queued), ms(j.NextAt), ms(now), ms(now)}
	}
	inserted, err := s.insert(ctx, st, `jobs (id, key, target, source, digest, state, next_at, created_at, updated_at)`, `(key)`, rows,
		func(n int) string { return group[order[n]].Job.ID }, `id`)
	if err != nil {
		return nil, nil, fmt.Errorf("insert jobs: %w", err)
	}
	for n, i := range order {
		if !inserted[n] {
			continue
		}
		j := group[i].Job
		if j.NextAt.IsZero() {
			j.NextAt = now
		}
		out[i].Created = true
		// What the read-back would return, without the round trip.
		jobs[i] = Job{ID: j.ID, Key: j.Key, Target: j.Target, Source: j.Source, Digest: j.Digest, State: Queued,
			NextAt: time.UnixMilli(ms(j.NextAt)).UTC(), CreatedAt: time.UnixMilli(ms(now)).UTC(), UpdatedAt: time.UnixMilli(ms(now)).UTC()}
	}

	slices.SortStableFunc(order, func(a, b int) int {
		if c := strings.Compare(group[a].Job.Source, group[b].Job.Source); c != 0 {
			return c
		}
		return strings.Compare(group[a].Delivery, group[b].Delivery)
	})
	withDelivery := slices.DeleteFunc(slices.Clone(order), func(i int) bool { return group[i].Delivery == "" })
	rows = rows[:0]
	for _, i := range withDelivery {
		rows = append(rows, []any{group[i].Job.Source, group[i].Delivery, ms(now)})
	}
	// Sources hold no "/": source/id names one delivery.
	inserted, err = s.insert(ctx, st, `deliveries (source, id, seen_at)`, `(source, id)`, rows,
		func(n int) string { return group[withDelivery[n]].Job.Source + "/" + group[withDelivery[n]].Delivery }, `source || '/' || id`)
	if err != nil {
		return nil, nil, fmt.Errorf("record deliveries: %w", err)
	}
	for n, i := range withDelivery {
		out[i].Replayed = !inserted[n]
	}

	for i, r := range group {
		if out[i].Created {
			continue
		}
		got, err := scanJob(tx.QueryRowContext(ctx, s.q(`SELECT `+jobCols+` FROM jobs WHERE key = ?`), r.Job.Key), false)
		if err != nil {
			return nil, nil, fmt.Errorf("read back %s: %w", r.Job.Key, err)
		}
		jobs[i] = *got
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("commit: %w", err)
	}
	return jobs, out, nil
}

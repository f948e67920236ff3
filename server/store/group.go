package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultMaxGroup caps the events one group commit holds, so that one
// transaction stays short and a failed one fails few requests.
const DefaultMaxGroup = 256

// Option tunes a store when it is opened.
type Option func(*options)

type options struct{ maxGroup int }

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

// enqueueReq is one Enqueue call waiting for the commit that holds it.
type enqueueReq struct {
	ctx      context.Context
	job      Job
	delivery string
	done     chan enqueueRes
}

type enqueueRes struct {
	job Job
	e   Enqueued
	err error
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
}

// startCommitter starts n commit loops: one for SQLite, which has one
// writer anyway; a few for PostgreSQL, whose commits can overlap.
func (s *sqlStore) startCommitter(maxGroup, n int) {
	s.c = &committer{reqs: make(chan *enqueueReq), quit: make(chan struct{}), max: maxGroup}
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
	if j.ID == "" {
		j.ID = NewID()
	}
	r := &enqueueReq{ctx: ctx, job: j, delivery: delivery, done: make(chan enqueueRes, 1)}
	select {
	case s.c.reqs <- r:
	case <-ctx.Done():
		return Job{}, Enqueued{}, fmt.Errorf("enqueue %s: %w", j.Key, ctx.Err())
	case <-s.c.quit:
		return Job{}, Enqueued{}, fmt.Errorf("enqueue %s: %w", j.Key, errClosed)
	}
	// Once handed over the job may be committed: wait for the outcome
	// whatever ctx says, so that no caller reports a failure for a job
	// that is in fact stored.
	res := <-r.done
	return res.job, res.e, res.err
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
	more:
		for len(group) < s.c.max {
			select {
			case r := <-s.c.reqs:
				group = append(group, r)
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
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- enqueueRes{err: fmt.Errorf("enqueue %s: %w", r.job.Key, err)}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	res, err := s.writeGroup(live)
	for i, r := range live {
		if err != nil {
			r.done <- enqueueRes{err: fmt.Errorf("enqueue %s: group commit of %d events: %w", r.job.Key, len(live), err)}
			continue
		}
		r.done <- res[i]
	}
}

func (s *sqlStore) writeGroup(group []*enqueueReq) ([]enqueueRes, error) {
	// The group's transaction must not end with one caller's request.
	ctx := context.Background()
	now := time.Now()
	out := make([]enqueueRes, len(group))
	order := make([]int, len(group))
	for i := range order {
		order[i] = i
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(group[a].job.Key, group[b].job.Key) })
	insJob, err := tx.PrepareContext(ctx, s.q(`INSERT INTO jobs (id, key, target, source, digest, state, next_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`))
	if err != nil {
		return nil, err
	}
	defer insJob.Close()
	for _, i := range order {
		j := group[i].job
		if j.NextAt.IsZero() {
			j.NextAt = now
		}
		r, err := insJob.ExecContext(ctx, j.ID, j.Key, j.Target, j.Source, j.Digest, string(Queued), ms(j.NextAt), ms(now), ms(now))
		if err != nil {
			return nil, fmt.Errorf("insert %s: %w", j.Key, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("insert %s: %w", j.Key, err)
		}
		out[i].e.Created = n == 1
		if n == 1 {
			// What the read-back would return, without the round trip.
			out[i].job = Job{ID: j.ID, Key: j.Key, Target: j.Target, Source: j.Source, Digest: j.Digest, State: Queued,
				NextAt: time.UnixMilli(ms(j.NextAt)).UTC(), CreatedAt: time.UnixMilli(ms(now)).UTC(), UpdatedAt: time.UnixMilli(ms(now)).UTC()}
		}
	}

	slices.SortStableFunc(order, func(a, b int) int {
		if c := strings.Compare(group[a].job.Source, group[b].job.Source); c != 0 {
			return c
		}
		return strings.Compare(group[a].delivery, group[b].delivery)
	})
	insDelivery, err := tx.PrepareContext(ctx, s.q(`INSERT INTO deliveries (source, id, seen_at) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING`))
	if err != nil {
		return nil, err
	}
	defer insDelivery.Close()
	for _, i := range order {
		r := group[i]
		if r.delivery == "" {
			continue
		}
		res, err := insDelivery.ExecContext(ctx, r.job.Source, r.delivery, ms(now))
		if err != nil {
			return nil, fmt.Errorf("record delivery %s/%s: %w", r.job.Source, r.delivery, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("record delivery %s/%s: %w", r.job.Source, r.delivery, err)
		}
		out[i].e.Replayed = n == 0
	}

	for i, r := range group {
		if out[i].e.Created {
			continue
		}
		got, err := scanJob(tx.QueryRowContext(ctx, s.q(`SELECT `+jobCols+` FROM jobs WHERE key = ?`), r.job.Key), false)
		if err != nil {
			return nil, fmt.Errorf("read back %s: %w", r.job.Key, err)
		}
		out[i].job = *got
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return out, nil
}

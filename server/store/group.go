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

// enqueueReq is one Enqueue or EnqueueBatch call waiting for the commit
// that holds it.
type enqueueReq struct {
	ctx   context.Context
	items []Pending
	done  chan enqueueRes
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
	r := &enqueueReq{ctx: ctx, items: items, done: make(chan enqueueRes, 1)}
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
	jobs, e, err := s.writeGroup(items)
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

	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(group[a].Job.Key, group[b].Job.Key) })
	insJob, err := tx.PrepareContext(ctx, s.q(`INSERT INTO jobs (id, key, target, source, digest, state, next_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`))
	if err != nil {
		return nil, nil, err
	}
	defer insJob.Close()
	for _, i := range order {
		j := group[i].Job
		if j.NextAt.IsZero() {
			j.NextAt = now
		}
		r, err := insJob.ExecContext(ctx, j.ID, j.Key, j.Target, j.Source, j.Digest, string(Queued), ms(j.NextAt), ms(now), ms(now))
		if err != nil {
			return nil, nil, fmt.Errorf("insert %s: %w", j.Key, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return nil, nil, fmt.Errorf("insert %s: %w", j.Key, err)
		}
		out[i].Created = n == 1
		if n == 1 {
			// What the read-back would return, without the round trip.
			jobs[i] = Job{ID: j.ID, Key: j.Key, Target: j.Target, Source: j.Source, Digest: j.Digest, State: Queued,
				NextAt: time.UnixMilli(ms(j.NextAt)).UTC(), CreatedAt: time.UnixMilli(ms(now)).UTC(), UpdatedAt: time.UnixMilli(ms(now)).UTC()}
		}
	}

	slices.SortStableFunc(order, func(a, b int) int {
		if c := strings.Compare(group[a].Job.Source, group[b].Job.Source); c != 0 {
			return c
		}
		return strings.Compare(group[a].Delivery, group[b].Delivery)
	})
	insDelivery, err := tx.PrepareContext(ctx, s.q(`INSERT INTO deliveries (source, id, seen_at) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING`))
	if err != nil {
		return nil, nil, err
	}
	defer insDelivery.Close()
	for _, i := range order {
		r := group[i]
		if r.Delivery == "" {
			continue
		}
		res, err := insDelivery.ExecContext(ctx, r.Job.Source, r.Delivery, ms(now))
		if err != nil {
			return nil, nil, fmt.Errorf("record delivery %s/%s: %w", r.Job.Source, r.Delivery, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, nil, fmt.Errorf("record delivery %s/%s: %w", r.Job.Source, r.Delivery, err)
		}
		out[i].Replayed = n == 0
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

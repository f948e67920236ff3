package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func openSQLiteT(t *testing.T) *sqlStore {
	t.Helper()
	st, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(*sqlStore)
}

func req(key, delivery string) *enqueueReq {
	return &enqueueReq{ctx: context.Background(), items: []Pending{{Job: Job{ID: NewID(), Key: key, Target: key, Source: "distribution", Digest: "d"}, Delivery: delivery}}, done: make(chan enqueueRes, 1)}
}

// TestGroupAnswersAsOneAtATime commits one group holding a key twice and
// a delivery id twice: the first call of each wins, as it would if the
// calls had been committed one by one, whatever order the keys sort in.
func TestGroupAnswersAsOneAtATime(t *testing.T) {
	s := openSQLiteT(t)
	group := []*enqueueReq{req("k/b", "ev1"), req("k/a", "ev2"), req("k/b", "ev1"), req("k/a", "ev3")}
	s.commitGroup(group)
	type one struct {
		job Job
		e   Enqueued
	}
	var got []one
	for i, r := range group {
		res := <-r.done
		if res.err != nil || len(res.jobs) != 1 || len(res.e) != 1 {
			t.Fatalf("call %d: %+v", i, res)
		}
		got = append(got, one{res.jobs[0], res.e[0]})
	}
	want := []Enqueued{{Created: true}, {Created: true}, {Replayed: true}, {}}
	for i, w := range want {
		if got[i].e != w {
			t.Errorf("call %d: %+v, want %+v", i, got[i].e, w)
		}
	}
	if got[0].job.ID != group[0].items[0].Job.ID || got[2].job.ID != got[0].job.ID || got[3].job.ID != got[1].job.ID {
		t.Errorf("job ids: %s %s %s %s", got[0].job.ID, got[1].job.ID, got[2].job.ID, got[3].job.ID)
	}
	if got[0].job.State != Queued || got[2].job.State != Queued || got[0].job.CreatedAt.IsZero() {
		t.Errorf("jobs: %+v %+v", got[0].job, got[2].job)
	}
}

// TestFailedGroupFailsEveryCall breaks the deliveries table so that one
// call of a group cannot be stored: every call of the group fails, and
// none of its jobs is kept.
func TestFailedGroupFailsEveryCall(t *testing.T) {
	s := openSQLiteT(t)
	if _, err := s.db.Exec(`DROP TABLE deliveries`); err != nil {
		t.Fatal(err)
	}
	group := []*enqueueReq{req("k/a", ""), req("k/b", "ev1"), req("k/c", "")}
	s.commitGroup(group)
	for i, r := range group {
		if res := <-r.done; res.err == nil {
			t.Errorf("call %d succeeded in a failed group: %+v", i, res)
		}
	}
	counts, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[Queued] != 0 {
		t.Fatalf("a failed group left jobs: %v", counts)
	}
}

// TestEnqueueAfterClose fails instead of waiting for a committer that is
// gone.
func TestEnqueueAfterClose(t *testing.T) {
	s := openSQLiteT(t)
	s.Close()
	if _, _, err := s.Enqueue(context.Background(), Job{Key: "k"}, ""); err == nil {
		t.Fatal("enqueue after close succeeded")
	}
}

// TestCheckpointsOffTheCommitPath checks that commits never checkpoint
// (the writer's automatic checkpoints are off) and that the background
// checkpointer keeps the write-ahead log from growing: once it has
// copied the log, the next commit starts the log over.
func TestCheckpointsOffTheCommitPath(t *testing.T) {
	s := openSQLiteT(t)
	ctx := context.Background()
	var auto int
	if err := s.db.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v), want 0", auto, err)
	}
	for i := range 300 {
		if _, _, err := s.Enqueue(ctx, Job{Key: fmt.Sprint("k", i), Target: "t", Source: "api", Digest: "d"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * checkpointEvery)
	if _, _, err := s.Enqueue(ctx, Job{Key: "last", Target: "t", Source: "api", Digest: "d"}, ""); err != nil {
		t.Fatal(err)
	}
	var busy, log, done int
	if err := s.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done); err != nil {
		t.Fatal(err)
	}
	if log > 20 {
		t.Fatalf("the log holds %d frames after a checkpoint and one commit: the checkpointer did not run", log)
	}
}

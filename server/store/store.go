// Package store keeps the scan jobs of `modelgate serve` durably: a queue
// of jobs keyed by the immutable reference they scan (so a repeated event
// never scans the same content twice), leases that let a crashed worker's
// job be retried, the delivery ids seen for replay protection, and each
// job's result, and the result cache of files scanned before. It has two backends behind one Store interface: SQLite in a
// data directory (the embedded default) and PostgreSQL for several
// replicas. It never scans, fetches or interprets a model.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// State is where a job is in its life.
type State string

// Job states. A job ends done or failed; queued and running are transient.
const (
	Queued  State = "queued"
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
)

// States lists every state, in life order.
var States = []State{Queued, Running, Done, Failed}

// ErrNotFound is returned when no job has the id asked for.
var ErrNotFound = errors.New("job not found")

// ErrLost is returned when a worker reports on a job it no longer holds:
// its lease expired and another worker claimed the job.
var ErrLost = errors.New("job lease lost to another worker")

// Job is one scan to run.
type Job struct {
	ID string `json:"id"`
	// Key is the immutable reference scanned (oci://host/repo@sha256:...,
	// hf://org/name@<commit>); it is unique across jobs.
	Key string `json:"key"`
	// Target is what is handed to the fetchers; usually equal to Key.
	Target string `json:"target"`
	// Source names who asked: distribution, harbor, huggingface, api.
	Source string `json:"source"`
	// Digest is the manifest digest or commit sha, for look-ups: the one
	// a registry event named while the job waits, and the one the
	// fetcher verified once it is done ("" when it verified none).
	Digest    string    `json:"digest"`
	State     State     `json:"state"`
	Attempts  int       `json:"attempts"`
	Reason    string    `json:"reason,omitempty"`
	Worker    string    `json:"worker,omitempty"`
	NextAt    time.Time `json:"next_at"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Result    *Result   `json:"result,omitempty"`
}

// Result is what a finished scan left: the verdict, the JSON report, the
// CycloneDX BOM, the signature outcomes and the referrers attached.
type Result struct {
	Verdict    string         `json:"verdict"`
	ExitCode   int            `json:"exit_code"`
	BySeverity map[string]int `json:"by_severity,omitempty"`
	Bytes      int64          `json:"bytes"`
	// Cached counts the files the result cache answered for: bytes
	// scanned before, neither fetched nor analyzed again.
	Cached int    `json:"cached,omitempty"`
	Pinned string `json:"pinned,omitempty"`
	// Digest is the digest or commit the fetcher verified (an OCI
	// manifest digest, a whole Hub repository's commit), or ""; Complete
	// files the job under it.
	Digest string `json:"digest,omitempty"`
	// Report and BOM are JSON documents kept verbatim.
	Report     json.RawMessage `json:"report,omitempty"`
	BOM        json.RawMessage `json:"bom,omitempty"`
	Signatures json.RawMessage `json:"signatures,omitempty"`
	Referrers  []string        `json:"referrers,omitempty"`
	// ReferrerError says why the referrers could not be attached.
	ReferrerError string `json:"referrer_error,omitempty"`
}

// Enqueued says what Enqueue did.
type Enqueued struct {
	// Created is false when a job with the same key existed.
	Created bool
	// Replayed is true when the delivery id had been seen before.
	Replayed bool
}

// Pending is a job to enqueue and the sender's delivery id of the event
// that asked for it ("" when it has none).
type Pending struct {
	Job      Job
	Delivery string
}

// Store is the durable queue and result store. Every method is safe for
// concurrent use, across goroutines and, for PostgreSQL, across processes.
type Store interface {
	// Enqueue stores j as queued unless a job with the same Key exists,
	// and records the sender's delivery id (when not empty) for j.Source,
	// in one transaction. It returns the stored job, whether it was
	// created and whether the delivery id had been seen before. It
	// returns only once both are durable. Calls made together share one
	// commit (group commit); when that commit fails, each of them fails.
	Enqueue(ctx context.Context, j Job, delivery string) (Job, Enqueued, error)
	// EnqueueBatch is Enqueue of several jobs in one transaction (the
	// events of one webhook payload): it returns once all of them are
	// durable, or fails for all. Jobs of one key, in the batch or
	// stored before, share one job; the results are in batch order.
	EnqueueBatch(ctx context.Context, batch []Pending) ([]Job, []Enqueued, error)
	// PruneDeliveries forgets delivery ids seen before t.
	PruneDeliveries(ctx context.Context, before time.Time) error
	// Claim takes the oldest job that is ready (queued and due, or
	// running with an expired lease) for worker, leases it until
	// now+lease and counts an attempt. It returns nil when none is ready.
	Claim(ctx context.Context, worker string, now time.Time, lease time.Duration) (*Job, error)
	// Extend renews worker's lease on a running job.
	Extend(ctx context.Context, id, worker string, until time.Time) error
	// Complete ends a job done with its result.
	Complete(ctx context.Context, id, worker string, r Result) error
	// Fail ends a job failed with a reason.
	Fail(ctx context.Context, id, worker, reason string) error
	// Retry puts a running job back in the queue, due at next.
	Retry(ctx context.Context, id, worker, reason string, next time.Time) error
	// Release puts a running job back in the queue, due now, without
	// counting the attempt: the worker stopped before finishing it.
	Release(ctx context.Context, id, worker string) error
	// RecoverRunning requeues every running job; call it at start-up when
	// this process is the only user of the store.
	RecoverRunning(ctx context.Context) (int, error)
	Get(ctx context.Context, id string) (*Job, error)
	// ByDigest lists the jobs of a digest, newest first, without results
	// unless withResult.
	ByDigest(ctx context.Context, digest string, withResult bool) ([]Job, error)
	// CachedResult returns the scan result cache's value under key (a key
	// the scanner derived), or false when there is none or the entry
	// fails its checksum.
	CachedResult(ctx context.Context, key string) ([]byte, bool, error)
	// CacheResult stores value under key, replacing any entry.
	CacheResult(ctx context.Context, key string, value []byte) error
	// PruneCache forgets result cache entries stored before t.
	PruneCache(ctx context.Context, before time.Time) error
	// Counts returns the number of jobs in each state.
	Counts(ctx context.Context) (map[State]int, error)
	Ping(ctx context.Context) error
	Close() error
}

// Open opens the store a DSN names: postgres:// or postgresql:// selects
// PostgreSQL, anything else is a SQLite database file path.
func Open(ctx context.Context, dsn string, opts ...Option) (Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return OpenPostgres(ctx, dsn, opts...)
	}
	return OpenSQLite(ctx, dsn, opts...)
}

// NewID returns a random job id.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

package fetchtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Throttled is a loopback file server that limits each connection's rate
// and the rate of all connections together, as a CDN edge does: a token
// bucket per connection and one for the server.
type Throttled struct {
	*httptest.Server
	// Conns counts the connections opened, Reqs the requests served and
	// Bytes the body bytes sent.
	Conns, Reqs, Bytes atomic.Int64
	perConn            float64
	all                *bucket
}

// NewThrottled serves data (any path) with Range support at perConn bytes
// a second per connection and total bytes a second in all (0: no limit).
func NewThrottled(data io.ReaderAt, size int64, perConn, total float64) *Throttled {
	s := &Throttled{perConn: perConn}
	if total > 0 {
		s.all = newBucket(total)
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Reqs.Add(1)
		b, _ := r.Context().Value(connKey{}).(*bucket)
		http.ServeContent(throttledWriter{w, b, s.all, &s.Bytes}, r, "f", time.Time{}, io.NewSectionReader(data, 0, size))
	}))
	s.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		s.Conns.Add(1)
		return context.WithValue(ctx, connKey{}, newBucket(s.perConn))
	}
	s.Start()
	return s
}

type connKey struct{}

type throttledWriter struct {
	http.ResponseWriter
	conn, all *bucket
	sent      *atomic.Int64
}

func (w throttledWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 16<<10)
		d := w.conn.reserve(k)
		if w.all != nil {
			d = max(d, w.all.reserve(k))
		}
		time.Sleep(d)
		m, err := w.ResponseWriter.Write(p[:k])
		n += m
		w.sent.Add(int64(m))
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// bucket is a token bucket as a schedule: each reservation moves the time
// the bucket is next empty forward by its cost, and the caller waits
// until its bytes are due. Idle time earns at most burst's worth.
type bucket struct {
	mu    sync.Mutex
	rate  float64 // bytes a second
	next  time.Time
	burst time.Duration
}

func newBucket(rate float64) *bucket {
	return &bucket{rate: rate, burst: 20 * time.Millisecond}
}

func (b *bucket) reserve(n int) time.Duration {
	if b == nil || b.rate <= 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.next.Before(now.Add(-b.burst)) {
		b.next = now.Add(-b.burst)
	}
	b.next = b.next.Add(time.Duration(float64(n) / b.rate * float64(time.Second)))
	return b.next.Sub(now)
}

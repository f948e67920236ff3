package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultStallTimeout is how long a request may wait for its answer, or a
// read of an answer's body for its next byte, before it fails: long
// enough for a slow origin under load, short enough that a server that
// accepts a connection and then sends nothing cannot hold a scan.
const DefaultStallTimeout = 60 * time.Second

// StallError is a request that made no progress for a while: no answer,
// or no byte of the body, within the stall timeout.
type StallError struct {
	Host string
	Wait time.Duration
	// Body says the answer had begun (the stall came in its body).
	Body bool
}

func (e *StallError) Error() string {
	what := "no answer"
	if e.Body {
		what = "no data"
	}
	return fmt.Sprintf("%s: %s for %s (the server stalled); retry later, or check the network path to %s", e.Host, what, e.Wait, e.Host)
}

// StallGuard returns a transport over base (the package's default
// transport when nil) on which a request fails with a *StallError when
// its answer does not begin within d (connecting, the TLS handshake and
// the server's think time included) or when a read of its body waits d
// for a byte. A body read slowly but steadily is never cut: only the
// time a read waits counts, not the time the consumer takes between
// reads nor the length of the download, so a large model at a low rate
// passes, and a trickle of a byte per window passes too (a total bound
// is the caller's deadline). Sending a request's body counts toward the
// wait for its answer: the fetchers and the service upload small bodies
// only. d <= 0 returns base unguarded.
func StallGuard(base http.RoundTripper, d time.Duration) http.RoundTripper {
	if d <= 0 {
		return base
	}
	if base == nil {
		base = defaultTransport
	}
	return &stallTransport{base: base, d: d}
}

// Guarded reports whether rt is a transport StallGuard made.
func Guarded(rt http.RoundTripper) bool {
	_, ok := rt.(*stallTransport)
	return ok
}

type stallTransport struct {
	base http.RoundTripper
	d    time.Duration
}

func (t *stallTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	host := req.URL.Host
	timer := time.AfterFunc(t.d, func() { cancel(&StallError{Host: host, Wait: t.d}) })
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	timer.Stop()
	if err != nil {
		var se *StallError
		if errors.As(context.Cause(ctx), &se) {
			err = fmt.Errorf("%s %s: %w", req.Method, redact(req.URL.String()), se)
		}
		cancel(nil)
		return nil, err
	}
	body := &stallBody{rc: resp.Body, ctx: ctx, cancel: cancel, d: t.d}
	body.timer = time.AfterFunc(t.d, func() { cancel(&StallError{Host: host, Wait: t.d, Body: true}) })
	body.timer.Stop()
	resp.Body = body
	return resp, nil
}

// stallBody fails a Read that waits longer than d by cancelling the
// request's context, which unblocks the read in the transport.
type stallBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	d      time.Duration
	// timer, armed while a Read waits, cancels the request.
	timer *time.Timer
}

func (b *stallBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.d)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && !errors.Is(err, io.EOF) {
		var se *StallError
		if errors.As(context.Cause(b.ctx), &se) {
			return n, se
		}
	}
	return n, err
}

func (b *stallBody) Close() error {
	err := b.rc.Close()
	b.timer.Stop()
	b.cancel(nil)
	return err
}

// GuardOpener returns open with the stall rule of StallGuard, for an
// origin whose client dials on its own (an object store SDK): opening a
// range must not wait d, nor a read of its body d for a byte. The
// client must abort a request when its context ends, as the SDKs do.
// d <= 0 returns open unguarded.
func GuardOpener(open Opener, host string, d time.Duration) Opener {
	if d <= 0 {
		return open
	}
	return func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		ctx, cancel := context.WithCancelCause(ctx)
		timer := time.AfterFunc(d, func() { cancel(&StallError{Host: host, Wait: d}) })
		rc, err := open(ctx, off, n)
		timer.Stop()
		if err != nil {
			var se *StallError
			if errors.As(context.Cause(ctx), &se) {
				err = se
			}
			cancel(nil)
			return nil, err
		}
		body := &stallBody{rc: rc, ctx: ctx, cancel: cancel, d: d}
		body.timer = time.AfterFunc(d, func() { cancel(&StallError{Host: host, Wait: d, Body: true}) })
		body.timer.Stop()
		return body, nil
	}
}

package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRedirects bounds a redirect chain; a longer one is a loop or a lie.
const MaxRedirects = 10

// HTTP is a client for origins that may redirect a download to another
// host (a CDN, a pre-signed storage URL). Header (credentials) is sent
// only to the host a request was made to, never to a redirect target on
// another host or port; redirects are capped and never downgrade https to
// http; 429 and 5xx answers are retried a bounded number of times,
// honouring Retry-After.
type HTTP struct {
	Client *http.Client
	// Header is added to every request to the origin.
	Header http.Header
	// Retries is how many times a 429 or 5xx answer is retried.
	Retries int
	// MaxWait caps one wait between retries, whatever Retry-After says.
	MaxWait time.Duration
	// Backoff is the first wait when the server names none; it doubles.
	Backoff time.Duration
}

// defaultTransport is http.DefaultTransport keeping enough idle
// connections per host for a parallel stream: with Go's default of two,
// six of eight connections would be closed after every chunk and dialled
// (and, over TLS, handshaken) again.
var defaultTransport = func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}()

// NewHTTP returns an HTTP over base (defaultTransport when nil) with
// the default retry policy.
func NewHTTP(base http.RoundTripper) *HTTP {
	if base == nil {
		base = defaultTransport
	}
	return &HTTP{
		Client:  &http.Client{Transport: base, CheckRedirect: checkRedirect},
		Header:  http.Header{},
		Retries: 4,
		MaxWait: 30 * time.Second,
		Backoff: 500 * time.Millisecond,
	}
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= MaxRedirects {
		return fmt.Errorf("stopped after %d redirects (a redirect loop?)", len(via))
	}
	first := via[0].URL
	if first.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("refusing redirect from https to %s (%s)", req.URL.Scheme, req.URL.Redacted())
	}
	if !strings.EqualFold(req.URL.Host, first.Host) {
		// Go keeps credentials for a subdomain or another port of the
		// same host; a download host is a different trust domain.
		for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
			req.Header.Del(h)
		}
	}
	return nil
}

// StatusError is an HTTP answer that is not a success.
type StatusError struct {
	Method, URL string
	Code        int
	// ErrorCode and Message are the origin's own words, when it gives
	// them (Hugging Face's X-Error-Code and X-Error-Message).
	ErrorCode, Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
	if e.ErrorCode != "" {
		s += " (" + e.ErrorCode + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// IsStatus reports whether err is a StatusError with one of codes.
func IsStatus(err error, codes ...int) bool {
	var se *StatusError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Code == c {
			return true
		}
	}
	return false
}

func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusBadGateway ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout ||
		code == http.StatusInternalServerError
}

// Do sends a request and returns a response whose status is 2xx (or 3xx
// when the client does not follow redirects); any
// other answer is a *StatusError after the bounded retries.
func (h *HTTP) Do(ctx context.Context, method, url string, header http.Header) (*http.Response, error) {
	wait := h.Backoff
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			return nil, fmt.Errorf("build request for %s: %w", url, err)
		}
		for k, v := range h.Header {
			req.Header[k] = v
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := h.Client.Do(req)
		if err != nil {
			return nil, err
		}
		// A 3xx reaches here only from a client told not to follow it.
		if resp.StatusCode >= 200 && resp.StatusCode < 400 {
			return resp, nil
		}
		se := &StatusError{Method: method, URL: redact(url), Code: resp.StatusCode,
			ErrorCode: resp.Header.Get("X-Error-Code"), Message: OneLine(resp.Header.Get("X-Error-Message"))}
		delay := retryAfter(resp.Header.Get("Retry-After"), wait)
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if !retryable(resp.StatusCode) || attempt >= h.Retries {
			if attempt > 0 {
				return nil, fmt.Errorf("%w (after %d attempts)", se, attempt+1)
			}
			return nil, se
		}
		if h.MaxWait > 0 {
			delay = min(delay, h.MaxWait)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait *= 2
	}
}

func retryAfter(v string, def time.Duration) time.Duration {
	if v == "" {
		return def
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return def
}

// OneLine makes a server-supplied text fit one line of an error: control
// characters become spaces and it is cut at 300 bytes.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// redact drops the query of a URL: pre-signed URLs carry credentials there.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?..."
	}
	return u
}

// RangeOpener returns an Opener that fetches byte ranges of url with GET
// and Range. A 206 must cover exactly the bytes asked for; a server that
// ignores Range (200) is read from the start and the leading bytes are
// skipped; a Content-Encoding other than identity is refused, since the
// bytes served must be the bytes the digest covers.
func (h *HTTP) RangeOpener(url string) Opener {
	return func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		hdr := http.Header{
			"Range":           {fmt.Sprintf("bytes=%d-%d", off, off+n-1)},
			"Accept-Encoding": {"identity"},
		}
		resp, err := h.Do(ctx, http.MethodGet, url, hdr)
		if err != nil {
			return nil, err
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: content encoded as %q, want the raw bytes", redact(url), ce)
		}
		switch resp.StatusCode {
		case http.StatusPartialContent:
			start, _, err := parseContentRange(resp.Header.Get("Content-Range"))
			if err != nil || start != off {
				resp.Body.Close()
				return nil, fmt.Errorf("GET %s: Content-Range %q does not answer bytes=%d-: %v", redact(url), resp.Header.Get("Content-Range"), off, err)
			}
		case http.StatusOK:
			return &wholeBody{body: resp.Body, skip: off, n: n, url: redact(url)}, nil
		default:
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: unexpected status %d for a range", redact(url), resp.StatusCode)
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(resp.Body, n), resp.Body}, nil
	}
}

// parseContentRange reads "bytes START-END/TOTAL"; total is -1 for "*".
func parseContentRange(v string) (start, total int64, err error) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, errors.New("not a byte range")
	}
	span, tot, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, errors.New("no total")
	}
	s, _, ok := strings.Cut(span, "-")
	if !ok {
		return 0, 0, errors.New("no range")
	}
	if start, err = strconv.ParseInt(s, 10, 64); err != nil || start < 0 {
		return 0, 0, errors.New("bad start")
	}
	if tot == "*" {
		return start, -1, nil
	}
	if total, err = strconv.ParseInt(tot, 10, 64); err != nil || total < 0 {
		return 0, 0, errors.New("bad total")
	}
	return start, total, nil
}

// Stat learns the size of the file at url from a one-byte range request,
// which works where HEAD is not allowed (pre-signed GET URLs).
func (h *HTTP) Stat(ctx context.Context, url string) (int64, error) {
	resp, err := h.Do(ctx, http.MethodGet, url, http.Header{"Range": {"bytes=0-0"}, "Accept-Encoding": {"identity"}})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusPartialContent {
		_, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || total < 0 {
			return 0, fmt.Errorf("GET %s: no size in Content-Range %q", redact(url), resp.Header.Get("Content-Range"))
		}
		return total, nil
	}
	if resp.ContentLength < 0 {
		return 0, fmt.Errorf("GET %s: the server states no size", redact(url))
	}
	return resp.ContentLength, nil
}

// ReadAnswer reads an API answer whole, refusing one longer than max
// bytes: a registry's answer is hostile input and is never held unbounded.
func ReadAnswer(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("answer larger than %d bytes", max)
	}
	return b, nil
}

package remote

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APICall is one request to a model registry's JSON API, as the registry
// resolvers make it: the names its errors carry and how a refusal reads.
type APICall struct {
	// Op names the call in the error of a request that got no answer.
	Op string
	// At names the call and where it went in the error of an answer that
	// cannot be read or parsed.
	At string
	// Limit caps the answer (see ReadAnswer).
	Limit int64
	// Refused renders an answer other than 200 OK as a one-line error.
	Refused func(status int, raw []byte) error
}

// Do sends req through rt (http.DefaultTransport when nil) with a
// one-minute timeout, reads the answer within Limit and decodes a 200 OK
// answer's JSON into out.
func (c APICall) Do(req *http.Request, rt http.RoundTripper, out any) error {
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := (&http.Client{Transport: rt, Timeout: time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Op, err)
	}
	defer resp.Body.Close()
	raw, err := ReadAnswer(resp.Body, c.Limit)
	if err != nil {
		return fmt.Errorf("%s: %w", c.At, err)
	}
	if resp.StatusCode != http.StatusOK {
		return c.Refused(resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: parse answer: %w", c.At, err)
	}
	return nil
}

// RefusalError is the one-line error of an API answer with the given
// status, the error code the answer named (the status text when none) and
// its message, whose whitespace and line breaks are folded to single spaces.
func RefusalError(status int, code, msg string) error {
	if code == "" {
		code = http.StatusText(status)
	}
	if msg = strings.Join(strings.Fields(msg), " "); msg == "" {
		return fmt.Errorf("HTTP %d %s", status, code)
	}
	return fmt.Errorf("HTTP %d %s: %s", status, code, msg)
}

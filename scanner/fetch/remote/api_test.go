package remote

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAPICall(t *testing.T) {
	refused := func(status int, raw []byte) error { return fmt.Errorf("refused %d %s", status, raw) }
	tests := []struct {
		status  int
		body    string
		want    string // the value decoded, or the error
		wantErr bool
	}{
		{http.StatusOK, `{"v":"x"}`, "x", false},
		{http.StatusNotFound, `nope`, "refused 404 nope", true},
		{http.StatusOK, `{"v":`, "op at: parse answer: unexpected end of JSON input", true},
		{http.StatusOK, strings.Repeat("x", 65), "op at: answer larger than 64 bytes", true},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(tt.status)
			_, _ = w.Write([]byte(tt.body))
		}))
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		var out struct{ V string }
		err := APICall{Op: "op", At: "op at", Limit: 64, Refused: refused}.Do(req, nil, &out)
		srv.Close()
		got := out.V
		if err != nil {
			got = err.Error()
		}
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%d %q: got %q (error %v), want %q", tt.status, tt.body, got, err, tt.want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	if err := (APICall{Op: "op", At: "op at"}).Do(req, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "op: ") {
		t.Errorf("no answer: got %v, want an error naming op", err)
	}
}

func TestRefusalError(t *testing.T) {
	tests := []struct {
		status    int
		code, msg string
		want      string
	}{
		{403, "PERMISSION_DENIED", "no\n  access", "HTTP 403 PERMISSION_DENIED: no access"},
		{404, "", "", "HTTP 404 Not Found"},
		{500, "X", " \n", "HTTP 500 X"},
	}
	for _, tt := range tests {
		if got := RefusalError(tt.status, tt.code, tt.msg).Error(); got != tt.want {
			t.Errorf("RefusalError(%d, %q, %q) = %q, want %q", tt.status, tt.code, tt.msg, got, tt.want)
		}
	}
}

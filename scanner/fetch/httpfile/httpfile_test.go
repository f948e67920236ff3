package httpfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner/fetch"
)

// artifactory stands in for a JFrog Artifactory generic repository:
// files under /artifactory/REPO/ for a bearer token, one of them served
// by a redirect to a download host that counts requests carrying an
// Authorization header.
type artifactory struct {
	srv, download *httptest.Server
	leaked, hits  atomic.Int32
}

func startArtifactory(t *testing.T, token string, body []byte) *artifactory {
	a := &artifactory{}
	serve := func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "model.pkl", time.Time{}, bytes.NewReader(body))
	}
	a.download = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			a.leaked.Add(1)
		}
		serve(w, r)
	}))
	t.Cleanup(a.download.Close)
	a.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"status":401,"message":"Authentication is required"}]}`)
			return
		}
		switch r.URL.Path {
		case "/artifactory/models-generic/bert/model.pkl":
			serve(w, r)
		case "/artifactory/models-generic/bert/redirected.pkl":
			http.Redirect(w, r, a.download.URL+"/signed/model.pkl", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func read(t *testing.T, src fetch.Source) []byte {
	t.Helper()
	var got []byte
	err := src.Walk(context.Background(), func(f fetch.File) error {
		rc, err := f.Open(context.Background())
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err = io.ReadAll(io.NewSectionReader(rc, 0, f.Size))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestTokenAuth(t *testing.T) {
	body := bytes.Repeat([]byte("model bytes "), 10_000)
	a := startArtifactory(t, "jfrog-token", body)
	host := strings.TrimPrefix(a.srv.URL, "https://")
	opts := fetch.Options{Transport: a.srv.Client().Transport}
	file := a.srv.URL + "/artifactory/models-generic/bert/model.pkl"

	for _, tc := range []struct {
		name, target, token, tokenHost, want string
		usage                                bool
	}{
		{name: "token for the host", target: file, token: "jfrog-token", tokenHost: host},
		{name: "host named in another case", target: file, token: "jfrog-token", tokenHost: strings.ToUpper(host)},
		{name: "redirect to a download host", target: a.srv.URL + "/artifactory/models-generic/bert/redirected.pkl", token: "jfrog-token", tokenHost: host},
		{name: "no token", target: file, want: "set MODELGATE_HTTP_TOKEN and MODELGATE_HTTP_TOKEN_HOST=" + host},
		{name: "token for another host", target: file, token: "jfrog-token", tokenHost: "artifactory.example.com", want: "set MODELGATE_HTTP_TOKEN"},
		{name: "wrong token", target: file, token: "other", tokenHost: host, want: "the token in MODELGATE_HTTP_TOKEN may not read it"},
		{name: "token without a host", target: file, token: "jfrog-token", want: "MODELGATE_HTTP_TOKEN_HOST does not name", usage: true},
		{name: "plain http", target: "http://" + host + "/artifactory/models-generic/bert/model.pkl", token: "jfrog-token", tokenHost: host, want: "over plain http", usage: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("MODELGATE_HTTP_TOKEN", tc.token)
			t.Setenv("MODELGATE_HTTP_TOKEN_HOST", tc.tokenHost)
			src, err := fetch.Open(context.Background(), tc.target, opts)
			if tc.want != "" {
				var ue *fetch.ErrUsage
				if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
					t.Fatalf("err %v, want one with %q (usage error: %v)", err, tc.want, tc.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := read(t, src); !bytes.Equal(got, body) {
				t.Errorf("read %d bytes that differ from the %d served", len(got), len(body))
			}
		})
	}
	if a.hits.Load() == 0 {
		t.Error("the redirect never reached the download host")
	}
	if n := a.leaked.Load(); n != 0 {
		t.Errorf("the token reached the download host %d times", n)
	}
}

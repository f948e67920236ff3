package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server/store"
)

// TestDistributionEnvelopeOfManyEvents posts one notification envelope
// holding several pushes, as Distribution sends them: one answer, one job
// per digest (a digest pushed under two tags is one job), the pull and
// the non-manifest push ignored.
func TestDistributionEnvelopeOfManyEvents(t *testing.T) {
	srv := newServer(t, testConfig(t))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	ev := func(id, action, mediaType, digest, tag string) string {
		return fmt.Sprintf(`{"id":%q,"timestamp":%q,"action":%q,"target":{"mediaType":%q,"digest":%q,"repository":"batch/model","url":"http://registry.test:5000/v2/batch/model/manifests/%s","tag":%q},"request":{"host":"registry.test:5000"}}`,
			id, now, action, mediaType, digest, digest, tag)
	}
	const manifest = "application/vnd.oci.image.manifest.v1+json"
	events := []string{
		ev("e1", "push", manifest, fakeDigest(1), "a"),
		ev("e2", "push", manifest, fakeDigest(2), "b"),
		ev("e3", "pull", manifest, fakeDigest(3), "c"),
		ev("e4", "push", manifest, fakeDigest(1), "latest"),
		ev("e5", "push", "application/octet-stream", fakeDigest(4), ""),
		ev("e6", "push", manifest, fakeDigest(5), "d"),
	}
	code, body := post(t, hs.URL+"/v1/events/distribution", `{"events":[`+strings.Join(events, ",")+`]}`, bearer())
	if code != 202 {
		t.Fatalf("status %d: %s", code, body)
	}
	var resp struct {
		Jobs []struct {
			ID      string `json:"id"`
			Created bool   `json:"created"`
		} `json:"jobs"`
		Duplicates int `json:"duplicates"`
		Ignored    int `json:"ignored"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Jobs) != 4 || resp.Duplicates != 1 || resp.Ignored != 2 || resp.Jobs[2].ID != resp.Jobs[0].ID || resp.Jobs[2].Created {
		t.Fatalf("answer %s", body)
	}
	counts, err := srv.Store().Counts(context.Background())
	if err != nil || counts[store.Queued] != 3 {
		t.Fatalf("queued jobs: %v %v", counts, err)
	}
}

// Package vertex fetches a model version from the Vertex AI Model
// Registry: vertex://projects/P/locations/L/models/M[@VERSION] is read
// with the Models.get REST call (Application Default Credentials) and the
// version's artifactUri is read through the gs:// fetcher. VERSION may be
// a version ID or an alias; the report pins the version ID answered. It
// never uploads, changes or deploys a model, and never follows an
// artifactUri that is not a plain gs:// URL.
//
// The API endpoint is https://L-aiplatform.googleapis.com, or
// $MODELGATE_VERTEX_ENDPOINT; an http:// override is taken for a local
// stand-in and is sent no credentials, as the storage client does for
// $STORAGE_EMULATOR_HOST.
package vertex

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/artifact"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() { fetch.RegisterScheme("vertex", Open) }

// maxResponse caps a Models.get answer; real ones are a few KB.
const maxResponse = 4 << 20

var (
	nameRE    = regexp.MustCompile(`^projects/([a-z0-9-]{1,63})/locations/([a-z0-9-]{1,63})/models/([a-zA-Z0-9_-]{1,128})(@([a-zA-Z0-9_-]{1,128}))?$`)
	versionRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
)

// Parse splits vertex://projects/P/locations/L/models/M[@VERSION] into
// the resource name and its location.
func Parse(target string) (name, location string, err error) {
	name, _ = strings.CutPrefix(target, "vertex://")
	m := nameRE.FindStringSubmatch(name)
	if m == nil || !strings.HasPrefix(target, "vertex://") {
		return "", "", fetch.Usagef("%s: want vertex://projects/PROJECT/locations/LOCATION/models/MODEL[@VERSION_OR_ALIAS]", target)
	}
	return name, m[2], nil
}

// model is the part of the Model resource read here.
type model struct {
	Name        string `json:"name"`
	VersionID   string `json:"versionId"`
	ArtifactURI string `json:"artifactUri"`
}

// Open resolves a vertex:// target to the artifact directory of the model
// version, pinned to its version ID.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	name, location, err := Parse(target)
	if err != nil {
		return nil, err
	}
	m, err := get(ctx, name, location, opts.Transport)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	if !versionRE.MatchString(m.VersionID) {
		return nil, fmt.Errorf("%s: models.get answered versionId %q, not a version ID", target, m.VersionID)
	}
	if m.ArtifactURI == "" {
		return nil, fmt.Errorf("%s: model version %s has no artifactUri (its model lives in the serving container image): nothing to scan", target, m.VersionID)
	}
	if err := artifact.CheckURL(m.ArtifactURI, "gs"); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	base, _, _ := strings.Cut(name, "@")
	src, err := artifact.Open(ctx, "vertex://"+base+"@"+m.VersionID, []string{m.ArtifactURI}, opts)
	if err != nil {
		return nil, err
	}
	return src, nil
}

func get(ctx context.Context, name, location string, rt http.RoundTripper) (*model, error) {
	if rt == nil {
		rt = http.DefaultTransport
	}
	base := "https://" + location + "-aiplatform.googleapis.com"
	if e := os.Getenv("MODELGATE_VERTEX_ENDPOINT"); e != "" {
		base = strings.TrimSuffix(e, "/")
	}
	transport := rt
	if !strings.HasPrefix(base, "http://") {
		ts, err := google.DefaultTokenSource(ctx, "https://www.googleapis.com/auth/cloud-platform")
		if err != nil {
			return nil, fmt.Errorf("google application default credentials: %w", err)
		}
		transport = &oauth2.Transport{Source: ts, Base: rt}
	}
	url := base + "/v1/" + name
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("models.get: %w", err)
	}
	var m model
	call := remote.APICall{Op: "models.get", At: "models.get " + url, Limit: maxResponse, Refused: apiError}
	if err := call.Do(req, transport, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// apiError renders a Google API error answer ({"error": {"code",
// "message", "status"}}) on one line.
func apiError(status int, raw []byte) error {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return fmt.Errorf("models.get: %w", remote.RefusalError(status, e.Error.Status, e.Error.Message))
}

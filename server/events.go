package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// event is one scan request distilled from a webhook payload.
type event struct {
	// Target is the immutable reference to scan, and the job key.
	Target string
	Digest string
	// Delivery is the sender's id of the event, "" when it has none.
	Delivery string
	// At is the sender's timestamp, zero when it has none.
	At time.Time
	// Immutable says Target names bytes that never change although it
	// holds no digest (an MLflow model version), so its job dedupes.
	Immutable bool
	// CosignTag says the push was to a tag named the way cosign names
	// signatures and attestations: a name the uploader chose, so only
	// the manifest can say whether it is one (passOverCosign).
	CosignTag bool
}

// maxEvents caps the events taken from one payload.
const maxEvents = 1000

var (
	ociDigest  = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	gitSHA     = regexp.MustCompile(`^[0-9a-f]{40}$`)
	repoName   = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	hfRepo     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)
	fallbackTg = regexp.MustCompile(`^sha256-[0-9a-f]{64}$`)
	// cosignTag is where cosign (and modelgate attest, and serve with an
	// attest key) store signatures, attestations and SBOMs of another
	// manifest. Anyone who can push can use such a tag name for a model,
	// so the name alone never skips a scan.
	cosignTag = regexp.MustCompile(`^sha256-[0-9a-f]{64}\.(?:sig|att|sbom)$`)
)

// manifestTypes are the media types of a push worth scanning.
var manifestTypes = map[string]bool{
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   true,
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
}

// indexTypes are the media types of an image index.
var indexTypes = map[string]bool{
	"application/vnd.oci.image.index.v1+json":                   true,
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
}

// ociTarget builds oci://host/repo@digest after checking each part, so
// that a payload cannot smuggle another scheme or path into the target.
func ociTarget(host, repo, digest string) (string, error) {
	if !ociDigest.MatchString(digest) {
		return "", fmt.Errorf("digest %q: want sha256:<64 hex>", digest)
	}
	if !repoName.MatchString(repo) || len(repo) > 255 {
		return "", fmt.Errorf("repository %q is not a valid repository name", repo)
	}
	if _, err := name.NewRegistry(host); err != nil || host == "" || strings.ContainsAny(host, "/@?#") {
		return "", fmt.Errorf("registry host %q is not valid", host)
	}
	return "oci://" + host + "/" + repo + "@" + digest, nil
}

type distributionEnvelope struct {
	Events []struct {
		ID        string    `json:"id"`
		Timestamp time.Time `json:"timestamp"`
		Action    string    `json:"action"`
		Target    struct {
			MediaType  string `json:"mediaType"`
			Digest     string `json:"digest"`
			Repository string `json:"repository"`
			URL        string `json:"url"`
			Tag        string `json:"tag"`
		} `json:"target"`
		Request struct {
			Host string `json:"host"`
		} `json:"request"`
	} `json:"events"`
}

// parseDistribution reads a CNCF Distribution notification envelope. Only
// manifest pushes are scanned; an index pushed to the referrers fallback
// tag (an index of referrers, pushed by this service among others) is not. Pushes to
// cosign's sha256-<hex>.sig/.att/.sbom tags are marked, for
// passOverCosign to look at the manifest.
func parseDistribution(body []byte, src Source) ([]event, int, error) {
	var env distributionEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, 0, fmt.Errorf("distribution envelope: %w", err)
	}
	if env.Events == nil {
		return nil, 0, fmt.Errorf("distribution envelope: no events array")
	}
	if len(env.Events) > maxEvents {
		return nil, 0, fmt.Errorf("distribution envelope: %d events, at most %d", len(env.Events), maxEvents)
	}
	var out []event
	ignored := 0
	for _, e := range env.Events {
		t := e.Target
		// The referrers fallback tag holds an index, whose manifests were
		// pushed (and announced) one by one before it; any other manifest
		// pushed under that name is announced only here.
		if e.Action != "push" || !manifestTypes[t.MediaType] || fallbackTg.MatchString(t.Tag) && indexTypes[t.MediaType] {
			ignored++
			continue
		}
		named := e.Request.Host
		if u, err := url.Parse(t.URL); err == nil && u.Host != "" {
			named = u.Host
		}
		host, err := src.registryFor(named)
		if err != nil {
			return nil, 0, fmt.Errorf("distribution event %s: %w", e.ID, err)
		}
		target, err := ociTarget(host, t.Repository, t.Digest)
		if err != nil {
			return nil, 0, fmt.Errorf("distribution event %s: %w", e.ID, err)
		}
		out = append(out, event{Target: target, Digest: t.Digest, Delivery: e.ID, At: e.Timestamp, CosignTag: cosignTag.MatchString(t.Tag)})
	}
	return out, ignored, nil
}

type harborResource struct {
	Digest      string `json:"digest"`
	Tag         string `json:"tag"`
	ResourceURL string `json:"resource_url"`
}

type harborData struct {
	Resources  []harborResource `json:"resources"`
	Repository struct {
		Name         string `json:"name"`
		Namespace    string `json:"namespace"`
		RepoFullName string `json:"repo_full_name"`
	} `json:"repository"`
}

type harborPayload struct {
	// Default format.
	Type      string          `json:"type"`
	OccurAt   json.RawMessage `json:"occur_at"`
	EventData *harborData     `json:"event_data"`
	// CloudEvents format.
	SpecVersion string      `json:"specversion"`
	ID          string      `json:"id"`
	Time        time.Time   `json:"time"`
	Data        *harborData `json:"data"`
}

// parseHarbor reads a Harbor webhook in its Default or CloudEvents format
// and keeps artifact pushes.
func parseHarbor(body []byte, src Source) ([]event, int, error) {
	var p harborPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, 0, fmt.Errorf("harbor webhook: %w", err)
	}
	var data *harborData
	var at time.Time
	var delivery string
	push := false
	if p.SpecVersion != "" {
		data, at, delivery = p.Data, p.Time, p.ID
		push = p.Type == "harbor.artifact.pushed"
	} else {
		data = p.EventData
		push = p.Type == "PUSH_ARTIFACT"
		if len(p.OccurAt) > 0 {
			n, err := strconv.ParseInt(strings.Trim(string(p.OccurAt), `"`), 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("harbor webhook: occur_at %s: %w", p.OccurAt, err)
			}
			at = time.Unix(n, 0)
		}
	}
	if p.Type == "" {
		return nil, 0, fmt.Errorf("harbor webhook: no event type")
	}
	if !push {
		return nil, 1, nil
	}
	if data == nil || len(data.Resources) == 0 {
		return nil, 0, fmt.Errorf("harbor webhook: push event without resources")
	}
	if len(data.Resources) > maxEvents {
		return nil, 0, fmt.Errorf("harbor webhook: %d resources, at most %d", len(data.Resources), maxEvents)
	}
	var out []event
	for i, r := range data.Resources {
		ref, err := name.ParseReference(r.ResourceURL)
		if err != nil {
			return nil, 0, fmt.Errorf("harbor webhook: resource_url %q: %w", r.ResourceURL, err)
		}
		host, err := src.registryFor(ref.Context().RegistryStr())
		if err != nil {
			return nil, 0, fmt.Errorf("harbor webhook: %w", err)
		}
		target, err := ociTarget(host, ref.Context().RepositoryStr(), r.Digest)
		if err != nil {
			return nil, 0, fmt.Errorf("harbor webhook: %w", err)
		}
		d := delivery
		if d != "" && len(data.Resources) > 1 {
			d += "#" + strconv.Itoa(i)
		}
		out = append(out, event{Target: target, Digest: r.Digest, Delivery: d, At: at})
	}
	return out, 0, nil
}

type hfPayload struct {
	Event struct {
		Action string `json:"action"`
		Scope  string `json:"scope"`
	} `json:"event"`
	Repo *struct {
		Type     string `json:"type"`
		Name     string `json:"name"`
		HeadSHA  string `json:"headSha"`
		HeadSHA2 string `json:"head_sha"`
	} `json:"repo"`
	UpdatedRefs []struct {
		Ref    string  `json:"ref"`
		NewSHA *string `json:"newSha"`
	} `json:"updatedRefs"`
}

// parseHuggingFace reads a Hugging Face webhook and keeps new commits of
// model repositories (scope repo.content). A deleted ref (newSha null) is
// ignored; a payload with no updatedRefs scans the head commit.
func parseHuggingFace(body []byte) ([]event, int, error) {
	var p hfPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, 0, fmt.Errorf("hugging face webhook: %w", err)
	}
	if p.Event.Scope == "" || p.Repo == nil {
		return nil, 0, fmt.Errorf("hugging face webhook: no event scope or repo")
	}
	if p.Event.Scope != "repo.content" || p.Repo.Type != "model" {
		return nil, 1, nil
	}
	if !hfRepo.MatchString(p.Repo.Name) || strings.Contains(p.Repo.Name, "..") {
		return nil, 0, fmt.Errorf("hugging face webhook: repo name %q is not org/name", p.Repo.Name)
	}
	if len(p.UpdatedRefs) > maxEvents {
		return nil, 0, fmt.Errorf("hugging face webhook: %d refs, at most %d", len(p.UpdatedRefs), maxEvents)
	}
	var shas []string
	ignored := 0
	for _, r := range p.UpdatedRefs {
		if r.NewSHA == nil {
			ignored++
			continue
		}
		shas = append(shas, *r.NewSHA)
	}
	if len(p.UpdatedRefs) == 0 {
		head := p.Repo.HeadSHA
		if head == "" {
			head = p.Repo.HeadSHA2
		}
		shas = append(shas, head)
	}
	var out []event
	seen := map[string]bool{}
	for _, sha := range shas {
		if !gitSHA.MatchString(sha) {
			return nil, 0, fmt.Errorf("hugging face webhook: commit %q is not a 40-hex sha", sha)
		}
		if seen[sha] {
			continue
		}
		seen[sha] = true
		out = append(out, event{Target: "hf://" + p.Repo.Name + "@" + sha, Digest: sha})
	}
	return out, ignored, nil
}

// immutableDigest returns the digest or commit a target pins, or "".
func immutableDigest(target string) string {
	i := strings.LastIndex(target, "@")
	if i < 0 {
		return ""
	}
	rest := target[i+1:]
	if ociDigest.MatchString(rest) {
		return rest
	}
	sha, _, _ := strings.Cut(rest, "/")
	if gitSHA.MatchString(sha) {
		return sha
	}
	return ""
}

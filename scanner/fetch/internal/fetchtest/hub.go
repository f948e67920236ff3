// Package fetchtest holds loopback stand-ins for remote origins, shared by
// the fetchers' tests: a Hugging Face Hub speaking the model-info and
// resolve API shapes with a separate CDN host. It is for tests only.
package fetchtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HubFile is one file of a Hub repository.
type HubFile struct {
	Name string
	Data io.ReadSeeker // content; nil means Body
	Body []byte
	Size int64 // when Data is set
	LFS  bool
	// SHA256 overrides the digest the listing states (a lying Hub).
	SHA256 string
	// Short makes the CDN end the body this many bytes early.
	Short int64
}

// Hub is a Hub API stand-in with a CDN on another port.
type Hub struct {
	API, CDN *httptest.Server
	Repo     string
	Commit   string
	Token    string // required on API calls when not empty

	mu       sync.Mutex
	files    map[string]*HubFile
	order    []string
	digests  map[string]string // name -> sha256 hex of the real content
	Leaked   atomic.Int32      // requests that reached the CDN with Authorization
	CDNBytes atomic.Int64      // bytes the CDN sent
	CDNReqs  atomic.Int32
	// TooMany is how many model-info calls answer 429 before one succeeds.
	TooMany atomic.Int32
	// Unavailable is how many model-info calls answer 503 first.
	Unavailable atomic.Int32
	// LoopResolve makes resolve redirect to itself forever.
	LoopResolve bool
	// StallCDN makes the CDN send an answer's headers and then nothing
	// until the client gives up.
	StallCDN bool
}

// NewHub serves files as repo at commit.
func NewHub(repo, commit string, files ...HubFile) *Hub {
	h := &Hub{Repo: repo, Commit: commit, files: map[string]*HubFile{}, digests: map[string]string{}}
	for i := range files {
		f := &files[i]
		if f.Data == nil {
			f.Data, f.Size = bytes.NewReader(f.Body), int64(len(f.Body))
		}
		h.files[f.Name] = f
		h.order = append(h.order, f.Name)
		if f.SHA256 != "" {
			h.digests[f.Name] = f.SHA256
		} else if f.Body != nil {
			s := sha256.Sum256(f.Body)
			h.digests[f.Name] = hex.EncodeToString(s[:])
		}
	}
	sort.Strings(h.order)
	h.CDN = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	api, resolve := http.NewServeMux(), http.NewServeMux()
	api.HandleFunc("/api/models/{org}/{name}/revision/{rev}", h.serveInfo)
	resolve.HandleFunc("/{org}/{name}/resolve/{rev}/{path...}", h.serveResolve)
	h.API = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api.ServeHTTP(w, r)
			return
		}
		resolve.ServeHTTP(w, r)
	}))
	return h
}

// Close stops both servers.
func (h *Hub) Close() {
	h.API.Close()
	h.CDN.Close()
}

func (h *Hub) authorized(w http.ResponseWriter, r *http.Request) bool {
	if h.Token == "" || r.Header.Get("Authorization") == "Bearer "+h.Token {
		return true
	}
	w.Header().Set("X-Error-Code", "GatedRepo")
	w.Header().Set("X-Error-Message", "Access to model "+h.Repo+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
	w.WriteHeader(http.StatusUnauthorized)
	return false
}

func (h *Hub) serveInfo(w http.ResponseWriter, r *http.Request) {
	if h.TooMany.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if h.Unavailable.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.PathValue("org")+"/"+r.PathValue("name") != h.Repo {
		w.Header().Set("X-Error-Code", "RepoNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if !h.authorized(w, r) {
		return
	}
	if rev := r.PathValue("rev"); rev != "main" && rev != h.Commit {
		w.Header().Set("X-Error-Code", "RevisionNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	type lfs struct {
		SHA256      string `json:"sha256"`
		Size        int64  `json:"size"`
		PointerSize int    `json:"pointerSize"`
	}
	type sib struct {
		RFilename string `json:"rfilename"`
		Size      int64  `json:"size"`
		BlobID    string `json:"blobId"`
		LFS       *lfs   `json:"lfs,omitempty"`
	}
	var sibs []sib
	for _, n := range h.order {
		f := h.files[n]
		s := sib{RFilename: n, Size: f.Size, BlobID: fmt.Sprintf("%040x", len(n))}
		if f.LFS {
			s.Size = 134
			s.LFS = &lfs{SHA256: h.digests[n], Size: f.Size, PointerSize: 134}
		}
		sibs = append(sibs, s)
	}
	json.NewEncoder(w).Encode(map[string]any{
		"id": h.Repo, "modelId": h.Repo, "sha": h.Commit, "private": false, "gated": false,
		"lastModified": "2025-01-01T00:00:00.000Z", "tags": []string{"safetensors"}, "siblings": sibs,
	})
}

func (h *Hub) serveResolve(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(w, r) {
		return
	}
	if h.LoopResolve {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
		return
	}
	if r.PathValue("rev") != h.Commit {
		w.Header().Set("X-Error-Code", "RevisionNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f, ok := h.files[r.PathValue("path")]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", h.Commit)
	if !f.LFS {
		w.Header().Set("ETag", `"`+fmt.Sprintf("%040x", len(f.Name))+`"`)
		h.mu.Lock()
		defer h.mu.Unlock()
		http.ServeContent(w, r, f.Name, time.Time{}, f.Data)
		return
	}
	w.Header().Set("X-Linked-Etag", `"`+h.digests[f.Name]+`"`)
	w.Header().Set("X-Linked-Size", strconv.FormatInt(f.Size, 10))
	http.Redirect(w, r, h.CDN.URL+"/repos/"+r.PathValue("path")+"?X-Amz-Signature=secret", http.StatusFound)
}

func (h *Hub) serveCDN(w http.ResponseWriter, r *http.Request) {
	h.CDNReqs.Add(1)
	if r.Header.Get("Authorization") != "" {
		h.Leaked.Add(1)
	}
	if r.URL.Query().Get("X-Amz-Signature") != "secret" {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if h.StallCDN {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	name := r.URL.Path[len("/repos/"):]
	f, ok := h.files[name]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var data io.ReadSeeker = f.Data
	if f.Short > 0 {
		data = io.NewSectionReader(readerAt{f.Data}, 0, f.Size-f.Short)
	}
	cw := &countingWriter{ResponseWriter: w, n: &h.CDNBytes}
	http.ServeContent(cw, r, name, time.Time{}, data)
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

type readerAt struct{ rs io.ReadSeeker }

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(r.rs, p)
}

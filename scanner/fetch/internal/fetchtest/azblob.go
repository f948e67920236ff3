package fetchtest

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// StartAzureBlob serves the slice of the Azure Blob Storage REST API the
// azblob:// fetcher uses (Get Blob Properties, List Blobs by prefix,
// ranged Get Blob) for one container of one storage account, and sets
// the AZURE_STORAGE_* environment gocloud's azureblob reads so that
// account resolves to it (path-style, as for the Azurite emulator). It
// does not check the shared-key signature.
func StartAzureBlob(t testing.TB, account, container string, blobs map[string][]byte) {
	t.Helper()
	StartAzureBlobOmitting(t, account, container, blobs, "")
}

// azure is the one address of every Azure Blob stand-in of a test
// binary: gocloud's azureblob reads its AZURE_STORAGE_* environment once
// per process, so the stand-in stays where the first one was and serves
// with the handler of the test running now.
var azure struct {
	once sync.Once
	addr string
	mu   sync.Mutex
	h    http.Handler
}

func serveAzure(w http.ResponseWriter, r *http.Request) {
	azure.mu.Lock()
	h := azure.h
	azure.mu.Unlock()
	if h == nil {
		http.Error(w, "no Azure Blob stand-in is running", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

// StartAzureBlobOmitting is StartAzureBlob with one response header never
// sent, as a store that differs from the documented API would answer.
func StartAzureBlobOmitting(t testing.TB, account, container string, blobs map[string][]byte, omit string) {
	t.Helper()
	modified := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-version", "2023-11-03")
		acct, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		cont, name, _ := strings.Cut(rest, "/")
		if acct != account || cont != container {
			w.Header().Set("x-ms-error-code", "ContainerNotFound")
			w.WriteHeader(http.StatusNotFound)
			return
		}
		q := r.URL.Query()
		if name == "" && q.Get("comp") == "list" {
			type props struct {
				ContentLength int64  `xml:"Content-Length"`
				LastModified  string `xml:"Last-Modified"`
				BlobType      string
			}
			type item struct {
				Name       string
				Properties props
			}
			var names []string
			for k := range blobs {
				if strings.HasPrefix(k, q.Get("prefix")) {
					names = append(names, k)
				}
			}
			slices.Sort(names)
			var items []item
			for _, k := range names {
				items = append(items, item{k, props{int64(len(blobs[k])), modified.Format(http.TimeFormat), "BlockBlob"}})
			}
			w.Header().Set("Content-Type", "application/xml")
			xml.NewEncoder(w).Encode(struct {
				XMLName    xml.Name `xml:"EnumerationResults"`
				Blobs      []item   `xml:"Blobs>Blob"`
				NextMarker string
			}{Blobs: items})
			return
		}
		body, ok := blobs[name]
		if !ok {
			w.Header().Set("x-ms-error-code", "BlobNotFound")
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("x-ms-blob-type", "BlockBlob")
		w.Header().Set("ETag", `"0x1"`)
		// Get Blob Properties documents it; gocloud dereferences it unchecked.
		w.Header().Set("x-ms-creation-time", modified.Format(http.TimeFormat))
		if omit != "" {
			w.Header().Del(omit)
		}
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
			return
		}
		if rg := r.Header.Get("x-ms-range"); rg != "" {
			r.Header.Set("Range", rg)
		}
		http.ServeContent(w, r, "", modified, bytes.NewReader(body))
	})
	azure.once.Do(func() {
		azure.addr = strings.TrimPrefix(httptest.NewServer(http.HandlerFunc(serveAzure)).URL, "http://")
	})
	azure.mu.Lock()
	azure.h = h
	azure.mu.Unlock()
	t.Cleanup(func() {
		azure.mu.Lock()
		azure.h = nil
		azure.mu.Unlock()
	})
	t.Setenv("AZURE_STORAGE_DOMAIN", azure.addr)
	t.Setenv("AZURE_STORAGE_PROTOCOL", "http")
	t.Setenv("AZURE_STORAGE_IS_LOCAL_EMULATOR", "true")
	t.Setenv("AZURE_STORAGE_ACCOUNT", account) // the shared key is this account's
	t.Setenv("AZURE_STORAGE_KEY", "dGVzdGtleQ==")
	t.Setenv("AZURE_STORAGE_SAS_TOKEN", "")
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
}

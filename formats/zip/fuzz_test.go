package zip

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// FuzzZip feeds arbitrary bytes to the analyzer: it must never panic, and
// every member it hands back must be readable or fail with an error.
func FuzzZip(f *testing.F) {
	f.Add(stdZip(f, Store, "archive/data.pkl", string(pkl), "archive/version", "3\n"))
	f.Add(stdZip(f, Deflate, "a/data.pkl", string(pkl)))
	f.Add(rawZip{prefix: pkl, shiftOffs: true, comment: []byte("PK\x05\x06"), entries: []rawEntry{
		{name: "a", data: pkl, flags: FlagEncrypted}, {name: "b", method: Deflate, data: pkl, noCentral: true},
		{name: "c", data: pkl, noLocal: true, offset: u32(0)}, {name: "d", data: pkl, mode: 0o120777}}}.bytes(f))
	f.Add(rawZip{entries: []rawEntry{{name: "a", method: Deflate, data: pkl, usize: u64(1 << 62)}}}.bytes(f))
	seeds, _ := filepath.Glob("testdata/*.zip")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &countScope{lim: formats.DefaultLimits(), readMax: 1 << 20}
		s.lim.Members = 1000
		_ = Analyze(context.Background(), formats.NewInput("f.zip", bytes.NewReader(data), int64(len(data))), s)
		for _, fd := range s.findings {
			if _, ok := formats.LookupRule(fd.Rule); !ok {
				t.Fatalf("unregistered rule %s", fd.Rule)
			}
		}
	})
}

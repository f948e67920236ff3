package globals

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// seedGlobals returns the real globals of testdata and a few hostile ones.
func seedGlobals(tb testing.TB) [][2]string {
	tb.Helper()
	out := [][2]string{
		{"pathlib", "os.system"}, {"builtins", "eval.__call__"}, {"asyncio.unix_events", "_UnixSubprocessTransport._start"},
		{"builtins", "print.__class__.__base__.__subclasses__"}, {"", ""}, {"a..b", "c"}, {"__main__", "Net"},
	}
	f, err := os.Open("testdata/real_globals.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Split(sc.Text(), "\t"); len(fs) == 3 && !strings.HasPrefix(fs[0], "#") {
			out = append(out, [2]string{fs[0], fs[1]})
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// FuzzJudge checks that any pair of strings gets a consistent verdict
// without panicking, and that a name never becomes safer by being dotted
// further into a denied attribute.
func FuzzJudge(f *testing.F) {
	for _, g := range seedGlobals(f) {
		f.Add(g[0], g[1])
	}
	f.Fuzz(func(t *testing.T, module, name string) {
		v := Judge(module, name)
		switch v.Class {
		case Allowed:
			if v.Severity != formats.Info || v.Category != "" || v.Entry == "" {
				t.Fatalf("allowed verdict %+v", v)
			}
		case Unknown:
			if v.Severity != formats.Medium || v.Category != "" {
				t.Fatalf("unknown verdict %+v", v)
			}
		case Denied:
			if v.Severity < formats.High || v.Category == "" || v.Reason == "" {
				t.Fatalf("denied verdict %+v", v)
			}
		default:
			t.Fatalf("class %d", v.Class)
		}
		if Judge(module, name) != v {
			t.Fatal("verdict not deterministic")
		}
		_ = NestedLoader(module, name)
		_, _ = MapCompat(module, name)
		if name != "" && validPath(module) && validPath(name) {
			if d := Judge(module, name+".__globals__"); d.Class != Denied {
				t.Fatalf("Judge(%q, %q.__globals__) = %+v", module, name, d)
			}
			if d := Judge(module, name+".os.system"); d.Class != Denied {
				t.Fatalf("Judge(%q, %q.os.system) = %+v", module, name, d)
			}
		}
	})
}

// BenchmarkJudge measures judging the globals of real pickles; bytes are
// the lengths of the names judged.
func BenchmarkJudge(b *testing.B) {
	gs := seedGlobals(b)
	var n int64
	for _, g := range gs {
		n += int64(len(g[0]) + len(g[1]))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, g := range gs {
			Judge(g[0], g[1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(gs)), "ns/global")
}

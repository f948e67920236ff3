package pickle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
)

// denseInts is pickle.dumps(list(range(n)), 4) as CPython writes it:
// framed, APPENDS batches of 1000.
func denseInts(n int) ([]byte, int) {
	var body bytes.Buffer
	ops := 3
	body.WriteString(emptyList + memoize)
	for i := 0; i < n; i += 1000 {
		body.WriteString(mark)
		for j := i; j < min(i+1000, n); j++ {
			if j < 256 {
				body.WriteString(k1(byte(j)))
			} else if j < 65536 {
				body.WriteString("M" + string([]byte{byte(j), byte(j >> 8)}))
			} else {
				body.WriteString("J" + le32(j))
			}
			ops++
		}
		body.WriteString("e")
		ops += 2
	}
	body.WriteString(stop)
	return framed(body.Bytes()), ops + 1
}

// dictHeavy is a dict of n short str keys to small tuples, at protocol 4.
func dictHeavy(n int) ([]byte, int) {
	var body bytes.Buffer
	ops := 3
	body.WriteString(emptyDict + memoize)
	for i := 0; i < n; i += 1000 {
		body.WriteString(mark)
		for j := i; j < min(i+1000, n); j++ {
			body.WriteString(sbu("key" + strconv.Itoa(j%5000)))
			body.WriteString(memoize + k1(byte(j)) + k1(2) + tuple2 + memoize)
			ops += 6
		}
		body.WriteString("u")
		ops += 2
	}
	body.WriteString(stop)
	return framed(body.Bytes()), ops + 1
}

// framed puts a protocol-4 body in one frame.
func framed(body []byte) []byte {
	return append([]byte(proto(4)+frame(uint64(len(body)))), body...)
}

func benchScan(b *testing.B, data []byte, ops int) {
	sha := shaTime(data)
	rec := discard{}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := Scan(context.Background(), bytes.NewReader(data), rec, Options{Multiple: true}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	if ops > 0 {
		b.ReportMetric(float64(ops)*float64(b.N)/el.Seconds(), "opcodes/s")
	}
	b.ReportMetric(el.Seconds()/float64(b.N)/sha, "x-sha256")
}

// shaTime is the seconds a SHA-256 pass over data takes, the yardstick
// DESIGN.md sets for throughput.
func shaTime(data []byte) float64 {
	const rounds = 3
	start := time.Now()
	for range rounds {
		sha256.Sum256(data)
	}
	return time.Since(start).Seconds() / rounds
}

func BenchmarkDenseInts(b *testing.B) {
	data, ops := denseInts(1_000_000)
	benchScan(b, data, ops)
}

func BenchmarkDictHeavy(b *testing.B) {
	data, ops := dictHeavy(200_000)
	benchScan(b, data, ops)
}

// BenchmarkBinBytes20MB shows memory does not grow with BINBYTES sizes:
// allocations per op stay those of the machine itself.
func BenchmarkBinBytes20MB(b *testing.B) {
	data := cat(proto(4), "\x8e"+le64(20<<20), strings.Repeat("\x00", 20<<20), stop)
	benchScan(b, data, 3)
}

func BenchmarkSamples(b *testing.B) {
	for _, name := range []string{"big_list_1m_opcodes.pkl", "sklearn_forest.pkl", "torch_module.pkl"} {
		data, err := os.ReadFile(filepath.Join(samplesDir, "benign", name))
		if err != nil {
			continue
		}
		b.Run(name, func(b *testing.B) { benchScan(b, data, 0) })
	}
}

func TestBenchInputsParse(t *testing.T) {
	for _, f := range []func(int) ([]byte, int){denseInts, dictHeavy} {
		data, _ := f(5000)
		rec, res, err := scanBytes(t, data, Options{})
		if err != nil || res.Streams != 1 {
			t.Fatalf("err %v res %+v", err, res)
		}
		if worst, any := rec.Max(); any && worst >= formats.Medium {
			t.Errorf("findings %v", rec.Findings)
		}
	}
}

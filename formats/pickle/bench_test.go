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

// asm assembles a pickle and counts its opcodes.
type asm struct {
	b   bytes.Buffer
	ops int
}

// op appends opcodes, each string one opcode with its argument.
func (a *asm) op(ops ...string) {
	for _, o := range ops {
		a.b.WriteString(o)
	}
	a.ops += len(ops)
}

// put and get are BINPUT/LONG_BINPUT and BINGET/LONG_BINGET of memo index
// i, as protocol 2 writes them.
func put(i int) string {
	if i < 256 {
		return binput(byte(i))
	}
	return "r" + le32(i)
}

func get(i int) string {
	if i < 256 {
		return binget(byte(i))
	}
	return "j" + le32(i)
}

func bin(i int) string {
	switch {
	case i < 256:
		return k1(byte(i))
	case i < 65536:
		return "M" + string([]byte{byte(i), byte(i >> 8)})
	}
	return "J" + le32(i)
}

// stateDict is a PyTorch data.pkl as torch.save writes it (protocol 2,
// SETITEMS batches of 1000) for an OrderedDict of n tensors: each entry a
// name, a _rebuild_tensor_v2 call, a persistent storage ID, size and
// stride tuples.
func stateDict(n int) ([]byte, int) {
	var a asm
	a.op(proto(2), glob("collections", "OrderedDict"), put(0), emptyTuple, reduce, put(1))
	memo := 2
	next := func() int { memo++; return memo - 1 }
	var rebuild, storage, floatStorage, key0, cpu int
	for i := 0; i < n; i++ {
		if i%1000 == 0 {
			if i > 0 {
				a.op("u")
			}
			a.op(mark)
		}
		a.op(bu("encoder.layer."+strconv.Itoa(i)+".attention.weight"), put(next()))
		if i == 0 {
			rebuild = next()
			a.op(glob("torch._utils", "_rebuild_tensor_v2"), put(rebuild), mark, mark)
			storage, floatStorage, key0, cpu = next(), next(), next(), next()
			a.op(bu("storage"), put(storage), glob("torch", "FloatStorage"), put(floatStorage), bu("0"), put(key0), bu("cpu"), put(cpu))
		} else {
			a.op(get(rebuild), mark, mark, get(storage), get(floatStorage), get(key0), get(cpu))
		}
		a.op(bin(n*4), "t", put(next()), "Q", bin(i*4), k1(2), k1(2), tuple2, put(next()),
			k1(2), k1(1), tuple2, put(next()), "\x89", get(0), emptyTuple, reduce, put(next()),
			"t", put(next()), reduce, put(next()))
	}
	a.op("u", stop)
	return a.b.Bytes(), a.ops
}

// strIntDict is pickle.dumps({f"k{i}": i for i in range(n)}, 4), framed.
func strIntDict(n int) ([]byte, int) {
	var a asm
	a.op(emptyDict, memoize)
	for i := 0; i < n; i++ {
		if i%1000 == 0 {
			if i > 0 {
				a.op("u")
			}
			a.op(mark)
		}
		a.op(sbu("k"+strconv.Itoa(i)), memoize, bin(i))
	}
	a.op("u", stop)
	return framed(a.b.Bytes()), a.ops + 2
}

// listOfDicts is pickle.dumps([{"id": i, "name": f"n{i}", "score": 0.5}
// for i in range(n)], 4): the keys memoized once and fetched by BINGET.
func listOfDicts(n int) ([]byte, int) {
	var a asm
	a.op(emptyList, memoize)
	memo := 1
	for i := 0; i < n; i++ {
		if i%1000 == 0 {
			if i > 0 {
				a.op("e")
			}
			a.op(mark)
		}
		a.op(emptyDict, memoize)
		memo++
		if i == 0 {
			a.op(mark, sbu("id"), memoize, bin(i), sbu("name"), memoize)
			memo += 2
		} else {
			a.op(mark, get(1+1), bin(i), get(1+2))
		}
		a.op(sbu("n"+strconv.Itoa(i)), memoize)
		memo++
		if i == 0 {
			a.op(sbu("score"), memoize)
			memo++
		} else {
			a.op(get(1 + 3))
		}
		a.op("G"+strings.Repeat("\x00", 8), "u")
	}
	a.op("e", stop)
	return framed(a.b.Bytes()), a.ops + 2
}

// framed puts a protocol-4 body in one frame.
func framed(body []byte) []byte {
	return append([]byte(proto(4)+frame(uint64(len(body)))), body...)
}

func benchScan(b *testing.B, data []byte, ops int) {
	sha := shaTime(data)
	rec := discard()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Scan(context.Background(), bytes.NewReader(data), rec, Options{Multiple: true}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	cpu1, _ := cpuTime()
	if ops > 0 {
		b.ReportMetric(float64(ops)*float64(b.N)/el.Seconds(), "opcodes/s")
		// The machine is single-threaded; what the garbage collector
		// does beside it counts too.
		if cpuOK && cpu1 > cpu0 {
			b.ReportMetric(float64(ops)*float64(b.N)/(cpu1-cpu0).Seconds(), "opcodes/cpu-s")
		}
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

// BenchmarkDictHeavyShapes are the dict-heavy pickles of real models: a
// PyTorch state_dict of 100k tensors, a str->int dict and a list of dicts.
// Each also reports its rate as a ratio to the dense pickle's, measured
// in the same run.
func BenchmarkDictHeavyShapes(b *testing.B) {
	dense, denseOps := denseInts(1_000_000)
	denseRate := opsPerCPUSecond(b, dense, denseOps)
	for _, c := range []struct {
		name string
		gen  func(int) ([]byte, int)
	}{{"state-dict-100k", stateDict}, {"str-int-dict-1m", strIntDict}, {"list-of-dicts-200k", listOfDicts}} {
		n := map[string]int{"state-dict-100k": 100_000, "str-int-dict-1m": 1_000_000, "list-of-dicts-200k": 200_000}[c.name]
		data, ops := c.gen(n)
		b.Run(c.name, func(b *testing.B) {
			benchScan(b, data, ops)
			b.StopTimer()
			if denseRate > 0 {
				b.ReportMetric(opsPerCPUSecond(b, data, ops)/denseRate, "x-dense-rate")
			}
		})
	}
}

// opsPerCPUSecond scans data a few times and returns its opcodes per CPU
// second, or 0 where CPU time cannot be read.
func opsPerCPUSecond(b *testing.B, data []byte, ops int) float64 {
	const rounds = 3
	t0, ok := cpuTime()
	for range rounds {
		if _, err := Scan(context.Background(), bytes.NewReader(data), discard(), Options{Multiple: true}); err != nil {
			b.Fatal(err)
		}
	}
	t1, _ := cpuTime()
	if !ok || t1 <= t0 {
		return 0
	}
	return float64(ops) * rounds / (t1 - t0).Seconds()
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
	for _, f := range []func(int) ([]byte, int){denseInts, dictHeavy, stateDict, strIntDict, listOfDicts} {
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

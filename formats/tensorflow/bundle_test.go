package tensorflow

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func maskCRC(c uint32) uint32 { return (c>>15 | c<<17) + 0xa282ead8 }

// kv is one key and value of a table built by buildTable.
type kv struct{ k, v string }

// tableOpts bends buildTable to make damaged tables.
type tableOpts struct {
	snappy  bool
	badCRC  bool
	perBlk  int    // entries per data block; 0 means all in one
	sepSkew string // appended to no separator, replaces the first one when set
}

func appendBlock(out []byte, entries []kv, o tableOpts, compress bool) ([]byte, uint64, uint64) {
	var blk []byte
	var restarts []uint32
	for _, e := range entries {
		restarts = append(restarts, uint32(len(blk)))
		blk = binary.AppendUvarint(blk, 0)
		blk = binary.AppendUvarint(blk, uint64(len(e.k)))
		blk = binary.AppendUvarint(blk, uint64(len(e.v)))
		blk = append(blk, e.k...)
		blk = append(blk, e.v...)
	}
	if len(restarts) == 0 {
		restarts = []uint32{0}
	}
	for _, r := range restarts {
		blk = binary.LittleEndian.AppendUint32(blk, r)
	}
	blk = binary.LittleEndian.AppendUint32(blk, uint32(len(restarts)))
	typ := byte(0)
	if compress {
		blk, typ = snappy.Encode(nil, blk), 1
	}
	off := uint64(len(out))
	out = append(out, blk...)
	out = append(out, typ)
	crc := maskCRC(crc32.Checksum(append(blk, typ), castagnoli))
	if o.badCRC {
		crc++
	}
	return binary.LittleEndian.AppendUint32(out, crc), off, uint64(len(blk))
}

// buildTable writes a table the way TableBuilder lays one out (a restart
// at every entry, which readers accept).
func buildTable(entries []kv, o tableOpts) []byte {
	per := o.perBlk
	if per == 0 {
		per = max(len(entries), 1)
	}
	var out []byte
	var index []kv
	for i := 0; i < len(entries); i += per {
		chunk := entries[i:min(i+per, len(entries))]
		var off, n uint64
		out, off, n = appendBlock(out, chunk, o, o.snappy)
		h := binary.AppendUvarint(binary.AppendUvarint(nil, off), n)
		sep := chunk[len(chunk)-1].k
		if o.sepSkew != "" && i == 0 {
			sep = o.sepSkew
		}
		index = append(index, kv{sep, string(h)})
	}
	out, moff, mn := appendBlock(out, nil, tableOpts{}, false)
	out, ioff, in := appendBlock(out, index, tableOpts{}, false)
	var f []byte
	for _, v := range []uint64{moff, mn, ioff, in} {
		f = binary.AppendUvarint(f, v)
	}
	f = append(f, make([]byte, 40-len(f))...)
	f = binary.LittleEndian.AppendUint64(f, tableMagic)
	return append(out, f...)
}

func bundleHeader(shards uint64) string {
	return string(pb(nil).v(1, shards).b(3, pb(nil).v(1, 1)))
}

func entry(dtype uint64, dims []uint64, shard, off, size uint64, crc uint32) string {
	shape := pb(nil)
	for _, d := range dims {
		shape = shape.b(2, pb(nil).v(1, d))
	}
	e := pb(nil).v(1, dtype).b(2, shape).v(3, shard).v(4, off).v(5, size)
	e = append(e, 0x35)
	e = binary.LittleEndian.AppendUint32(e, crc)
	return string(e)
}

func floatsCRC(b []byte) uint32 { return maskCRC(crc32.Checksum(b, castagnoli)) }

func TestReadBundle(t *testing.T) {
	data := []byte("0123456789abcdef")
	good := []kv{{"", bundleHeader(2)}, {"a", entry(1, []uint64{2}, 0, 0, 8, floatsCRC(data[:8]))},
		{"b", entry(1, []uint64{2}, 1, 0, 8, 0)}}
	for _, tc := range []struct {
		name  string
		table []byte
		want  string
	}{
		{"good", buildTable(good, tableOpts{}), ""},
		{"snappy blocks", buildTable(good, tableOpts{snappy: true}), ""},
		{"one entry per block", buildTable(good, tableOpts{perBlk: 1}), ""},
		{"bad block checksum", buildTable(good, tableOpts{badCRC: true}), RuleIndexInvalid},
		{"separator below its keys", buildTable(good, tableOpts{perBlk: 2, sepSkew: "\x00"}), RuleIndexInvalid},
		{"no header", buildTable(good[1:], tableOpts{}), RuleIndexInvalid},
		{"keys out of order", buildTable([]kv{good[0], good[2], good[1]}, tableOpts{}), RuleIndexInvalid},
		{"shard 7 of 2", buildTable([]kv{good[0], {"a", entry(1, []uint64{2}, 7, 0, 8, 0)}}, tableOpts{}), RuleDataRange},
		{"size against shape", buildTable([]kv{good[0], {"a", entry(1, []uint64{3}, 0, 0, 8, 0)}}, tableOpts{}), RuleDataRange},
		{"resource dtype", buildTable([]kv{good[0], {"a", entry(20, nil, 0, 0, 8, 0)}}, tableOpts{}), RuleIndexInvalid},
		{"overlap", buildTable([]kv{good[0], {"a", entry(1, []uint64{2}, 0, 0, 8, 0)}, {"b", entry(1, []uint64{2}, 0, 4, 8, 0)}}, tableOpts{}), RuleOverlap},
		{"newer reader", buildTable([]kv{{"", string(pb(nil).v(1, 1).b(3, pb(nil).v(1, 2).v(2, 2)))}}, tableOpts{}), RuleIndexInvalid},
		{"V1 tensor slices", buildTable([]kv{{"", string(pb(nil).b(1, pb(nil).b(1, pb(nil).s(1, "w")).b(2, pb(nil).v(1, 1))))},
			{"\x00w", string(pb(nil).b(2, pb(nil).s(1, "w").b(3, pb(nil).v(1, 1))))}}, tableOpts{}), ""},
		{"truncated footer", buildTable(good, tableOpts{})[:60], RuleIndexInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			b, err := ReadBundle(context.Background(), tc.table, func(f formats.Finding) {
				if f.Severity >= formats.Medium {
					got = append(got, f.Rule)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" && (len(got) > 0 || !b.Valid) || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("want %q, got %v", tc.want, got)
			}
		})
	}
}

var realIndexes = []string{"testdata/ckpt/half_plus_two/variables.index", "testdata/ckpt/keras_lso/ckpt.index",
	"testdata/ckpt/tf2onnx_regression/model.index", "testdata/ckpt/serving_v1_export/export"}

// TestRealIndexes reads indexes written by TensorFlow (testdata/README.md).
func TestRealIndexes(t *testing.T) {
	for _, p := range realIndexes {
		t.Run(p, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			h := formats.Head{Name: p, Size: int64(len(data)), Prefix: data, Suffix: data}
			if got := formats.Sniff(h); !slices.Equal(got, []string{formats.TFCheckpointIndex}) {
				t.Fatalf("Sniff = %q", got)
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeIndex), p, data)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Findings {
				if f.Severity > formats.Info {
					t.Errorf("finding %v", f)
				}
			}
			b, _ := ReadBundle(context.Background(), data, func(formats.Finding) {})
			if strings.HasSuffix(p, "export") {
				if !b.Valid || !b.TensorSlices || b.Slices != 2 {
					t.Fatalf("V1 checkpoint read as %+v", b)
				}
				return
			}
			if !b.Valid || len(b.Entries) == 0 {
				t.Fatalf("bundle %+v", b)
			}
			if strings.Contains(p, "keras_lso") && b.NumShards != 2 {
				t.Errorf("num_shards %d, want 2", b.NumShards)
			}
		})
	}
}

// TestIndexMutants cuts and flips every byte of the real indexes. Every
// cut index moves the footer, which TensorFlow then rejects, so each must
// give a finding; a flip must give one unless it lands where no reader
// looks (footer padding, the metaindex block TensorFlow never reads).
func TestIndexMutants(t *testing.T) {
	for _, p := range realIndexes {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		found := func(b []byte) bool {
			any := false
			if _, err := ReadBundle(context.Background(), b, func(f formats.Finding) { any = any || f.Severity >= formats.Medium }); err != nil {
				t.Fatal(err)
			}
			return any
		}
		for n := range len(data) {
			if !found(data[:n]) {
				t.Errorf("%s cut at %d: no finding", p, n)
			}
		}
		metaOff, metaSize, _, _, _ := footerHandles(data[len(data)-footerLen:])
		quiet := 0
		for i := range data {
			if found(flip(data, i)) {
				continue
			}
			inMeta := uint64(i) >= metaOff && uint64(i) < metaOff+metaSize+blockTrailer
			if !inMeta && i < len(data)-footerLen {
				t.Errorf("%s: byte %d flipped: no finding", p, i)
			}
			quiet++
		}
		t.Logf("%s: %d cuts and %d flips, %d flips unread by TensorFlow", p, len(data), len(data), quiet)
	}
}

// TestShardMutants cuts and flips every byte of the real data shards: a
// byte that some tensor covers must give a finding on the shard.
func TestShardMutants(t *testing.T) {
	for _, dir := range []string{"half_plus_two", "keras_lso", "tf2onnx_regression"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "ckpt", dir, "*"))
		tree := formatstest.Tree{}
		var index string
		for _, p := range files {
			tree[filepath.Base(p)], _ = os.ReadFile(p)
			if strings.HasSuffix(p, ".index") {
				index = filepath.Base(p)
			}
		}
		b, _ := ReadBundle(context.Background(), tree[index], func(formats.Finding) {})
		mutants, quiet := 0, 0
		for name, data := range tree {
			m := shardName.FindStringSubmatch(name)
			if m == nil {
				continue
			}
			covered := make([]bool, len(data))
			for _, e := range b.Entries {
				if e.Stored() && fmt.Sprintf("%05d", e.ShardID) == m[2] {
					for i := e.Offset; i < e.Offset+e.Size; i++ {
						covered[i] = true
					}
				}
			}
			run := func(mut []byte) bool {
				mutants++
				tr := formatstest.Tree{}
				for k, v := range tree {
					tr[k] = v
				}
				tr[name] = mut
				r, err := formatstest.RunTree(t, checkpointLayout{}, tr)
				if err != nil {
					t.Fatal(err)
				}
				sev, any := r.Max()
				return any && sev >= formats.Medium
			}
			for i := range data {
				if !run(flip(data, i)) {
					quiet++
					if covered[i] {
						t.Errorf("%s/%s: byte %d flipped: no finding", dir, name, i)
					}
				}
				if !run(data[:i]) && slices.Contains(covered[i:], true) {
					t.Errorf("%s/%s: cut at %d: no finding", dir, name, i)
				}
			}
		}
		t.Logf("%s: %d mutants, %d without a finding (bytes no tensor covers)", dir, mutants, quiet)
	}
}

// TestLayoutHugeShardCount: a header claiming two billion shards costs
// nothing, and the shard it names is missing, so the tree is unchecked.
func TestLayoutHugeShardCount(t *testing.T) {
	tree := formatstest.Tree{
		"m.index":                     buildTable([]kv{{"", bundleHeader(1<<31 - 1)}, {"a", entry(1, []uint64{1}, 0, 0, 4, 0)}}, tableOpts{}),
		"m.data-00000-of-00001":       make([]byte, 4),
		"m.data-00000-of-2147483647x": nil,
	}
	_, err := formatstest.RunTree(t, checkpointLayout{}, tree)
	if err == nil || !strings.Contains(err.Error(), "m.data-00000-of-2147483647") || !strings.Contains(err.Error(), "m.data-00000-of-00001") {
		t.Fatalf("err %v", err)
	}
}

// TestLevelDBTable: a real LevelDB table (a TFLite regex tokenizer's
// vocabulary) shares the checkpoint index's footer magic. Under a name
// TensorFlow never opens as an index it is data (MG746, info); named
// .index, where TensorFlow would read it, it is still an invalid index.
func TestLevelDBTable(t *testing.T) {
	data, err := os.ReadFile("testdata/leveldb/index.ldb")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want string
		sev  formats.Severity
	}{
		{"index.ldb", RuleLevelDB, formats.Info},
		{"variables.index", RuleIndexInvalid, formats.Medium},
	} {
		r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeIndex), tt.name, data)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) != 1 || r.Findings[0].Rule != tt.want || r.Findings[0].Severity != tt.sev {
			t.Errorf("%s: findings %v, want one %s (%s)", tt.name, r.Findings, tt.want, tt.sev)
		}
	}
	cut := append([]byte(nil), data...)
	cut[10] ^= 0xff
	r, err := formatstest.Run(t, formats.AnalyzerFunc(AnalyzeIndex), "index.ldb", cut)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) == 0 || r.Findings[0].Rule != RuleIndexInvalid {
		t.Errorf("damaged table: findings %v, want %s", r.Findings, RuleIndexInvalid)
	}
}

package tensorflow

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// derived is a sample directory made from a real one by edits.
type derived struct {
	from  string            // real sample directory under testdata/ckpt
	files map[string][]byte // files replaced or added; nil bytes remove one
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rewriteIndex rebuilds a real index with edit applied to each value;
// appending a field to a protobuf overrides a scalar field, as an editor
// of a checkpoint would.
func rewriteIndex(t *testing.T, data []byte, edit func(key string, val []byte) []byte) []byte {
	t.Helper()
	var kvs []kv
	if err := readTable(context.Background(), data, func(k, v []byte, _ int64) error {
		kvs = append(kvs, kv{string(k), string(edit(string(k), append([]byte(nil), v...)))})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return buildTable(kvs, tableOpts{})
}

func flip(b []byte, at int) []byte {
	c := append([]byte(nil), b...)
	c[at] ^= 0x40
	return c
}

func checkpointSamples(t *testing.T) map[string]derived {
	hp := "testdata/ckpt/half_plus_two/"
	hpIndex, hpData := mustRead(t, hp+"variables.index"), mustRead(t, hp+"variables.data-00000-of-00001")
	kl := "testdata/ckpt/keras_lso/"
	klIndex := mustRead(t, kl+"ckpt.index")
	state := func(p string) []byte {
		return []byte("model_checkpoint_path: \"" + p + "\"\nall_model_checkpoint_paths: \"" + p + "\"\n")
	}
	return map[string]derived{
		"truncated_shard": {"half_plus_two", map[string][]byte{"variables.data-00000-of-00001": hpData[:10]}},
		"offset_beyond_shard": {"half_plus_two", map[string][]byte{"variables.index": rewriteIndex(t, hpIndex, func(k string, v []byte) []byte {
			if k == "c2" {
				return pb(v).v(4, 4096)
			}
			return v
		})}},
		"bad_block_checksum": {"half_plus_two", map[string][]byte{"variables.index": flip(hpIndex, 30)}},
		"checksum_mismatch":  {"half_plus_two", map[string][]byte{"variables.data-00000-of-00001": flip(hpData, 5)}},
		"overlapping_tensors": {"half_plus_two", map[string][]byte{"variables.index": rewriteIndex(t, hpIndex, func(k string, v []byte) []byte {
			if k == "b" {
				return pb(v).v(4, 4)
			}
			return v
		})}},
		"shard_7_of_2": {"keras_lso", map[string][]byte{"ckpt.index": rewriteIndex(t, klIndex, func(k string, v []byte) []byte {
			if k == "optimizer/base_optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE" {
				return pb(v).v(3, 7)
			}
			return v
		})}},
		"iterator_graph":    iteratorGraph(t, hpIndex, hpData),
		"missing_shard":     {"keras_lso", map[string][]byte{"ckpt.data-00001-of-00002": nil}},
		"orphan_shard":      {"keras_lso", map[string][]byte{"ckpt.index": nil, "checkpoint": nil}},
		"state_traversal":   {"tf2onnx_regression", map[string][]byte{"checkpoint": state("../../../victim/model")}},
		"state_url":         {"tf2onnx_regression", map[string][]byte{"checkpoint": state("gs://bucket/ckpt/model")}},
		"state_tf1_abspath": {"tf2onnx_regression", map[string][]byte{"checkpoint": state("/tmp/train/model")}},
	}
}

// TestWriteCheckpointSamples writes the derived samples with -update.
func TestWriteCheckpointSamples(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/ckpt")
	}
	for dir, d := range checkpointSamples(t) {
		out := filepath.Join("testdata", "ckpt", dir)
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		src, _ := filepath.Glob(filepath.Join("testdata", "ckpt", d.from, "*"))
		for _, p := range src {
			name := filepath.Base(p)
			b, edited := d.files[name]
			if !edited {
				b = mustRead(t, p)
			}
			if b == nil {
				continue
			}
			if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, b := range graphSamples(t) {
		if err := os.WriteFile(filepath.Join("testdata", "graphs", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// graphSamples are real graphs with a dangerous node added: a repeated
// field appended to a message extends it, as an editor of a .pb would.
func graphSamples(t *testing.T) map[string][]byte {
	frozen := mustRead(t, "testdata/graphs/tf2onnx_regression_frozen.pb")
	meta := mustRead(t, "testdata/graphs/tf2onnx_regression.meta")
	return map[string][]byte{
		"pyfunc_frozen.pb":               append(append([]byte(nil), frozen...), graphDef(nodeDef("hook", "PyFunc", strAttr("token", "pyfunc_0")))...),
		"readfile_in_function_frozen.pb": append(append([]byte(nil), frozen...), withFunction(nil, "__inference_f", nodeDef("r", "ReadFile"))...),
		"writefile.meta":                 append(append([]byte(nil), meta...), pb(nil).b(2, graphDef(nodeDef("w", "WriteFile")))...),
	}
}

// iteratorGraph adds a tf.data iterator state to a real checkpoint: a
// variant tensor whose VariantTensorDataProto carries a dataset graph
// with a WriteFile node, encoded as BundleWriter writes variants.
func iteratorGraph(t *testing.T, index, data []byte) derived {
	elem := pb(nil).s(1, "tensorflow::Iterator").b(3, pb(nil).v(1, 7).b(8, graphDef(nodeDef("w", "WriteFile"))))
	var v []byte
	v = binary.AppendUvarint(v, uint64(len(elem)))
	crc := extend(extend(0, binary.LittleEndian.AppendUint64(nil, uint64(len(elem)))), elem)
	v = append(v, elem...)
	v = binary.LittleEndian.AppendUint32(v, maskCRC(crc))
	crc = extend(crc, v[len(v)-4:])
	off := uint64(len(data))
	var kvs []kv
	if err := readTable(context.Background(), index, func(k, val []byte, _ int64) error {
		kvs = append(kvs, kv{string(k), string(val)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	kvs = append(kvs, kv{"iterator/.ATTRIBUTES/ITERATOR_STATE", entry(21, []uint64{1}, 0, off, uint64(len(v)), maskCRC(crc))})
	return derived{"half_plus_two", map[string][]byte{
		"variables.index":               buildTable(kvs, tableOpts{}),
		"variables.data-00000-of-00001": append(append([]byte(nil), data...), v...),
	}}
}

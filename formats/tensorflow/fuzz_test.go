package tensorflow

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func FuzzSavedModel(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/saved_model.pb")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(savedModel(graphDef(nodeDef("c", "Const", constStrings(graphDef(nodeDef("w", "WriteFile")))), nodeDef("p", "PrintV2", strAttr("output_stream", "/tmp/x")))))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Walk(context.Background(), b, func(formats.Finding) {})
	})
}

func FuzzCheckpointIndex(f *testing.F) {
	files, _ := filepath.Glob("testdata/ckpt/*/*.index")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	hdr := kv{"", bundleHeader(1)}
	f.Add(buildTable([]kv{hdr, {"a", entry(1, []uint64{2}, 0, 0, 8, 0)}}, tableOpts{snappy: true}))
	f.Add(buildTable([]kv{hdr, {"a", entry(7, []uint64{1}, 0, 0, 8, 0)}, {"b", entry(21, nil, 0, 8, 4, 0)}}, tableOpts{perBlk: 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		bundle, err := ReadBundle(context.Background(), b, func(formats.Finding) {})
		if err == nil && bundle.Valid && !hasTableFooter(b) {
			t.Fatal("valid bundle without a footer")
		}
		stringTensor(b, int64(len(b)%7), func([]byte) {})
		variantTensor(b, int64(len(b)%3), func([]byte) {})
	})
}

func FuzzGraphProbes(f *testing.F) {
	for _, p := range []string{"testdata/graphs/*.pb", "testdata/graphs/*.meta", "testdata/*/saved_model.pb"} {
		files, _ := filepath.Glob(p)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b[:min(len(b), 4096)], len(b) <= 4096)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, complete bool) {
		if isGraphDef(b, complete) && complete {
			_ = WalkGraphDef(context.Background(), b, func(formats.Finding) {})
		}
		if isMetaGraph(b, complete) && complete {
			_, _ = WalkMetaGraph(context.Background(), b, func(formats.Finding) {})
		}
	})
}

func FuzzCheckpointState(f *testing.F) {
	files, _ := filepath.Glob("testdata/ckpt/*/checkpoint")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("# c\nmodel_checkpoint_path: 'a\\x41\\101\\u00e9' \"b\"\nall_model_checkpoint_timestamps: [1.5e9, -inf]; last_preserved_timestamp: 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseCheckpointState(b)
		if err == nil && len(b) > 0 && st == nil {
			t.Fatal("nil state without error")
		}
		isCheckpointState(b)
	})
}

// FuzzCheckpointShard runs the checkpoint layout over the real Keras
// checkpoint with its first shard (a string tensor) replaced.
func FuzzCheckpointShard(f *testing.F) {
	tree := formatstest.Tree{}
	files, _ := filepath.Glob("testdata/ckpt/keras_lso/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		tree[filepath.Base(p)] = b
	}
	f.Add(tree["ckpt.data-00000-of-00002"])
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := formatstest.Tree{}
		for k, v := range tree {
			tr[k] = v
		}
		tr["ckpt.data-00000-of-00002"] = b
		_, _ = formatstest.RunTree(t, checkpointLayout{}, tr)
	})
}

package hfrepo

import (
	"path"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/safetensors"
)

// index checks a sharded checkpoint's index. Safetensors indexes go to
// safetensors.CheckIndex, which also compares each shard's tensors with
// the weight map; the others (pytorch_model.bin, tf_model.h5, flax)
// are checked here for shard names only, since their shards are scanned
// as files of their own.
func (a *analysis) index(name string) {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		a.fail(name, err)
		return
	}
	if strings.HasSuffix(strings.ToLower(name), ".safetensors.index.json") {
		fs, err := safetensors.CheckIndex(a.ctx, data, a.shardInfo(dir(name)))
		for _, f := range fs {
			a.report(name, f)
		}
		if err != nil {
			a.fail(name, err)
		}
		return
	}
	doc, ok := a.parseJSON(name, data, map[string]bool{"weight_map": true})
	if !ok {
		return
	}
	a.targets(name, doc.hits)
	wm := doc.top["weight_map"]
	if wm == nil || wm.kind != jObject {
		a.report(name, formats.NewFinding(RuleMalformed, formats.NoOffset, "shard index has no weight_map object; the shards it stands for could not be checked"))
		return
	}
	type shard struct {
		off     int64
		tensors int
	}
	shards := map[string]*shard{}
	var order []string
	for _, m := range wm.obj {
		if m.val.kind != jString {
			a.report(name, formats.NewFinding(RuleMalformed, m.off, "weight_map entry %q is not a file name", truncate(m.key, 100)))
			continue
		}
		s := shards[m.val.str]
		if s == nil {
			s = &shard{off: m.val.off}
			shards[m.val.str] = s
			order = append(order, m.val.str)
		}
		s.tensors++
	}
	slices.Sort(order)
	for _, sh := range order {
		if err := a.ctx.Err(); err != nil {
			a.fail(name, err)
			return
		}
		s := shards[sh]
		if why := unsafeShardName(sh); why != "" {
			a.report(name, formats.NewFinding(RuleIndexPath, s.off, "shard name %q %s: a loader would open a file outside the model directory", truncate(sh, 200), why).
				With("shard", truncate(sh, 200)))
			continue
		}
		if !a.names[path.Join(dir(name), sh)] {
			a.report(name, formats.NewFinding(RuleIndexMissing, s.off, "shard %q named for %d tensors is not in the scanned tree", sh, s.tensors).With("shard", sh))
		}
	}
}

// shardInfo describes safetensors shards for CheckIndex. An LFS pointer
// counts as present and unread: MG812 already says its weights are
// missing, and calling it "not safetensors" would blame the wrong thing.
func (a *analysis) shardInfo(base string) safetensors.ShardLookup {
	return func(shard string) safetensors.ShardInfo {
		p := path.Join(base, shard)
		if !a.names[p] {
			return safetensors.ShardInfo{}
		}
		if ptr, _, _, err := a.lfsPointer(p); err == nil && ptr {
			return safetensors.ShardInfo{Exists: true, Format: formats.Safetensors}
		}
		in, err := a.tree.Open(p)
		if err != nil {
			return safetensors.ShardInfo{Exists: true, Err: err}
		}
		h, err := formats.ReadHead(in)
		if err != nil {
			return safetensors.ShardInfo{Exists: true, Err: err}
		}
		info := safetensors.ShardInfo{Exists: true}
		if fs := formats.Sniff(h); len(fs) > 0 {
			info.Format = fs[0]
		}
		if info.Format != formats.Safetensors {
			return info
		}
		ra, size, err := in.ReaderAt(a.scope.Limits().Buffer)
		if err != nil {
			info.Err = err
			return info
		}
		info.Tensors, info.Err = safetensors.TensorNames(a.ctx, ra, size)
		return info
	}
}

// unsafeShardName says why a shard name could open a file outside the
// model directory, or returns "".
func unsafeShardName(name string) string {
	switch {
	case name == "":
		return "is empty"
	case strings.ContainsRune(name, 0):
		return "contains NUL"
	case strings.ContainsRune(name, '\\'):
		return "contains a backslash"
	case strings.HasPrefix(name, "/"):
		return "is absolute"
	case len(name) >= 2 && name[1] == ':':
		return "has a drive letter"
	case strings.Contains(name, "://"):
		return "is a URL"
	case slices.Contains(strings.Split(name, "/"), ".."):
		return "contains '..'"
	case path.Clean(name) != name:
		return "is not a clean relative path"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "contains control characters"
		}
	}
	return ""
}

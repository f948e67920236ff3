package tensorflow

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func init() {
	formats.RegisterLayout("tensorflow-checkpoint", checkpointLayout{})
}

// shardName matches a data shard as DataFilename names it:
// <prefix>.data-<shard>-of-<shards>, each number at least five digits.
var shardName = regexp.MustCompile(`^(.+)\.data-([0-9]{5,})-of-([0-9]{5,})$`)

// maxCRCShard is the largest shard whose tensors' checksums are verified:
// the layout reads a shard a second time to do it, which is cheap for a
// small shard but would double the transfer of a large remote one. Larger
// shards are checked for ranges, and their string and variant tensors
// read, only.
const maxCRCShard = 64 << 20

// maxStringTensor bounds a string or variant tensor read into memory to
// look for nested graphs and verify its checksum, which covers decoded
// lengths rather than raw bytes.
const maxStringTensor = 256 << 20

// checkpointLayout checks TensorFlow checkpoints as a whole: the data
// shards against the index that describes them (a shard has no magic and
// is identified only by a sibling index that claims it), and the
// 'checkpoint' state file's paths against the directory.
type checkpointLayout struct{}

// Match implements formats.Layout.
func (checkpointLayout) Match(names []string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, ".index") || path.Base(n) == "checkpoint" || shardName.MatchString(n) {
			return true
		}
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (checkpointLayout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	claimed := map[string]bool{}
	var errs []error
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, ".index"):
			if err := checkShards(ctx, t, s, n, have, claimed); err != nil {
				errs = append(errs, err)
			}
		case path.Base(n) == "checkpoint":
			if err := checkStatePaths(t, s, n, have); err != nil {
				errs = append(errs, err)
			}
		}
	}
	var orphans []string
	for _, n := range names {
		if shardName.MatchString(n) && !claimed[n] {
			orphans = append(orphans, n)
		}
	}
	if len(orphans) > 0 {
		list := strings.Join(orphans[:min(len(orphans), 5)], ", ")
		if len(orphans) > 5 {
			list += fmt.Sprintf(" and %d more", len(orphans)-5)
		}
		// Raw tensor bytes have no magic: only an index identifies them.
		errs = append(errs, fmt.Errorf("data shards %s: no valid checkpoint index beside them claims them: %w", list, formats.ErrUnsupported))
	}
	return errors.Join(errs...)
}

// checkShards reads the index n and checks every data shard it names.
// An index that is not a valid bundle claims nothing: its own analysis
// reports why.
func checkShards(ctx context.Context, t formats.Tree, s formats.Scope, n string, have, claimed map[string]bool) error {
	in, err := t.Open(n)
	if err != nil {
		return fmt.Errorf("checkpoint index %s: %w", n, err)
	}
	data, err := readAll(in, min(s.Limits().Buffer, MaxIndex))
	if err != nil {
		return fmt.Errorf("checkpoint index %s: %w", n, err)
	}
	if !hasTableFooter(data) {
		// Not a table: whatever it is, it claims no shards.
		return nil
	}
	b, err := ReadBundle(ctx, data, func(formats.Finding) {})
	if err != nil {
		return fmt.Errorf("checkpoint index %s: %w", n, err)
	}
	if !b.Valid || b.TensorSlices {
		return nil
	}
	prefix := strings.TrimSuffix(n, ".index")
	shard := func(i int64) string { return fmt.Sprintf("%s.data-%05d-of-%05d", prefix, i, b.NumShards) }
	// The shards present that this index names, found from the names so
	// that a num_shards of two billion costs nothing.
	var present []string
	for name := range have {
		if m := shardName.FindStringSubmatch(name); m != nil && m[1] == prefix {
			i, err1 := strconv.ParseInt(m[2], 10, 64)
			of, err2 := strconv.ParseInt(m[3], 10, 64)
			if err1 == nil && err2 == nil && of == int64(b.NumShards) && i < of && name == shard(i) {
				present = append(present, name)
				claimed[name] = true
			}
		}
	}
	byShard := map[int64][]*Entry{}
	for i := range b.Entries {
		e := &b.Entries[i]
		if e.Stored() && e.ShardID >= 0 && e.ShardID < int64(b.NumShards) && e.Offset >= 0 && e.Size >= 0 {
			byShard[e.ShardID] = append(byShard[e.ShardID], e)
		}
	}
	ids := make([]int64, 0, len(byShard))
	for id := range byShard {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var errs []error
	var missing []string
	for _, id := range ids {
		name := shard(id)
		if !have[name] {
			missing = append(missing, path.Base(name))
			continue
		}
		if err := checkShard(ctx, t, s, name, byShard[id]); err != nil {
			errs = append(errs, fmt.Errorf("data shard %s: %w", name, err))
			continue
		}
		formats.MarkChecked(s, name)
	}
	used := map[string]bool{}
	for id := range byShard {
		used[shard(id)] = true
	}
	for _, name := range present {
		if !used[name] {
			// Nothing restores from it: its bytes are never read.
			formats.MarkChecked(s, name)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, &formats.ReadError{Err: fmt.Errorf("checkpoint index %s: its data shards %s: %w",
			n, strings.Join(missing[:min(len(missing), 5)], ", "), fs.ErrNotExist)})
	}
	return errors.Join(errs...)
}

// checkShard checks the entries stored in one data shard: their bytes are
// within it and, unless the scan trusts digests (--quick) or the shard is
// over maxCRCShard, match their CRC32C the way BundleReader::GetValue
// computes it.
func checkShard(ctx context.Context, t formats.Tree, s formats.Scope, name string, entries []*Entry) error {
	in, err := t.Open(name)
	if err != nil {
		return err
	}
	ra, size, err := in.ReaderAt(s.Limits().Buffer)
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(x, y *Entry) int { return cmp.Compare(x.Offset, y.Offset) })
	reported := 0
	bad := func(e *Entry, rule, format string, args ...any) {
		if reported++; reported > 20 {
			return
		}
		s.Report(formats.NewFinding(rule, e.Offset, "tensor %q: "+format, append([]any{clip(e.Key)}, args...)...).
			With("tensor", clip(e.Key)).In(name))
	}
	for i, e := range entries {
		if i&255 == 255 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if e.Offset > size || e.Size > size-e.Offset {
			bad(e, RuleDataRange, "bytes %d-%d lie past the end of the shard (%d bytes): the shard is truncated or the index edited", e.Offset, e.Offset+e.Size, size)
			continue
		}
		if e.Size == 0 {
			continue
		}
		verify := !s.Limits().Quick && size <= maxCRCShard
		r := io.NewSectionReader(ra, e.Offset, e.Size)
		var got uint32
		var why string
		if e.DType == dtString || e.DType == dtVariant {
			if lim := min(s.Limits().Buffer, maxStringTensor); e.Size > lim {
				return &formats.LimitError{Limit: "tensorflow-string-tensor-bytes", Max: lim}
			}
			b := make([]byte, e.Size)
			if _, err := io.ReadFull(r, b); err != nil {
				return &formats.ReadError{Err: err}
			}
			graphs := func(elem []byte) { nested(ctx, e, elem, name, s, 0) }
			if e.DType == dtString {
				got, why = stringTensor(b, e.Elements, graphs)
			} else {
				got, why = variantTensor(b, e.Elements, graphs)
			}
		} else if verify {
			h := crc32.New(castagnoli)
			if _, err := io.Copy(h, r); err != nil {
				return &formats.ReadError{Err: err}
			}
			got = h.Sum32()
		}
		switch {
		case !verify:
		case why != "":
			bad(e, RuleChecksum, "%s", why)
		case got != unmaskCRC(e.CRC32C):
			bad(e, RuleChecksum, "bytes %d-%d do not match the CRC32C of the index", e.Offset, e.Offset+e.Size)
		}
	}
	return nil
}

// nested looks for serialized GraphDefs in one element of a string or
// variant tensor: tf.data iterator state carries the dataset's graph, which
// restoring the iterator instantiates and runs. Its ops are judged like any
// other graph's.
func nested(ctx context.Context, e *Entry, elem []byte, shard string, s formats.Scope, depth int) {
	report := func(f formats.Finding) {
		f.Offset = e.Offset
		s.Report(f.With("tensor", clip(e.Key)).In(shard))
	}
	if isGraphDef(elem, true) {
		report(formats.NewFinding(RuleNested, e.Offset, "checkpoint tensor %q holds a serialized GraphDef, which restoring may run", clip(e.Key)))
		// A graph that does not walk has been reported as nested already.
		_ = WalkGraphDef(ctx, elem, report)
		return
	}
	if depth >= 2 {
		return
	}
	// A VariantTensorDataProto: metadata (2) and tensors (3), whose
	// string_val (8) and variant_val (15) may hold graphs.
	_ = each(elem, 0, func(f fld) error {
		switch {
		case f.num == 2 && f.typ == protowire.BytesType:
			nested(ctx, e, f.val, shard, s, depth+1)
		case f.num == 3 && f.typ == protowire.BytesType:
			return each(f.val, 0, func(g fld) error {
				switch {
				case g.num == 8 && g.typ == protowire.BytesType:
					nested(ctx, e, g.val, shard, s, depth+1)
				case g.num == 15 && g.typ == protowire.BytesType:
					nested(ctx, e, g.val, shard, s, depth+1)
				}
				return nil
			})
		}
		return nil
	})
}

func extend(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

// stringTensor follows ReadStringTensor: varint64 lengths, a masked
// checksum of the lengths (each as a uint32, or a uint64 above 4 GiB),
// then the bytes. It calls fn with each string and returns the checksum,
// or why the bytes do not decode.
func stringTensor(b []byte, n int64, fn func([]byte)) (uint32, string) {
	if n > int64(len(b)) {
		return 0, "more strings than bytes"
	}
	var crc uint32
	p := b
	for range n {
		v, k := binary.Uvarint(p)
		if k <= 0 {
			return 0, "string lengths do not decode"
		}
		p = p[k:]
		if v <= 1<<32-1 {
			crc = extend(crc, binary.LittleEndian.AppendUint32(nil, uint32(v)))
		} else {
			crc = extend(crc, binary.LittleEndian.AppendUint64(nil, v))
		}
	}
	if len(p) < 4 {
		return 0, "string lengths run past the tensor's bytes"
	}
	if unmaskCRC(binary.LittleEndian.Uint32(p)) != crc {
		return 0, "the checksum of the string lengths does not match"
	}
	crc, p = extend(crc, p[:4]), p[4:]
	lens := b
	for range n {
		l, k := binary.Uvarint(lens)
		lens = lens[k:]
		if l > uint64(len(p)) {
			return 0, "strings run past the tensor's bytes"
		}
		fn(p[:l])
		crc, p = extend(crc, p[:l]), p[l:]
	}
	if len(p) != 0 {
		return 0, fmt.Sprintf("%d bytes after the last string", len(p))
	}
	return crc, ""
}

// variantTensor follows ReadVariantTensor: per element a varint64 length
// (in the checksum as a uint64), the serialized VariantTensorDataProto and
// a running masked checksum. It calls fn with each element.
func variantTensor(b []byte, n int64, fn func([]byte)) (uint32, string) {
	var crc uint32
	p := b
	for range n {
		l, k := binary.Uvarint(p)
		if k <= 0 || l > uint64(len(p)-k) || uint64(len(p)-k)-l < 4 {
			return 0, "variant elements run past the tensor's bytes"
		}
		crc = extend(crc, binary.LittleEndian.AppendUint64(nil, l))
		p = p[k:]
		fn(p[:l])
		crc, p = extend(crc, p[:l]), p[l:]
		if unmaskCRC(binary.LittleEndian.Uint32(p)) != crc {
			return 0, "a variant element's checksum does not match"
		}
		crc, p = extend(crc, p[:4]), p[4:]
	}
	if len(p) != 0 {
		return 0, fmt.Sprintf("%d bytes after the last variant element", len(p))
	}
	return crc, ""
}

// checkStatePaths judges the checkpoint paths of a 'checkpoint' state file
// against the directory it is in.
func checkStatePaths(t formats.Tree, s formats.Scope, n string, have map[string]bool) error {
	in, err := t.Open(n)
	if err != nil {
		return fmt.Errorf("checkpoint state %s: %w", n, err)
	}
	h, err := formats.ReadHead(in)
	if err != nil || !isCheckpointState(h.Prefix) {
		return nil
	}
	data, err := readAll(in, MaxState)
	if err != nil {
		return fmt.Errorf("checkpoint state %s: %w", n, err)
	}
	st, err := ParseCheckpointState(data)
	if err != nil {
		// The file's own analysis reports it.
		return nil
	}
	dir := path.Dir(n)
	seen := map[string]bool{}
	for _, p := range append([]string{st.ModelCheckpointPath}, st.AllModelCheckpointPaths...) {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		why, sev, abs := statePathProblem(p)
		if why == "" {
			continue
		}
		base := path.Base(strings.ReplaceAll(p, `\`, "/"))
		if local := path.Join(dir, base); abs && (have[local+".index"] || have[local]) {
			why += "; a checkpoint of that name is beside it, so the path is likely the writer's (TF1 Saver)"
			sev = formats.Low
		}
		s.Report(formats.NewFinding(RuleStatePath, formats.NoOffset, "checkpoint path %q %s", clip(p), why).
			At(sev).With("path", clip(p)).In(n))
	}
	formats.MarkChecked(s, n)
	return nil
}

// statePathProblem says why a checkpoint path leaves the directory of the
// state file, how severe that is, and whether the path is a plain
// absolute one (which TF1's Saver writes).
func statePathProblem(p string) (why string, sev formats.Severity, abs bool) {
	q := strings.ReplaceAll(p, `\`, "/")
	lower := strings.ToLower(q)
	switch {
	case strings.Contains(lower, "://"):
		return "is a URL: restoring reads weights from another host", formats.High, false
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "contains control characters", formats.Medium, false
	case slices.Contains(strings.Split(q, "/"), ".."):
		return "leaves the directory with '..'", formats.Medium, false
	case strings.HasPrefix(q, "/"), strings.HasPrefix(q, "~"), len(q) >= 2 && q[1] == ':':
		return "is absolute: restoring reads that path, not the files beside this one", formats.Medium, true
	}
	return "", formats.Info, false
}

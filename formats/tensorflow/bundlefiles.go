package tensorflow

import (
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// The "tf-bundle-files" layout identifies the files of a TensorFlow
// checkpoint (a tensor bundle: PREFIX.index and its data shards
// PREFIX.data-NNNNN-of-MMMMM, in a checkpoint directory or a SavedModel's
// variables/), whose bytes alone match no format: the index is a LevelDB
// table of tensor entries and the shards are raw tensor bytes that the
// index points into. TensorFlow reads both as numbers. It only identifies
// the files; it does not parse the index's entries.
func init() { formats.RegisterLayout("tf-bundle-files", bundleFiles{}) }

type bundleFiles struct{}

var shardName = regexp.MustCompile(`^(.+)\.data-([0-9]{5})-of-([0-9]{5})$`)

// Match implements formats.Layout: any tree with a .index file.
func (bundleFiles) Match(names []string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, ".index") {
			return true
		}
	}
	return false
}

// tableMagic ends every LevelDB table (its footer's last 8 bytes,
// little-endian 0xdb4775248b80fb57), which is what a bundle index is.
const tableMagic = "\x57\xfb\x80\x8b\x24\x75\x47\xdb"

// tableFooter is the size of a LevelDB table footer: two block handles
// padded to 40 bytes, then the magic.
const tableFooter = 48

// AnalyzeTree implements formats.Layout: it marks each index whose footer
// is a table's, and the complete set of data shards beside it.
func (bundleFiles) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		prefix, ok := strings.CutSuffix(n, ".index")
		if !ok {
			continue
		}
		isTable, err := tableFile(t, n)
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		if !isTable {
			continue
		}
		formats.MarkData(s, n, "TensorFlow checkpoint index (a table of tensor entries)")
		shards := shardsOf(prefix, names)
		if shards == nil {
			continue
		}
		for _, sh := range shards {
			formats.MarkData(s, sh, "TensorFlow checkpoint data shard of "+path.Base(n)+" (raw tensor bytes)")
		}
	}
	return nil
}

// shardsOf returns the data shards of prefix when all of them are there
// and agree on their count, or nil.
func shardsOf(prefix string, names []string) []string {
	var shards []string
	count := -1
	seen := map[int]bool{}
	for _, n := range names {
		m := shardName.FindStringSubmatch(n)
		if m == nil || m[1] != prefix {
			continue
		}
		i, _ := strconv.Atoi(m[2])
		c, _ := strconv.Atoi(m[3])
		if count >= 0 && c != count || i >= c {
			return nil
		}
		count = c
		seen[i] = true
		shards = append(shards, n)
	}
	if count <= 0 || len(seen) != count {
		return nil
	}
	return shards
}

// tableFile reports whether the file ends with a LevelDB table footer.
func tableFile(t formats.Tree, name string) (bool, error) {
	in, err := t.Open(name)
	if err != nil {
		return false, err
	}
	if in.Size < tableFooter || !in.RandomAccess() {
		// A streamed archive member: only a target's own files have
		// outcomes that identifying them changes, so it is not read.
		return false, nil
	}
	ra, size, err := in.ReaderAt(1 << 20)
	if err != nil {
		return false, err
	}
	var tail [8]byte
	if _, err := ra.ReadAt(tail[:], size-8); err != nil && err != io.EOF {
		return false, &formats.ReadError{Err: err}
	}
	return string(tail[:]) == tableMagic, nil
}

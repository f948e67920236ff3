package safetensors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
)

// ShardInfo is what the caller of CheckIndex knows about one shard file.
type ShardInfo struct {
	// Exists reports whether the file is present next to the index.
	Exists bool
	// Format is the first reading formats.Sniff gives the file, or "".
	Format string
	// Tensors are the names in the shard's header (see TensorNames); nil
	// when the header was not read.
	Tensors map[string]bool
	// Err is the error reading the shard's header returned, if any.
	Err error
}

// ShardLookup describes the shard at name, a clean slash-separated path
// relative to the index's directory.
type ShardLookup func(name string) ShardInfo

// MaxIndexEntries caps the weight_map entries read from an index.
const MaxIndexEntries = 10_000_000

// CheckIndex checks a model.safetensors.index.json: shard names that
// escape the model directory, missing shards, shards that are not
// safetensors, and tensors mapped to shards that do not hold them. Unsafe
// names are never passed to lookup. Findings' offsets are byte offsets in
// the index. The error is set when the index could not be read as JSON.
func CheckIndex(ctx context.Context, indexJSON []byte, lookup ShardLookup) ([]formats.Finding, error) {
	var out []formats.Finding
	report := func(f formats.Finding) { out = append(out, f) }
	if !utf8.Valid(indexJSON) {
		report(formats.NewFinding(RuleIndexMalformed, formats.NoOffset, "index is not valid UTF-8"))
		return out, errors.New("safetensors index: invalid UTF-8")
	}
	wm, err := readWeightMap(ctx, indexJSON, report)
	if err != nil {
		report(formats.NewFinding(RuleIndexMalformed, formats.NoOffset, "index is not a JSON object with a weight_map: %v", err))
		return out, fmt.Errorf("safetensors index: %w", err)
	}

	byShard := map[string][]string{}
	var shards []string
	for _, e := range wm {
		if _, ok := byShard[e.shard]; !ok {
			shards = append(shards, e.shard)
		}
		byShard[e.shard] = append(byShard[e.shard], e.tensor)
	}
	for _, shard := range shards {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if why := unsafeShardName(shard); why != "" {
			report(formats.NewFinding(RuleIndexPath, formats.NoOffset, "shard name %q %s", truncate(shard, 200), why).With("shard", truncate(shard, 200)))
			continue
		}
		info := lookup(shard)
		switch {
		case !info.Exists:
			report(formats.NewFinding(RuleIndexMissing, formats.NoOffset, "shard %q named for %d tensors is missing", shard, len(byShard[shard])).With("shard", shard))
			continue
		case info.Format != formats.Safetensors:
			what := info.Format
			if what == "" {
				what = "not a recognised model format"
			}
			report(formats.NewFinding(RuleIndexNotST, formats.NoOffset, "shard %q is %s, not safetensors", shard, what).With("shard", shard).With("format", info.Format))
			continue
		case info.Err != nil:
			report(formats.NewFinding(RuleIndexUnreadable, formats.NoOffset, "shard %q: %v", shard, info.Err).With("shard", shard))
			continue
		case info.Tensors == nil:
			continue
		}
		listed := map[string]bool{}
		var absent []string
		for _, t := range byShard[shard] {
			listed[t] = true
			if !info.Tensors[t] {
				absent = append(absent, t)
			}
		}
		var extra []string
		for t := range info.Tensors {
			if !listed[t] {
				extra = append(extra, t)
			}
		}
		slices.Sort(extra)
		if len(absent) > 0 {
			report(formats.NewFinding(RuleIndexMismatch, formats.NoOffset, "index maps %d tensors to shard %q that it does not hold, e.g. %q", len(absent), shard, absent[0]).
				With("shard", shard).With("tensor", absent[0]))
		}
		if len(extra) > 0 {
			report(formats.NewFinding(RuleIndexMismatch, formats.NoOffset, "shard %q holds %d tensors the index does not map to it, e.g. %q", shard, len(extra), extra[0]).
				With("shard", shard).With("tensor", extra[0]))
		}
	}
	return out, nil
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

type mapEntry struct{ tensor, shard string }

// readWeightMap decodes the index at token level, reporting duplicate
// keys, which encoding/json would silently resolve.
func readWeightMap(ctx context.Context, data []byte, report func(formats.Finding)) ([]mapEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var entries []mapEntry
	found := false
	top := map[string]bool{}
	for dec.More() {
		at := dec.InputOffset()
		k, err := tokenString(dec)
		if err != nil {
			return nil, err
		}
		if top[k] {
			report(formats.NewFinding(RuleIndexMalformed, at, "index key %q appears twice", k))
		}
		top[k] = true
		if k != "weight_map" {
			if err := skipValue(dec); err != nil {
				return nil, err
			}
			continue
		}
		found = true
		entries = entries[:0]
		if err := expectDelim(dec, '{'); err != nil {
			return nil, fmt.Errorf("weight_map: %w", err)
		}
		seen := map[string]int{} // tensor -> its entry
		for dec.More() {
			if len(entries)%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			if len(entries) >= MaxIndexEntries {
				return nil, &formats.LimitError{Limit: "safetensors-index-entries", Max: MaxIndexEntries}
			}
			at := dec.InputOffset()
			tensor, err := tokenString(dec)
			if err != nil {
				return nil, err
			}
			shard, err := tokenString(dec)
			if err != nil {
				return nil, fmt.Errorf("weight_map[%q]: %w", truncate(tensor, 100), err)
			}
			if i, dup := seen[tensor]; dup {
				report(formats.NewFinding(RuleIndexMalformed, at, "tensor %q is mapped twice (to %q and %q); loaders keep the last", truncate(tensor, 100), truncate(entries[i].shard, 100), truncate(shard, 100)).With("tensor", truncate(tensor, 100)))
				entries[i].shard = shard
				continue
			}
			seen[tensor] = len(entries)
			entries = append(entries, mapEntry{tensor, shard})
		}
		if err := expectDelim(dec, '}'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.New("no weight_map")
	}
	return entries, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, t)
	}
	return nil
}

func tokenString(dec *json.Decoder) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("expected a string, found %v", t)
	}
	return s, nil
}

// skipValue skips one JSON value, bounding its nesting.
func skipValue(dec *json.Decoder) error {
	level := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				level++
				if level > maxDepth {
					return &formats.LimitError{Limit: "safetensors-json-depth", Max: maxDepth}
				}
			} else {
				level--
			}
		}
		if level == 0 {
			return nil
		}
	}
}

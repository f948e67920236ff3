package safetensors

import (
	"context"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func TestCheckIndex(t *testing.T) {
	shards := map[string]ShardInfo{
		"model-00001-of-00002.safetensors": {Exists: true, Format: formats.Safetensors, Tensors: map[string]bool{"a": true, "b": true}},
		"model-00002-of-00002.safetensors": {Exists: true, Format: formats.Safetensors, Tensors: map[string]bool{"c": true}},
		"evil.safetensors":                 {Exists: true, Format: formats.Pickle},
		"broken.safetensors":               {Exists: true, Format: formats.Safetensors, Err: ErrHeader},
	}
	var looked []string
	lookup := func(name string) ShardInfo {
		looked = append(looked, name)
		return shards[name]
	}
	tests := []struct {
		name    string
		index   string
		rules   []string
		wantErr bool
	}{
		{"clean", `{"metadata":{"total_size":28},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}}`, nil, false},
		{"absolute", `{"weight_map":{"a":"/etc/passwd"}}`, []string{RuleIndexPath}, false},
		{"dotdot", `{"weight_map":{"a":"../other/model.safetensors"}}`, []string{RuleIndexPath}, false},
		{"backslash", `{"weight_map":{"a":"..\\x.safetensors"}}`, []string{RuleIndexPath}, false},
		{"missing", `{"weight_map":{"a":"model-00003-of-00003.safetensors"}}`, []string{RuleIndexMissing}, false},
		{"pickle shard", `{"weight_map":{"a":"evil.safetensors"}}`, []string{RuleIndexNotST}, false},
		{"unreadable shard", `{"weight_map":{"a":"broken.safetensors"}}`, []string{RuleIndexUnreadable}, false},
		{"tensor not in shard", `{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}`, []string{RuleIndexMismatch}, false},
		{"unlisted tensor", `{"weight_map":{"a":"model-00001-of-00002.safetensors"}}`, []string{RuleIndexMismatch}, false},
		{"duplicate", `{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors","a":"model-00001-of-00002.safetensors"}}`, []string{RuleIndexMalformed}, false},
		{"not json", `{"weight_map":`, []string{RuleIndexMalformed}, true},
		{"no weight map", `{"metadata":{}}`, []string{RuleIndexMalformed}, true},
		{"bad utf8", "{\"weight_map\":{\"a\xff\":\"x\"}}", []string{RuleIndexMalformed}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			looked = nil
			fs, err := CheckIndex(context.Background(), []byte(tt.index), lookup)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Rule)
			}
			if tt.rules == nil && len(got) > 0 {
				t.Fatalf("want clean, got %v", fs)
			}
			for _, w := range tt.rules {
				if !slices.Contains(got, w) {
					t.Errorf("missing %s in %v", w, fs)
				}
			}
			for _, n := range looked {
				if unsafeShardName(n) != "" {
					t.Errorf("unsafe name %q was looked up", n)
				}
			}
		})
	}
}

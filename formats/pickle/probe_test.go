package pickle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func head(name string, data []byte) formats.Head {
	p := data
	if len(p) > formats.HeadSize {
		p = p[:formats.HeadSize]
	}
	return formats.Head{Name: name, Size: int64(len(data)), Prefix: p}
}

func TestProbePickles(t *testing.T) {
	cases := map[string][]byte{
		"proto 0 list":              cat(mark, "lp0\n", "I1\n", "aI2\n", "a", stop),
		"proto 0 global":            cat(glob("os", "system"), mark, str0("id"), "tR", stop),
		"proto 0 truncated":         cat(glob("os", "system"), mark, str0("id"), "tR"),
		"proto 1 empty list":        cat(emptyList, "q\x00", mark, k1(1), k1(2), "e", stop),
		"proto 1 dict":              cat(emptyDict, "q\x00", sbs("a"), k1(1), "s", stop),
		"None":                      cat("N", stop),
		"INST":                      cat(mark, str0("id"), inst("os", "system"), stop),
		"no PROTO STACK_GLOBAL":     cat(sbu("os"), sbu("system"), stackGlobal, sbu("id"), tuple1, reduce, stop),
		"big string first, proto 0": cat(uni(strings.Repeat("x", 100000)), pop, glob("os", "system"), mark, str0("id"), "tR", stop),
		"big blob first, proto 1":   cat("T"+le32(100000), strings.Repeat("x", 100000), pop, glob("os", "system"), mark, str0("id"), "tR", stop),
		"big proto 0 list":          cat(mark, "lp0\n", strings.Repeat("I12345\na", 20000), stop),
		// pickle.load takes any opcode first; these two push a value
		// without a PROTO, so a payload can follow them.
		"LONG4 first":      cat("\x8b\x01\x00\x00\x00\x05", pop, glob("posix", "system"), mark, str0("id"), "tR", stop),
		"BYTEARRAY8 first": cat("\x96\x01\x00\x00\x00\x00\x00\x00\x00x", pop, glob("posix", "system"), mark, str0("id"), "tR", stop),
	}
	for name, data := range cases {
		if !probe(head(name, data)) {
			t.Errorf("%s: not recognised as a pickle", name)
		}
	}
	for _, name := range []string{"benign/plain_p0.pkl", "benign/plain_p1.pkl", "benign/floats_p0.pkl", "benign/strings_p1.pkl",
		"malicious/call_inst_os_system_p0.pkl", "malicious/alias_httplib_p0.pkl"} {
		data, err := os.ReadFile(filepath.Join(samplesDir, name))
		if err != nil {
			t.Logf("skip %s: %v", name, err)
			continue
		}
		if !probe(head(name, data)) {
			t.Errorf("%s: not recognised as a pickle", name)
		}
	}
}

// Real text of the kinds that sit next to models must not look like a
// pickle.
var texts = map[string]string{
	"README":               "# bert-base-uncased\n\nPretrained model on English language using a masked language modeling (MLM) objective.\n",
	"LICENSE":              "MIT License\n\nCopyright (c) 2020 The Authors.\n\nPermission is hereby granted, free of charge, to any person obtaining a copy.\n",
	"Copyright":            "Copyright (c) 2019 Someone. All rights reserved.\n",
	"JSON":                 `{"architectures": ["BertModel"], "hidden_size": 768, "vocab_size": 30522}` + "\n",
	"JSON list":            `[{"id": 0, "content": "[PAD]"}]`,
	"Python":               "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n",
	"Python class":         "class Config:\n    hidden = 768\n",
	"CSV":                  "id,name,score\n1,alice,0.5\n2,bob,0.7\n",
	"CSV numbers":          "1.0,2.0,3.0\n4.0,5.0,6.0\n",
	"vocab":                "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nof\nand\n",
	"vocab V":              "Vicuna\nVienna\nVietnam\nView\nVillage\nVincent\nVirginia\nVision\nVisit\nVital\nVoice\nVolume\nVote\nVoyage\nVulcan\nVector\nVerb\nVerse\n",
	"merges":               "#version: 0.2\nĠ t\nĠ a\nh e\ni n\n",
	"Go":                   "package main\n\nfunc main() {}\n",
	"INI":                  "[metadata]\nname = x\n",
	"YAML":                 "name: model\nversion: 1\n",
	"shell":                "#!/bin/sh\nset -e\n",
	"Integer line":         "I01\n",
	"sentencepiece text":   "▁the\t-3.2\n▁a\t-3.5\n",
	"Numbers":              "12345\n67890\n",
	"Text starting with c": "cat\ndog\nbird\n",
	"Text starting with S": "Some text here.\n",
	"Text starting with N": "N.B. this is a note\n",
	"paren":                "(c) 2020 Someone\n",
}

func TestProbeRejectsText(t *testing.T) {
	for name, s := range texts {
		if probe(head(name, []byte(s))) {
			t.Errorf("%s: text taken for a pickle", name)
		}
	}
	// And every text file of this repository.
	var files []string
	for _, g := range []string{"../../*.md", "../../go.mod", "../../testdata/*/*.md", "../../testdata/*/*.py", "../../testdata/*/*.tsv",
		"../*/*.go", "*.go", "globals/*.tsv", "/work/shared/*.md", "/work/shared/reference/*.md"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if probe(head(f, data)) {
			t.Errorf("%s: text taken for a pickle", f)
		}
	}
}

func TestSniffFindsProto0(t *testing.T) {
	got := formats.Sniff(head("x.txt", cat(glob("os", "system"), mark, str0("id"), "tR", stop)))
	if len(got) == 0 || got[0] != formats.Pickle {
		t.Errorf("Sniff = %v", got)
	}
}

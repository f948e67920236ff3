package coreml

import (
	_ "embed"
	"strings"
)

// milOpsTSV lists the MIL operation types coremltools defines (milops.tsv,
// written by milops.py from a coremltools checkout).
//
//go:embed milops.tsv
var milOpsTSV string

// milOps maps each MIL op type to the first opset that defines it.
var milOps = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(milOpsTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, opset, _ := strings.Cut(line, "\t")
		m[op] = opset
	}
	return m
}()

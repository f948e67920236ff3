package pickle

import (
	"archive/zip"
	"bytes"
	"slices"
	"testing"
)

// TestLoadFromBytesZip: torch.storage._load_from_bytes given a zip
// archive (torch.save's format) hands it to the engine as a file of its
// own, whose findings stand on their own, as a legacy stream's do: the
// loader itself is then not reported, and the archive is scanned.
func TestLoadFromBytesZip(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create("archive/data.pkl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("\x80\x02K\x01.")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	load := glob("torch.storage", "_load_from_bytes")
	data := cat(proto(2), load, anyBytes(buf.String()), tuple1, reduce, stop)
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(rec.Rules(), RuleDeniedGlobal) {
		t.Errorf("loader of a scanned archive reported: %v", rec.Findings)
	}
	if len(rec.Members) != 1 || !bytes.Equal(rec.Members[0].Data, buf.Bytes()) {
		t.Errorf("archive not handed to the engine: %d members", len(rec.Members))
	}
	// A payload that is neither keeps the loader's finding.
	rec, _, err = scanBytes(t, cat(proto(2), load, sbb("PKjunk"), tuple1, reduce, stop), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rec.Rules(), RuleDeniedGlobal) {
		t.Errorf("loader of an unscanned payload not reported: %v", rec.Findings)
	}
}

package scanner_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// scanFiles writes files into a new directory, scans it and returns the
// report.
func scanFiles(t *testing.T, files map[string][]byte) *scanner.Report {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := fetch.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: dir, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A layout that marks a file checked or data must not make a payload the
// sniffer missed clean: torch.load("pytorch_model.bin") runs a pickle
// whatever the .xml beside it says.
func TestLayoutDoesNotCleanPayloads(t *testing.T) {
	ir, err := os.ReadFile(filepath.Join("..", "formats", "openvino", "testdata", "const_add.xml"))
	if err != nil {
		t.Fatal(err)
	}
	payload := "cposix\nsystem\n(Vtouch marker\ntR."
	for name, start := range map[string]string{
		"LONG4":      "\x8b\x01\x00\x00\x00\x05" + "0",
		"BYTEARRAY8": "\x96\x01\x00\x00\x00\x00\x00\x00\x00x" + "0",
	} {
		rep := scanFiles(t, map[string][]byte{"pytorch_model.xml": ir, "pytorch_model.bin": []byte(start + payload)})
		if rep.ExitCode() == scanner.ExitClean {
			t.Errorf("%s-led pickle as an OpenVINO .bin: %+v", name, rep.Files)
		}
	}
}

// A pickle whose payload sits beyond the head the sniffing probe reads
// (or beyond its opcode budget) behind opcodes that only push values is
// still a pickle: pickle.load and torch.load run it, whatever the name,
// and whether it is a file of its own, a legacy torch tar's member or a
// compressed stream, or first in a zip found by its end record.
func TestPayloadBeyondTheProbe(t *testing.T) {
	payload := "cposix\nsystem\n(Vtouch marker\ntR."
	run := strings.Repeat("N", 5000)
	far := strings.Repeat("N", 200_000)
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	for _, n := range []string{"storages", "tensors", "pickle"} {
		body := run + payload
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(body)), Format: tar.FormatUSTAR})
		tw.Write([]byte(body))
	}
	tw.Close()
	// joblib.load unwraps a gzip stream, whose size is unknown until read.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(run + payload))
	zw.Close()
	// A zip appended after the pickle is found by its end record; torch.load
	// sees no zip magic at offset 0 and unpickles the head.
	var zipped bytes.Buffer
	zz := zip.NewWriter(&zipped)
	w, _ := zz.Create("README.txt")
	w.Write([]byte("hello"))
	zz.Close()
	for name, data := range map[string]string{
		"zip_after.bin":     run + payload + zipped.String(),
		"text.bin":          run + payload,
		"far.txt":           far + payload,
		"header.gif":        "GIF89a\x01\x00\x01" + run + payload + ";",
		"legacy_model.bin":  tarball.String(),
		"pytorch_model.pkl": run + payload,
		"joblib_model.bin":  gz.String(),
	} {
		rep := scanFiles(t, map[string][]byte{name: []byte(data)})
		if rep.ExitCode() != scanner.ExitFindings {
			t.Errorf("%s: exit %d, %+v", name, rep.ExitCode(), rep.Files)
		}
	}
}

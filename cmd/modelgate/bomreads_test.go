package main

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeCheckpoint writes a torch.save-shaped zip state_dict of n float32
// storages of each bytes, stored, as torch writes them.
func writeCheckpoint(t *testing.T, p string, n int, each int) {
	t.Helper()
	pkl := []byte("\x80\x02}q\x00(")
	for i := range n {
		key := strconv.Itoa(i)
		name := "layer." + key
		pkl = append(pkl, 'X')
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(len(name)))
		pkl = append(pkl, name...)
		pkl = append(pkl, "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX"...)
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(len(key)))
		pkl = append(pkl, key...)
		pkl = append(pkl, "X\x03\x00\x00\x00cpuJ"...)
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(each/4))
		pkl = append(pkl, "tQK\x00J"...)
		pkl = binary.LittleEndian.AppendUint32(pkl, uint32(each/4))
		pkl = append(pkl, "\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR"...)
	}
	pkl = append(pkl, "u."...)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	write := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	write("data.pkl", pkl)
	write("byteorder", []byte("little"))
	data := make([]byte, each)
	for i := range data {
		data[i] = byte(i * 31)
	}
	for i := range n {
		write("data/"+strconv.Itoa(i), data)
	}
	write("version", []byte("3\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// bytesRead is the process's read(2) total so far (/proc/self/io rchar).
func bytesRead(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no rchar in /proc/self/io")
	return 0
}

// TestScanBOMReads measures DESIGN.md's "one read pass per file" for the
// BOM of a local PyTorch checkpoint: the bytes `scan --bom` reads besides
// those of the scan alone. The model card's facts are read from the
// checkpoint after the scan, so the extra is bounded by the checkpoint's
// structure, never its tensor data.
func TestScanBOMReads(t *testing.T) {
	const n, each = 256, 8 << 10
	dir := t.TempDir()
	p := filepath.Join(dir, "model.pt")
	writeCheckpoint(t, p, n, each)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	measure := func(args ...string) int64 {
		t.Helper()
		before := bytesRead(t)
		if code, _, stderr := modelgate(t, append(append([]string{"scan", "--no-cache", "--format", "json", "-o", out}, args...), p)...); code != 0 {
			t.Fatalf("scan %v: exit %d\n%s", args, code, stderr)
		}
		return bytesRead(t) - before
	}
	alone := measure()
	cdx := filepath.Join(dir, "model.cdx.json")
	withBOM := measure("--bom", cdx)
	b, err := os.ReadFile(cdx)
	if err != nil {
		t.Fatal(err)
	}
	// The facts were read: the model's component counts its parameters.
	var doc struct {
		Metadata struct {
			Component struct {
				Properties []struct{ Name, Value string }
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var params string
	for _, p := range doc.Metadata.Component.Properties {
		if p.Name == "modelgate:parameters" {
			params = p.Value
		}
	}
	if want := strconv.Itoa(n * each / 4); params != want {
		t.Fatalf("the model card gives %q parameters, want %s: %s", params, want, b)
	}
	extra := withBOM - alone
	t.Logf("%d-byte checkpoint: scan read %d bytes, scan --bom %d (%+d)", st.Size(), alone, withBOM, extra)
	// Today the facts re-open the zip by path and read its directory and
	// data.pkl once more (the inventory and the TorchScript probe share
	// them): less than the checkpoint's structure (54 KB of 69 KB here).
	// The goal (issue 16) is a fixed allowance: the facts taken from what
	// the scan kept, none of the checkpoint read again.
	structure := st.Size() - int64(n*each)
	if extra > structure {
		t.Errorf("scan --bom read %d bytes more than the scan alone, over the %d bytes of the checkpoint besides its tensor data", extra, structure)
	}
}

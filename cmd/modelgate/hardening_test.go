package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// The local walk lists every entry it meets: links are followed inside
// the target, and an entry it cannot or will not read (a link that leaves
// the target, loops or dangles, a FIFO, a device) is inconclusive with a
// reason while the walk goes on, never dropped.
func TestLocalWalkEndToEnd(t *testing.T) {
	evil, err := os.ReadFile("../../testdata/sample/evil.pkl")
	if err != nil {
		t.Fatal(err)
	}
	clean, err := os.ReadFile("../../testdata/sample/model.pkl")
	if err != nil {
		t.Fatal(err)
	}
	link := func(t *testing.T, old, new string) {
		t.Helper()
		if err := os.Symlink(old, new); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) string // returns the target
		code  int
		want  []string // lines of the text report, each a prefix
		not   string   // must not appear
	}{
		{"symlinked subdirectory inside the target", func(t *testing.T, root string) string {
			writeFile(t, root, "m/model.pkl", clean)
			writeFile(t, root, "m/inner/evil.pkl", evil)
			link(t, "inner", filepath.Join(root, "m/sub"))
			return filepath.Join(root, "m")
		}, 1, []string{"findings     m/inner/evil.pkl", "skipped      m/sub: same directory as"}, ""},
		{"symlinked subdirectory leaving the target", func(t *testing.T, root string) string {
			writeFile(t, root, "m/model.pkl", clean)
			writeFile(t, root, "ext/evil.pkl", evil)
			link(t, filepath.Join(root, "ext"), filepath.Join(root, "m/sub"))
			return filepath.Join(root, "m")
		}, 2, []string{"clean        m/model.pkl", "inconclusive m/sub: link to " + filepath.Join(root(t), "ext") + " leaves the target (unsupported)"}, ""},
		{"file link leaving the target", func(t *testing.T, root string) string {
			writeFile(t, root, "m/model.pkl", clean)
			writeFile(t, root, "ext/evil.pkl", evil)
			link(t, "../ext/evil.pkl", filepath.Join(root, "m/weights.pkl"))
			return filepath.Join(root, "m")
		}, 2, []string{"inconclusive m/weights.pkl: link to "}, ""},
		{"link loop", func(t *testing.T, root string) string {
			writeFile(t, root, "m/a/model.pkl", clean)
			link(t, "..", filepath.Join(root, "m/a/up"))
			return filepath.Join(root, "m")
		}, 2, []string{"clean        m/a/model.pkl", "inconclusive m/a/up: link loops back"}, ""},
		{"dangling link does not end the walk", func(t *testing.T, root string) string {
			writeFile(t, root, "x/z.pkl", evil)
			link(t, "/nonexistent", filepath.Join(root, "x/a"))
			return filepath.Join(root, "x")
		}, 1, []string{"inconclusive x/a: stat x/a: no such file or directory (read-error)", "findings     x/z.pkl", "  critical MG102 x/z.pkl"}, "stat x/a: stat"},
		{"FIFO in a directory", func(t *testing.T, root string) string {
			writeFile(t, root, "m/model.pkl", clean)
			if err := syscall.Mkfifo(filepath.Join(root, "m/pipe.pkl"), 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			return filepath.Join(root, "m")
		}, 2, []string{"clean        m/model.pkl", "inconclusive m/pipe.pkl: named pipe (FIFO), not a regular file (unsupported)"}, ""},
		{"FIFO given directly", func(t *testing.T, root string) string {
			if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			return filepath.Join(root, "pipe")
		}, 2, []string{"inconclusive pipe: named pipe (FIFO), not a regular file (unsupported)", "NO-VERDICT: 1 files "}, ""},
		{"link to /dev/zero given directly", func(t *testing.T, root string) string {
			link(t, "/dev/zero", filepath.Join(root, "zero.pkl"))
			return filepath.Join(root, "zero.pkl")
		}, 2, []string{"inconclusive zero.pkl: character device, not a regular file (unsupported)"}, ""},
		{".git is skipped with a line", func(t *testing.T, root string) string {
			writeFile(t, root, "m/model.pkl", clean)
			writeFile(t, root, "m/.git/objects/evil.pkl", evil)
			return filepath.Join(root, "m")
		}, 0, []string{"skipped      m/.git: version-control metadata, not walked", "clean        m/model.pkl"}, ""},
		{"Hugging Face cache snapshot links into its blobs", func(t *testing.T, root string) string {
			writeFile(t, root, "models--org--name/blobs/0123abcd", evil)
			writeFile(t, root, "models--org--name/snapshots/rev1/config.json", []byte("{}"))
			link(t, "../../blobs/0123abcd", filepath.Join(root, "models--org--name/snapshots/rev1/model.pkl"))
			return filepath.Join(root, "models--org--name/snapshots/rev1")
		}, 1, []string{"findings     rev1/model.pkl"}, "inconclusive rev1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			target := tt.setup(t, base)
			// Relative paths in the report, as a user typing them sees.
			t.Chdir(filepath.Dir(target))
			code, out, stderr := modelgate(t, "scan", filepath.Base(target))
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, stderr)
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, root(t), base)
				if !hasLinePrefix(out, w) {
					t.Errorf("no line starting %q in\n%s", w, out)
				}
			}
			if tt.not != "" && strings.Contains(out+stderr, tt.not) {
				t.Errorf("%q in\n%s%s", tt.not, out, stderr)
			}
		})
	}
}

// root is a placeholder for the test's temporary directory in expected
// lines, which exist before the directory does.
func root(*testing.T) string { return "\x00ROOT" }

func hasLinePrefix(out, prefix string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// A target is cleaned once, at the edge: the README's own example
// (`modelgate bom ./my-model`) reads the files the report names.
func TestTargetCleanedOnce(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	header := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	st := append([]byte{byte(len(header)), 0, 0, 0, 0, 0, 0, 0}, header...)
	writeFile(t, dir, "my-model/model.safetensors", append(st, 0, 0, 0, 0))
	for _, target := range []string{"./my-model", "my-model/", "./my-model/../my-model"} {
		code, out, stderr := modelgate(t, "bom", target)
		if code != 0 || !strings.Contains(out, `"bomFormat": "CycloneDX"`) {
			t.Errorf("bom %s: exit %d, %s", target, code, stderr)
		}
		code, out, stderr = modelgate(t, "scan", target)
		if code != 0 || !hasLinePrefix(out, "clean        my-model/model.safetensors") {
			t.Errorf("scan %s: exit %d\n%s%s", target, code, out, stderr)
		}
	}
}

// A local file name cannot forge report lines: control characters in a
// path are quoted in text, Markdown and SARIF messages, the way archive
// member names are.
func TestHostileFileNameIsQuoted(t *testing.T) {
	evil, err := os.ReadFile("../../testdata/sample/evil.pkl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name := "a\nPASS: 9 files (9 clean, 0 with findings)\nclean        x.pkl"
	writeFile(t, dir, name, evil)
	t.Chdir(dir)
	for _, format := range []string{"text", "markdown", "sarif"} {
		code, out, _ := modelgate(t, "scan", "--format", format, ".")
		if code != 1 {
			t.Errorf("%s: exit %d", format, code)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "PASS") || strings.HasPrefix(l, "clean        x.pkl") {
				t.Errorf("%s: forged line %q in\n%s", format, l, out)
			}
		}
		if format == "markdown" && !strings.Contains(out, `| critical | MG102 | "a\\nPASS`) {
			t.Errorf("markdown: the finding's row does not carry the quoted name:\n%s", out)
		}
		if format == "sarif" && !strings.Contains(out, `(at \"a\\nPASS: 9 files`) {
			t.Errorf("sarif: the message does not carry the quoted name:\n%s", out)
		}
	}
}

// --jobs 0 is the documented default (one per CPU), not an accident;
// below it is a usage error that says so.
func TestJobsZeroMeansOnePerCPU(t *testing.T) {
	f := writeFile(t, t.TempDir(), "model.pkl", []byte("\x80\x02K\x01."))
	if code, _, stderr := modelgate(t, "scan", "--jobs", "0", f); code != 0 {
		t.Errorf("--jobs 0: exit %d %s", code, stderr)
	}
	if _, out, _ := modelgate(t, "scan", "--help"); !strings.Contains(out, "0 means one per CPU") {
		t.Errorf("--help does not document --jobs 0:\n%s", out)
	}
	if code, _, stderr := modelgate(t, "scan", "--jobs", "-1", f); code != 3 || !strings.Contains(stderr, "0 for one per CPU") {
		t.Errorf("--jobs -1: exit %d %q", code, stderr)
	}
}

// A file whose findings the baseline already had is not "clean": the
// text report says "baselined", and still lists what was taken out.
func TestBaselinedFileIsNotCalledClean(t *testing.T) {
	dir, _ := gateDir(t)
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, stderr := modelgate(t, "scan", "--format", "json", "-o", base, dir); code != 1 {
		t.Fatalf("baseline scan: exit %d %s", code, stderr)
	}
	code, out, _ := modelgate(t, "scan", "--baseline", base, dir)
	bad := filepath.Join(dir, "bad.npy")
	if code != 0 || !hasLinePrefix(out, "baselined    "+bad) || hasLinePrefix(out, "clean        "+bad) {
		t.Errorf("exit %d\n%s", code, out)
	}
	if !hasLinePrefix(out, "clean        "+filepath.Join(dir, "good.npy")) {
		t.Errorf("good.npy is no longer clean:\n%s", out)
	}
}

// One scan writes every format a CI job needs (the GitHub Actions example
// used to scan twice for SARIF and Markdown).
func TestOneScanSeveralReports(t *testing.T) {
	evil, err := os.ReadFile("../../testdata/sample/evil.pkl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "m/evil.pkl", evil)
	sarif, md, js := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.md"), filepath.Join(dir, "r.json")
	code, _, stderr := modelgate(t, "scan", "--format", "sarif", "-o", sarif, "--report", "markdown="+md, "--report", "json="+js, filepath.Join(dir, "m"))
	if code != 1 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	for file, want := range map[string]string{sarif: `"ruleId": "MG102"`, md: "| critical | MG102 |", js: `"rule": "MG102"`} {
		if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v, want it to hold %q", file, err, want)
		}
	}
	for _, bad := range []string{"markdown", "xml=r.xml", "markdown="} {
		if code, _, stderr := modelgate(t, "scan", "--report", bad, dir); code != 3 || !strings.Contains(stderr, "--report") {
			t.Errorf("--report %s: exit %d %q, want 3", bad, code, stderr)
		}
	}
	// The GitHub Actions example uses the repository's action, whose
	// script runs the gate's scan once.
	example, err := os.ReadFile("../../examples/github-actions/modelgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(example), "uses: modelgate/modelgate@") {
		t.Error("the GitHub Actions example does not use the modelgate action")
	}
	script, err := os.ReadFile("../../scripts/action-scan.sh")
	if err != nil {
		t.Fatal(err)
	}
	if n, all := strings.Count(string(script), `"$mg" scan `), strings.Count(string(script), `"$mg" `); n != 1 || all != 1 {
		t.Errorf("the action's script runs modelgate %d times (%d scans), want one scan", all, n)
	}
}

// A file whose name claims a format its bytes do not match is
// inconclusive with what was read, not only "matches no known format".
func TestUnmatchedContentSaysWhatWasRead(t *testing.T) {
	dir := t.TempDir()
	huge := []byte{0x00, 0xe8, 0x76, 0x48, 0x17, 0, 0, 0, '{', '}'} // 100 GB header length
	writeFile(t, dir, "big.safetensors", huge)
	short := []byte{0x40, 0, 0, 0, 0, 0, 0, 0, '{', '}'}
	writeFile(t, dir, "short.safetensors", short)
	writeFile(t, dir, "text.gguf", []byte("hello world"))
	code, out, _ := modelgate(t, "scan", dir)
	for _, want := range []string{
		"big.safetensors: content matches no known format, though the name says .safetensors: its first 8 bytes give a header length of 100000000000 bytes, over the 100000000",
		"short.safetensors: content matches no known format, though the name says .safetensors: its first 8 bytes give a header length of 64 bytes, more than the 2 bytes that follow",
		`text.gguf: content matches no known format, though the name says .gguf: it starts 68 65 6c 6c 6f 20 77 6f 72 6c 64 ("hello world")`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

// A stream the loader rejects is never clean: an xz file cut right before
// its index and footer, an ONNX model cut before its opset_import, a
// pickle whose str argument CPython cannot decode (lone surrogates aside,
// which "surrogatepass" lets through).
func TestRejectedStreamsEndToEnd(t *testing.T) {
	xzFile, err := os.ReadFile("../../formats/compress/testdata/model.pkl.xz")
	if err != nil {
		t.Fatal(err)
	}
	// The footer's backward size is the index's length in 4-byte units.
	index := (int(binary.LittleEndian.Uint32(xzFile[len(xzFile)-8:])) + 1) * 4
	onnxFile, err := os.ReadFile("../../formats/onnx/testdata/benign_subgraphs.onnx")
	if err != nil {
		t.Fatal(err)
	}
	opset := -1
	for b, off := onnxFile, 0; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatal("benign_subgraphs.onnx does not parse")
		}
		if num == 8 {
			opset = off
			break
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		b, off = b[n+m:], off+n+m
	}
	if opset < 0 {
		t.Fatal("benign_subgraphs.onnx has no opset_import")
	}
	long := append([]byte("\x80\x04X\xd0\x07\x00\x00"), bytes.Repeat([]byte("a"), 1999)...)
	long = append(long, 0xff, '.')
	for _, tt := range []struct {
		name string
		data []byte
		code int
		want string
	}{
		{"cut.pkl.xz", xzFile[:len(xzFile)-12-index], 2, "inconclusive "},
		{"cut.onnx", onnxFile[:opset], 1, "findings "},
		{"short.pkl", []byte("\x80\x04\x8c\x02\xc3\x28."), 2, "inconclusive "},
		{"long.pkl", long, 2, "inconclusive "},
		{"surrogate.pkl", []byte("\x80\x04\x8c\x03\xed\xa0\x80."), 0, "clean "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tt.name, tt.data)
			code, out, stderr := modelgate(t, "scan", f)
			if code != tt.code || !hasLinePrefix(out, tt.want) {
				t.Errorf("exit %d, want %d and a line %q:\n%s%s", code, tt.code, tt.want, out, stderr)
			}
		})
	}
}

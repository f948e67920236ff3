package hfrepo

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// weightExts are extensions of files that hold weights or other model
// payloads, where a Git LFS pointer means the real bytes are missing.
var weightExts = map[string]bool{
	".safetensors": true, ".bin": true, ".pt": true, ".pth": true, ".ckpt": true, ".gguf": true,
	".ggml": true, ".onnx": true, ".h5": true, ".hdf5": true, ".keras": true, ".msgpack": true,
	".pkl": true, ".pickle": true, ".joblib": true, ".npy": true, ".npz": true, ".tflite": true,
	".pb": true, ".ot": true, ".nemo": true, ".mlmodel": true, ".model": true, ".pte": true,
	".llamafile": true, ".zip": true, ".tar": true, ".gz": true, ".params": true, ".engine": true,
	".mar": true, ".data": true,
}

// maxPointerBytes is more than any LFS pointer: the spec caps them at
// 1024 bytes.
const maxPointerBytes = 1024

// lfsPrefixes start a Git LFS pointer (and its pre-release "hawser" form).
var lfsPrefixes = []string{"version https://git-lfs.github.com/spec/", "version https://hawser.github.com/spec/v1"}

var (
	lfsOIDRE  = regexp.MustCompile(`(?m)^oid sha256:([0-9a-f]{64})$`)
	lfsSizeRE = regexp.MustCompile(`(?m)^size ([0-9]{1,20})$`)
)

// lfsPointer reads a small file and, when it is an LFS pointer, returns
// its oid and size.
func (a *analysis) lfsPointer(name string) (ok bool, oid, size string, err error) {
	in, err := a.tree.Open(name)
	if err != nil {
		return false, "", "", err
	}
	if in.Size > maxPointerBytes {
		return false, "", "", nil
	}
	rc, err := in.Open()
	if err != nil {
		return false, "", "", &formats.ReadError{Err: err}
	}
	defer rc.Close()
	head, err := io.ReadAll(io.LimitReader(rc, maxPointerBytes+1))
	if err != nil {
		return false, "", "", &formats.ReadError{Err: err}
	}
	if len(head) > maxPointerBytes || !isLFSPointer(head) {
		return false, "", "", nil
	}
	if m := lfsOIDRE.FindSubmatch(head); m != nil {
		oid = string(m[1])
	}
	if m := lfsSizeRE.FindSubmatch(head); m != nil {
		size = string(m[1])
	}
	return true, oid, size, nil
}

func isLFSPointer(b []byte) bool {
	for _, p := range lfsPrefixes {
		if bytes.HasPrefix(b, []byte(p)) {
			return true
		}
	}
	return false
}

// lfs reports a weight file that is an LFS pointer.
func (a *analysis) lfs(name string) {
	ok, oid, size, err := a.lfsPointer(name)
	if err != nil {
		a.fail(name, err)
		return
	}
	if !ok {
		return
	}
	msg := "is a Git LFS pointer, not the weights: the real file"
	if size != "" {
		msg += " (" + size + " bytes)"
	}
	msg += " was not downloaded and was NOT scanned; the scan cannot vouch for it"
	f := formats.NewFinding(RuleLFSPointer, formats.NoOffset, "%s %s", lastPart(name), msg)
	if oid != "" {
		f = f.With("lfs_oid", "sha256:"+oid)
	}
	if size != "" {
		f = f.With("lfs_size", size)
	}
	a.report(name, f)
}

func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Package differential checks modelgate against the real loaders: it
// mutates files made by the real libraries (pickle, joblib, torch) into
// adversarial ones whose payload calls a harmless marker (mgmarker.hit),
// loads each with the real loader in a forked, time-limited Python child
// (runner.py), scans it with modelgate, and fails when the loader reached
// the marker while modelgate neither reported it nor ended inconclusive.
//
// The package itself only generates bytes; its tests run the loaders.
// `go test` runs a few seconds per loader family; `make differential
// DIFFTIME=30m` runs each family that long and keeps what it finds under
// testdata/found/. It never loads a file in the Go process.
package differential

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math/rand"
	"strings"
)

// Payloads call the marker with every opcode that calls: REDUCE after
// GLOBAL (protocol 0) and STACK_GLOBAL (protocol 4), OBJ and INST. Each
// leaves the stack as it found it.
var payloads = []string{
	"cmgmarker\nhit\n)R0",
	"\x8c\x08mgmarker\x8c\x03hit\x93)R0",
	"(cmgmarker\nhit\no0",
	"(imgmarker\nhit\n0",
	"cmgmarker\nhit\nN\x85R0",
}

// Mutator rewrites a seed into a case; r drives every choice.
type Mutator func(r *rand.Rand, b []byte) []byte

func le32(n int) string {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n))
	return string(b[:])
}

// bytewise are the family-independent mutations.
var bytewise = []Mutator{
	// Insert a payload, sometimes behind a BINBYTES that covers it for a
	// reader that starts there.
	func(r *rand.Rand, b []byte) []byte {
		p := payloads[r.Intn(len(payloads))]
		if r.Intn(3) == 0 {
			p = "B" + le32(len(p)+r.Intn(3)-1) + p
		}
		return insert(b, r.Intn(len(b)+1), p)
	},
	// Overwrite bytes with a payload, keeping every length and offset:
	// raw regions (array data, storages) stay where their reader expects.
	func(r *rand.Rand, b []byte) []byte {
		p := payloads[r.Intn(len(payloads))]
		if len(b) < len(p) {
			return b
		}
		c := bytes.Clone(b)
		copy(c[r.Intn(len(b)-len(p)+1):], p)
		return c
	},
	// Flip a byte.
	func(r *rand.Rand, b []byte) []byte {
		if len(b) == 0 {
			return b
		}
		c := bytes.Clone(b)
		c[r.Intn(len(c))] = byte(r.Intn(256))
		return c
	},
	// Set a small integer byte (lengths, counts, paddings) to an extreme.
	func(r *rand.Rand, b []byte) []byte {
		if len(b) == 0 {
			return b
		}
		c := bytes.Clone(b)
		c[r.Intn(len(c))] = []byte{0, 1, 0x10, 0x42, 0x7f, 0x80, 0xff}[r.Intn(7)]
		return c
	},
	// Delete a range.
	func(r *rand.Rand, b []byte) []byte {
		if len(b) < 2 {
			return b
		}
		i := r.Intn(len(b))
		j := min(len(b), i+1+r.Intn(16))
		return append(bytes.Clone(b[:i]), b[j:]...)
	},
	// Duplicate a range.
	func(r *rand.Rand, b []byte) []byte {
		if len(b) < 2 {
			return b
		}
		i := r.Intn(len(b))
		j := min(len(b), i+1+r.Intn(32))
		return insert(b, j, string(b[i:j]))
	},
	// Truncate.
	func(r *rand.Rand, b []byte) []byte {
		if len(b) < 2 {
			return b
		}
		return bytes.Clone(b[:r.Intn(len(b))])
	},
	// Append a payload pickle after the end.
	func(r *rand.Rand, b []byte) []byte {
		return append(bytes.Clone(b), payloads[r.Intn(len(payloads))]+"N."...)
	},
}

// joblibEdits rewrite what joblib's wrappers hold: how the wrapper is
// built, its alignment, its dtype and shape.
var joblibEdits = []Mutator{
	replacer(")\x81", "\x85R", ")}\x87R", "o", ")\x81"),
	replacer("numpy_array_alignment_bytesq\x11K\x10",
		"numpy_array_alignment_bytesq\x11K\x00", "numpy_array_alignment_bytesq\x11N",
		"numpy_array_alignment_bytesq\x11\x89", "numpy_array_alignment_bytesq\x11X\x01\x00\x00\x00x",
		"numpy_array_alignment_bytesq\x11K\x42"),
	replacer("X\x02\x00\x00\x00f8", "X\x02\x00\x00\x00O8", "X\x02\x00\x00\x00i4", "X\x02\x00\x00\x00S3",
		"X\x02\x00\x00\x00U2", "X\x02\x00\x00\x00V8", "X\x01\x00\x00\x00d", "X\x03\x00\x00\x00<f4", "X\x02\x00\x00\x00b1"),
	replacer("NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t", "NNNK\x10J\xff\xff\xff\xffK\x00t",
		"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x01t", "NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?t",
		"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffJ\x81\xff\xff\xfft"),
	replacer("K\x05\x85", "K\x00\x85", "K\x07\x85", ")", "K\x05K\x01\x86"),
}

// replacer swaps one occurrence of old (or of any of the alternatives) for
// another alternative.
func replacer(old string, alts ...string) Mutator {
	all := append([]string{old}, alts...)
	return func(r *rand.Rand, b []byte) []byte {
		for _, k := range r.Perm(len(all)) {
			from := all[k]
			i := bytes.Index(b, []byte(from))
			if i < 0 {
				continue
			}
			if n := bytes.Count(b, []byte(from)); n > 1 {
				for skip := r.Intn(n); skip > 0; skip-- {
					i += len(from) + bytes.Index(b[i+len(from):], []byte(from))
				}
			}
			return insert(append(bytes.Clone(b[:i]), b[i+len(from):]...), i, all[r.Intn(len(all))])
		}
		return b
	}
}

func insert(b []byte, at int, s string) []byte {
	out := make([]byte, 0, len(b)+len(s))
	out = append(out, b[:at]...)
	out = append(out, s...)
	return append(out, b[at:]...)
}

// Mutate applies one to four mutations from muts to seed, editing the
// members of a tar or zip seed rather than its container bytes most of
// the time, so that the loader gets past the container.
func Mutate(r *rand.Rand, seed []byte, muts []Mutator) []byte {
	n := 1 + r.Intn(4)
	if r.Intn(4) != 0 {
		if out, ok := editTar(r, seed, func(b []byte) []byte { return apply(r, b, muts, n) }); ok {
			return out
		}
		if out, ok := editZip(r, seed, func(b []byte) []byte { return apply(r, b, muts, n) }); ok {
			return out
		}
	}
	return apply(r, seed, muts, n)
}

func apply(r *rand.Rand, b []byte, muts []Mutator, n int) []byte {
	for range n {
		b = muts[r.Intn(len(muts))](r, b)
	}
	return b
}

// editTar rewrites one member of a tar (the pre-1.0 torch layout).
func editTar(r *rand.Rand, b []byte, edit func([]byte) []byte) ([]byte, bool) {
	tr := tar.NewReader(bytes.NewReader(b))
	type member struct {
		hdr  *tar.Header
		data []byte
	}
	var ms []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil || len(ms) > 64 {
			return nil, false
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, false
		}
		ms = append(ms, member{h, data})
	}
	if len(ms) == 0 {
		return nil, false
	}
	k := r.Intn(len(ms))
	ms[k].data = edit(ms[k].data)
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, m := range ms {
		h := *m.hdr
		h.Size = int64(len(m.data))
		if tw.WriteHeader(&h) != nil {
			return nil, false
		}
		tw.Write(m.data)
	}
	tw.Close()
	return out.Bytes(), true
}

// editZip rewrites one member of a zip (torch's zip checkpoints), storing
// every member uncompressed and 64-byte aligned as torch writes them.
func editZip(r *rand.Rand, b []byte, edit func([]byte) []byte) ([]byte, bool) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) == 0 || len(zr.File) > 256 {
		return nil, false
	}
	names := make([]string, 0, len(zr.File))
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	// data.pkl is where the payload matters most.
	k := r.Intn(len(zr.File))
	if r.Intn(2) == 0 {
		for i, n := range names {
			if strings.HasSuffix(n, "/data.pkl") {
				k = i
			}
		}
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for i, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, false
		}
		data, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			return nil, false
		}
		if i == k {
			data = edit(data)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			return nil, false
		}
		w.Write(data)
	}
	zw.Close()
	return out.Bytes(), true
}

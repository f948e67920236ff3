package scanner_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"testing"
)

// gapZip writes stored entries of the given sizes, each preceded by gap
// bytes that no record owns, then the central directory and end record;
// overlap makes the last central entry point at the first local header.
func gapZip(prefix []byte, gaps, sizes []int, suffix []byte, overlap bool) []byte {
	var out, cd bytes.Buffer
	out.Write(prefix)
	le := binary.LittleEndian
	first := uint32(len(prefix))
	for i, size := range sizes {
		out.Write(bytes.Repeat([]byte{byte(0x41 + i)}, gaps[i]))
		name := []byte{'d', '/', byte('a' + i)}
		data := bytes.Repeat([]byte{byte(i*7 + 1)}, size)
		crc := crc32.ChecksumIEEE(data)
		off := uint32(out.Len())
		if i == 0 {
			first = off
		}
		if overlap && i == len(sizes)-1 && i > 0 {
			off = first
		}
		h := make([]byte, 30)
		le.PutUint32(h, 0x04034b50)
		le.PutUint16(h[4:], 20)
		le.PutUint32(h[14:], crc)
		le.PutUint32(h[18:], uint32(size))
		le.PutUint32(h[22:], uint32(size))
		le.PutUint16(h[26:], uint16(len(name)))
		out.Write(h)
		out.Write(name)
		out.Write(data)
		c := make([]byte, 46)
		le.PutUint32(c, 0x02014b50)
		le.PutUint16(c[4:], 20)
		le.PutUint16(c[6:], 20)
		le.PutUint32(c[16:], crc)
		le.PutUint32(c[20:], uint32(size))
		le.PutUint32(c[24:], uint32(size))
		le.PutUint16(c[28:], uint16(len(name)))
		le.PutUint32(c[42:], off)
		cd.Write(c)
		cd.Write(name)
	}
	cdOff := uint32(out.Len())
	out.Write(cd.Bytes())
	e := make([]byte, 22)
	le.PutUint32(e, 0x06054b50)
	le.PutUint16(e[8:], uint16(len(sizes)))
	le.PutUint16(e[10:], uint16(len(sizes)))
	le.PutUint32(e[12:], uint32(cd.Len()))
	le.PutUint32(e[16:], cdOff)
	out.Write(e)
	out.Write(suffix)
	return out.Bytes()
}

// TestReportedDigestCoversWholeFile: whatever order and gaps the zip
// analyzer reads a file in, the reported sha256 is that of every byte of
// it (the hash reads gaps of at most 4 KiB itself and Sum the rest).
func TestReportedDigestCoversWholeFile(t *testing.T) {
	big := bytes.Repeat([]byte{0xee}, 70<<10)
	for _, tc := range []struct {
		name           string
		prefix, suffix []byte
		gaps, sizes    []int
		overlap        bool
	}{
		{name: "no gaps", gaps: []int{0, 0, 0}, sizes: []int{10, 5000, 100}},
		{name: "gaps around 4KiB", gaps: []int{0, 4095, 4096, 4097, 1}, sizes: []int{1, 2, 3, 4, 5}},
		{name: "large gaps and entries", gaps: []int{70 << 10, 0, 100 << 10}, sizes: []int{3, 200 << 10, 1}},
		{name: "prefix", prefix: []byte("junk before"), gaps: []int{0, 10}, sizes: []int{100, 100}},
		{name: "large prefix", prefix: big, gaps: []int{0, 10}, sizes: []int{100, 100}},
		{name: "data after the end record", suffix: big, gaps: []int{0, 0}, sizes: []int{100, 100 << 10}},
		{name: "overlapping entries", gaps: []int{0, 100, 5000}, sizes: []int{300, 300, 300}, overlap: true},
		{name: "empty entries", gaps: []int{0, 0, 4096}, sizes: []int{0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := gapZip(tc.prefix, tc.gaps, tc.sizes, tc.suffix, tc.overlap)
			rep := scanFile(t, "a.zip", data)
			sum := sha256.Sum256(data)
			if got, want := rep.Files[0].SHA256, hex.EncodeToString(sum[:]); got != want {
				t.Errorf("sha256 %s, want %s (outcome %s)", got, want, rep.Files[0].Outcome)
			}
		})
	}
}

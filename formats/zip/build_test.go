package zip

import (
	stdzip "archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// rawEntry is one entry for rawZip, which writes exactly the fields it is
// given so tests can build archives no honest writer would.
type rawEntry struct {
	name      string
	localName string // defaults to name
	method    uint16
	flags     uint16
	data      []byte // uncompressed; compressed here when method is Deflate
	crc       *uint32
	csize     *uint64 // declared compressed size (central and local)
	usize     *uint64
	mode      uint32 // Unix mode for the external attributes, 0 for none
	dosAttrs  uint8  // MS-DOS attributes, the low byte of the external attributes
	noCentral bool   // local header only
	noLocal   bool   // central record only (pointing at offset)
	offset    *uint32
	extra     []byte // extra field, in both headers
}

type rawZip struct {
	prefix    []byte
	entries   []rawEntry
	gap       []byte // written between entries
	countAdj  int    // added to the declared entry count
	comment   []byte
	trailer   []byte
	shiftOffs bool // when set, offsets are relative to the end of prefix (unadjusted)
}

func deflateBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (z rawZip) bytes(t testing.TB) []byte {
	t.Helper()
	le := binary.LittleEndian
	var out bytes.Buffer
	out.Write(z.prefix)
	base := 0
	if z.shiftOffs {
		base = len(z.prefix)
	}
	var cd bytes.Buffer
	count := 0
	for i, e := range z.entries {
		comp := e.data
		if e.method == Deflate {
			comp = deflateBytes(t, e.data)
		}
		crc := crc32.ChecksumIEEE(e.data)
		if e.crc != nil {
			crc = *e.crc
		}
		csize, usize := uint64(len(comp)), uint64(len(e.data))
		if e.csize != nil {
			csize = *e.csize
		}
		if e.usize != nil {
			usize = *e.usize
		}
		c32 := func(v uint64) uint32 {
			if v >= 0xFFFFFFFF {
				return 0xFFFFFFFF
			}
			return uint32(v)
		}
		var z64 []byte
		if c32(usize) == 0xFFFFFFFF || c32(csize) == 0xFFFFFFFF {
			z64 = le.AppendUint16(z64, 1)
			z64 = le.AppendUint16(z64, 16)
			z64 = le.AppendUint64(z64, usize)
			z64 = le.AppendUint64(z64, csize)
		}
		off := uint32(out.Len() - base)
		if e.offset != nil {
			off = *e.offset
		}
		if !e.noLocal {
			ln := e.localName
			if ln == "" {
				ln = e.name
			}
			h := []byte(sigLocal)
			h = le.AppendUint16(h, 20)
			h = le.AppendUint16(h, e.flags)
			h = le.AppendUint16(h, e.method)
			h = le.AppendUint32(h, 0)
			h = le.AppendUint32(h, crc)
			h = le.AppendUint32(h, c32(csize))
			h = le.AppendUint32(h, c32(usize))
			h = le.AppendUint16(h, uint16(len(ln)))
			h = le.AppendUint16(h, uint16(len(z64)+len(e.extra)))
			out.Write(h)
			out.WriteString(ln)
			out.Write(z64)
			out.Write(e.extra)
			out.Write(comp)
			if i < len(z.entries)-1 {
				out.Write(z.gap)
			}
		}
		if e.noCentral {
			continue
		}
		count++
		made := uint16(20)
		if e.mode != 0 {
			made |= 3 << 8
		}
		h := []byte(sigCentral)
		h = le.AppendUint16(h, made)
		h = le.AppendUint16(h, 20)
		h = le.AppendUint16(h, e.flags)
		h = le.AppendUint16(h, e.method)
		h = le.AppendUint32(h, 0)
		h = le.AppendUint32(h, crc)
		h = le.AppendUint32(h, c32(csize))
		h = le.AppendUint32(h, c32(usize))
		h = le.AppendUint16(h, uint16(len(e.name)))
		h = le.AppendUint16(h, uint16(len(z64)+len(e.extra)))
		h = le.AppendUint16(h, 0)
		h = le.AppendUint16(h, 0)
		h = le.AppendUint16(h, 0)
		h = le.AppendUint32(h, e.mode<<16|uint32(e.dosAttrs))
		h = le.AppendUint32(h, off)
		cd.Write(h)
		cd.WriteString(e.name)
		cd.Write(z64)
		cd.Write(e.extra)
	}
	cdOff := out.Len() - base
	out.Write(cd.Bytes())
	n := uint16(count + z.countAdj)
	h := []byte(sigEnd)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, n)
	h = le.AppendUint16(h, n)
	h = le.AppendUint32(h, uint32(cd.Len()))
	h = le.AppendUint32(h, uint32(cdOff))
	h = le.AppendUint16(h, uint16(len(z.comment)))
	out.Write(h)
	out.Write(z.comment)
	out.Write(z.trailer)
	return out.Bytes()
}

// stdZip writes files with the standard library, as an honest writer.
func stdZip(t testing.TB, method uint16, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := stdzip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.CreateHeader(&stdzip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func u64(v uint64) *uint64 { return &v }
func u32(v uint32) *uint32 { return &v }

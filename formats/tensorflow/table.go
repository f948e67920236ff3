package tensorflow

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/klauspost/compress/snappy"

	"github.com/modelgate/modelgate/formats"
)

// TensorFlow's table files (tsl/lib/io/table.cc) are LevelDB sstables:
// data blocks of prefix-compressed sorted keys, an index block naming
// each data block by a handle, a metaindex block, and a fixed-size footer
// holding the two block handles and a magic number.
const (
	tableMagic   = 0xdb4775248b80fb57
	footerLen    = 48 // two handles padded to 2*20 bytes, then the magic
	blockTrailer = 5  // a compression-type byte and a masked CRC32C

	// MaxTableEntries bounds the keys read from one index; checkpoints of
	// the largest models hold a few hundred thousand tensors.
	MaxTableEntries = 10_000_000
	// maxBlock bounds one block, compressed or not: TensorFlow writes
	// blocks of about 4 KiB.
	maxBlock = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// unmaskCRC reverses LevelDB's CRC masking (crc32c::Mask), which rotates
// and offsets a checksum so that checksums of checksums stay strong.
func unmaskCRC(m uint32) uint32 {
	r := m - 0xa282ead8
	return r>>17 | r<<15
}

// hasTableFooter reports whether tail (the last bytes of a file) ends in
// a table footer: the magic, and handles that decode.
func hasTableFooter(tail []byte) bool {
	if len(tail) < footerLen {
		return false
	}
	f := tail[len(tail)-footerLen:]
	if binary.LittleEndian.Uint64(f[40:]) != tableMagic {
		return false
	}
	_, _, _, _, ok := footerHandles(f)
	return ok
}

func footerHandles(f []byte) (metaOff, metaSize, indexOff, indexSize uint64, ok bool) {
	var vals [4]uint64
	p := f[:40]
	for i := range vals {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, 0, 0, 0, false
		}
		vals[i], p = v, p[n:]
	}
	return vals[0], vals[1], vals[2], vals[3], true
}

// tableProblem is a table a TensorFlow reader rejects or reads
// differently from another reader: a finding, not an unreadable file.
type tableProblem struct {
	at  int64
	msg string
}

func (p *tableProblem) Error() string { return p.msg }

func problem(at int64, format string, args ...any) error {
	return &tableProblem{at: at, msg: fmt.Sprintf(format, args...)}
}

// tableReader walks every key of a table held in memory, in order.
type tableReader struct {
	ctx     context.Context
	data    []byte
	entries int
	last    []byte // the previous key, for the order check
	haveKey bool
	unpack  int64 // bytes decompressed so far
}

// readTable calls fn with every key and value of the table in data, and
// the offset of the value in data (-1 inside a compressed block). A
// structural problem is returned as a *tableProblem.
func readTable(ctx context.Context, data []byte, fn func(key, val []byte, at int64) error) error {
	size := int64(len(data))
	if size < footerLen {
		return problem(0, "file of %d bytes is too short to be a table", size)
	}
	f := data[size-footerLen:]
	if binary.LittleEndian.Uint64(f[40:]) != tableMagic {
		return problem(size-8, "no table magic number at the end")
	}
	_, _, indexOff, indexSize, ok := footerHandles(f)
	if !ok {
		return problem(size-footerLen, "bad block handle in the footer")
	}
	r := &tableReader{ctx: ctx, data: data}
	index, base, err := r.block(indexOff, indexSize, size-footerLen)
	if err != nil {
		return err
	}
	var prevSep []byte
	first := true
	return r.entriesOf(index, base, false, func(sep, handle []byte, at int64) error {
		if !first && bytes.Compare(sep, prevSep) <= 0 {
			return problem(at, "index keys out of order")
		}
		lower, bounded := prevSep, !first
		first = false
		defer func() { prevSep = append(prevSep[:0], sep...) }()
		off, n := binary.Uvarint(handle)
		if n <= 0 {
			return problem(at, "bad block handle in the index")
		}
		bsize, m := binary.Uvarint(handle[n:])
		if m <= 0 {
			return problem(at, "bad block handle in the index")
		}
		blk, bbase, err := r.block(off, bsize, size-footerLen)
		if err != nil {
			return err
		}
		return r.entriesOf(blk, bbase, true, func(key, val []byte, vat int64) error {
			// Lookups seek the index for the first separator >= key and
			// search that block only: a key above its separator is found
			// by a full iteration but not by a lookup.
			if bytes.Compare(key, sep) > 0 || bounded && bytes.Compare(key, lower) <= 0 {
				return problem(vat, "key %q lies outside its block's index range", clip(string(key)))
			}
			return fn(key, val, vat)
		})
	})
}

// block reads, verifies and decompresses the block at off of n bytes,
// which must end before limit. It returns the contents and their offset
// in the file (-1 when decompressed).
func (r *tableReader) block(off, n uint64, limit int64) ([]byte, int64, error) {
	if off > uint64(limit) || n > uint64(limit)-off || uint64(limit)-off-n < blockTrailer {
		return nil, 0, problem(int64(min(off, uint64(limit))), "block at %d of %d bytes runs past the end of the table", off, n)
	}
	if n > maxBlock {
		return nil, 0, &formats.LimitError{Limit: "tensorflow-table-block-bytes", Max: maxBlock}
	}
	raw := r.data[off : off+n+blockTrailer]
	want := unmaskCRC(binary.LittleEndian.Uint32(raw[n+1:]))
	if crc32.Checksum(raw[:n+1], castagnoli) != want {
		return nil, 0, problem(int64(off), "block at %d: checksum mismatch", off)
	}
	switch raw[n] {
	case 0:
		return raw[:n], int64(off), nil
	case 1:
		dn, err := snappy.DecodedLen(raw[:n])
		if err != nil {
			return nil, 0, problem(int64(off), "block at %d: corrupt snappy data: %v", off, err)
		}
		if dn > maxBlock {
			return nil, 0, &formats.LimitError{Limit: "tensorflow-table-block-bytes", Max: maxBlock}
		}
		r.unpack += int64(dn)
		if r.unpack > 1<<30 {
			return nil, 0, &formats.LimitError{Limit: "tensorflow-table-decompressed-bytes", Max: 1 << 30}
		}
		out, err := snappy.Decode(make([]byte, dn), raw[:n])
		if err != nil {
			return nil, 0, problem(int64(off), "block at %d: corrupt snappy data: %v", off, err)
		}
		return out, -1, nil
	}
	return nil, 0, problem(int64(off+n), "block at %d: unknown compression type %d", off, raw[n])
}

// entriesOf walks the entries of one block as Block::Iter does from
// SeekToFirst, after checking the restart array that Seek relies on. Data
// blocks (ordered) also extend the table-wide strict key order.
func (r *tableReader) entriesOf(b []byte, base int64, ordered bool, fn func(key, val []byte, at int64) error) error {
	at := func(i int) int64 {
		if base < 0 {
			return -1
		}
		return base + int64(i)
	}
	if len(b) < 4 {
		return problem(at(0), "block of %d bytes has no restart array", len(b))
	}
	nr := binary.LittleEndian.Uint32(b[len(b)-4:])
	if uint64(nr) > uint64(len(b)-4)/4 {
		return problem(at(len(b)-4), "block claims %d restart points, more than it can hold", nr)
	}
	limit := len(b) - 4*(int(nr)+1)
	if nr == 0 && limit > 0 {
		// TensorFlow reads a block without restart points as empty.
		return problem(at(limit), "block of %d bytes has no restart points, so its entries are unreadable", limit)
	}
	restarts := make(map[int]bool, nr)
	prevRestart := -1
	for i := range int(nr) {
		p := int(binary.LittleEndian.Uint32(b[limit+4*i:]))
		if p >= limit && limit > 0 || p <= prevRestart || i == 0 && p != 0 {
			return problem(at(limit+4*i), "restart point %d (%d) is not an entry of the block", i, p)
		}
		prevRestart = p
		restarts[p] = true
	}
	var key []byte
	visited := 0
	for p := 0; p < limit; {
		r.entries++
		if r.entries > MaxTableEntries {
			return &formats.LimitError{Limit: "tensorflow-table-entries", Max: MaxTableEntries}
		}
		if r.entries&1023 == 0 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		start := p
		var hdr [3]uint64
		for i := range hdr {
			v, n := binary.Uvarint(b[p:limit])
			if n <= 0 || v > 1<<32-1 {
				return problem(at(p), "bad entry header")
			}
			hdr[i], p = v, p+n
		}
		shared, unshared, vlen := hdr[0], hdr[1], hdr[2]
		if shared > uint64(len(key)) || unshared+vlen > uint64(limit-p) {
			return problem(at(start), "bad entry at %d of a block", start)
		}
		if restarts[start] {
			visited++
			if shared != 0 {
				return problem(at(start), "entry at restart point %d shares a key prefix", start)
			}
		}
		key = append(key[:shared], b[p:p+int(unshared)]...)
		p += int(unshared)
		val := b[p : p+int(vlen)]
		vat := at(p)
		p += int(vlen)
		if ordered {
			if r.haveKey && bytes.Compare(key, r.last) <= 0 {
				return problem(at(start), "key %q out of order or repeated", clip(string(key)))
			}
			r.last, r.haveKey = append(r.last[:0], key...), true
		}
		if err := fn(key, val, vat); err != nil {
			return err
		}
	}
	if limit > 0 && visited != int(nr) {
		return problem(at(limit), "%d of %d restart points are not entries of the block", int(nr)-visited, nr)
	}
	return nil
}

func init() {
	formats.RegisterProbe(formats.TFCheckpointIndex, func(h formats.Head) bool {
		if !hasTableFooter(h.Suffix) {
			return false
		}
		_, _, off, n, _ := footerHandles(h.Suffix[len(h.Suffix)-footerLen:])
		return h.Size < 0 || off < uint64(h.Size) && n <= uint64(h.Size)-off
	})
}

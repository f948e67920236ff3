package msgpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// errShort is a read past the bytes a probe was given (but within the file).
var errShort = errors.New("head ends")

// dec reads msgpack items at increasing offsets of a ReaderAt through a
// window, so that small items cost no system call each.
type dec struct {
	ra     io.ReaderAt
	size   int64 // bytes readable
	file   int64 // the file's size (> size when reading a head)
	off    int64
	win    []byte
	winOff int64
}

const window = 64 << 10

// bytes returns the next n (<= window) bytes and advances past them.
func (d *dec) bytes(n int) ([]byte, error) {
	if int64(n) > d.size-d.off {
		if int64(n) <= d.file-d.off {
			return nil, errShort
		}
		return nil, fmt.Errorf("%d bytes at %d reach past the end of the file", n, d.off)
	}
	if d.off < d.winOff || d.off+int64(n) > d.winOff+int64(len(d.win)) {
		m := min(int64(window), d.size-d.off)
		if cap(d.win) < int(m) {
			d.win = make([]byte, m)
		}
		d.win = d.win[:m]
		if _, err := d.ra.ReadAt(d.win, d.off); err != nil && err != io.EOF {
			return nil, err
		}
		d.winOff = d.off
	}
	p := d.win[d.off-d.winOff : d.off-d.winOff+int64(n)]
	d.off += int64(n)
	return p, nil
}

// skip advances past n bytes.
func (d *dec) skip(n uint64) error {
	if n > uint64(d.size-d.off) {
		if n <= uint64(d.file-d.off) {
			return errShort
		}
		return fmt.Errorf("%d bytes at %d reach past the end of the file", n, d.off)
	}
	d.off += int64(n)
	return nil
}

func (d *dec) uint(n int) (uint64, error) {
	p, err := d.bytes(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(p)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(p)), nil
	}
	return binary.BigEndian.Uint64(p), nil
}

// Item kinds.
const (
	kScalar = iota
	kInt
	kMap
	kArray
	kStr
	kBin
	kExt
)

// item is one msgpack item header: its kind, its element count or byte
// length, an integer's value, an extension's type code, and where it began.
type item struct {
	kind int
	n    uint64
	i    int64
	ext  int8
	at   int64
}

// head reads an item's header; the payload of strings, bins and
// extensions (n bytes) and the elements of maps and arrays follow.
func (d *dec) head() (item, error) {
	it := item{at: d.off}
	p, err := d.bytes(1)
	if err != nil {
		return it, err
	}
	b := p[0]
	var w int
	switch {
	case b <= 0x7f:
		it.kind, it.i = kInt, int64(b)
		return it, nil
	case b >= 0xe0:
		it.kind, it.i = kInt, int64(int8(b))
		return it, nil
	case b <= 0x8f:
		it.kind, it.n = kMap, uint64(b&0x0f)
		return it, nil
	case b <= 0x9f:
		it.kind, it.n = kArray, uint64(b&0x0f)
		return it, nil
	case b <= 0xbf:
		it.kind, it.n = kStr, uint64(b&0x1f)
		return it, nil
	case b == 0xc0 || b == 0xc2 || b == 0xc3:
		return it, nil
	case b == 0xc1:
		return it, fmt.Errorf("byte %d: reserved type 0xc1", it.at)
	case b >= 0xc4 && b <= 0xc6:
		it.kind, w = kBin, 1<<(b-0xc4)
	case b >= 0xc7 && b <= 0xc9:
		it.kind, w = kExt, 1<<(b-0xc7)
	case b == 0xca || b == 0xcb:
		return it, d.skip(uint64(4 << (b - 0xca)))
	case b >= 0xcc && b <= 0xcf:
		v, err := d.uint(1 << (b - 0xcc))
		it.kind, it.i = kInt, int64(v)
		if v > 1<<62 {
			it.i = 1 << 62
		}
		return it, err
	case b >= 0xd0 && b <= 0xd3:
		n := 1 << (b - 0xd0)
		v, err := d.uint(n)
		it.kind = kInt
		switch n {
		case 1:
			it.i = int64(int8(v))
		case 2:
			it.i = int64(int16(v))
		case 4:
			it.i = int64(int32(v))
		default:
			it.i = int64(v)
		}
		return it, err
	case b >= 0xd4 && b <= 0xd8:
		t, err := d.uint(1)
		it.kind, it.n, it.ext = kExt, uint64(1)<<(b-0xd4), int8(t)
		return it, err
	case b >= 0xd9 && b <= 0xdb:
		it.kind, w = kStr, 1<<(b-0xd9)
	case b == 0xdc || b == 0xdd:
		it.kind, w = kArray, 2<<(b-0xdc)
	default: // 0xde, 0xdf
		it.kind, w = kMap, 2<<(b-0xde)
	}
	if it.n, err = d.uint(w); err != nil {
		return it, err
	}
	if it.kind == kExt {
		t, err := d.uint(1)
		it.ext = int8(t)
		return it, err
	}
	return it, nil
}

// text reads a string or bin payload of n bytes, keeping at most max.
func (d *dec) text(n uint64, max int) (string, error) {
	if n > uint64(max) {
		return "", d.skip(n)
	}
	p, err := d.bytes(int(n))
	return string(p), err
}

// Package hdf5 is a small bounded reader of the HDF5 file format: the
// superblock (versions 0 to 3), object headers (versions 1 and 2 with
// their continuation blocks), attribute messages in compact and dense
// storage (fractal heap and version 2 B-tree), old-style groups (symbol
// tables through version 1 B-trees and local heaps), new-style groups
// (link messages, compact and dense), global-heap variable-length strings,
// and the messages that make a file read other files: external links,
// soft links, external data storage and virtual dataset layouts.
//
// It reads only metadata: dataset contents are never read, nothing is
// decompressed, and every address, size and count read from the file is
// checked against the file's size and the package's caps before use.
package hdf5

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// ErrMalformed marks a file whose structures this reader cannot follow.
var ErrMalformed = errors.New("malformed HDF5")

// Caps on what one file may make the reader do.
const (
	MaxObjects       = 1_000_000
	MaxLinks         = 1_000_000
	MaxMessages      = 1_000_000
	MaxDepth         = 64
	MaxAttributeData = 64 << 20
	maxBlock         = 64 << 20
	undefined        = ^uint64(0)
)

const signature = "\x89HDF\r\n\x1a\n"

// File is an open HDF5 file.
type File struct {
	ra       io.ReaderAt
	size     int64
	base     int64 // where addresses count from
	offSize  int
	lenSize  int
	Version  int
	rootAddr uint64
	messages int
	objects  int
	links    int
	btrees   map[uint64]btree
}

// Open reads the superblock of the HDF5 file in the first size bytes of
// ra; it may follow a user block of 512, 1024, ... bytes.
func Open(ra io.ReaderAt, size int64) (*File, error) {
	var sb int64 = -1
	for off := int64(0); off+8 <= size; off = max(off*2, 512) {
		var sig [8]byte
		if _, err := ra.ReadAt(sig[:], off); err != nil {
			return nil, &formats.ReadError{Err: err}
		}
		if string(sig[:]) == signature {
			sb = off
			break
		}
	}
	if sb < 0 {
		return nil, fmt.Errorf("no superblock signature: %w", ErrMalformed)
	}
	f := &File{ra: ra, size: size}
	hdr, err := f.readAbs(sb, min(96, size-sb))
	if err != nil {
		return nil, err
	}
	if len(hdr) < 16 {
		return nil, fmt.Errorf("superblock truncated: %w", ErrMalformed)
	}
	f.Version = int(hdr[8])
	var p int
	switch f.Version {
	case 0, 1:
		// The free-space, root-group symbol-table and shared-header
		// format versions are 0; the library refuses any other.
		if hdr[9] != 0 || hdr[10] != 0 || hdr[12] != 0 {
			return nil, fmt.Errorf("superblock format versions %d, %d, %d (all 0 in every HDF5 file): %w", hdr[9], hdr[10], hdr[12], ErrMalformed)
		}
		f.offSize, f.lenSize = int(hdr[13]), int(hdr[14])
		p = 24
		if f.Version == 1 {
			p = 28
		}
	case 2, 3:
		f.offSize, f.lenSize = int(hdr[9]), int(hdr[10])
		p = 12
	default:
		return nil, fmt.Errorf("superblock version %d: %w", f.Version, ErrMalformed)
	}
	if !okSize(f.offSize) || !okSize(f.lenSize) {
		return nil, fmt.Errorf("offset size %d, length size %d: %w", f.offSize, f.lenSize, ErrMalformed)
	}
	d := &dec{b: hdr, p: p, f: f}
	// The library takes addresses as relative to the superblock whatever
	// base address is stored, so this reader does too.
	d.addr()
	f.base = sb
	var eof uint64
	if f.Version <= 1 {
		d.addr() // free-space info
		eof = d.addr()
		d.addr() // driver info
		d.addr() // root entry: link name offset
		f.rootAddr = d.addr()
		// The library refuses a cache type other than none, group or
		// symbolic link ("unknown symbol table entry cache type").
		if ct := d.uint(4); d.err == nil && ct > 2 {
			return nil, fmt.Errorf("root group entry has cache type %d: %w", ct, ErrMalformed)
		}
	} else {
		d.addr() // superblock extension
		eof = d.addr()
		f.rootAddr = d.addr()
	}
	if d.err != nil {
		return nil, fmt.Errorf("superblock: %w", d.err)
	}
	// The library refuses a file shorter than the end-of-file address its
	// superblock stores ("truncated file"): h5py cannot open it. Files with
	// a user block store it counted from the file's start.
	if eof != undefined && eof > uint64(size) {
		return nil, fmt.Errorf("file is %d bytes, its end-of-file address is %d: truncated: %w", size, eof, io.ErrUnexpectedEOF)
	}
	return f, nil
}

func okSize(n int) bool { return n == 2 || n == 4 || n == 8 }

// readAbs reads n bytes at absolute offset off.
func (f *File) readAbs(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || n > maxBlock || off > f.size || n > f.size-off {
		return nil, fmt.Errorf("%d bytes at offset %d of a %d-byte file: %w", n, off, f.size, ErrMalformed)
	}
	b := make([]byte, n)
	if _, err := f.ra.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && off+n == f.size) {
		return nil, &formats.ReadError{Err: err}
	}
	return b, nil
}

// read reads n bytes at file address addr.
func (f *File) read(addr uint64, n int64) ([]byte, error) {
	if addr == undefined || addr > uint64(f.size) {
		return nil, fmt.Errorf("address %#x outside the file: %w", addr, ErrMalformed)
	}
	return f.readAbs(f.base+int64(addr), n)
}

// upTo reads up to n bytes at addr, fewer at the end of the file.
func (f *File) upTo(addr uint64, n int64) ([]byte, error) {
	if addr == undefined || int64(addr) < 0 || f.base+int64(addr) > f.size {
		return nil, fmt.Errorf("address %#x outside the file: %w", addr, ErrMalformed)
	}
	return f.read(addr, min(n, f.size-f.base-int64(addr)))
}

// dec decodes little-endian fields from a byte slice, remembering the
// first error instead of failing each call.
type dec struct {
	b   []byte
	p   int
	f   *File
	err error
}

func (d *dec) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || n > len(d.b)-d.p {
		d.err = fmt.Errorf("field of %d bytes at %d of a %d-byte structure: %w", n, d.p, len(d.b), ErrMalformed)
		return false
	}
	return true
}

func (d *dec) uint(n int) uint64 {
	if !d.need(n) {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(d.b[d.p+i])
	}
	d.p += n
	return v
}

func (d *dec) u8() int      { return int(d.uint(1)) }
func (d *dec) u16() int     { return int(d.uint(2)) }
func (d *dec) u32() uint64  { return d.uint(4) }
func (d *dec) addr() uint64 { return d.full(d.f.offSize) }
func (d *dec) length() uint64 {
	return d.full(d.f.lenSize)
}

// full reads an n-byte value where all ones means "undefined".
func (d *dec) full(n int) uint64 {
	v := d.uint(n)
	if n < 8 && v == 1<<(8*n)-1 {
		return undefined
	}
	return v
}

func (d *dec) bytes(n int) []byte {
	if !d.need(n) {
		return nil
	}
	d.p += n
	return d.b[d.p-n : d.p]
}

func (d *dec) skip(n int) { d.bytes(n) }

func (d *dec) sig(s string) {
	if b := d.bytes(len(s)); d.err == nil && string(b) != s {
		d.err = fmt.Errorf("signature %q, want %q: %w", b, s, ErrMalformed)
	}
}

// checkCtx is called inside loops over file-controlled counts.
func checkCtx(ctx context.Context, i int) error {
	if i&255 == 255 {
		return ctx.Err()
	}
	return nil
}

// limitErr builds the engine's limit error.
func limitErr(name string, max int64) error { return &formats.LimitError{Limit: name, Max: max} }

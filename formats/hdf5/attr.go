package hdf5

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
)

// Datatype classes.
const (
	classString = 3
	classVLen   = 9
)

// Attribute is one attribute of an object.
type Attribute struct {
	Name string
	// Strings holds the values of a fixed- or variable-length string
	// attribute; other attributes have none.
	Strings []string
	// Addr is where the attribute message lies in the file.
	Addr uint64
}

// String returns the attribute's first string value.
func (a Attribute) String() string {
	if len(a.Strings) == 0 {
		return ""
	}
	return a.Strings[0]
}

// RootAttributes returns the attributes of the root group, in compact or
// dense storage.
func (f *File) RootAttributes(ctx context.Context) ([]Attribute, error) {
	msgs, err := f.header(ctx, f.rootAddr)
	if err != nil {
		return nil, fmt.Errorf("root group: %w", err)
	}
	return f.attributes(ctx, msgs)
}

func (f *File) attributes(ctx context.Context, msgs []message) ([]Attribute, error) {
	var out []Attribute
	for _, m := range msgs {
		switch m.typ {
		case msgAttribute:
			a, err := f.attribute(m.data, m.addr)
			if err != nil {
				return out, err
			}
			out = append(out, a)
		case msgAttrInfo:
			d := &dec{b: m.data, f: f}
			d.u8()
			flags := d.u8()
			if flags&1 != 0 {
				d.skip(2)
			}
			heap, index := d.addr(), d.addr()
			if d.err != nil {
				return out, fmt.Errorf("attribute info at %#x: %w", m.addr, d.err)
			}
			if heap == undefined {
				continue
			}
			objs, err := f.denseObjects(ctx, heap, index)
			if err != nil {
				return out, fmt.Errorf("dense attributes: %w", err)
			}
			for _, o := range objs {
				a, err := f.attribute(o.data, o.addr)
				if err != nil {
					return out, err
				}
				out = append(out, a)
			}
		}
	}
	return out, nil
}

func (f *File) attribute(b []byte, addr uint64) (Attribute, error) {
	d := &dec{b: b, f: f}
	ver := d.u8()
	flags := d.u8()
	nameSize, dtSize, dsSize := d.u16(), d.u16(), d.u16()
	pad := func(n int) int { return n }
	switch ver {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		d.u8()
	default:
		return Attribute{}, fmt.Errorf("attribute message version %d at %#x: %w", ver, addr, ErrMalformed)
	}
	name := d.bytes(pad(nameSize))
	dt := d.bytes(pad(dtSize))
	ds := d.bytes(pad(dsSize))
	if d.err != nil {
		return Attribute{}, fmt.Errorf("attribute at %#x: %w", addr, d.err)
	}
	a := Attribute{Name: string(bytes.TrimRight(name[:min(nameSize, len(name))], "\x00")), Addr: addr}
	if flags&3 != 0 || len(dt) < 8 {
		// A shared datatype or dataspace lives elsewhere; the value
		// cannot be typed, so it is left out.
		return a, nil
	}
	// Datatype message versions run from 1 to 5 (H5O_DTYPE_VERSION_5, HDF5
	// 2.0); every library refuses the others, so the value is not read.
	if v := dt[0] >> 4; v < 1 || v > 5 {
		return a, fmt.Errorf("attribute %q at %#x: datatype message version %d: %w", a.Name, addr, v, ErrMalformed)
	}
	class, size := int(dt[0]&0x0f), le32(dt[4:])
	count, err := f.elements(ds, addr)
	if err != nil {
		return a, err
	}
	data := d.b[d.p:]
	switch {
	case class == classString && dt[1]>>4 > 1, class == classVLen && dt[1]&0x0f == 1 && dt[2]&0x0f > 1:
		// Character sets other than ASCII (0) and UTF-8 (1) are reserved:
		// h5py refuses to decode them, so Keras cannot read the value.
		return a, fmt.Errorf("attribute %q at %#x: string character set %d: %w", a.Name, addr, max(dt[1]>>4, dt[2]&0x0f), ErrMalformed)
	case class == classString:
		if size == 0 || count > uint64(len(data))/uint64(size) {
			return a, fmt.Errorf("attribute %q at %#x: %d strings of %d bytes in %d bytes: %w", a.Name, addr, count, size, len(data), ErrMalformed)
		}
		for i := range count {
			s := data[i*uint64(size) : (i+1)*uint64(size)]
			if j := bytes.IndexByte(s, 0); j >= 0 {
				s = s[:j]
			}
			if len(a.Strings) < 4096 {
				a.Strings = append(a.Strings, string(s))
			}
		}
	case class == classVLen && dt[1]&0x0f == 1:
		per := 4 + f.offSize + 4
		if count > uint64(len(data)/per) {
			return a, fmt.Errorf("attribute %q at %#x: %d variable-length strings in %d bytes: %w", a.Name, addr, count, len(data), ErrMalformed)
		}
		for i := range min(count, 4096) {
			e := &dec{b: data[int(i)*per:], f: f}
			n, coll, idx := e.u32(), e.addr(), int(e.u32())
			s, err := f.globalHeap(coll, idx, n)
			if err != nil {
				return a, fmt.Errorf("attribute %q: %w", a.Name, err)
			}
			a.Strings = append(a.Strings, string(s))
		}
	}
	return a, nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// elements returns the number of elements a dataspace message describes.
func (f *File) elements(ds []byte, addr uint64) (uint64, error) {
	d := &dec{b: ds, f: f}
	ver := d.u8()
	rank := d.u8()
	flags := d.u8()
	switch ver {
	case 1:
		d.skip(5)
	case 2:
		if typ := d.u8(); typ == 2 {
			return 0, nil
		}
	default:
		return 0, fmt.Errorf("dataspace version %d at %#x: %w", ver, addr, ErrMalformed)
	}
	_ = flags
	n := uint64(1)
	for range rank {
		dim := d.length()
		hi, lo := bits.Mul64(n, dim)
		if hi != 0 {
			return 0, fmt.Errorf("dataspace at %#x overflows: %w", addr, ErrMalformed)
		}
		n = lo
	}
	if d.err != nil {
		return 0, fmt.Errorf("dataspace at %#x: %w", addr, d.err)
	}
	return n, nil
}

// globalHeap returns object idx of the global heap collection at addr,
// which must be n bytes long.
func (f *File) globalHeap(addr uint64, idx int, n uint64) ([]byte, error) {
	if n > MaxAttributeData {
		return nil, fmt.Errorf("variable-length string of %d bytes: %w", n, ErrMalformed)
	}
	head, err := f.read(addr, int64(8+f.lenSize))
	if err != nil {
		return nil, fmt.Errorf("global heap at %#x: %w", addr, err)
	}
	d := &dec{b: head, f: f}
	d.sig("GCOL")
	d.skip(4)
	size := d.length()
	if d.err != nil || size > maxBlock {
		return nil, fmt.Errorf("global heap at %#x of %d bytes: %w", addr, size, ErrMalformed)
	}
	coll, err := f.read(addr, int64(size))
	if err != nil {
		return nil, fmt.Errorf("global heap at %#x: %w", addr, err)
	}
	d = &dec{b: coll, p: 8 + f.lenSize, f: f}
	for d.err == nil && len(d.b)-d.p >= 8+f.lenSize {
		i := d.u16()
		d.skip(6)
		osize := d.length()
		if i == 0 {
			break
		}
		if osize > uint64(len(d.b)-d.p) {
			return nil, fmt.Errorf("global heap object %d of %d bytes: %w", i, osize, ErrMalformed)
		}
		data := d.bytes(int(osize))
		d.skip(int((8 - osize%8) % 8))
		if i == idx {
			if uint64(len(data)) < n {
				return nil, fmt.Errorf("global heap object %d has %d bytes, want %d: %w", i, len(data), n, ErrMalformed)
			}
			return data[:n], nil
		}
	}
	return nil, fmt.Errorf("global heap at %#x has no object %d: %w", addr, idx, ErrMalformed)
}

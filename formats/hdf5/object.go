package hdf5

import (
	"context"
	"fmt"
)

// Message types this reader interprets.
const (
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgAttribute    = 0x0c
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// message is one object header message.
type message struct {
	typ  int
	data []byte
	addr uint64 // file address of data
}

// chunk is a span of an object header holding messages.
type chunk struct {
	addr, size uint64
	cont       bool // reached through a continuation message
}

// header reads the messages of the object header at addr, following
// continuation messages.
func (f *File) header(ctx context.Context, addr uint64) ([]message, error) {
	pre, err := f.upTo(addr, 48)
	if err != nil {
		return nil, fmt.Errorf("object header at %#x: %w", addr, err)
	}
	var queue []chunk
	v2 := false
	var creationOrder bool
	switch {
	case len(pre) >= 16 && pre[0] == 1:
		d := &dec{b: pre, p: 8, f: f}
		size := d.u32()
		queue = append(queue, chunk{addr + 16, size, false})
	case len(pre) >= 6 && string(pre[:4]) == "OHDR" && pre[4] == 2:
		v2 = true
		flags := pre[5]
		creationOrder = flags&0x04 != 0
		d := &dec{b: pre, p: 6, f: f}
		if flags&0x20 != 0 {
			d.skip(16)
		}
		if flags&0x10 != 0 {
			d.skip(4)
		}
		size := d.uint(1 << (flags & 3))
		if d.err != nil {
			return nil, fmt.Errorf("object header at %#x: %w", addr, d.err)
		}
		queue = append(queue, chunk{addr + uint64(d.p), size, false})
	default:
		return nil, fmt.Errorf("object header at %#x has no known version: %w", addr, ErrMalformed)
	}
	var out []message
	seen := map[uint64]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.addr] {
			return nil, fmt.Errorf("object header at %#x continues into itself: %w", addr, ErrMalformed)
		}
		seen[c.addr] = true
		if c.size > maxBlock {
			return nil, fmt.Errorf("object header chunk of %d bytes: %w", c.size, ErrMalformed)
		}
		b, err := f.read(c.addr, int64(c.size))
		if err != nil {
			return nil, fmt.Errorf("object header chunk at %#x: %w", c.addr, err)
		}
		d := &dec{b: b, f: f}
		if v2 && c.cont {
			// A version 2 continuation block is framed by a signature
			// and a checksum; the first chunk's checksum lies past it.
			d.sig("OCHK")
			if len(d.b) < 8 {
				return nil, fmt.Errorf("object header chunk at %#x too short: %w", c.addr, ErrMalformed)
			}
			d.b = d.b[:len(d.b)-4]
		}
		hsize := 8
		if v2 {
			hsize = 4
			if creationOrder {
				hsize = 6
			}
		}
		for i := 0; d.err == nil && len(d.b)-d.p >= hsize; i++ {
			if err := checkCtx(ctx, i); err != nil {
				return nil, err
			}
			var typ, size int
			if v2 {
				typ, size = d.u8(), d.u16()
				d.skip(hsize - 3)
			} else {
				typ, size = d.u16(), d.u16()
				d.skip(4)
			}
			at := c.addr + uint64(d.p)
			data := d.bytes(size)
			if d.err != nil {
				break
			}
			f.messages++
			if f.messages > MaxMessages {
				return nil, limitErr("hdf5-messages", MaxMessages)
			}
			if typ == msgContinuation {
				cd := &dec{b: data, f: f}
				a, l := cd.addr(), cd.length()
				if cd.err != nil {
					return nil, fmt.Errorf("continuation message at %#x: %w", at, cd.err)
				}
				queue = append(queue, chunk{a, l, true})
				continue
			}
			out = append(out, message{typ: typ, data: data, addr: at})
		}
		if d.err != nil {
			return nil, fmt.Errorf("object header chunk at %#x: %w", c.addr, d.err)
		}
	}
	return out, nil
}

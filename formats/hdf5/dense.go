package hdf5

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/modelgate/modelgate/formats"
)

// heapObj is one object of a fractal heap.
type heapObj struct {
	data []byte
	addr uint64
}

// fractalHeap holds the fields of a fractal heap header that locating an
// object needs.
type fractalHeap struct {
	idLen, filterLen      int
	maxManaged            uint64
	hugeBtree             uint64
	width                 int
	startBlock, maxDirect uint64
	maxHeapBits           int
	rootAddr              uint64
	curRows               int
	offBytes, lenBytes    int
}

func log2(n uint64) int { return bits.Len64(n) - 1 }

// encSize is how many bytes HDF5 uses to encode values up to n.
func encSize(n uint64) int { return log2(max(n, 1))/8 + 1 }

func (f *File) fractalHeap(addr uint64) (*fractalHeap, error) {
	b, err := f.upTo(addr, 160)
	if err != nil {
		return nil, fmt.Errorf("fractal heap at %#x: %w", addr, err)
	}
	d := &dec{b: b, f: f}
	d.sig("FRHP")
	d.u8()
	h := &fractalHeap{idLen: d.u16(), filterLen: d.u16()}
	d.u8()
	h.maxManaged = d.u32()
	d.length()
	h.hugeBtree = d.addr()
	d.length()
	d.addr()
	for range 8 {
		d.length()
	}
	h.width = d.u16()
	h.startBlock, h.maxDirect = d.length(), d.length()
	h.maxHeapBits = d.u16()
	d.u16()
	h.rootAddr = d.addr()
	h.curRows = d.u16()
	if d.err != nil {
		return nil, fmt.Errorf("fractal heap at %#x: %w", addr, d.err)
	}
	if h.idLen < 2 || h.width < 1 || h.width > 65535 || h.startBlock == 0 || h.startBlock&(h.startBlock-1) != 0 ||
		h.maxDirect < h.startBlock || h.maxDirect&(h.maxDirect-1) != 0 || h.maxHeapBits < 1 || h.maxHeapBits > 64 {
		return nil, fmt.Errorf("fractal heap at %#x has inconsistent parameters: %w", addr, ErrMalformed)
	}
	if h.filterLen > 0 {
		return nil, fmt.Errorf("fractal heap at %#x is filtered: %w", addr, formats.ErrUnsupported)
	}
	h.offBytes = (h.maxHeapBits + 7) / 8
	h.lenBytes = min((log2(h.maxDirect)+7)/8, encSize(h.maxManaged))
	return h, nil
}

// denseObjects returns the objects a name-index v2 B-tree lists in a
// fractal heap: the attribute or link messages of dense storage.
func (f *File) denseObjects(ctx context.Context, heapAddr, btreeAddr uint64) ([]heapObj, error) {
	h, err := f.fractalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	typ, recs, err := f.btree2(ctx, btreeAddr)
	if err != nil {
		return nil, err
	}
	idAt := 0
	switch typ {
	case 5: // link names: hash, then heap ID
		idAt = 4
	case 8: // attribute names: heap ID first
	default:
		return nil, fmt.Errorf("name index B-tree of type %d: %w", typ, ErrMalformed)
	}
	var out []heapObj
	for i, r := range recs {
		if err := checkCtx(ctx, i); err != nil {
			return nil, err
		}
		if len(r) < idAt+h.idLen {
			return nil, fmt.Errorf("v2 B-tree record of %d bytes, heap IDs of %d: %w", len(r), h.idLen, ErrMalformed)
		}
		o, err := f.heapObject(ctx, h, r[idAt:idAt+h.idLen])
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (f *File) heapObject(ctx context.Context, h *fractalHeap, id []byte) (heapObj, error) {
	d := &dec{b: id, f: f}
	switch (id[0] >> 4) & 3 {
	case 0:
		d.p = 1
		off, n := d.uint(h.offBytes), d.uint(h.lenBytes)
		if d.err != nil {
			return heapObj{}, d.err
		}
		return f.managed(h, off, n)
	case 1:
		d.p = 1
		if h.idLen >= 1+f.offSize+f.lenSize {
			addr, n := d.addr(), d.length()
			if d.err != nil || n > MaxAttributeData {
				return heapObj{}, fmt.Errorf("huge heap object of %d bytes: %w", n, ErrMalformed)
			}
			b, err := f.read(addr, int64(n))
			return heapObj{b, addr}, err
		}
		key := d.uint(min(h.idLen-1, f.lenSize))
		return f.huge(ctx, h, key)
	case 2:
		n := int(id[0]&0x0f) + 1
		if n > len(id)-1 {
			return heapObj{}, fmt.Errorf("tiny heap object of %d bytes in a %d-byte ID: %w", n, len(id), ErrMalformed)
		}
		return heapObj{id[1 : 1+n], 0}, nil
	}
	return heapObj{}, fmt.Errorf("heap ID type %d: %w", (id[0]>>4)&3, ErrMalformed)
}

// huge finds a huge object by its ID in the heap's huge-object B-tree.
func (f *File) huge(ctx context.Context, h *fractalHeap, key uint64) (heapObj, error) {
	typ, recs, err := f.btree2(ctx, h.hugeBtree)
	if err != nil {
		return heapObj{}, fmt.Errorf("huge objects: %w", err)
	}
	if typ != 1 {
		return heapObj{}, fmt.Errorf("huge-object B-tree of type %d: %w", typ, formats.ErrUnsupported)
	}
	for _, r := range recs {
		d := &dec{b: r, f: f}
		addr, n, id := d.addr(), d.length(), d.length()
		if d.err != nil {
			return heapObj{}, d.err
		}
		if id == key {
			if n > MaxAttributeData {
				return heapObj{}, fmt.Errorf("huge heap object of %d bytes: %w", n, ErrMalformed)
			}
			b, err := f.read(addr, int64(n))
			return heapObj{b, addr}, err
		}
	}
	return heapObj{}, fmt.Errorf("huge heap object %d not found: %w", key, ErrMalformed)
}

func (h *fractalHeap) rowSize(r int) uint64 {
	if r == 0 {
		return h.startBlock
	}
	if r-1 >= 64-log2(h.startBlock) {
		return 0
	}
	return h.startBlock << (r - 1)
}

// managed reads n bytes at offset off of the heap's managed space.
func (f *File) managed(h *fractalHeap, off, n uint64) (heapObj, error) {
	if h.curRows == 0 {
		if off > h.startBlock || n > h.startBlock-off {
			return heapObj{}, fmt.Errorf("heap object %d+%d beyond the root block: %w", off, n, ErrMalformed)
		}
		b, err := f.read(h.rootAddr+off, int64(n))
		return heapObj{b, h.rootAddr + off}, err
	}
	return f.inIndirect(h, h.rootAddr, h.curRows, 0, off, n, 0)
}

func (f *File) inIndirect(h *fractalHeap, addr uint64, rows int, start, off, n uint64, depth int) (heapObj, error) {
	if depth > 16 || rows > 64 {
		return heapObj{}, fmt.Errorf("fractal heap indirect blocks nested too deep: %w", ErrMalformed)
	}
	entries := rows * h.width
	b, err := f.read(addr, int64(4+1+f.offSize+h.offBytes+entries*f.offSize))
	if err != nil {
		return heapObj{}, fmt.Errorf("indirect block at %#x: %w", addr, err)
	}
	d := &dec{b: b, f: f}
	d.sig("FHIB")
	d.u8()
	d.addr()
	d.uint(h.offBytes)
	pos := start
	for r := range rows {
		size := h.rowSize(r)
		if size == 0 {
			break
		}
		for range h.width {
			child := d.addr()
			if d.err != nil {
				return heapObj{}, fmt.Errorf("indirect block at %#x: %w", addr, d.err)
			}
			if off >= pos && off-pos < size {
				if size <= h.maxDirect {
					if n > size-(off-pos) {
						return heapObj{}, fmt.Errorf("heap object %d+%d crosses a block: %w", off, n, ErrMalformed)
					}
					b, err := f.read(child+(off-pos), int64(n))
					return heapObj{b, child + (off - pos)}, err
				}
				sub := log2(size) - log2(h.startBlock) + 1
				return f.inIndirect(h, child, sub, pos, off, n, depth+1)
			}
			pos += size
		}
	}
	return heapObj{}, fmt.Errorf("heap offset %d not in any block: %w", off, ErrMalformed)
}

// btree2 returns the type and every record of the version 2 B-tree whose
// header is at addr.
func (f *File) btree2(ctx context.Context, addr uint64) (int, [][]byte, error) {
	if t, ok := f.btrees[addr]; ok {
		return t.typ, t.recs, nil
	}
	typ, recs, err := f.readBtree2(ctx, addr)
	if err != nil {
		return 0, nil, err
	}
	if f.btrees == nil {
		f.btrees = map[uint64]btree{}
	}
	f.btrees[addr] = btree{typ, recs}
	return typ, recs, nil
}

// btree is a version 2 B-tree already read: huge objects are looked up in
// the same tree once per object.
type btree struct {
	typ  int
	recs [][]byte
}

func (f *File) readBtree2(ctx context.Context, addr uint64) (int, [][]byte, error) {
	b, err := f.upTo(addr, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("v2 B-tree at %#x: %w", addr, err)
	}
	d := &dec{b: b, f: f}
	d.sig("BTHD")
	d.u8()
	typ := d.u8()
	nodeSize := d.u32()
	recSize := d.u16()
	depth := d.u16()
	d.skip(2)
	root := d.addr()
	rootN := d.u16()
	if d.err != nil {
		return 0, nil, fmt.Errorf("v2 B-tree at %#x: %w", addr, d.err)
	}
	if recSize == 0 || nodeSize < 16 || nodeSize > maxBlock || depth > 16 {
		return 0, nil, fmt.Errorf("v2 B-tree at %#x: node size %d, record size %d, depth %d: %w", addr, nodeSize, recSize, depth, ErrMalformed)
	}
	if root == undefined {
		return typ, nil, nil
	}
	// The width of child-pointer counts depends on how many records
	// a subtree can hold, level by level, as the library computes it.
	maxRec := make([]uint64, depth+1)
	cum := make([]uint64, depth+1)
	maxRec[0] = (nodeSize - 10) / uint64(recSize)
	cum[0] = maxRec[0]
	for l := 1; l <= depth; l++ {
		ptr := uint64(f.offSize + encSize(maxRec[l-1]))
		if l > 1 {
			ptr += uint64(encSize(cum[l-1]))
		}
		maxRec[l] = (nodeSize - 10) / (uint64(recSize) + ptr)
		hi, lo := bits.Mul64(maxRec[l]+1, cum[l-1])
		cum[l] = lo + maxRec[l]
		if hi != 0 || cum[l] < lo {
			cum[l] = ^uint64(0)
		}
	}
	w := &btWalk{f: f, ctx: ctx, nodeSize: nodeSize, recSize: recSize, maxRec: maxRec, cum: cum, visited: map[uint64]bool{}}
	if err := w.node(root, uint64(rootN), depth); err != nil {
		return 0, nil, err
	}
	return typ, w.recs, nil
}

type btWalk struct {
	f        *File
	ctx      context.Context
	nodeSize uint64
	recSize  int
	maxRec   []uint64
	cum      []uint64
	recs     [][]byte
	visited  map[uint64]bool
}

const maxRecords = 1_000_000

func (w *btWalk) node(addr, n uint64, depth int) error {
	// No two pointers of a real B-tree lead to the same node; a tree
	// that shares nodes would be walked exponentially often.
	if w.visited[addr] {
		return fmt.Errorf("v2 B-tree node at %#x reached twice: %w", addr, ErrMalformed)
	}
	w.visited[addr] = true
	if n > w.maxRec[depth] {
		return fmt.Errorf("v2 B-tree node at %#x claims %d records: %w", addr, n, ErrMalformed)
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	b, err := w.f.upTo(addr, int64(w.nodeSize))
	if err != nil {
		return fmt.Errorf("v2 B-tree node at %#x: %w", addr, err)
	}
	d := &dec{b: b, f: w.f}
	if depth == 0 {
		d.sig("BTLF")
	} else {
		d.sig("BTIN")
	}
	d.skip(2)
	for range n {
		r := d.bytes(w.recSize)
		if d.err != nil {
			return fmt.Errorf("v2 B-tree node at %#x: %w", addr, d.err)
		}
		if len(w.recs) >= maxRecords {
			return limitErr("hdf5-btree-records", maxRecords)
		}
		w.recs = append(w.recs, r)
	}
	if depth == 0 {
		return nil
	}
	type child struct{ addr, n uint64 }
	kids := make([]child, 0, n+1)
	for range n + 1 {
		c := child{addr: d.addr(), n: d.uint(encSize(w.maxRec[depth-1]))}
		if depth > 1 {
			d.uint(encSize(w.cum[depth-1]))
		}
		if d.err != nil {
			return fmt.Errorf("v2 B-tree node at %#x: %w", addr, d.err)
		}
		kids = append(kids, c)
	}
	for _, c := range kids {
		if err := w.node(c.addr, c.n, depth-1); err != nil {
			return err
		}
	}
	return nil
}

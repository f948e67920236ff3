package pickle

import (
	"unsafe"

	"github.com/modelgate/modelgate/formats"
)

// tables hold what one pickle stream's cells refer to by index: objects,
// container elements and kept strings, in chunks that hold no pointers.
// Dict-heavy pickles (a state_dict, a list of records) build millions of
// small values; carving them from chunks costs one allocation per chunk,
// and the collector never scans a chunk's contents. Chunks start small,
// so a short pickle allocates little, and grow to a bound. Nothing carved
// is freed while the stream runs; each stream gets new tables, and what
// it returns is copied out of them (see copier), so that they are freed
// with all the garbage the stream made.
type tables struct {
	cells store[cell]
	objs  store[object]
	bytes store[byte]
	globs []*gobj
	// full is set when an index space or the byte budget ran out: the
	// machine stops at the end of the opcode with a limit error, before
	// anything reads what was carved from the scratch chunk since.
	full bool
	// left is what the chunks may still take, in bytes. Nothing carved is
	// freed while the stream runs, so without it the garbage of a stream
	// (a list built and popped, 4 bytes of pickle for 170 of chunks)
	// would grow with the opcodes run, not with what the stream keeps.
	left int64
}

// maxTableBytes bounds the chunks of one stream's tables, and those that
// keep what every stream of an input returned: a 100k-tensor state_dict
// takes tens of MB.
const maxTableBytes = 1 << 30

const (
	// refBits is how many low bits of a ref are the offset in its chunk;
	// the rest are the chunk's index. A carve longer than a chunk gets a
	// chunk of its own, addressed from its start.
	refBits = 16
	// scratchChunk is the last chunk index: what is carved after the
	// others ran out, overwritten by every later carve.
	scratchChunk = 1<<(32-refBits) - 1

	chunkMin      = 8
	cellChunkMax  = 4096     // 64 KiB; with the index space, 4 GiB of cells
	objChunkMax   = 512      // about 28 KiB; 33 M objects
	byteChunkMax  = 32 << 10 // 2 GiB of kept strings
	refOffsetMask = 1<<refBits - 1
)

func newTables() *tables {
	t := &tables{left: maxTableBytes}
	t.cells.max, t.objs.max, t.bytes.max = cellChunkMax, objChunkMax, byteChunkMax
	t.cells.left, t.objs.left, t.bytes.left = &t.left, &t.left, &t.left
	return t
}

// limitError is the limit a full table hit.
func (t *tables) limitError() error {
	if t.left < 0 {
		return &formats.LimitError{Limit: "pickle-value-bytes", Max: maxTableBytes}
	}
	return &formats.LimitError{Limit: "pickle-value-chunks", Max: scratchChunk}
}

// store is one table: a list of chunks, the last of which is carved.
type store[T any] struct {
	chunks [][]T
	cur    []T    // what is left of the last chunk
	curRef uint32 // the ref of cur[0]
	next   int    // the size of the next chunk
	max    int    // the largest chunk carved into several pieces
	left   *int64 // the tables' byte budget, shared by their stores
}

// grow makes a chunk of n elements, charging it to the budget.
func (s *store[T]) grow(n int, full *bool) []T {
	c := make([]T, n)
	if s.left != nil {
		var zero T
		*s.left -= int64(n) * int64(unsafe.Sizeof(zero))
		if *s.left < 0 {
			*full = true
		}
	}
	return c
}

// carve returns a ref and a zeroed slice of k elements, contiguous, that
// the ref addresses. A ref is never 0, so 0 can mean none.
func (s *store[T]) carve(k int, full *bool) (uint32, []T) {
	if k <= len(s.cur) {
		ref, v := s.curRef, s.cur[:k:k]
		s.cur = s.cur[k:]
		s.curRef += uint32(k)
		return ref, v
	}
	ci := len(s.chunks)
	skip := 0
	if ci == 0 {
		// Offset 0 of chunk 0 is ref 0, which means none.
		skip = 1
	}
	if ci >= scratchChunk {
		*full = true
		if len(s.chunks) == scratchChunk {
			s.chunks = append(s.chunks, nil)
		}
		if len(s.chunks[scratchChunk]) < k {
			s.chunks[scratchChunk] = make([]T, k)
		}
		v := s.chunks[scratchChunk][:k:k]
		clear(v)
		return scratchChunk << refBits, v
	}
	if k > s.max {
		s.chunks = append(s.chunks, s.grow(k, full))
		return uint32(ci) << refBits, s.chunks[ci][:k:k]
	}
	s.next = min(max(s.next*2, chunkMin), s.max)
	c := s.grow(max(k, s.next)+skip, full)
	s.chunks = append(s.chunks, c)
	s.cur = c[skip:]
	s.curRef = uint32(ci)<<refBits | uint32(skip)
	return s.carve(k, full)
}

// at returns the element ref addresses.
func (s *store[T]) at(ref uint32) *T {
	return &s.chunks[ref>>refBits][ref&refOffsetMask]
}

// slice returns the k elements from ref on.
func (s *store[T]) slice(ref uint32, k int) []T {
	off := int(ref & refOffsetMask)
	return s.chunks[ref>>refBits][off : off+k : off+k]
}

// newObject carves an empty object and returns its ref.
func (t *tables) newObject() (uint32, *object) {
	ref, o := t.objs.carve(1, &t.full)
	return ref, &o[0]
}

// newObjectOf carves an object that keeps cs and returns its ref.
func (t *tables) newObjectOf(cs []cell) (uint32, *object) {
	ref, o := t.objs.carve(1, &t.full)
	if len(cs) > 0 {
		var items []cell
		o[0].items, items = t.cells.carve(len(cs), &t.full)
		copy(items, cs)
		o[0].nItems, o[0].capItems = uint32(len(cs)), uint32(len(cs))
	}
	return ref, &o[0]
}

// appendItems adds cs to o's kept elements, carving more room when its
// own is full; room bounds what a growing container carves.
func (t *tables) appendItems(o *object, cs []cell, room int) {
	if len(cs) == 0 {
		return
	}
	n := int(o.nItems)
	if n+len(cs) > int(o.capItems) {
		size := min(max(2*int(o.capItems), n+len(cs)), max(room, n+len(cs)))
		ref, to := t.cells.carve(size, &t.full)
		if n > 0 {
			copy(to, t.cells.slice(o.items, n))
		}
		o.items, o.capItems = ref, uint32(size)
	}
	copy(t.cells.slice(o.items, int(o.capItems))[n:], cs)
	o.nItems += uint32(len(cs))
}

// global registers g and returns its index.
func (t *tables) global(g *gobj) uint32 {
	t.globs = append(t.globs, g)
	return uint32(len(t.globs) - 1)
}

// globalValue makes a value of a new global object for g.
func (t *tables) globalValue(g *gobj, off int64) Value {
	ref, o := t.newObject()
	o.off = off
	v := t.objValue(KindGlobal, ref)
	v.n = int64(t.global(g))
	return v
}

// copier copies values, with every cell they reach, from one stream's
// tables to the tables values are kept in after their stream ends: what a
// stream returns (Result.Values, Result.PersistentIDs) then keeps alive
// only what it reaches, not all the garbage the stream made. Shared
// objects, tuples and strings are copied once, so cycles and shared
// subtrees stay as they were; the copy works from a list, not by
// recursion, since nesting can be as deep as the stack limit.
type copier struct {
	from, to *tables
	objs     map[uint32]uint32
	tuples   map[uint32]uint32
	strs     map[uint32]uint32
	globs    map[int64]int64
	work     []copyTask
}

type copyTask struct{ src, dst []cell }

func newCopier(from, to *tables) *copier {
	return &copier{from: from, to: to, objs: map[uint32]uint32{}, tuples: map[uint32]uint32{},
		strs: map[uint32]uint32{}, globs: map[int64]int64{}}
}

// value returns v as kept in c.to. A value of other tables than c.from
// is returned as it is.
func (c *copier) value(v Value) Value {
	if v.t != c.from {
		return v
	}
	x := c.cell(v.cell)
	for len(c.work) > 0 {
		t := c.work[len(c.work)-1]
		c.work = c.work[:len(c.work)-1]
		for i, s := range t.src {
			t.dst[i] = c.cell(s)
		}
	}
	return c.to.val(x)
}

// cell returns x as kept in c.to, queueing the cells it refers to.
func (c *copier) cell(x cell) cell {
	switch {
	case x.kind == KindGlobal:
		x.ref = c.object(x.ref)
		g, ok := c.globs[x.n]
		if !ok {
			g = int64(c.to.global(c.from.globs[x.n]))
			c.globs[x.n] = g
		}
		x.n = g
	case x.inline() && x.kind == KindTuple:
		if x.nk() == 0 {
			return x
		}
		ref, ok := c.tuples[x.ref]
		if !ok {
			var dst []cell
			ref, dst = c.to.cells.carve(x.nk(), &c.to.full)
			c.tuples[x.ref] = ref
			c.work = append(c.work, copyTask{src: c.from.cells.slice(x.ref, x.nk()), dst: dst})
		}
		x.ref = ref
	case x.inline():
		if x.n == 0 {
			return x
		}
		ref, ok := c.strs[x.ref]
		if !ok {
			var dst []byte
			ref, dst = c.to.bytes.carve(int(x.n), &c.to.full)
			copy(dst, c.from.bytes.slice(x.ref, int(x.n)))
			c.strs[x.ref] = ref
		}
		x.ref = ref
	case x.ref != 0:
		x.ref = c.object(x.ref)
	}
	return x
}

// object returns the ref in c.to of the object ref in c.from.
func (c *copier) object(ref uint32) uint32 {
	if to, ok := c.objs[ref]; ok {
		return to
	}
	src := *c.from.objs.at(ref)
	to, o := c.to.newObject()
	c.objs[ref] = to
	o.count, o.off, o.op, o.enc, o.flags = src.count, src.off, src.op, src.enc, src.flags
	if src.nItems > 0 {
		var dst []cell
		o.items, dst = c.to.cells.carve(int(src.nItems), &c.to.full)
		o.nItems, o.capItems = src.nItems, src.nItems
		c.work = append(c.work, copyTask{src: c.from.cells.slice(src.items, int(src.nItems)), dst: dst})
	}
	if src.state != 0 {
		var dst []cell
		o.state, dst = c.to.cells.carve(1, &c.to.full)
		c.work = append(c.work, copyTask{src: c.from.cells.slice(src.state, 1), dst: dst})
	}
	return to
}

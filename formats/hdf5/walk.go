package hdf5

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/bits"
	"path"
)

// Kind names a structure that makes a reader of the file read something
// else.
type Kind int

// Kinds of Finding.
const (
	ExternalLink     Kind = iota // a link into another HDF5 file
	SoftLink                     // a link by path inside this file
	ExternalStorage              // dataset data kept in other files
	VirtualDataset               // dataset data mapped from other datasets or files
	OversizedDataset             // a dataset declaring far more data than the file stores
)

func (k Kind) String() string {
	return [...]string{"external link", "soft link", "external storage", "virtual dataset", "oversized dataset"}[k]
}

// Finding is one such structure.
type Finding struct {
	Kind   Kind
	Path   string // the object or link in this file
	Target string // the file, path or file list it refers to
	Addr   uint64 // where its message lies
}

// Walk visits every object reachable from the root group, following hard
// links once each, and calls fn for every external link, soft link,
// external storage list and virtual dataset layout.
func (f *File) Walk(ctx context.Context, fn func(Finding)) error {
	return f.WalkObjects(ctx, nil, fn)
}

// WalkObjects is Walk that also calls obj, when not nil, with the path of
// every hard link it follows, so that a caller can tell what kind of file
// the layout is: an object two hard links reach is visited once but
// reported under both names, since a loader may look it up by either (a
// group hard-linked as /model_weights is what Keras's load_weights
// enters).
func (f *File) WalkObjects(ctx context.Context, obj func(path string), fn func(Finding)) error {
	seen := map[uint64]bool{}
	return f.visit(ctx, f.rootAddr, "/", 0, seen, obj, fn)
}

// link is one member of a group.
type link struct {
	name   string
	kind   int // 0 hard, 1 soft, 64 external
	addr   uint64
	target string
	at     uint64
}

func (f *File) visit(ctx context.Context, addr uint64, p string, depth int, seen map[uint64]bool, obj func(string), fn func(Finding)) error {
	if obj != nil {
		obj(p)
	}
	if seen[addr] {
		return nil
	}
	seen[addr] = true
	f.objects++
	if f.objects > MaxObjects {
		return limitErr("hdf5-objects", MaxObjects)
	}
	if depth > MaxDepth {
		return limitErr("hdf5-depth", MaxDepth)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	msgs, err := f.header(ctx, addr)
	if err != nil {
		return fmt.Errorf("object %s: %w", p, err)
	}
	var links []link
	if x, ok := f.oversized(msgs, addr); ok {
		x.Path = p
		fn(x)
	}
	for _, m := range msgs {
		switch m.typ {
		case msgExternal:
			files, err := f.externalFiles(m.data)
			if err != nil {
				return fmt.Errorf("object %s: %w", p, err)
			}
			fn(Finding{Kind: ExternalStorage, Path: p, Target: files, Addr: m.addr})
		case msgLayout:
			if len(m.data) >= 2 && m.data[0] >= 3 && m.data[1] == 3 {
				fn(Finding{Kind: VirtualDataset, Path: p, Addr: m.addr})
			}
		case msgLink:
			l, err := f.linkMessage(m.data, m.addr)
			if err != nil {
				return fmt.Errorf("group %s: %w", p, err)
			}
			links = append(links, l)
		case msgLinkInfo:
			d := &dec{b: m.data, f: f}
			d.u8()
			if d.u8()&1 != 0 {
				d.skip(8)
			}
			heap, index := d.addr(), d.addr()
			if d.err != nil {
				return fmt.Errorf("group %s link info: %w", p, d.err)
			}
			if heap == undefined {
				continue
			}
			objs, err := f.denseObjects(ctx, heap, index)
			if err != nil {
				return fmt.Errorf("group %s dense links: %w", p, err)
			}
			for _, o := range objs {
				l, err := f.linkMessage(o.data, o.addr)
				if err != nil {
					return fmt.Errorf("group %s: %w", p, err)
				}
				links = append(links, l)
			}
		case msgSymbolTable:
			d := &dec{b: m.data, f: f}
			bt, heap := d.addr(), d.addr()
			if d.err != nil {
				return fmt.Errorf("group %s symbol table: %w", p, d.err)
			}
			ls, err := f.symbolTable(ctx, bt, heap)
			if err != nil {
				return fmt.Errorf("group %s: %w", p, err)
			}
			links = append(links, ls...)
		}
	}
	f.links += len(links)
	if f.links > MaxLinks {
		return limitErr("hdf5-links", MaxLinks)
	}
	for _, l := range links {
		child := path.Join(p, l.name)
		switch l.kind {
		case 0:
			if err := f.visit(ctx, l.addr, child, depth+1, seen, obj, fn); err != nil {
				return err
			}
		case 1:
			fn(Finding{Kind: SoftLink, Path: child, Target: l.target, Addr: l.at})
		default:
			fn(Finding{Kind: ExternalLink, Path: child, Target: l.target, Addr: l.at})
		}
	}
	return nil
}

func (f *File) linkMessage(b []byte, at uint64) (link, error) {
	d := &dec{b: b, f: f}
	if v := d.u8(); v != 1 {
		return link{}, fmt.Errorf("link message version %d at %#x: %w", v, at, ErrMalformed)
	}
	flags := d.u8()
	l := link{at: at}
	if flags&0x08 != 0 {
		l.kind = d.u8()
	}
	if flags&0x04 != 0 {
		d.skip(8)
	}
	if flags&0x10 != 0 {
		d.skip(1)
	}
	n := d.uint(1 << (flags & 3))
	if n > uint64(len(b)) {
		return link{}, fmt.Errorf("link name of %d bytes at %#x: %w", n, at, ErrMalformed)
	}
	l.name = string(d.bytes(int(n)))
	switch l.kind {
	case 0:
		l.addr = d.addr()
	default:
		m := d.u16()
		v := d.bytes(m)
		if l.kind == 64 && len(v) > 1 {
			// version/flags byte, then file name and object path,
			// each NUL-terminated.
			parts := bytes.SplitN(v[1:], []byte{0}, 3)
			l.target = string(parts[0])
			if len(parts) > 1 {
				l.target += ":" + string(parts[1])
			}
		} else {
			l.target = string(v)
		}
	}
	if d.err != nil {
		return link{}, fmt.Errorf("link message at %#x: %w", at, d.err)
	}
	return l, nil
}

// externalFiles lists the file names of an External Data Files message.
func (f *File) externalFiles(b []byte) (string, error) {
	d := &dec{b: b, f: f}
	d.skip(4)
	d.u16()
	used := d.u16()
	heap := d.addr()
	if d.err != nil {
		return "", d.err
	}
	data, err := f.localHeap(heap)
	if err != nil {
		return "", err
	}
	var names []string
	for range min(used, 64) {
		off := d.length()
		d.length()
		d.length()
		if d.err != nil {
			return "", d.err
		}
		names = append(names, heapString(data, off))
	}
	return fmt.Sprint(names), nil
}

// localHeap returns the data segment of the local heap at addr.
func (f *File) localHeap(addr uint64) ([]byte, error) {
	b, err := f.read(addr, int64(8+2*f.lenSize+f.offSize))
	if err != nil {
		return nil, fmt.Errorf("local heap at %#x: %w", addr, err)
	}
	d := &dec{b: b, f: f}
	d.sig("HEAP")
	d.skip(4)
	size := d.length()
	d.length()
	data := d.addr()
	if d.err != nil || size > maxBlock {
		return nil, fmt.Errorf("local heap at %#x of %d bytes: %w", addr, size, ErrMalformed)
	}
	return f.read(data, int64(size))
}

func heapString(data []byte, off uint64) string {
	if off >= uint64(len(data)) {
		return ""
	}
	s := data[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s[:min(len(s), 4096)])
}

// symbolTable lists an old-style group's members through its version 1
// B-tree and local heap.
func (f *File) symbolTable(ctx context.Context, btree, heap uint64) ([]link, error) {
	names, err := f.localHeap(heap)
	if err != nil {
		return nil, err
	}
	var out []link
	var walk func(addr uint64, depth int) error
	visited := map[uint64]bool{}
	walk = func(addr uint64, depth int) error {
		if depth > MaxDepth || visited[addr] {
			return fmt.Errorf("group B-tree at %#x loops or nests too deep: %w", addr, ErrMalformed)
		}
		visited[addr] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := f.read(addr, int64(8+2*f.offSize))
		if err != nil {
			return fmt.Errorf("group B-tree node at %#x: %w", addr, err)
		}
		d := &dec{b: hdr, f: f}
		d.sig("TREE")
		typ, level, n := d.u8(), d.u8(), d.u16()
		if d.err != nil || typ != 0 {
			return fmt.Errorf("group B-tree node at %#x (type %d): %w", addr, typ, ErrMalformed)
		}
		body, err := f.read(addr+uint64(len(hdr)), int64(n*(f.offSize+f.lenSize)+f.lenSize))
		if err != nil {
			return fmt.Errorf("group B-tree node at %#x: %w", addr, err)
		}
		d = &dec{b: body, f: f}
		for range n {
			d.length()
			child := d.addr()
			if d.err != nil {
				return d.err
			}
			if level > 0 {
				if err := walk(child, depth+1); err != nil {
					return err
				}
				continue
			}
			ls, err := f.symbolNode(child, names)
			if err != nil {
				return err
			}
			out = append(out, ls...)
			if len(out) > MaxObjects {
				return limitErr("hdf5-objects", MaxObjects)
			}
		}
		return nil
	}
	if err := walk(btree, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// symbolNode reads the entries of a symbol table node.
func (f *File) symbolNode(addr uint64, names []byte) ([]link, error) {
	hdr, err := f.read(addr, 8)
	if err != nil {
		return nil, fmt.Errorf("symbol table node at %#x: %w", addr, err)
	}
	d := &dec{b: hdr, f: f}
	d.sig("SNOD")
	d.skip(2)
	n := d.u16()
	if d.err != nil {
		return nil, fmt.Errorf("symbol table node at %#x: %w", addr, d.err)
	}
	entry := 2*f.offSize + 24
	body, err := f.read(addr+8, int64(n*entry))
	if err != nil {
		return nil, fmt.Errorf("symbol table node at %#x: %w", addr, err)
	}
	out := make([]link, 0, n)
	for i := range n {
		e := &dec{b: body[i*entry : (i+1)*entry], f: f}
		nameOff, obj := e.addr(), e.addr()
		cache := e.u32()
		e.skip(4)
		l := link{name: heapString(names, nameOff), addr: obj, at: addr + 8 + uint64(i*entry)}
		if cache == 2 {
			// A symbolic link: the scratch space holds the offset of
			// its value in the local heap.
			l.kind = 1
			l.target = heapString(names, e.uint(4))
		}
		out = append(out, l)
	}
	return out, nil
}

// Keras refuses datasets that declare more than max(4 GiB, 1000 × the
// bytes they store): reading them allocates by the declared shape.
const (
	bombFloor = 4 << 30
	bombRatio = 1000
)

// oversized checks a contiguous or compact dataset's declared size
// (elements × element size) against the bytes its layout stores.
func (f *File) oversized(msgs []message, addr uint64) (Finding, bool) {
	var elems, elemSize, stored uint64
	var haveSpace, haveType, haveLayout bool
	for _, m := range msgs {
		switch m.typ {
		case msgDataspace:
			n, err := f.elements(m.data, m.addr)
			elems, haveSpace = n, err == nil
		case msgDatatype:
			if len(m.data) >= 8 {
				elemSize, haveType = uint64(le32(m.data[4:])), true
			}
		case msgLayout:
			if len(m.data) < 2 || m.data[0] < 3 {
				continue
			}
			d := &dec{b: m.data, p: 2, f: f}
			switch m.data[1] {
			case 0:
				stored = uint64(d.u16())
			case 1:
				if a, n := d.addr(), d.length(); a != undefined {
					stored = n
				}
			case 2:
				// Version 3 chunked layout: rank, then the chunk index
				// address; without an index nothing is stored. Other
				// indexes are not summed.
				d.u8()
				if d.addr() != undefined || m.data[0] != 3 {
					continue
				}
			default:
				continue
			}
			haveLayout = d.err == nil
		}
	}
	if !haveSpace || !haveType || !haveLayout {
		return Finding{}, false
	}
	hi, declared := bits.Mul64(elems, elemSize)
	limit := uint64(math.MaxUint64)
	if stored < math.MaxUint64/bombRatio {
		limit = max(bombFloor, stored*bombRatio)
	}
	if hi == 0 && declared <= limit {
		return Finding{}, false
	}
	return Finding{Kind: OversizedDataset, Target: fmt.Sprintf("declares %d elements of %d bytes, stores %d bytes", elems, elemSize, stored), Addr: addr}, true
}

// Package marshal reads Python's marshal format statically to list what a
// serialized code object refers to: the global and attribute names it
// uses (co_names), its string constants and the names of nested code
// objects. Keras Lambda layers store their function this way.
//
// It never builds a Python object and never executes anything: it only
// walks the bytes, with caps on depth, object count and sizes.
package marshal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrMalformed marks bytes that are not a marshal stream this reader
// understands.
var ErrMalformed = errors.New("malformed marshal data")

// Caps on one stream.
const (
	MaxDepth   = 64
	MaxObjects = 1_000_000
	maxNames   = 4096
)

// Code is what a marshalled code object (and the code objects nested in
// it) refers to.
type Code struct {
	// Names are the co_names of every code object: globals, attributes
	// and imported modules the bytecode uses, in first-seen order.
	Names []string
	// Functions are the co_name of every code object.
	Functions []string
	// Strings are string constants.
	Strings []string
	// Layout names the code-object layout that matched: "3.11+",
	// "3.8-3.10", "3.0-3.7" or "2.x".
	Layout string
}

// Read parses a marshalled code object.
func Read(b []byte) (*Code, error) {
	var lastErr error
	for _, l := range layouts {
		r := &reader{b: b, layout: l, code: &Code{Layout: l.name}}
		v, err := r.object(0)
		if err == nil && v.kind == kindCode {
			return r.code, nil
		}
		if err == nil {
			err = fmt.Errorf("top-level object is not a code object: %w", ErrMalformed)
		}
		lastErr = err
	}
	return nil, lastErr
}

// layout describes a CPython code object's marshal fields: ints before the
// bytecode, objects after it, the index of co_names and co_name among
// them, ints after them, and the trailing objects.
type layout struct {
	name      string
	leadInts  int
	objects   int
	namesAt   int
	nameAt    int
	kindsAt   int // index of an object that must be bytes, or -1
	trailInts int
	trailObjs int
}

var layouts = []layout{
	// code, consts, names, localsplusnames, localspluskinds, filename,
	// name, qualname; firstlineno; linetable, exceptiontable
	{name: "3.11+", leadInts: 5, objects: 8, namesAt: 2, nameAt: 6, kindsAt: 4, trailInts: 1, trailObjs: 2},
	// code, consts, names, varnames, freevars, cellvars, filename, name;
	// firstlineno; lnotab
	{name: "3.8-3.10", leadInts: 6, objects: 8, namesAt: 2, nameAt: 7, kindsAt: -1, trailInts: 1, trailObjs: 1},
	{name: "3.0-3.7", leadInts: 5, objects: 8, namesAt: 2, nameAt: 7, kindsAt: -1, trailInts: 1, trailObjs: 1},
	{name: "2.x", leadInts: 4, objects: 8, namesAt: 2, nameAt: 7, kindsAt: -1, trailInts: 1, trailObjs: 1},
}

type kind int

const (
	kindOther kind = iota
	kindStr
	kindBytes
	kindTuple
	kindCode
)

type value struct {
	kind  kind
	s     string
	items []value // tuple items that are strings, for co_names
}

type reader struct {
	b      []byte
	off    int
	layout layout
	code   *Code
	refs   []value
	// interned are Python 2's interned strings, which 'R' refers to.
	interned []value
	objects  int
}

func (r *reader) need(n int) error {
	if n < 0 || n > len(r.b)-r.off {
		return fmt.Errorf("%d bytes at offset %d, %d remain: %w", n, r.off, len(r.b)-r.off, ErrMalformed)
	}
	return nil
}

func (r *reader) u8() (int, error) {
	if err := r.need(1); err != nil {
		return 0, err
	}
	r.off++
	return int(r.b[r.off-1]), nil
}

func (r *reader) i32() (int, error) {
	if err := r.need(4); err != nil {
		return 0, err
	}
	r.off += 4
	return int(int32(binary.LittleEndian.Uint32(r.b[r.off-4:]))), nil
}

func (r *reader) raw(n int) ([]byte, error) {
	if err := r.need(n); err != nil {
		return nil, err
	}
	r.off += n
	return r.b[r.off-n : r.off], nil
}

const flagRef = 0x80

func (r *reader) object(depth int) (value, error) {
	if depth > MaxDepth {
		return value{}, fmt.Errorf("nesting deeper than %d: %w", MaxDepth, ErrMalformed)
	}
	r.objects++
	if r.objects > MaxObjects {
		return value{}, fmt.Errorf("more than %d objects: %w", MaxObjects, ErrMalformed)
	}
	t, err := r.u8()
	if err != nil {
		return value{}, err
	}
	slot := -1
	if t&flagRef != 0 {
		// CPython reserves the reference slot before reading the
		// object's contents, so nested references number after it.
		slot = len(r.refs)
		r.refs = append(r.refs, value{})
	}
	v, err := r.body(byte(t&^flagRef), depth)
	if err != nil {
		return value{}, err
	}
	if slot >= 0 {
		r.refs[slot] = v
	}
	return v, nil
}

func (r *reader) body(t byte, depth int) (value, error) {
	switch t {
	case '0', 'N', 'F', 'T', 'S', '.':
		return value{}, nil
	case 'i':
		_, err := r.raw(4)
		return value{}, err
	case 'I', 'g':
		_, err := r.raw(8)
		return value{}, err
	case 'y':
		_, err := r.raw(16)
		return value{}, err
	case 'f':
		n, err := r.u8()
		if err == nil {
			_, err = r.raw(n)
		}
		return value{}, err
	case 'x':
		for range 2 {
			n, err := r.u8()
			if err == nil {
				_, err = r.raw(n)
			}
			if err != nil {
				return value{}, err
			}
		}
		return value{}, nil
	case 'l':
		n, err := r.i32()
		if err != nil {
			return value{}, err
		}
		if n < 0 {
			n = -n
		}
		_, err = r.raw(2 * n)
		return value{}, err
	case 's', 't', 'u', 'a', 'A':
		n, err := r.i32()
		if err != nil {
			return value{}, err
		}
		b, err := r.raw(n)
		if err != nil {
			return value{}, err
		}
		if t == 's' {
			return value{kind: kindBytes}, nil
		}
		v := value{kind: kindStr, s: string(b)}
		if t == 't' && len(r.interned) < MaxObjects {
			r.interned = append(r.interned, v)
		}
		return v, nil
	case 'z', 'Z':
		n, err := r.u8()
		if err != nil {
			return value{}, err
		}
		b, err := r.raw(n)
		return value{kind: kindStr, s: string(b)}, err
	case '(', ')', '[', '<', '>':
		var n int
		var err error
		if t == ')' {
			n, err = r.u8()
		} else {
			n, err = r.i32()
		}
		if err != nil {
			return value{}, err
		}
		if n < 0 || n > len(r.b)-r.off {
			return value{}, fmt.Errorf("sequence of %d items at offset %d: %w", n, r.off, ErrMalformed)
		}
		v := value{kind: kindTuple}
		for range n {
			it, err := r.object(depth + 1)
			if err != nil {
				return value{}, err
			}
			if it.kind == kindStr && len(v.items) < maxNames {
				v.items = append(v.items, it)
			}
		}
		return v, nil
	case '{':
		for {
			if err := r.need(1); err != nil {
				return value{}, err
			}
			if r.b[r.off] == '0' {
				r.off++
				return value{}, nil
			}
			for range 2 {
				if _, err := r.object(depth + 1); err != nil {
					return value{}, err
				}
			}
		}
	case 'r':
		i, err := r.i32()
		if err != nil {
			return value{}, err
		}
		if i < 0 || i >= len(r.refs) {
			return value{}, fmt.Errorf("reference %d of %d: %w", i, len(r.refs), ErrMalformed)
		}
		return r.refs[i], nil
	case 'R':
		// Python 2's reference to an earlier interned string.
		i, err := r.i32()
		if err != nil {
			return value{}, err
		}
		if i < 0 || i >= len(r.interned) {
			return value{}, fmt.Errorf("string reference %d of %d: %w", i, len(r.interned), ErrMalformed)
		}
		return r.interned[i], nil
	case 'c':
		return r.codeObject(depth)
	}
	return value{}, fmt.Errorf("type %q at offset %d: %w", t, r.off-1, ErrMalformed)
}

func (r *reader) codeObject(depth int) (value, error) {
	l := r.layout
	for range l.leadInts {
		if _, err := r.i32(); err != nil {
			return value{}, err
		}
	}
	objs := make([]value, l.objects)
	for i := range l.objects {
		v, err := r.object(depth + 1)
		if err != nil {
			return value{}, err
		}
		if i == 0 && v.kind != kindBytes || i == l.kindsAt && v.kind != kindBytes {
			return value{}, fmt.Errorf("code object field %d has the wrong type for layout %s: %w", i, l.name, ErrMalformed)
		}
		objs[i] = v
	}
	for range l.trailInts {
		if _, err := r.i32(); err != nil {
			return value{}, err
		}
	}
	for range l.trailObjs {
		if _, err := r.object(depth + 1); err != nil {
			return value{}, err
		}
	}
	c := r.code
	for _, n := range objs[l.namesAt].items {
		if !slices.Contains(c.Names, n.s) && len(c.Names) < maxNames {
			c.Names = append(c.Names, n.s)
		}
	}
	for _, s := range objs[1].items {
		if len(c.Strings) < maxNames {
			c.Strings = append(c.Strings, s.s)
		}
	}
	if n := objs[l.nameAt]; n.kind == kindStr && len(c.Functions) < maxNames {
		c.Functions = append(c.Functions, n.s)
	}
	return value{kind: kindCode}, nil
}

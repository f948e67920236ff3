package xgboost

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/modelgate/modelgate/formats"
)

// ubReader reads UBJSON (ubjson.org draft 12, as XGBoost's UBJWriter and
// UBJReader use it: big-endian numbers, optimized containers with a type
// and a count) from a stream. It never allocates by a length read from
// the file: strings longer than maxName are skipped, not held.
type ubReader struct {
	ctx  context.Context
	r    *bufio.Reader
	off  int64
	size int64 // -1 when unknown
	c    *checker
	n    int
}

func walkUBJSON(ctx context.Context, in *formats.Input, c *checker) error {
	rc, err := in.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	u := &ubReader{ctx: ctx, r: bufio.NewReaderSize(rc, 64<<10), size: in.Size, c: c}
	m, err := u.byte()
	if err != nil {
		return err
	}
	if m != '{' {
		return fmt.Errorf("model document is not an object")
	}
	if err := u.value(m, nil, 0); err != nil {
		return fmt.Errorf("UBJSON at byte %d: %w", u.off, err)
	}
	if _, err := u.r.ReadByte(); err != io.EOF {
		return fmt.Errorf("data after the model document at byte %d", u.off)
	}
	return nil
}

func (u *ubReader) byte() (byte, error) {
	b, err := u.r.ReadByte()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		u.off++
	}
	return b, err
}

func (u *ubReader) full(b []byte) error {
	n, err := io.ReadFull(u.r, b)
	u.off += int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// skip discards n bytes, failing when the file is shorter.
func (u *ubReader) skip(n int64) error {
	if n < 0 || u.size >= 0 && n > u.size-u.off {
		return fmt.Errorf("length %d reaches past the end of the file", n)
	}
	k, err := u.r.Discard(int(min(n, math.MaxInt32)))
	u.off += int64(k)
	for err == nil && int64(k) < n {
		n -= int64(k)
		k, err = u.r.Discard(int(min(n, math.MaxInt32)))
		u.off += int64(k)
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// length reads a non-negative integer (a count or a string length).
func (u *ubReader) length() (int64, error) {
	m, err := u.byte()
	if err != nil {
		return 0, err
	}
	w := intWidth(m)
	if w == 0 {
		return 0, fmt.Errorf("length has marker %q, not an integer", m)
	}
	var b [8]byte
	if err := u.full(b[:w]); err != nil {
		return 0, err
	}
	n := intValue(m, b[:w])
	if n < 0 {
		return 0, fmt.Errorf("negative length %d", n)
	}
	return n, nil
}

// text reads a string: an integer marker, its length, and the bytes.
func (u *ubReader) text() (string, error) {
	m, err := u.byte()
	if err != nil {
		return "", err
	}
	return u.key(m)
}

// scalarWidth is the payload size of a fixed-width marker, or -1.
func scalarWidth(m byte) int {
	switch m {
	case 'Z', 'N', 'T', 'F':
		return 0
	case 'i', 'U', 'C':
		return 1
	case 'I':
		return 2
	case 'l', 'd':
		return 4
	case 'L', 'D':
		return 8
	}
	return -1
}

// value reads the value whose marker m has been read, at path.
func (u *ubReader) value(m byte, path []string, depth int) error {
	if u.n++; u.n&0xfff == 0 {
		if err := u.ctx.Err(); err != nil {
			return err
		}
	}
	if w := scalarWidth(m); w >= 0 {
		return u.skip(int64(w))
	}
	switch m {
	case 'S', 'H':
		off := u.off - 1
		s, err := u.text()
		if err == nil && m == 'S' {
			u.c.str(path, s, off)
		}
		return err
	case '[', '{':
		if depth >= maxDepth {
			return &formats.LimitError{Limit: "xgboost-nesting-depth", Max: maxDepth}
		}
		return u.container(m == '{', path, depth+1)
	}
	return fmt.Errorf("unknown marker %q", m)
}

// container reads an array or object after its opening marker: an
// optional "$" type and "#" count, then items until the count is reached
// or the closing marker.
func (u *ubReader) container(object bool, path []string, depth int) error {
	end := byte(']')
	if object {
		end = '}'
	}
	m, err := u.byte()
	if err != nil {
		return err
	}
	var typ byte
	count := int64(-1)
	if m == '$' {
		if typ, err = u.byte(); err != nil {
			return err
		}
		if m, err = u.byte(); err != nil {
			return err
		}
		if m != '#' {
			return errors.New("typed container without a count")
		}
	}
	if m == '#' {
		if count, err = u.length(); err != nil {
			return err
		}
		if w := scalarWidth(typ); !object && typ != 0 && w >= 0 {
			if count > math.MaxInt64/8 {
				return fmt.Errorf("array of %d elements", count)
			}
			if intWidth(typ) > 0 && isChildren(path) {
				return u.children(typ, count, path)
			}
			// Any other typed array of numbers (weights, conditions) is
			// skipped whole.
			return u.skip(count * int64(w))
		}
	}
	first := m
	for i := int64(0); count < 0 || i < count; i++ {
		switch {
		case count < 0 && i == 0:
			m = first
		case count < 0 || object || typ == 0:
			if m, err = u.byte(); err != nil {
				return err
			}
		}
		if count < 0 && m == end {
			return nil
		}
		item := "[]"
		if object {
			if item, err = u.key(m); err != nil {
				return err
			}
			if depth == 1 {
				u.c.key(item)
			}
			m = typ
			if typ == 0 {
				if m, err = u.byte(); err != nil {
					return err
				}
			}
		} else if typ != 0 {
			m = typ
		}
		if err := u.value(m, append(path[:len(path):len(path)], item), depth); err != nil {
			return err
		}
	}
	return nil
}

// key reads an object key: a string without the "S" marker, whose length
// marker m has been read.
func (u *ubReader) key(m byte) (string, error) {
	w := intWidth(m)
	if w == 0 {
		return "", fmt.Errorf("object key length has marker %q, not an integer", m)
	}
	var b [8]byte
	if err := u.full(b[:w]); err != nil {
		return "", err
	}
	n := intValue(m, b[:w])
	if n < 0 {
		return "", fmt.Errorf("negative key length %d", n)
	}
	if n > maxName {
		return "", u.skip(n)
	}
	if u.size >= 0 && n > u.size-u.off {
		return "", fmt.Errorf("key of %d bytes reaches past the end of the file", n)
	}
	k := make([]byte, n)
	return string(k), u.full(k)
}

// children reads a tree's typed array of child indices for the checker.
func (u *ubReader) children(typ byte, count int64, path []string) error {
	w := int64(intWidth(typ))
	at := u.off
	if u.size >= 0 && count*w > u.size-u.off {
		return fmt.Errorf("array of %d elements reaches past the end of the file", count)
	}
	var b [8]byte
	v := make([]int64, 0, min(count, 1<<16))
	for i := int64(0); i < count; i++ {
		if err := u.full(b[:w]); err != nil {
			return err
		}
		v = append(v, intValue(typ, b[:w]))
	}
	u.c.children(path, v, at)
	return nil
}

package numpy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// dtype reads a descr: a type string ('<f4', '|O', '<U10', '<M8[ns]') or
// a structured list of (name, descr[, shape]) fields. It reports whether
// any field holds Python objects and the item size in bytes.
func dtype(descr any, depth int) (object bool, itemsize int64, err error) {
	if depth > maxDepth {
		return false, 0, errors.New("dtype nested too deeply")
	}
	switch d := descr.(type) {
	case string:
		return typestr(d)
	case list:
		var total int64
		ok := true
		for _, f := range d {
			fields, isTuple := f.(tuple)
			if !isTuple || len(fields) < 2 || len(fields) > 3 {
				return false, 0, fmt.Errorf("structured field %v is not (name, descr[, shape])", f)
			}
			obj, size, err := dtype(fields[1], depth+1)
			if err != nil {
				return false, 0, err
			}
			object = object || obj
			if len(fields) == 3 {
				sub, isShape := fields[2].(tuple)
				if n, isInt := fields[2].(int64); isInt {
					sub, isShape = tuple{n}, true
				}
				if !isShape {
					return false, 0, fmt.Errorf("structured field shape %v is not a tuple", fields[2])
				}
				for _, e := range sub {
					n, isInt := e.(int64)
					if !isInt || n < 0 {
						return false, 0, fmt.Errorf("structured field shape %v", fields[2])
					}
					size, ok = mulCheck(size, n, ok)
				}
			}
			total += size
			if total > 1<<40 {
				ok = false
			}
		}
		if !ok {
			return false, 0, errors.New("structured dtype item size overflows")
		}
		return object, total, nil
	}
	return false, 0, fmt.Errorf("descr %v is neither a type string nor a field list", descr)
}

// typestr reads an array-protocol type string: byte order, kind, size.
func typestr(s string) (bool, int64, error) {
	if len(s) < 2 {
		return false, 0, fmt.Errorf("type string %q too short", s)
	}
	if strings.IndexByte("<>|=", s[0]) >= 0 {
		s = s[1:]
	}
	kind, rest := s[0], s[1:]
	if i := strings.IndexByte(rest, '['); i >= 0 && (kind == 'M' || kind == 'm') && strings.HasSuffix(rest, "]") {
		rest = rest[:i] // datetime unit
	}
	if kind == 'O' {
		return true, 8, nil
	}
	if rest == "" {
		return false, 0, fmt.Errorf("type string %q has no size", s)
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 || n > 1<<32 {
		return false, 0, fmt.Errorf("type string %q: bad size", s)
	}
	switch kind {
	case 'b', 'i', 'u', 'f', 'c', 'S', 'a', 'V', 'M', 'm':
		return false, n, nil
	case 'U':
		return false, 4 * n, nil
	}
	return false, 0, fmt.Errorf("type string %q: unknown kind %q", s, kind)
}

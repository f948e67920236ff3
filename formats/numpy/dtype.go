package numpy

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// dt is what the analyzer needs of a numpy dtype: its item size, whether
// it holds Python objects, and what numpy.lib.format's descr_to_dtype and
// np.dtype test when they build a dtype from it.
type dt struct {
	size    int64
	object  bool
	unsized bool // a flexible type of no size yet ('S', 'U0', 'void')
	unicode bool // kind 'U': a size given later counts characters
	void    bool // dt.type is numpy.void and dt.names is None
}

// descrToDtype builds the dtype numpy 1.24's numpy.lib.format.descr_to_dtype
// builds from a header's descr. It models a subset of what numpy accepts
// and answers exactly within it; outside it, it returns an error rather
// than a guess, and the analyzer then treats the data as a possible pickle.
func descrToDtype(descr any, depth int) (dt, error) {
	if depth > maxDepth {
		return dt{}, errors.New("dtype nested too deeply")
	}
	switch d := descr.(type) {
	case string:
		return dtypeFromString(d, depth+1)
	case tuple:
		// descr_to_dtype(descr[0]) then np.dtype((that, descr[1])); any
		// further items are ignored.
		if len(d) < 2 {
			return dt{}, errors.New("subarray descr needs (descr, shape)")
		}
		base, err := descrToDtype(d[0], depth+1)
		if err != nil {
			return dt{}, err
		}
		return withShape(base, d[1])
	case list:
		return fieldList(d, depth)
	}
	return dt{}, fmt.Errorf("descr %v is not a type string, a tuple or a field list", descr)
}

// fieldList is descr_to_dtype's loop over (name, descr[, shape]) fields and
// the np.dtype({names, formats, titles, offsets, itemsize}) it ends with.
func fieldList(fields list, depth int) (dt, error) {
	var out dt
	used := map[string]bool{} // names and titles: np.dtype refuses repeats
	for _, f := range fields {
		var items []any
		switch f := f.(type) {
		case tuple:
			items = f
		case list:
			items = f
		default:
			return dt{}, fmt.Errorf("structured field %v is not a tuple or list", f)
		}
		var field dt
		var err error
		switch len(items) {
		case 2:
			field, err = descrToDtype(items[1], depth+1)
		case 3:
			var base dt
			if base, err = descrToDtype(items[1], depth+1); err == nil {
				field, err = withShape(base, items[2])
			}
		default:
			return dt{}, fmt.Errorf("structured field %v is not (name, descr[, shape])", f)
		}
		if err != nil {
			return dt{}, err
		}
		if name, ok := items[0].(string); ok && name == "" && field.void {
			out.size += field.size // padding: counted, not a field
			continue
		}
		title, name := "", items[0]
		if t, ok := items[0].(tuple); ok {
			if len(t) != 2 {
				return dt{}, fmt.Errorf("field name %v is not (title, name)", t)
			}
			ts, ok := t[0].(string)
			if !ok || ts == "" {
				return dt{}, fmt.Errorf("field title %v is not a string", t[0])
			}
			title, name = ts, t[1]
		}
		ns, ok := name.(string)
		if !ok {
			return dt{}, fmt.Errorf("field name %v is not a string", name)
		}
		if used[ns] || title != "" && (used[title] || title == ns) {
			return dt{}, fmt.Errorf("field name or title %q repeated", ns)
		}
		used[ns] = true
		if title != "" {
			used[title] = true
		}
		out.object = out.object || field.object
		out.size += field.size
		if out.size > math.MaxInt32 {
			return dt{}, errors.New("structured dtype larger than numpy allows")
		}
	}
	return out, nil
}

// withShape is np.dtype((base, val)) for an int or a tuple of ints val:
// numpy's _convert_from_tuple.
func withShape(base dt, val any) (dt, error) {
	if base.unsized {
		// (flexible, n) gives the size: n characters for 'U'.
		n, ok := val.(int64)
		if !ok || n < 0 || n > math.MaxInt32/4 {
			return dt{}, fmt.Errorf("size %v for a flexible dtype", val)
		}
		if base.unicode {
			n *= 4
		}
		base.size, base.unsized = n, n == 0
		return base, nil
	}
	if base.size == 0 {
		return dt{}, errors.New("subarray of an empty dtype")
	}
	var dims []any
	switch v := val.(type) {
	case int64:
		if v == 1 {
			return base, nil // (type, 1) means type (deprecated)
		}
		dims = []any{v}
	case tuple:
		if len(v) == 0 {
			return base, nil // (type, ()) means type
		}
		dims = v
	default:
		return dt{}, fmt.Errorf("subarray shape %v is not an int or a tuple", val)
	}
	if len(dims) > 32 {
		return dt{}, errors.New("subarray of more than 32 dimensions")
	}
	items := int64(1)
	for _, d := range dims {
		n, ok := d.(int64)
		if !ok || n < 0 || n > math.MaxInt32 {
			return dt{}, fmt.Errorf("subarray dimension %v", d)
		}
		items *= n
		if items > math.MaxInt32 {
			return dt{}, errors.New("subarray larger than numpy allows")
		}
	}
	if items*base.size > math.MaxInt32 {
		return dt{}, errors.New("subarray larger than numpy allows")
	}
	return dt{size: items * base.size, object: base.object, void: true}, nil
}

// dtypeFromString is np.dtype(str): numpy's _convert_from_str.
func dtypeFromString(s string, depth int) (dt, error) {
	if depth > maxDepth {
		return dt{}, errors.New("dtype nested too deeply")
	}
	if s == "" {
		return dt{}, errors.New("empty type string")
	}
	if isCommaString(s) {
		return commaString(s, depth)
	}
	t := s
	if strings.IndexByte("<>=|", t[0]) >= 0 {
		t = t[1:]
	}
	if t == "" {
		return dt{}, fmt.Errorf("type string %q is only a byte order", s)
	}
	if isDatetime(t) {
		if !validDatetime(t) {
			return dt{}, fmt.Errorf("datetime type string %q not understood", s)
		}
		return dt{size: 8}, nil
	}
	if len(t) == 1 {
		if d, ok := typeChars[t[0]]; ok {
			return d, nil
		}
		return dt{}, fmt.Errorf("type code %q not understood", s)
	}
	if digits := t[1:]; strings.Trim(digits, "0123456789") == "" {
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n > math.MaxInt32 {
			return dt{}, fmt.Errorf("type string %q: size out of range", s)
		}
		switch kind := t[0]; kind {
		case 'S', 'a':
			return dt{size: n, unsized: n == 0}, nil
		case 'U':
			if n > math.MaxInt32/4 {
				return dt{}, fmt.Errorf("type string %q: size out of range", s)
			}
			return dt{size: 4 * n, unsized: n == 0, unicode: true}, nil
		case 'V':
			return dt{size: n, unsized: n == 0, void: true}, nil
		default:
			if d, ok := sizedKind(kind, n); ok {
				return d, nil
			}
		}
		// numpy then looks the whole string up among its type names,
		// none of which is a letter and digits only but those above.
		if d, ok := typeNames[s]; ok {
			return d, nil
		}
		return dt{}, fmt.Errorf("type string %q not understood", s)
	}
	if d, ok := typeNames[s]; ok { // the whole string, byte order included
		return d, nil
	}
	return dt{}, fmt.Errorf("type string %q not understood", s)
}

// sizedKind is numpy's PyArray_TypestrConvert on x86-64 Linux.
func sizedKind(kind byte, n int64) (dt, bool) {
	ok := false
	switch kind {
	case 'b':
		ok = n == 1
	case 'i', 'u':
		ok = n == 1 || n == 2 || n == 4 || n == 8
	case 'f':
		ok = n == 2 || n == 4 || n == 8 || n == 16
	case 'c':
		ok = n == 8 || n == 16 || n == 32
	case 'O':
		if n == 4 || n == 8 {
			return dt{size: 8, object: true}, true
		}
	}
	return dt{size: n}, ok
}

// typeChars are numpy's one-character type codes (x86-64 Linux).
var typeChars = map[byte]dt{
	'?': {size: 1}, 'b': {size: 1}, 'B': {size: 1}, 'h': {size: 2}, 'H': {size: 2},
	'i': {size: 4}, 'I': {size: 4}, 'l': {size: 8}, 'L': {size: 8}, 'q': {size: 8}, 'Q': {size: 8},
	'p': {size: 8}, 'P': {size: 8}, 'e': {size: 2}, 'f': {size: 4}, 'd': {size: 8}, 'g': {size: 16},
	'F': {size: 8}, 'D': {size: 16}, 'G': {size: 32}, 'M': {size: 8}, 'm': {size: 8},
	'c': {size: 1}, 'O': {size: 8, object: true},
	'S': {unsized: true}, 'a': {unsized: true}, 'U': {unsized: true, unicode: true}, 'V': {unsized: true, void: true},
}

// typeNames are the names in numpy 1.24's sctypeDict that the kind-and-size
// path does not read (x86-64 Linux). Made by testdata/dtype_names.py.
var typeNames = map[string]dt{
	"bool": {size: 1}, "bool8": {size: 1}, "bool_": {size: 1}, "byte": {size: 1},
	"bytes": {unsized: true}, "bytes0": {unsized: true}, "bytes_": {unsized: true}, "string_": {unsized: true},
	"str": {unsized: true, unicode: true}, "str0": {unsized: true, unicode: true}, "str_": {unsized: true, unicode: true},
	"unicode": {unsized: true, unicode: true}, "unicode_": {unsized: true, unicode: true},
	"void": {unsized: true, void: true}, "void0": {unsized: true, void: true},
	"object": {size: 8, object: true}, "object0": {size: 8, object: true}, "object_": {size: 8, object: true},
	"cdouble": {size: 16}, "cfloat": {size: 16}, "clongdouble": {size: 32}, "clongfloat": {size: 32},
	"complex": {size: 16}, "complex128": {size: 16}, "complex256": {size: 32}, "complex64": {size: 8},
	"complex_": {size: 16}, "csingle": {size: 8}, "singlecomplex": {size: 8}, "longcomplex": {size: 32},
	"double": {size: 8}, "float": {size: 8}, "float128": {size: 16}, "float16": {size: 2}, "float32": {size: 4},
	"float64": {size: 8}, "float_": {size: 8}, "half": {size: 2}, "single": {size: 4},
	"longdouble": {size: 16}, "longfloat": {size: 16},
	"int": {size: 8}, "int0": {size: 8}, "int16": {size: 2}, "int32": {size: 4}, "int64": {size: 8},
	"int8": {size: 1}, "int_": {size: 8}, "intc": {size: 4}, "intp": {size: 8}, "long": {size: 8},
	"longlong": {size: 8}, "short": {size: 2},
	"ubyte": {size: 1}, "uint": {size: 8}, "uint0": {size: 8}, "uint16": {size: 2}, "uint32": {size: 4},
	"uint64": {size: 8}, "uint8": {size: 1}, "uintc": {size: 4}, "uintp": {size: 8}, "ulong": {size: 8},
	"ulonglong": {size: 8}, "ushort": {size: 2},
}

// isDatetime is numpy's is_datetime_typestr.
func isDatetime(t string) bool {
	return len(t) >= 2 && t[1] == '8' && (t[0] == 'M' || t[0] == 'm') ||
		strings.HasPrefix(t, "datetime64") || strings.HasPrefix(t, "timedelta64")
}

// datetimeRe is the part of numpy's datetime grammar modelgate accepts: a
// base unit with an optional multiplier. Every datetime is 8 bytes; a
// string outside this is refused, never sized differently.
var datetimeRe = regexp.MustCompile(`^(?:M8|m8|datetime64|timedelta64)(?:\[(?:[1-9][0-9]{0,8})?(?:Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as|generic)\])?$`)

func validDatetime(t string) bool {
	if !datetimeRe.MatchString(t) {
		return false
	}
	// A multiplier on 'generic' is an error in numpy.
	return !strings.HasSuffix(t, "generic]") || strings.HasSuffix(t, "[generic]")
}

// isCommaString is numpy's _check_for_commastring.
func isCommaString(s string) bool {
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	order := func(c byte) bool { return strings.IndexByte("<>=|", c) >= 0 }
	if digit(s[0]) || len(s) > 1 && order(s[0]) && digit(s[1]) {
		return true
	}
	if len(s) > 1 && s[0] == '(' && s[1] == ')' || len(s) > 3 && order(s[0]) && s[1] == '(' && s[2] == ')' {
		return true
	}
	brackets := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			if brackets == 0 {
				return true
			}
		case '[':
			brackets++
		case ']':
			brackets--
		}
	}
	return false
}

// The regular expressions of numpy.core._internal._commastring.
var (
	formatRe = regexp.MustCompile(`^([<>|=]?)( *[(]?[ ,0-9]*[)]? *)([<>|=]?)([A-Za-z0-9.?]*(?:\[[a-zA-Z0-9,.]+\])?)`)
	sepRe    = regexp.MustCompile(`^ *, *`)
)

// commaString is np.dtype of a comma string ('i4,O', '(2,3)f8', '2i4'):
// _commastring splits it into items, one item is that item's dtype, more
// are fields f0, f1, ... laid out one after another.
func commaString(s string, depth int) (dt, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 && s[i] != ' ' || s[i] >= 0x7f {
			// Python's \s matches more than Go's; keep to plain spaces.
			return dt{}, fmt.Errorf("comma string %q has control or non-ASCII characters", s)
		}
	}
	var items []dt
	last := ""
	for pos := 0; pos < len(s); {
		m := formatRe.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			return dt{}, fmt.Errorf("comma string %q not understood", s)
		}
		order1, repeats, order2, typ := s[pos+m[2]:pos+m[3]], s[pos+m[4]:pos+m[5]], s[pos+m[6]:pos+m[7]], s[pos+m[8]:pos+m[9]]
		pos += m[1]
		if pos < len(s) {
			if strings.Trim(s[pos:], " ") == "" {
				pos = len(s)
			} else if sep := sepRe.FindStringIndex(s[pos:]); sep != nil {
				pos += sep[1]
			} else {
				return dt{}, fmt.Errorf("comma string %q not understood", s)
			}
		}
		order := order1
		switch {
		case order2 == "":
		case order1 == "":
			order = order2
		default:
			norm := func(o string) string {
				if o == "=" {
					return "<"
				}
				return o
			}
			if norm(order1) != norm(order2) {
				return dt{}, fmt.Errorf("comma string %q: inconsistent byte order", s)
			}
		}
		if order == "|" || order == "=" || order == "<" {
			order = ""
		}
		last = order + typ
		item, err := dtypeFromString(last, depth+1)
		if repeats != "" {
			if err != nil {
				return dt{}, err
			}
			shape, perr := parseRepeats(repeats)
			if perr != nil {
				return dt{}, fmt.Errorf("comma string %q: %w", s, perr)
			}
			item, err = withShape(item, shape)
			last = "x" // a tuple item, not an empty string
		}
		if err != nil && !(last == "" && pos == len(s)) {
			return dt{}, err
		}
		items = append(items, item)
	}
	// _convert_from_list drops a last item that is an empty string.
	if last == "" {
		items = items[:len(items)-1]
	}
	switch len(items) {
	case 0:
		return dt{}, fmt.Errorf("comma string %q has no fields", s)
	case 1:
		return items[0], nil
	}
	var out dt
	for _, it := range items {
		out.size += it.size
		out.object = out.object || it.object
	}
	if out.size > math.MaxInt32 {
		return dt{}, errors.New("structured dtype larger than numpy allows")
	}
	return out, nil
}

// parseRepeats is ast.literal_eval of a comma string's repeat count: an
// int or a tuple of ints (the regular expression allows nothing else but
// spaces).
func parseRepeats(r string) (any, error) {
	// In parentheses, "2,3" is the tuple literal_eval makes of it and
	// every other form keeps its value.
	if strings.Trim(r, " ") == "" {
		return nil, errors.New("empty repeat count")
	}
	p := &litParser{s: "(" + r + ")"}
	v, err := p.value(1)
	if err != nil {
		return nil, err
	}
	p.space(0)
	if p.i != len(p.s) {
		return nil, fmt.Errorf("repeat count %q", r)
	}
	return v, nil
}

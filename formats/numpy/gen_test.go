package numpy

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
)

// markerPickle calls __main__.mark() when unpickled: the differential
// oracle defines mark and records the call. It is the data of every
// generated case, so an object dtype makes np.load reach it.
const markerPickle = "c__main__\nmark\n(tR."

// typeStrings are descr strings the generator draws from: what np.save
// writes, what np.dtype accepts besides, and near misses.
var typeStrings = []string{
	"<f8", "=f8", ">f8", "|b1", "b1", "<i4", "|O", "O", "<O", "O8", "O4", "O0", "O16",
	"object", "object_", "object0", "|object", "i4,O", "O,i4", "(2,)O", "2O", "(1,)O", "1O", "()O",
	"|V8", "V8", "V", "V0", "S0", "S", "U", "U0", "<U3", "|S5", "a", "a3", "c",
	"<M8[ns]", "M8", "m8", "<m8[25s]", "M8[generic]", "M8[5generic]", "datetime64[D]", "timedelta64",
	"M8[]", "M8[ns", "M4", "i4, f8", "(2,3)f8", "()i4", "1i4", "f16", "c32", "g", "G", "e", "?", "b",
	"i 4", "S-1", "S 3", "i+4", "U-1", "S4294967297", "x", "", "<", "|", "i4,", "i4,,", ",i4",
	"<i4,>f8", "<i4,=f8", "|O,|O", "M8[ns],O", "i4,(2)O", "2i4,O", "(2)i4", "i4,(2,3)O", "(2,2)O",
	"bool", "float64", "<float64", "str", "void", "bytes", "int", "long", "Bytes0", "int8",
	"uint", "float", "complex", "unicode", "string_", " i4", "i4 ", "V4 ", "i04", "S05", "U2,O",
	"i4 , O", "i4,O ", "(2, 3)i4", "( 2 )O", "<(2)i4", "(2)<i4", "<(2)>i4", "2,3i4", "0O", "(0,)O",
}

var fieldNames = []string{"a", "b", "f0", "", "é", "x y", "a"}

type gen struct {
	r *rand.Rand
}

func (g *gen) pick(n int) int { return g.r.IntN(n) }

// mostly picks one of n, the first in most draws.
func (g *gen) mostly(n, spread int) int {
	if i := g.pick(spread); i < n {
		return i
	}
	return g.pick(2)
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// str renders s as Python source: a random quote, prefix and escapes, or
// adjacent literals.
func (g *gen) str(s string) string {
	if g.chance(0.15) && len(s) > 1 {
		i := 1 + g.pick(len(s)-1)
		if utf8Start(s, i) {
			return g.str(s[:i]) + strings.Repeat(" ", g.pick(2)) + g.str(s[i:])
		}
	}
	q := "'"
	if g.chance(0.3) {
		q = `"`
	}
	prefix := []string{"", "", "", "", "", "", "u", "U", "r", "R"}[g.pick(10)]
	var b strings.Builder
	for _, r := range s {
		switch {
		case string(r) == q || r == '\\':
			if strings.ContainsAny(prefix, "rR") {
				prefix = ""
			}
			b.WriteString(`\` + string(r))
		case !strings.ContainsAny(prefix, "rR") && g.chance(0.03) && r < 0x80:
			switch g.pick(5) {
			case 0:
				fmt.Fprintf(&b, `\x%02x`, r)
			case 1:
				fmt.Fprintf(&b, `\u%04x`, r)
			case 2:
				fmt.Fprintf(&b, `\%o`, r)
			case 3:
				fmt.Fprintf(&b, `\U%08x`, r)
			default:
				if n := namedASCII(r); n != "" {
					if g.chance(0.5) {
						n = strings.ToLower(n)
					}
					b.WriteString(`\N{` + n + `}`)
				} else {
					b.WriteRune(r)
				}
			}
		default:
			b.WriteRune(r)
		}
	}
	if g.chance(0.01) {
		prefix = "b"
	}
	return prefix + q + b.String() + q
}

func utf8Start(s string, i int) bool { return i < len(s) && s[i]&0xc0 != 0x80 }

func namedASCII(r rune) string {
	switch {
	case r >= 'a' && r <= 'z':
		return "LATIN SMALL LETTER " + strings.ToUpper(string(r))
	case r >= 'A' && r <= 'Z':
		return "LATIN CAPITAL LETTER " + string(r)
	case r >= '0' && r <= '9':
		return "DIGIT " + []string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}[r-'0']
	case r == '<':
		return "LESS-THAN SIGN"
	case r == '|':
		return "VERTICAL LINE"
	}
	return ""
}

// int renders n as a Python int in one of the spellings literal_eval
// takes, or a near miss.
func (g *gen) int(n int64) string {
	switch g.pick(40) {
	case 0:
		return fmt.Sprintf("%#x", n)
	case 1:
		if n >= 0 {
			return fmt.Sprintf("0o%o", n)
		}
	case 2:
		if n >= 0 {
			return fmt.Sprintf("0b%b", n)
		}
	case 3:
		if n >= 0 {
			return fmt.Sprintf("+%d", n)
		}
	case 4:
		if n == 0 {
			return "-0"
		}
	case 5:
		return fmt.Sprintf("%dL", n)
	case 6:
		if n == 1 {
			return "True"
		}
		if n == 0 {
			return "False"
		}
	case 7:
		return fmt.Sprintf("(%d)", n)
	case 8:
		if n >= 10 {
			s := fmt.Sprint(n)
			return s[:1] + "_" + s[1:]
		}
	case 9:
		return fmt.Sprintf("%d.0", n)
	case 10:
		return fmt.Sprintf("0%d", n)
	}
	return fmt.Sprint(n)
}

func (g *gen) dim() int64 {
	return []int64{2, 0, 1, 3, 4, -1, 1 << 31, 1<<63 - 1}[g.mostly(8, 14)]
}

func (g *gen) shape(allowInt bool) string {
	if allowInt && g.chance(0.3) {
		return g.int(g.dim())
	}
	n := []int{0, 1, 1, 2, 3}[g.pick(5)]
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.int(g.dim())
	}
	s := strings.Join(parts, ", ")
	if n == 1 || g.chance(0.2) && n > 0 {
		s += ","
	}
	if g.chance(0.05) {
		return "[" + s + "]"
	}
	return "(" + s + ")"
}

// descr renders a random descr as Python source.
func (g *gen) descr(depth int) string {
	switch k := g.pick(10); {
	case k < 6 || depth > 2:
		if g.chance(0.2) {
			kinds := "biufcOSUVMmax?"
			return g.str(fmt.Sprintf("%s%c%d", []string{"", "<", ">", "|", "="}[g.pick(5)], kinds[g.pick(len(kinds))], g.pick(40)))
		}
		return g.str(typeStrings[g.pick(len(typeStrings))])
	case k < 9:
		n := g.pick(4)
		fields := make([]string, n)
		for i := range fields {
			fields[i] = g.field(depth)
		}
		s := strings.Join(fields, ", ")
		if g.chance(0.2) {
			s += ","
		}
		return "[" + s + "]"
	default:
		return "(" + g.descr(depth+1) + ", " + g.shape(true) + ")"
	}
}

func (g *gen) field(depth int) string {
	name := g.str(fieldNames[g.pick(len(fieldNames))])
	if g.chance(0.1) {
		name = "(" + g.str("t"+fieldNames[g.pick(len(fieldNames))]) + ", " + name + ")"
	}
	open, close := "(", ")"
	if g.chance(0.05) {
		open, close = "[", "]"
	}
	if g.chance(0.3) {
		return open + name + ", " + g.descr(depth+1) + ", " + g.shape(true) + close
	}
	return open + name + ", " + g.descr(depth+1) + close
}

// header renders a header dict as Python source, keys in random order,
// now and then one missing, repeated or extra.
func (g *gen) header() string {
	entries := []string{
		g.str("descr") + ": " + g.descr(0),
		g.str("fortran_order") + ": " + []string{"False", "True", "0", "None"}[g.mostly(4, 40)],
		g.str("shape") + ": " + g.shape(false),
	}
	g.r.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	switch g.pick(60) {
	case 0:
		entries = entries[1:]
	case 1:
		entries = append(entries, entries[0])
	case 2:
		entries = append(entries, g.str("extra")+": 1")
	}
	sep := []string{", ", ",", ",\n ", " , ", ", # c\n"}[g.mostly(5, 12)]
	s := "{" + strings.Join(entries, sep)
	if g.chance(0.5) {
		s += ", "
	}
	s += "}"
	switch g.pick(12) {
	case 0:
		s = "  " + s
	case 1:
		s = "\n" + s
	case 2:
		s = s + " # trailing"
	case 3:
		s = "\t" + s
	case 4:
		s = "\n  " + s
	}
	return s
}

// file lays a header out as np.save does, or with a mutated preamble.
func (g *gen) file(header string) []byte {
	major := byte([]int{1, 1, 1, 2, 3}[g.pick(5)])
	minor := byte(0)
	if g.chance(0.03) {
		minor = 1
	}
	pre := 10
	if major > 1 {
		pre = 12
	}
	h := header
	if g.chance(0.9) {
		for (pre+len(h)+1)%64 != 0 {
			h += " "
		}
		h += "\n"
	}
	n := len(h)
	if g.chance(0.05) {
		n += g.pick(5) - 2
	}
	b := append([]byte("\x93NUMPY"), major, minor)
	if major == 1 {
		if major == 1 && len(h) > 0xffff {
			return nil
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(max(n, 0)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(max(n, 0)))
	}
	return append(append(b, h...), markerPickle...)
}

// mutate changes a real file's header bytes: a byte replaced, inserted or
// removed, keeping the length field in step most of the time.
func (g *gen) mutate(seed []byte) []byte {
	if len(seed) < 12 {
		return seed
	}
	pre, n := 10, int(binary.LittleEndian.Uint16(seed[8:10]))
	if seed[6] > 1 {
		pre, n = 12, int(binary.LittleEndian.Uint32(seed[8:12]))
	}
	if pre+n > len(seed) {
		return seed
	}
	h := []byte(string(seed[pre : pre+n]))
	for k := 1 + g.pick(3); k > 0 && len(h) > 0; k-- {
		i := g.pick(len(h))
		alphabet := "'\"()[]{},: \n#\\0123456789-+LOoxbruUNV<>|=iSfa_"
		c := alphabet[g.pick(len(alphabet))]
		switch g.pick(4) {
		case 3:
			snippets := []string{"\\\n", "#x\n", "\f", "\t", " \n ", "\n", "L", "_", "u", "r", "b", "0x", "+", "-", "(", ")", ",", "' '", "'O'", "\\N{LATIN CAPITAL LETTER O}"}
			sn := snippets[g.pick(len(snippets))]
			h = append(h[:i], append([]byte(sn), h[i:]...)...)
		case 0:
			h[i] = c
		case 1:
			h = append(h[:i], append([]byte{c}, h[i:]...)...)
		default:
			h = append(h[:i], h[i+1:]...)
		}
	}
	out := append([]byte(nil), seed[:pre]...)
	if pre == 10 {
		binary.LittleEndian.PutUint16(out[8:], uint16(len(h)))
	} else {
		binary.LittleEndian.PutUint32(out[8:], uint32(len(h)))
	}
	return append(append(out, h...), markerPickle...)
}

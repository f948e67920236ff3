package numpy

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestDescrGrammar pins the dtypes numpy 1.24 builds from descr literals
// (values taken from np.dtype / descr_to_dtype on numpy 1.24.2, x86-64).
func TestDescrGrammar(t *testing.T) {
	tests := []struct {
		descr  string
		size   int64
		object bool
		err    bool
	}{
		{descr: `'i4,O'`, size: 12, object: true},
		{descr: `'object'`, size: 8, object: true},
		{descr: `'object_'`, size: 8, object: true},
		{descr: `'object0'`, size: 8, object: true},
		{descr: `'O4'`, size: 8, object: true},
		{descr: `'<O'`, size: 8, object: true},
		{descr: `[('a', 'O')]`, size: 8, object: true},
		{descr: `[('a', '|O', (1,))]`, size: 8, object: true},
		{descr: `('|O', (2,))`, size: 16, object: true},
		{descr: `('|O', 1)`, size: 8, object: true},
		{descr: `r'|O'`, size: 8, object: true},
		{descr: `u'|' 'O'`, size: 8, object: true},
		{descr: `'\N{LATIN CAPITAL LETTER O}'`, size: 8, object: true},
		{descr: `'\N{latin capital letter o}'`, size: 8, object: true},
		{descr: `'\x4f'`, size: 8, object: true},
		{descr: `'\117'`, size: 8, object: true},
		{descr: `[('a', [('b', '<i2'), ('c', 'O')]), ('d', 'S3')]`, size: 13, object: true},
		{descr: `[(('title', 'a'), '<i4'), ('b', '<f4')]`, size: 8},
		{descr: `[('a', '<i4'), ('', '|V4'), ('b', '<f8')]`, size: 16},
		{descr: `[('', '<i4', (2,))]`, size: 8},
		{descr: `[('', '<i4')]`, size: 4},
		{descr: `[('a', 'S', 5)]`, size: 5},
		{descr: `[('a', 'U', 5)]`, size: 20},
		{descr: `[['a', '<i4']]`, size: 4},
		{descr: `('<i4', (2,), 'ignored')`, size: 8},
		{descr: `'(2,3)f8'`, size: 48},
		{descr: `'2i4'`, size: 8},
		{descr: `'1i4'`, size: 4},
		{descr: `'()i4'`, size: 4},
		{descr: `'i4,'`, size: 4},
		{descr: `'i4, (2)O'`, size: 20, object: true},
		{descr: `'2,3i4'`, size: 24},
		{descr: `'V8'`, size: 8},
		{descr: `'M8[ns]'`, size: 8},
		{descr: `'<m8'`, size: 8},
		{descr: `'datetime64[25s]'`, size: 8},
		{descr: `'S0'`, size: 0},
		{descr: `'U'`, size: 0},
		{descr: `'<U3'`, size: 12},
		{descr: `'=f8'`, size: 8},
		{descr: `'|b1'`, size: 1},
		{descr: `'b'`, size: 1},
		{descr: `'g'`, size: 16},
		{descr: `'c'`, size: 1},
		{descr: `'float64'`, size: 8},
		{descr: `'str'`, size: 0},
		{descr: `[]`, size: 0},
		// numpy refuses these; modelgate must not read them as data.
		{descr: `'O16'`, err: true},
		{descr: `'O0'`, err: true},
		{descr: `'(2)i4'`, err: true},
		{descr: `'<float64'`, err: true},
		{descr: `'|object'`, err: true},
		{descr: `'V4 '`, err: true},
		{descr: `[('a', '<i4'), ('a', '<f8')]`, err: true},
		{descr: `[(('a', 'a'), '<i4')]`, err: true},
		{descr: `[(b'a', '<i4')]`, err: true},
		{descr: `('S', (3,))`, err: true},
		{descr: `[('a', '<i4', -1)]`, err: true},
		{descr: `[('a', '<f8', (268435456,))]`, err: true},
		{descr: `('<i4',)`, err: true},
		{descr: `b'<i4'`, err: true},
		{descr: `'i4,,f8'`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.descr, func(t *testing.T) {
			lit, _, err := parseLiteral("{'descr': "+tt.descr+"}", false)
			if err != nil {
				if tt.err {
					return
				}
				t.Fatalf("literal: %v", err)
			}
			d, err := descrToDtype(lit.(dict)[0].val, 0)
			if (err != nil) != tt.err {
				t.Fatalf("err %v, want error %v", err, tt.err)
			}
			if err == nil && (d.size != tt.size || d.object != tt.object) {
				t.Errorf("size %d object %v, want %d %v", d.size, d.object, tt.size, tt.object)
			}
		})
	}
}

// withDescr rewrites a real np.save file's header to another descr (and
// optionally other shape text), keeping numpy's layout and the data.
func withDescr(t *testing.T, file, descr, shape string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seeds", file))
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint16(b[8:10]))
	hdr, data := string(b[10:10+n]), b[10+n:]
	i, j := strings.Index(hdr, "'descr': ")+len("'descr': "), strings.Index(hdr, ", 'fortran_order'")
	hdr = hdr[:i] + descr + hdr[j:]
	if shape != "" {
		k := strings.Index(hdr, "'shape': ") + len("'shape': ")
		hdr = hdr[:k] + shape + hdr[strings.Index(hdr[k:], ")")+k+1:]
	}
	return npy(1, strings.TrimRight(hdr, " \n"), data)
}

// TestObjectDescrVariants: each header is a real object-array file with
// its descr written another way numpy reads as holding objects. Before,
// modelgate gave up on them (inconclusive) without looking at the pickle.
func TestObjectDescrVariants(t *testing.T) {
	for _, tt := range []struct{ descr, shape string }{
		{`'object'`, ""}, {`'object_'`, ""}, {`'O8'`, ""}, {`r'|O'`, ""}, {`u'|O'`, ""}, {`'|' "O"`, ""},
		{`'\N{LATIN CAPITAL LETTER O}'`, ""}, {`('|O', (1,))`, "(+2,)"}, {`'|O'`, "(0x2,)"},
		{`'|O'`, "(2L,)"}, {`'O'`, "(-0, 2)"}, {`[('a', 'O')]`, ""},
	} {
		data := withDescr(t, "O.npy", tt.descr, tt.shape)
		r, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), "a.npy", data)
		if err != nil {
			t.Errorf("%s %s: %v", tt.descr, tt.shape, err)
		}
		if len(r.Members) != 1 || !bytes.HasPrefix(r.Members[0].Data, []byte("\x80\x03")) {
			t.Errorf("%s %s: the pickle was not analyzed: %+v", tt.descr, tt.shape, r.Members)
		}
		if rules := r.Rules(); len(rules) != 1 || rules[0] != RuleObjectArray {
			t.Errorf("%s %s: rules %v", tt.descr, tt.shape, rules)
		}
	}
}

// TestUnreadableDescrStillScansPickle: a descr modelgate does not model
// may still be one numpy reads as holding objects, so the data is analyzed
// as a pickle and the file stays inconclusive.
func TestUnreadableDescrStillScansPickle(t *testing.T) {
	for _, descr := range []string{`'O,i4' if 1 else 0`, `'\N{LATIN CAPITAL LETTER O WITH STROKE AND ACUTE}'`, `{'names': ['a'], 'formats': ['O']}`, `'M8[5generic]'`} {
		data := withDescr(t, "O.npy", descr, "")
		r, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), "a.npy", data)
		if err == nil {
			t.Errorf("%s: read as clean", descr)
		}
		if len(r.Members) != 1 || !bytes.HasPrefix(r.Members[0].Data, []byte("\x80\x03")) {
			t.Errorf("%s: the data was not analyzed as a pickle: %+v", descr, r.Members)
		}
	}
}

// TestSeedsRead: every np.save output in testdata/seeds reads exactly,
// with no finding above info.
func TestSeedsRead(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "seeds", "*.npy"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(analyze), filepath.Base(f), data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if m, ok := r.Max(); ok && m >= formats.Medium {
			t.Errorf("%s: %v", f, r.Findings)
		}
	}
}

// TestHeaderLiteral pins what modelgate reads of what ast.literal_eval
// (CPython 3.11) accepts around and inside the header dict: the same where
// it reads, and an error for what Python refuses and for the literals it
// leaves out by design (triple quotes, floats, complex, sets, Ellipsis).
func TestHeaderLiteral(t *testing.T) {
	for _, tt := range []struct {
		text string
		ok   bool
	}{
		{"{'a': 1}\n\n", true},
		{"{'a': 1} # c", true},
		{"{'a': 1}\n  #c", true},
		{"{'a': 1}\n  \n", true},
		{"{'a': 1}\n  ", false}, // IndentationError
		{"{'a': 1} \\\n", false},
		{"  {'a': 1}", true},
		{"\n{'a': 1}", true},
		{"\n {'a': 1}", false},
		{"#c\n{'a': 1}", true},
		{"{'a':\n 1,\n}", true},
		{"{'a' \\\n: 1}", true},
		{"{'a': 00}", true},
		{"{'a': 01}", false},
		{"{'a': 0_0}", true},
		{"{'a': 1__0}", false},
		{"{'a': 0x_1f}", true},
		{"{'a': -(1)}", true},
		{"{'a': +-1}", false},
		{"{'a': -True}", false},
		{"{'a': 'x' b'y'}", false},
		{"{'a': f'x'}", false},
		{"{'a': '''x'''}", false},
		{"{'a': 1.0}", false},
		{"{'a': 1j}", false},
		{"{'a': 1L}", false},
		{"{'a': {1, 2}}", false},
		{"{'a': ...}", false},
		{"{'a': 1}\x00", false},
	} {
		_, _, err := parseLiteral(tt.text, false)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok %v", tt.text, err, tt.ok)
		}
	}
	if v, _, err := parseLiteral("{'a': 3L}", true); err != nil || v.(dict)[0].val != int64(3) {
		t.Errorf("3L in a 1.0 header: %v %v", v, err)
	}
	if _, _, err := parseLiteral("{'a': 1}\n  \t", true); err != nil {
		t.Errorf("a last line of whitespace in a 1.0 header, which _filter_header drops: %v", err)
	}
	v, _, err := parseLiteral(`{'a': u'\x41\101\u0041\N{latin capital letter a}' r'\n', 'b': b'\777'}`, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.(dict)[0].val; got != `AAAA\n` {
		t.Errorf("escapes: %q", got)
	}
	if got := v.(dict)[1].val; got != pyBytes("\xff") {
		t.Errorf("bytes escape: %q", got)
	}
}

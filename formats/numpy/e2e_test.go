package numpy_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// TestObjectDescrFailsGate: np.save's object array whose pickle calls
// posix.system, with its descr rewritten into spellings numpy reads the
// same way (issue 13, class 5). Each must fail the gate through the whole
// engine, not end inconclusive with the payload unseen.
func TestObjectDescrFailsGate(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "containers", "malicious", "npy_object_os_system.npy"))
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint16(b[8:10]))
	hdr, data := string(b[10:10+n]), b[10+n:]
	for _, descr := range []string{
		`'|O'`, `'i4,O'`, `'object'`, `'object_'`, `[('a', 'O')]`, `('|O', (1,))`, `r'|O'`, `u'|O'`,
		`'|' 'O'`, `'\N{LATIN CAPITAL LETTER O}'`, `[('a', [('b', 'O')])]`, `[(('t', 'a'), 'O')]`,
		// Not modelled (numpy refuses the first; the second reads as 'O'
		// only to numpy): analyzed as a pickle anyway.
		`{'names': ['a'], 'formats': ['O']}`, `'\N{LATIN CAPITAL LETTER O WITH STROKE}'[:0] + 'O'`,
	} {
		i := strings.Index(hdr, "'descr': ") + len("'descr': ")
		j := strings.Index(hdr, ", 'fortran_order'")
		h := strings.TrimRight(hdr[:i]+descr+hdr[j:], " \n")
		h += strings.Repeat(" ", (64-(10+len(h)+1)%64)%64) + "\n"
		file := append(append(binary.LittleEndian.AppendUint16([]byte("\x93NUMPY\x01\x00"), uint16(len(h))), h...), data...)
		p := filepath.Join(t.TempDir(), "a.npy")
		if err := os.WriteFile(p, file, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := fetch.NewLocal(p)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Files[0]
		if top, any := r.MaxSeverity(); !any || top < formats.Critical {
			t.Errorf("descr %s: max severity %v (found %v), outcome %s %s", descr, top, any, r.Outcome, r.Error)
		}
	}
}

// TestObjectArrayWithoutData: an object array cut at the end of its header
// (issue 14, item 5). np.load(allow_pickle=True) fails unpickling nothing,
// so the file is not a clean array: it ends inconclusive.
func TestObjectArrayWithoutData(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "containers", "malicious", "npy_object_os_system.npy"))
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint16(b[8:10]))
	p := filepath.Join(t.TempDir(), "cut.npy")
	if err := os.WriteFile(p, b[:10+n], 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := fetch.NewLocal(p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Files[0]; r.Outcome != scanner.Inconclusive {
		t.Errorf("outcome %s, want inconclusive (%s)", r.Outcome, r.Error)
	}
}

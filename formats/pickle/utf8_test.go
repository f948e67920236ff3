package pickle

import (
	"bytes"
	"context"
	"encoding/hex"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/pythontest"
)

func TestPyUTF8(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"", true}, {"abc", true}, {"\xc3\xa9", true}, {"\xe2\x82\xac", true}, {"\xf0\x9f\x98\x80", true},
		{"\xed\xa0\x80", true}, {"\xed\xbf\xbf", true}, // lone surrogates: surrogatepass
		{"\xed\x9f\xbf", true}, {"\xf4\x8f\xbf\xbf", true},
		{"\xff", false}, {"\xc0\x80", false}, {"\xc1\xbf", false}, {"\xe0\x9f\xbf", false}, // overlong
		{"\xf4\x90\x80\x80", false}, {"\xf5\x80\x80\x80", false}, // above U+10FFFF
		{"\xed\xa0", false}, {"\xe2\x82", false}, {"a\xc3", false}, // cut short
		{"\x80", false}, {"\xc3\x28", false},
	} {
		if got := validPyUTF8([]byte(tt.in)); got != tt.ok {
			t.Errorf("%x: %v, want %v", tt.in, got, tt.ok)
		}
		// Fed a byte at a time, as a long argument is read through.
		var v pyUTF8
		for i := range len(tt.in) {
			v.write([]byte{tt.in[i]})
		}
		if v.ok() != tt.ok {
			t.Errorf("%x byte by byte: %v, want %v", tt.in, v.ok(), tt.ok)
		}
	}
}

// TestPyUTF8Differential compares the check with CPython's own decoder on
// every one- to three-byte string over the bytes where UTF-8's rules change,
// and on random longer ones.
func TestPyUTF8Differential(t *testing.T) {
	py := pythontest.Require(t)
	edges := []byte{0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff}
	var cases [][]byte
	for _, a := range edges {
		cases = append(cases, []byte{a})
		for _, b := range edges {
			cases = append(cases, []byte{a, b})
			for _, c := range edges {
				cases = append(cases, []byte{a, b, c})
			}
		}
	}
	r := rand.New(rand.NewSource(1))
	for range 3000 {
		b := make([]byte, 4+r.Intn(6))
		for i := range b {
			b[i] = edges[r.Intn(len(edges))]
		}
		cases = append(cases, b)
	}
	var in bytes.Buffer
	for _, c := range cases {
		in.WriteString(hex.EncodeToString(c) + "\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", `
import sys
for line in sys.stdin:
    try:
        bytes.fromhex(line.strip()).decode("utf-8", "surrogatepass")
        print(1)
    except UnicodeDecodeError:
        print(0)
`)
	cmd.Env = pythontest.Env(t.TempDir())
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(out))
	if len(got) != len(cases) {
		t.Fatalf("%d answers for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		if want := got[i] == "1"; validPyUTF8(c) != want {
			t.Errorf("%x: ours %v, CPython %v", c, !want, want)
		}
	}
}

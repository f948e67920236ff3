package pickle

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestDtypeAgainstNumpy builds numpy.dtype(name, False, True) values with
// BUILD states of every shape arraydescr_setstate takes, reads each with
// readDtype, and has the real numpy (1.24) unpickle the same bytes: where
// numpy builds a dtype, readDtype must give its itemsize and hasobject or
// fail; it must never give other values.
func TestDtypeAgainstNumpy(t *testing.T) {
	py := pythontest.Require(t, "numpy")
	names := []string{"f8", "<f8", ">i2", "|u1", "=b1", "f4", "f2", "f16", "c8", "c16", "c32", "i1", "i8", "u8",
		"O", "O8", "O4", "|O", "S5", "S", "a3", "U3", "<U2", "V8", "V", "M8", "M8[ns]", "<m8[s]", "?", "d", "e",
		"g", "G", "l", "q", "P", "c", "i", "float64", "f12", "i+4", "i 4", "S+3", "U-1", "b2", "datetime64[D]", ""}
	states := []string{"",
		"(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t", // what numpy writes
		"(K\x03X\x01\x00\x00\x00|NNNK\x10K\x08K\x00t",                         // a stated elsize
		"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x01t", // hasobject flag
		"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?t",
		"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffJ\x81\xff\xff\xfft", // -127
		"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x80t",             // 128
		"(K\x04X\x01\x00\x00\x00<NNNK\x05K\x01K\x00Nt",                                    // version 4, 9 fields
		"(K\x02X\x01\x00\x00\x00<NNNK\x07K\x01K\x01t",                                     // version 2: flags ignored
		"(K\x05X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t",             // version 5
		"(K\x01X\x01\x00\x00\x00<NNK\x09K\x01t",                                           // 7 fields
		"(K\x00X\x01\x00\x00\x00<NNK\x03K\x01t",                                           // 6 fields
		"(X\x01\x00\x00\x00<NNK\x0cK\x01t",                                                // 5 fields
		"(K\x03X\x01\x00\x00\x00<K\x01NNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t",         // a subarray
		"(K\x03X\x01\x00\x00\x00<NNNX\x01\x00\x00\x00xJ\xff\xff\xff\xffK\x00t",            // a str elsize
		"(K\x03X\x01\x00\x00\x00<NNNK\x00K\x01K\x00t",                                     // elsize 0
		"(K\x03X\x01\x00\x00\x00<NNNJ\xfe\xff\xff\xffK\x01K\x00t",                         // elsize -2
		"N",
	}
	type tcase struct {
		name, state string
		data        []byte
	}
	var cases []tcase
	var hexes []string
	for _, n := range names {
		for _, s := range states {
			d := "\x80\x02cnumpy\ndtype\nX" + le32(len(n)) + n + "\x89\x88\x87R"
			if s != "" {
				d += s + "b"
			}
			d += "."
			cases = append(cases, tcase{n, s, []byte(d)})
			hexes = append(hexes, hex.EncodeToString([]byte(d)))
		}
	}
	in, _ := json.Marshal(hexes)
	script := `
import json, pickle, sys
out = []
for h in json.load(sys.stdin):
    try:
        d = pickle.loads(bytes.fromhex(h))
        out.append([d.itemsize, bool(d.hasobject)])
    except Exception:
        out.append(None)
print(json.dumps(out))
`
	cmd := exec.CommandContext(context.Background(), py, "-c", script)
	cmd.Env = pythontest.Env(t.TempDir())
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []*[2]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	agree, inconclusive := 0, 0
	for i, c := range cases {
		res, err := Scan(context.Background(), bytes.NewReader(c.data), formatstest.NewRecorder(), Options{})
		if err != nil || len(res.Values) != 1 {
			t.Fatalf("%q %q: scan: %v", c.name, c.state, err)
		}
		d, err := readDtype(res.Values[0])
		w := want[i]
		switch {
		case err != nil:
			inconclusive++
		case w == nil:
			// numpy fails: nothing is read after it, any reading is safe.
		case int64(w[0].(float64)) != d.itemsize || w[1].(bool) != d.hasObject:
			t.Errorf("dtype %q state %q: numpy itemsize %v hasobject %v, modelgate %d %v",
				c.name, strings.ToValidUTF8(c.state, "?"), w[0], w[1], d.itemsize, d.hasObject)
		default:
			agree++
		}
	}
	t.Logf("%d cases: %d agree with numpy, %d fail closed", len(cases), agree, inconclusive)
}

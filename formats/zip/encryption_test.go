package zip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// aesField is a WinZip AES extra field: AE-2, vendor "AE", strength,
// actual method Deflate.
func aesField(vendor string, strength byte) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, aesExtraID)
	b = le.AppendUint16(b, 7)
	b = le.AppendUint16(b, 2)
	b = append(b, vendor...)
	b = append(b, strength)
	return le.AppendUint16(b, Deflate)
}

// TestEncryption checks that really encrypted entries are unreadable
// (their member fails with formats.ErrUnsupported) without flag, CRC, size
// or method findings, while a flag over readable data stays MG209.
func TestEncryption(t *testing.T) {
	fixture := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Ciphertext stand-in: bytes that are no deflate stream.
	cipher := []byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a")
	tests := []struct {
		name      string
		data      []byte
		rules     []string
		encrypted string // "" when the member must be readable
	}{
		{name: "zip -e stored", data: fixture("encrypted_stored.zip"), encrypted: "traditional PKWARE"},
		{name: "zip -e deflated", data: fixture("encrypted_deflated.zip"), encrypted: "traditional PKWARE"},
		{name: "WinZip AES", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: methodAES, flags: FlagEncrypted, data: cipher, extra: aesField("AE", 3), usize: u64(20)}}}.bytes(t),
			encrypted: "WinZip AES"},
		{name: "stored with the 12-byte header layout", data: rawZip{entries: []rawEntry{{name: "data.pkl", flags: FlagEncrypted, data: cipher, usize: u64(uint64(len(cipher)) - 12)}}}.bytes(t),
			encrypted: "traditional PKWARE"},
		{name: "flag over stored plaintext", data: rawZip{entries: []rawEntry{{name: "data.pkl", flags: FlagEncrypted, data: pkl}}}.bytes(t),
			rules: []string{"MG209"}},
		{name: "flag over deflated plaintext", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: Deflate, flags: FlagEncrypted, data: pkl}}}.bytes(t),
			rules: []string{"MG209"}},
		{name: "flag over deflated plaintext with a wrong CRC", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: Deflate, flags: FlagEncrypted, data: pkl, crc: u32(1)}}}.bytes(t),
			rules: []string{"MG209", "MG210"}},
		{name: "flag over stored data of another size", data: rawZip{entries: []rawEntry{{name: "data.pkl", flags: FlagEncrypted, data: pkl, usize: u64(3)}}}.bytes(t),
			rules: []string{"MG209", "MG212"}},
		{name: "method 99 without an AES field", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: methodAES, flags: FlagEncrypted, data: cipher}}}.bytes(t),
			rules: []string{"MG209", "MG211"}},
		{name: "AES field of another vendor", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: methodAES, flags: FlagEncrypted, data: cipher, extra: aesField("XX", 3)}}}.bytes(t),
			rules: []string{"MG209", "MG211"}},
		{name: "AES field without the flag", data: rawZip{entries: []rawEntry{{name: "data.pkl", method: methodAES, data: cipher, extra: aesField("AE", 1)}}}.bytes(t),
			rules: []string{"MG211"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "model.zip", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Compact(slices.Sorted(slices.Values(rec.Rules())))
			if !slices.Equal(got, tt.rules) {
				t.Errorf("rules = %v, want %v\n%s", got, tt.rules, findings(rec))
			}
			if len(rec.Members) != 1 {
				t.Fatalf("%d members", len(rec.Members))
			}
			merr := rec.Members[0].Err
			switch {
			case tt.encrypted != "" && !errors.Is(merr, formats.ErrUnsupported):
				t.Errorf("member error %v, want unsupported", merr)
			case tt.encrypted == "" && !slices.Contains(tt.rules, "MG211") && merr != nil:
				t.Errorf("member error %v, want the plaintext read", merr)
			}
			r, err := NewReader(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if e := r.Entries[0].Encryption(); e != tt.encrypted {
				t.Errorf("Encryption() = %q, want %q", e, tt.encrypted)
			}
		})
	}
}

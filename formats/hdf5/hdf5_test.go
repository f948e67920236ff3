package hdf5

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
)

func open(t testing.TB, name string) *File {
	t.Helper()
	b := formatstest.Testdata(t, name)
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func TestRootAttributes(t *testing.T) {
	for _, tc := range []struct {
		file, attr, prefix string
		min                int
	}{
		{"plain_v0.h5", "model_config", `{"class_name": "Sequential"`, 0},
		{"plain_v0.h5", "keras_version", "2.4.0", 0},
		{"userblock.h5", "model_config", `{"class_name": "Sequential"`, 0},
		{"dense_v3.h5", "model_config", `{"class_name": "Sequential"`, 65536},
		{"dense_v3.h5", "extra7", "v7", 0},
	} {
		t.Run(tc.file+"/"+tc.attr, func(t *testing.T) {
			f := open(t, tc.file)
			attrs, err := f.RootAttributes(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range attrs {
				if a.Name == tc.attr {
					if !strings.HasPrefix(a.String(), tc.prefix) || len(a.String()) < tc.min {
						t.Fatalf("%s = %.80q (%d bytes)", a.Name, a.String(), len(a.String()))
					}
					return
				}
			}
			t.Fatalf("no attribute %s among %d", tc.attr, len(attrs))
		})
	}
}

func TestWalk(t *testing.T) {
	for _, tc := range []struct {
		file   string
		want   Kind
		target string
	}{
		{"plain_v0.h5", -1, ""},
		{"dense_v3.h5", -1, ""},
		{"userblock.h5", -1, ""},
		{"external_link.h5", ExternalLink, "/etc/passwd.h5"},
		{"external_link_dense.h5", ExternalLink, "../secret.h5"},
		{"soft_link.h5", SoftLink, "/model_weights/dense"},
		{"external_storage.h5", ExternalStorage, "/etc/passwd"},
		{"virtual.h5", VirtualDataset, ""},
		{"shape_bomb.h5", OversizedDataset, "10000000000 elements"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := open(t, tc.file)
			var got []Finding
			if err := f.Walk(context.Background(), func(x Finding) { got = append(got, x) }); err != nil {
				t.Fatal(err)
			}
			if tc.want < 0 {
				if len(got) > 0 {
					t.Fatalf("want nothing, got %+v", got)
				}
				return
			}
			for _, g := range got {
				if g.Kind == tc.want && strings.Contains(g.Target, tc.target) {
					return
				}
			}
			t.Fatalf("want %v to %q, got %+v", tc.want, tc.target, got)
		})
	}
}

func TestObjectsCounted(t *testing.T) {
	f := open(t, "dense_v3.h5")
	if err := f.Walk(context.Background(), func(Finding) {}); err != nil {
		t.Fatal(err)
	}
	// root, model_weights, dense, dense/dense, 2 datasets, many + 40
	if f.objects < 47 {
		t.Fatalf("visited %d objects", f.objects)
	}
}

// TestTruncatedBelowEOFAddress cuts files short of the end-of-file address
// their superblock stores: the HDF5 library refuses them ("truncated
// file"), so must Open.
func TestTruncatedBelowEOFAddress(t *testing.T) {
	for _, name := range []string{"plain_v0.h5", "dense_v3.h5", "userblock.h5"} {
		b := formatstest.Testdata(t, name)
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cut := b[:len(b)-1]
		if _, err := Open(bytes.NewReader(cut), int64(len(cut))); err == nil {
			t.Errorf("%s cut by a byte: no error", name)
		}
	}
}

// TestRootCacheType: a root group entry whose cache type is not 0, 1 or 2
// makes the library refuse the file.
func TestRootCacheType(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "plain_v0.h5"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil || f.offSize != 8 {
		t.Fatalf("%v, offset size %d", err, f.offSize)
	}
	// Superblock v0 with 8-byte offsets: the root entry's cache type is
	// at 24 + 4*8 + 16.
	bad := bytes.Clone(b)
	bad[72] = 0x64
	if _, err := Open(bytes.NewReader(bad), int64(len(bad))); err == nil {
		t.Error("cache type 100: no error")
	}
	bad = bytes.Clone(b)
	bad[10] = 0xff // root group symbol-table entry version
	if _, err := Open(bytes.NewReader(bad), int64(len(bad))); err == nil {
		t.Error("symbol-table entry version 255: no error")
	}
}

// TestAttributeDatatype holds a string attribute's datatype message to
// what HDF5 libraries and h5py decode: versions 1 to 5, and the ASCII or
// UTF-8 character set. Any other is refused, so its value is not read.
func TestAttributeDatatype(t *testing.T) {
	msg := func(version, cset byte) []byte {
		var b []byte
		b = append(b, 1, 0, 2, 0, 8, 0, 8, 0)                            // version 1, reserved, name, datatype, dataspace sizes
		b = append(b, 'a', 0, 0, 0, 0, 0, 0, 0)                          // name "a", padded to 8
		b = append(b, version<<4|classString, cset<<4, 0, 0, 2, 0, 0, 0) // string of 2 bytes
		b = append(b, 1, 0, 0, 0, 0, 0, 0, 0)                            // scalar dataspace
		return append(b, 'h', 'i')
	}
	f := open(t, "plain_v0.h5")
	for v := byte(0); v <= 6; v++ {
		for cset := byte(0); cset <= 2; cset++ {
			a, err := f.attribute(msg(v, cset), 0)
			if ok := v >= 1 && v <= 5 && cset <= 1; ok != (err == nil) {
				t.Errorf("datatype version %d, character set %d: err %v", v, cset, err)
			} else if ok && a.String() != "hi" {
				t.Errorf("datatype version %d, character set %d: value %q", v, cset, a.String())
			}
		}
	}
}

package formats

import (
	"fmt"
	"slices"
	"strings"
)

// VendorTable says who ships what a name needs from the host: the embedded
// tables of ONNX operator domains and TFLite custom operators. Each line of
// its TSV is "name<TAB>kind<TAB>vendor<TAB>source"; a name ending in "*" is
// a prefix, and the longest matching prefix wins. Lines starting with "#"
// are comments.
type VendorTable struct {
	exact    map[string]Vendor
	prefixes []string
	byPrefix map[string]Vendor
}

// Vendor is a table entry: its kind, one of the kinds the table was parsed
// with, and the vendor that ships it. Lookup returns the zero Vendor for a
// name no entry covers.
type Vendor struct {
	Kind, Name string
}

// ParseVendorTable reads a vendor table whose kinds must be among kinds.
// Every entry needs a vendor and a source; a name may be listed once.
func ParseVendorTable(tsv string, kinds ...string) (VendorTable, error) {
	t := VendorTable{exact: map[string]Vendor{}, byPrefix: map[string]Vendor{}}
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 || c[2] == "" || c[3] == "" {
			return t, fmt.Errorf("line %d: want name, kind, vendor and source", n+1)
		}
		if !slices.Contains(kinds, c[1]) {
			return t, fmt.Errorf("line %d: unknown kind %q", n+1, c[1])
		}
		v := Vendor{Kind: c[1], Name: c[2]}
		if p, ok := strings.CutSuffix(c[0], "*"); ok {
			if p == "" {
				return t, fmt.Errorf("line %d: a bare * would cover every name", n+1)
			}
			t.byPrefix[p] = v
			t.prefixes = append(t.prefixes, p)
			continue
		}
		if _, dup := t.exact[c[0]]; dup {
			return t, fmt.Errorf("line %d: %q listed twice", n+1, c[0])
		}
		t.exact[c[0]] = v
	}
	return t, nil
}

// Lookup returns the entry for name: an exact entry, else the longest
// prefix entry, else the zero Vendor.
func (t VendorTable) Lookup(name string) Vendor {
	if v, ok := t.exact[name]; ok {
		return v
	}
	best := ""
	for _, p := range t.prefixes {
		if strings.HasPrefix(name, p) && len(p) > len(best) {
			best = p
		}
	}
	if best != "" {
		return t.byPrefix[best]
	}
	return Vendor{}
}

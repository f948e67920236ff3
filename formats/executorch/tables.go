package executorch

import (
	_ "embed"

	"github.com/modelgate/modelgate/formats"
)

// vendors.tsv says who provides each operator namespace and backend id;
// its header documents the columns and where each entry was read.
//
//go:embed vendors.tsv
var vendorsTSV string

var vendors = mustParseVendors(vendorsTSV)

func mustParseVendors(tsv string) formats.VendorTable {
	t, err := formats.ParseVendorTable(tsv, "runtime", "library", "backend")
	if err != nil {
		panic("executorch: embedded vendors.tsv: " + err.Error())
	}
	return t
}

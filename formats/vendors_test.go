package formats

import "testing"

func TestVendorTable(t *testing.T) {
	tbl, err := ParseVendorTable("# comment\n\tstandard\tONNX\tsrc\nqonnx.custom_op.*\tlibrary\tQONNX\tsrc\nqonnx.custom_op.general.*\tlibrary\tQONNX general\tsrc\ncom.x\truntime\tX\tsrc\n",
		"standard", "runtime", "library")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]Vendor{
		"":                              {Kind: "standard", Name: "ONNX"},
		"com.x":                         {Kind: "runtime", Name: "X"},
		"qonnx.custom_op.channels":      {Kind: "library", Name: "QONNX"},
		"qonnx.custom_op.general.Quant": {Kind: "library", Name: "QONNX general"},
		"com.x.y":                       {},
		"evil":                          {},
	} {
		if got := tbl.Lookup(name); got != want {
			t.Errorf("Lookup(%q) = %+v, want %+v", name, got, want)
		}
	}
	for _, bad := range []string{"*\tlibrary\tV\tsrc\n", "a\tlibrary\tV\n", "a\tplugin\tV\tsrc\n", "a\tlibrary\tV\tsrc\na\truntime\tV\tsrc\n"} {
		if _, err := ParseVendorTable(bad, "standard", "runtime", "library"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

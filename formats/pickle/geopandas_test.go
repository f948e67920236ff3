package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestGeopandasCRS: geopandas' GeoDataFrame (whose __setstate__ parses the
// crs or _crs of its state with pyproj) and GeometryArray (which keeps _crs
// for that parse) are off the allowlist and cleared only when built by
// NEWOBJ and one BUILD whose keys are constant and whose crs and _crs are
// None or absent.
func TestGeopandasCRS(t *testing.T) {
	built := func(module, name string, items ...string) []byte {
		return cat(proto(2), glob(module, name), emptyTuple, newobj, emptyDict, mark, string(cat(items...)), "u", build, stop)
	}
	item := func(k, v string) string { return sbu(k) + v }
	const frame, array = "geopandas.geodataframe", "geopandas.array"
	tests := []stateCase{
		{"frame without a CRS", built(frame, "GeoDataFrame", item("_geometry_column_name", sbu("geometry")), item("_crs", "N")), true},
		{"frame with no crs key", built(frame, "GeoDataFrame", item("_geometry_column_name", sbu("geometry"))), true},
		{"array without a CRS", built(array, "GeometryArray", item("_crs", "N"), item("_sindex", "N")), true},
		{"frame _crs a PROJ string", built(frame, "GeoDataFrame", item("_crs", sbu("+init=/etc/hosts:x"))), false},
		{"frame crs (older pickles) a PROJ string", built(frame, "GeoDataFrame", item("crs", sbu("+init=/etc/hosts:x"))), false},
		{"array _crs a PROJ string", built(array, "GeometryArray", item("_crs", sbu("+init=/etc/hosts:x"))), false},
		{"a computed key", built(frame, "GeoDataFrame", glob("builtins", "str")+sbu("_crs")+tuple1+reduce+sbu("+init=/etc/hosts:x")), false},
	}
	checkCleared(t, tests, formats.Medium)
}

package pickle

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestMatplotlibCallbackRegistry: a norm's CallbackRegistry is off the
// allowlist (process() calls its callbacks, exception_handler gets the
// exception one raises) and cleared only when built by NEWOBJ and one
// BUILD whose callbacks and exception_handler are globals allowed as
// functions, or absent: what matplotlib pickles, with no callbacks.
func TestMatplotlibCallbackRegistry(t *testing.T) {
	norm := func(items ...string) []byte {
		return cat(proto(2), glob("matplotlib.colors", "Normalize"), emptyTuple, newobj, emptyDict, mark,
			sbu("callbacks"), glob("matplotlib.cbook", "CallbackRegistry"), emptyTuple, newobj, emptyDict, mark,
			string(cat(items...)), "u", build, sbu("_vmin"), "K\x00", sbu("_vmax"), "K\x01", "u", build, stop)
	}
	item := func(k, v string) string { return sbu(k) + v }
	printer := glob("matplotlib.cbook", "_exception_printer")
	callbacks := func(f string) string {
		return item("callbacks", emptyDict+sbu("changed")+emptyDict+"K\x01"+f+"s"+"s")
	}
	tests := []stateCase{
		{"what a norm pickles", norm(item("exception_handler", printer), item("callbacks", emptyDict),
			item("_func_cid_map", "N"), item("_pickled_cids", glob("builtins", "set")+emptyList+tuple1+reduce)), true},
		{"no exception handler", norm(item("exception_handler", "N"), item("callbacks", emptyDict)), true},
		{"a callback allowed as a function", norm(item("exception_handler", printer), callbacks(printer)), true},
		{"a callback allowed only as a value", norm(item("exception_handler", printer),
			callbacks(glob("matplotlib.backend_bases", "_key_handler"))), false},
		{"a handler allowed only as a value", norm(item("exception_handler", glob("matplotlib.backend_bases", "_mouse_handler"))), false},
		{"callbacks not a dict", norm(item("callbacks", emptyList)), false},
		{"a signal's callbacks not a dict", norm(item("callbacks", emptyDict+sbu("changed")+printer+"s")), false},
		{"a computed key", norm(glob("builtins", "str")+sbu("callbacks")+tuple1+reduce+emptyDict, item("exception_handler", printer)), false},
	}
	checkCleared(t, tests, formats.Medium)
}

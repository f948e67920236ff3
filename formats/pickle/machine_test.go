package pickle

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func scanBytes(t testing.TB, data []byte, opt Options) (*formatstest.Recorder, *Result, error) {
	t.Helper()
	rec := formatstest.NewRecorder()
	if opt.Source == nil {
		opt.Source = bytes.NewReader(data)
	}
	res, err := Scan(context.Background(), bytes.NewReader(data), rec, opt)
	return rec, res, err
}

// checkRule scans data and asserts the outcome a table row states: with
// rule "" nothing at medium or above, otherwise a finding of rule.
// sevCase is a pickle that must have a finding at sev or above.
type sevCase struct {
	name string
	data []byte
	sev  formats.Severity
}

// checkAtLeast runs sevCases: each must scan without error and report a
// finding at its severity or above.
func checkAtLeast(t *testing.T, tests []sevCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); !any || worst < tt.sev {
				t.Errorf("want a finding at %s or above: %s", tt.sev, list(rec.Findings))
			}
		})
	}
}

// stateCase is a pickle of a holder class whose state check either clears
// it or not.
type stateCase struct {
	name    string
	data    []byte
	cleared bool
}

// checkCleared runs a holder's state cases: a cleared one has no finding
// at or above medium, an uncleared one one at or above min.
func checkCleared(t *testing.T, tests []stateCase, min formats.Severity) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.cleared && any && worst >= formats.Medium {
				t.Errorf("cleared state has findings: %s", list(rec.Findings))
			}
			if !tt.cleared && (!any || worst < min) {
				t.Errorf("uncleared state below %s: %s", min, list(rec.Findings))
			}
		})
	}
}

func checkRule(t *testing.T, data []byte, rule string) {
	t.Helper()
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("error %v", err)
	}
	worst, any := rec.Max()
	if rule == "" && any && worst >= formats.Medium {
		t.Errorf("benign form has findings: %v", rec.Findings)
	}
	if rule != "" && !slices.Contains(rec.Rules(), rule) {
		t.Errorf("rule %s not reported: %v", rule, rec.Findings)
	}
}

func hasGlobal(res *Result, full string) bool {
	for _, g := range res.Globals {
		if g.Module+"."+g.Name == full {
			return true
		}
	}
	return false
}

// innerPayload is a complete pickle handed to nested loaders below.
var innerPayload = string(cat(glob("os", "system"), mark, str0("id"), "tR", stop))

// vectors cover the technique families of the bypass catalogue that concern
// raw pickles (numbers refer to its rows) and the benign shapes real
// pickles have.
var vectors = []struct {
	name   string
	data   []byte
	rules  []string         // each must be reported
	min    formats.Severity // the worst finding is at least this
	clean  bool             // nothing at medium or above
	err    bool             // Scan must fail
	global string           // must be among Result.Globals
}{
	// Malicious.
	{name: "os.system proto 4", data: osSystem4, rules: []string{RuleDeniedGlobal}, min: formats.Critical, global: "os.system"},
	{name: "posix.system proto 2 GLOBAL", data: cat(proto(2), glob("posix", "system"), sbu("id"), tuple1, reduce, stop),
		min: formats.Critical, global: "posix.system"},
	{name: "no PROTO, first opcode is the module (row 6)",
		data: cat(sbu("os"), sbu("system"), stackGlobal, sbu("id"), tuple1, reduce, stop), min: formats.Critical, global: "os.system"},
	{name: "STRING operands feed STACK_GLOBAL (row 6)",
		data: cat(proto(4), str0("os"), str0("system"), stackGlobal, str0("id"), tuple1, reduce, stop), min: formats.Critical, global: "os.system"},
	{name: "BINSTRING operands feed STACK_GLOBAL",
		data: cat(proto(4), sbs("os"), "T"+le32(6)+"system", stackGlobal, sbs("id"), tuple1, reduce, stop), min: formats.Critical, global: "os.system"},
	{name: "memo confusion MEMOIZE vs PUT (row 1)",
		data: cat(proto(4), sbu("os"), binput(5), sbu("system"), memoize, pop, pop, binget(5), binget(1), stackGlobal,
			sbu("id"), tuple1, reduce, stop), min: formats.Critical, global: "os.system"},
	{name: "memo-of-GET aliasing (row 3)",
		data: cat(proto(4), sbu("os"), binput(0), sbu("system"), binput(1), pop, pop, binget(0), binput(2), binget(1), memoize,
			pop, pop, binget(2), binget(3), stackGlobal, sbu("id"), tuple1, reduce, stop), min: formats.Critical, global: "os.system"},
	{name: "text PUT/GET memo", data: cat(glob("os", "system"), "p7\n", pop, "g7\n", mark, str0("id"), "tR", stop),
		min: formats.Critical, global: "os.system"},
	{name: "missing memo key before STACK_GLOBAL (row 4)",
		data: cat(proto(4), sbu("os"), binget(9), stackGlobal, stop), rules: []string{RuleMissingMemo}, min: formats.High, err: true},
	{name: "int operand to STACK_GLOBAL (row 5)",
		data: cat(proto(4), k1(1), sbu("system"), stackGlobal, stop), rules: []string{RuleDynamicGlobal}, min: formats.Critical},
	{name: "bytes operand to STACK_GLOBAL (row 5)",
		data: cat(proto(4), sbb("os"), sbu("system"), stackGlobal, stop), rules: []string{RuleDynamicGlobal}, min: formats.Critical},
	{name: "bytearray operand to STACK_GLOBAL (row 5)",
		data: cat(proto(5), "\x96"+le64(2)+"os", sbu("system"), stackGlobal, stop), rules: []string{RuleDynamicGlobal}, min: formats.Critical},
	{name: "computed operand to STACK_GLOBAL (row 7)",
		data:  cat(proto(4), glob("builtins", "str"), sbu("os"), tuple1, reduce, sbu("system"), stackGlobal, sbu("id"), tuple1, reduce, stop),
		rules: []string{RuleDynamicGlobal, RuleComputedCall}, min: formats.Critical},
	{name: "INST (row 27)", data: cat(mark, str0("id"), inst("os", "system"), stop), min: formats.Critical, global: "os.system"},
	{name: "INST __builtin__ exec, compat alias", data: cat(mark, str0("print(1)"), inst("__builtin__", "exec"), stop),
		min: formats.Critical, global: "builtins.exec"},
	{name: "OBJ", data: cat(mark, glob("os", "system"), str0("id"), "o", stop), min: formats.Critical},
	{name: "NEWOBJ", data: cat(proto(2), glob("subprocess", "Popen"), sbu("id"), tuple1, newobj, stop), min: formats.Critical},
	{name: "NEWOBJ_EX", data: cat(proto(4), glob("subprocess", "Popen"), sbu("id"), tuple1, emptyDict, newobjEx, stop), min: formats.Critical},
	{name: "call discarded by POP (row 36)",
		data: cat(proto(2), glob("os", "system"), sbu("id"), tuple1, reduce, pop, "N", stop), min: formats.Critical, global: "os.system"},
	{name: "cPickle alias under protocol 2 (row 25)",
		data: cat(proto(2), glob("cPickle", "loads"), sbb("x"), tuple1, reduce, stop), min: formats.Critical, global: "pickle.loads"},
	{name: "urllib2 alias (row 25)",
		data: cat(glob("urllib2", "urlopen"), mark, str0("http://x"), "tR", stop), min: formats.High, global: "urllib.request.urlopen"},
	{name: "commands alias (row 25)",
		data: cat(glob("commands", "getoutput"), mark, str0("id"), "tR", stop), min: formats.Critical, global: "subprocess.getoutput"},
	{name: "dotted eval.__call__ (row 24)",
		data: cat(proto(4), sbu("builtins"), sbu("eval.__call__"), stackGlobal, sbu("1"), tuple1, reduce, stop), min: formats.Critical},
	{name: "dotted through pathlib (row 23)",
		data: cat(proto(4), sbu("pathlib"), sbu("os.system"), stackGlobal, sbu("id"), tuple1, reduce, stop), min: formats.Critical},
	{name: "plain GLOBAL dotted in a proto-4 stream",
		data: cat(proto(4), glob("builtins", "getattr.__call__"), stop), min: formats.Critical},
	{name: "FRAME straddle (row 22)",
		data:  cat(proto(4), frame(6), sbu("os"), sbu("system"), stackGlobal, sbu("id"), tuple1, reduce, stop),
		rules: []string{RuleFrame}, min: formats.Critical},
	{name: "FRAME inside FRAME",
		data: cat(proto(4), frame(13), frame(3), "N", pop, "N", stop), rules: []string{RuleFrame}, min: formats.High},
	{name: "LONG with a letter after the digits that overflow", data: []byte("L100000000000000000000000000I000L\n."), err: true},
	{name: "INT with a letter after the digits that overflow", data: []byte("I100000000000000000000000000I000\n."), err: true},
	{name: "LONG of 31 digits", data: []byte("L1000000000000000000000000000000L\n.")},
	{name: "SETITEM on a list inside it", data: cat(proto(2), "](K\x01K\x02eK\x01K\x09s", stop)},
	{name: "SETITEM on a list with a negative index", data: cat(proto(2), "](K\x01K\x02eJ\xfe\xff\xff\xffK\x09s", stop)},
	{name: "SETITEM on a list past its end", data: cat(proto(2), "](K\x01K\x02eK\x02K\x09s", stop), err: true},
	{name: "SETITEM on a list with a str key", data: cat(proto(2), "](K\x01K\x02e\x8c\x01aK\x09s", stop), err: true},
	{name: "FLOAT beyond the float range", data: []byte("F2.5e310\n."), err: true},
	{name: "FLOAT below the float range", data: []byte("F2.5e-400\n.")},
	{name: "FLOAT inf", data: []byte("Finf\n.")},
	{name: "list as a dict key", data: cat(proto(2), "}]Ns", stop), err: true},
	{name: "list as a dict key in SETITEMS", data: cat(proto(2), "}(]Nu", stop), err: true},
	{name: "list as a set item", data: cat(proto(4), "\x8f(]\x90", stop), err: true},
	{name: "list as a dict value", data: cat(proto(2), "}(K\x01]u", stop)},
	{name: "REDUCE of a str", data: cat(proto(2), sbu("x"), "N\x85", reduce, stop), err: true},
	{name: "REDUCE with a list of arguments", data: cat(proto(2), glob("collections", "OrderedDict"), "]", reduce, stop), err: true},
	{name: "NEWOBJ of an int", data: cat(proto(2), "K\x01", ")", "\x81", stop), err: true},
	{name: "FRAME longer than the input", data: cat(proto(4), frame(40), "N", stop), err: true},
	{name: "payload then garbage (row 8)",
		data: cat(glob("os", "system"), mark, str0("id"), "tR", "\xff\xfe"), rules: []string{RuleBadOpcode}, min: formats.Critical, err: true},
	{name: "payload then truncation", data: cat(glob("os", "system"), mark, str0("id"), "tR"), min: formats.Critical, err: true},
	{name: "benign then malicious stream (multiple pickles)",
		data: cat(proto(2), emptyList, stop, string(osSystem4)), min: formats.Critical, global: "os.system"},
	{name: "garbage after STOP", data: cat(proto(2), "N", stop, "this is not a pickle at all"),
		rules: []string{RuleTrailingData}, min: formats.Medium},
	{name: "broken pickle after STOP", data: cat(proto(2), "N", stop, proto(2), glob("os", "system"), "\xff"),
		rules: []string{RuleTrailingData, RuleDeniedGlobal}, min: formats.Critical},
	{name: "nested pickle.loads with constant bytes (row 27)",
		data:  cat(glob("pickle", "loads"), mark, "C"+string([]byte{byte(len(innerPayload))})+innerPayload, "tR", stop),
		rules: []string{RuleNestedPickle}, min: formats.Critical},
	{name: "nested loads through _codecs.encode latin1 (proto 0)",
		data: cat(glob("_pickle", "loads"), mark, glob("_codecs", "encode"), mark, uni(strings.ReplaceAll(innerPayload, "\n", "\\u000a")),
			str0("latin1"), "tR", "tR", stop),
		rules: []string{RuleNestedPickle}, min: formats.Critical},
	{name: "nested loads of a computed payload",
		data:  cat(proto(2), glob("pickle", "loads"), glob("zlib", "decompress"), sbb("xx"), tuple1, reduce, tuple1, reduce, stop),
		rules: []string{RuleNestedPickle}, min: formats.Critical},
	{name: "BUILD overwrites a module attribute, then lookups (row 2, sys_module_override)",
		data: cat(proto(4), sbu("torch._utils"), sbu("_rebuild_tensor"), stackGlobal, emptyDict, sbu("x"), sbu("builtins"), "s", build,
			pop, sbu("torch._utils"), sbu("x"), stackGlobal, stop),
		rules: []string{RuleGlobalMutation}, min: formats.Critical},
	{name: "SETITEM on a global", data: cat(glob("os", "environ"), str0("LD_PRELOAD"), str0("/tmp/x.so"), "s", stop),
		rules: []string{RuleGlobalMutation}, min: formats.Critical},
	{name: "numpy.size BUILD then dotted lookup (modelscan #330)",
		data: cat(proto(4), sbu("numpy"), sbu("size"), stackGlobal, "N", emptyDict, sbu("__builtins__"), sbu("x"), "s", tuple2, build,
			pop, sbu("numpy"), sbu("size.__builtins__"), stackGlobal, stop),
		rules: []string{RuleGlobalMutation}, min: formats.Critical},
	{name: "APPENDS on a str (type confusion)", data: cat(str0("x"), mark, k1(1), "e", stop), rules: []string{RuleTypeConfusion}, min: formats.Medium},
	{name: "EXT1", data: cat(proto(2), "\x82\x01", sbu("id"), tuple1, reduce, stop), rules: []string{RuleExtension, RuleComputedCall}, min: formats.High},
	{name: "duplicate PROTO", data: cat(proto(2), proto(4), "N", stop), rules: []string{RuleProto}, min: formats.Medium},
	{name: "invalid opcode", data: cat(proto(2), "\xff"), rules: []string{RuleBadOpcode}, min: formats.High, err: true},
	{name: "call of a call result", data: cat(proto(2), glob("collections", "OrderedDict"), emptyTuple, reduce, emptyTuple, reduce, stop),
		rules: []string{RuleComputedCall}, min: formats.High},
	{name: "BINPERSID after a payload",
		data: cat(proto(2), glob("os", "system"), sbu("id"), tuple1, reduce, pop, sbu("storage"), tuple1, "Q", stop), min: formats.Critical},
	{name: "unknown global", data: cat(proto(2), glob("mylib.models", "Net"), emptyTuple, reduce, stop),
		rules: []string{RuleUnknownGlobal}, min: formats.Medium, global: "mylib.models.Net"},

	// Benign.
	{name: "proto 0 floats", data: cat(mark, "lp0\n", "F1.5\n", "aF-2.25e10\n", "aF1e-3\n", "aI12\n", "aL123456789012345678901234567890L\n", "a", stop), clean: true},
	{name: "proto 0 strings", data: cat(mark, "lp0\n", str0(`a\'b\x41\n`), "a", uni(`caf\xe9 \u20ac`), "a", "I01\n", "a", stop), clean: true},
	{name: "nested containers proto 2",
		data: cat(proto(2), emptyDict, binput(0), mark, sbu("a"), emptyList, mark, k1(1), k1(2), "e", sbu("b"), k1(1), k1(2), tuple2,
			sbu("c"), mark, "N", "\x88", "\x89", "t", "u", stop), clean: true},
	{name: "set and frozenset proto 4", data: cat(proto(4), "\x8f", mark, k1(1), k1(2), "\x90", mark, k1(3), "\x91", tuple2, stop), clean: true},
	{name: "numpy _reconstruct", data: numpyArray, clean: true, global: "numpy.core.multiarray._reconstruct"},
	{name: "torch _rebuild_tensor_v2 with BINPERSID", data: torchTensor, clean: true, global: "torch._utils._rebuild_tensor_v2"},
	{name: "framed proto 4", data: cat(proto(4), frame(9), emptyList, binput(0), mark, k1(1), k1(2), "e", stop), clean: true},
	{name: "two benign streams", data: cat(proto(2), "N", stop, proto(2), k1(1), stop), clean: true},
	{name: "trailing newline", data: cat(proto(2), "N", stop, "\n"), rules: []string{RuleTrailingData}, clean: true},

	// Bad input.
	{name: "empty", data: nil, err: true},
	{name: "truncated BINUNICODE", data: cat(proto(4), "X"+le32(100)+"abc"), err: true},
	{name: "BINBYTES8 2^63", data: cat(proto(4), "\x8e"+le64(1<<63)), err: true},
	{name: "BINBYTES8 2^63-1", data: cat(proto(4), "\x8e"+le64(1<<63-1)+"abc"), err: true},
	{name: "FRAME 2^64-1", data: cat(proto(4), "\x95"+le64(^uint64(0))), err: true},
	{name: "negative BINSTRING", data: cat("T" + le32(-1)), err: true},
	{name: "STOP on empty stack", data: cat(proto(2), stop), err: true},
	{name: "POP below a mark", data: cat(proto(2), "N", mark, pop, pop, pop, stop), err: true},
	{name: "odd DICT", data: cat(mark, k1(1), "d", stop), err: true},
	{name: "unknown protocol", data: cat(proto(6), "N", stop), err: true},
	{name: "unquoted STRING", data: cat("Sabc\n", stop), err: true},
	{name: "bad INT", data: cat("Ixyz\n", stop), err: true},
	{name: "GLOBAL with invalid UTF-8", data: cat("cmod\n\xf8\n"), err: true},
	{name: "EXT code 0", data: cat("\x82\x00", stop), err: true},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			rec, res, err := scanBytes(t, v.data, Options{Multiple: true})
			if (err != nil) != v.err {
				t.Fatalf("err = %v, want error %v", err, v.err)
			}
			for _, f := range rec.Findings {
				t.Logf("%s %s @%d: %s %v", f.Severity, f.Rule, f.Offset, f.Message, f.Details)
			}
			got := rec.Rules()
			for _, r := range v.rules {
				if !slices.Contains(got, r) {
					t.Errorf("rule %s not reported; got %v", r, rec.Findings)
				}
			}
			worst, any := rec.Max()
			if v.min > formats.Info && (!any || worst < v.min) {
				t.Errorf("worst severity %v, want >= %v; findings %v", worst, v.min, rec.Findings)
			}
			if v.clean && any && worst >= formats.Medium {
				t.Errorf("benign input has findings: %v", rec.Findings)
			}
			if v.global != "" && !hasGlobal(res, v.global) {
				t.Errorf("global %s not in result %+v", v.global, res.Globals)
			}
			for _, f := range rec.Findings {
				if _, ok := formats.LookupRule(f.Rule); !ok {
					t.Errorf("unregistered rule %s", f.Rule)
				}
			}
		})
	}
}

// numpyArray is numpy.array([1.0, 2.0, 3.0]) as protocol 2 writes it.
var numpyArray = cat(proto(2), glob("numpy.core.multiarray", "_reconstruct"), binput(0), glob("numpy", "ndarray"), binput(1),
	k1(0), tuple1, sbb("b"), "\x87", reduce, binput(2),
	mark, k1(1), k1(3), tuple1, glob("numpy", "dtype"), binput(3), sbu("f8"), "\x89\x88\x87", reduce, binput(4),
	mark, k1(3), sbu("<"), "NNN", "J"+le32(-1), "J"+le32(-1), k1(0), "t", build,
	"\x89", sbb(strings.Repeat("\x00", 24)), "t", build, stop)

// torchTensor is the data.pkl of a one-tensor state dict written by torch.save.
var torchTensor = cat(proto(2), glob("collections", "OrderedDict"), binput(0), emptyTuple, reduce, binput(1),
	sbu("weight"), binput(2), glob("torch._utils", "_rebuild_tensor_v2"), binput(3),
	mark, mark, sbu("storage"), binput(4), glob("torch", "FloatStorage"), binput(5), sbu("0"), sbu("cpu"), k1(4), "t", "Q",
	k1(0), k1(2), k1(2), tuple2, k1(2), k1(1), tuple2, "\x89", glob("collections", "OrderedDict"), emptyTuple, reduce, "t", reduce,
	"s", stop)

func TestPersistentIDs(t *testing.T) {
	_, res, err := scanBytes(t, torchTensor, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.PersistentIDs) != 1 {
		t.Fatalf("persistent IDs %v", res.PersistentIDs)
	}
	pid := res.PersistentIDs[0].ID
	if pid.Kind() != KindTuple || pid.Len() != 5 {
		t.Fatalf("pid %v", pid)
	}
	tag, _ := pid.Index(0)
	if s, _ := tag.Text(); s != "storage" {
		t.Errorf("tag %v", tag)
	}
	typ, _ := pid.Index(1)
	if m, n, _ := typ.Global(); m+"."+n != "torch.FloatStorage" {
		t.Errorf("storage type %v", typ)
	}
	if numel, _ := pid.Index(4); numel.String() != "4" {
		t.Errorf("numel %v", numel)
	}
	if res.Streams != 1 || res.Protocol != 2 || res.End != int64(len(torchTensor)) {
		t.Errorf("result %+v", res)
	}
	if got := res.Values[0].String(); !strings.Contains(got, "collections.OrderedDict") {
		t.Errorf("value %s", got)
	}
}

func TestFindingOffsets(t *testing.T) {
	// The finding for os.system sits at the STACK_GLOBAL opcode.
	rec, _, _ := scanBytes(t, osSystem4, Options{})
	want := int64(len(cat(proto(4), sbu("os"), sbu("system"))))
	for _, f := range rec.Findings {
		if f.Details["global"] == "os.system" {
			if f.Offset != want {
				t.Errorf("offset %d, want %d", f.Offset, want)
			}
			if !strings.Contains(f.Details["call"], `os.system("id")`) {
				t.Errorf("call detail %q", f.Details["call"])
			}
			return
		}
	}
	t.Fatalf("no os.system finding in %v", rec.Findings)
}

func TestErrorKeepsFindings(t *testing.T) {
	data := cat(glob("os", "system"), mark, str0("id"), "tR", "\xff")
	rec, _, err := scanBytes(t, data, Options{})
	var pe *Error
	if !errors.As(err, &pe) || pe.Offset != int64(len(data)-1) {
		t.Fatalf("err %v", err)
	}
	if formats.Reason(err) != "parse-error" {
		t.Errorf("reason %q", formats.Reason(err))
	}
	found := false
	for _, f := range rec.Findings {
		found = found || f.Details["global"] == "os.system"
	}
	if !found {
		t.Errorf("finding lost: %v", rec.Findings)
	}
}

func TestNestedOffsets(t *testing.T) {
	data := cat(glob("pickle", "loads"), mark, "C"+string([]byte{byte(len(innerPayload))})+innerPayload, "tR", stop)
	rec, _, _ := scanBytes(t, data, Options{})
	callOff := int64(len(data) - 2)
	for _, f := range rec.Findings {
		if f.Details["global"] == "os.system" {
			if f.Offset != callOff || f.Details["nested_offset"] != "0" {
				t.Errorf("nested finding %+v", f)
			}
			return
		}
	}
	t.Fatalf("nested os.system not found: %v", rec.Findings)
}

func TestLongNestedPayloadReread(t *testing.T) {
	inner := cat(proto(2), sbu(strings.Repeat("a", 200)), pop, glob("os", "system"), bu(strings.Repeat("x", 3000)), tuple1, reduce, stop)
	data := cat(proto(2), glob("pickle", "loads"), bb(string(inner)), tuple1, reduce, stop)
	rec, _, err := scanBytes(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Findings {
		if f.Details["global"] == "os.system" && f.Details["nested_loader"] == "pickle.loads" {
			return
		}
	}
	t.Fatalf("nested os.system not found: %v", rec.Findings)
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name  string
		data  []byte
		lim   func(*formats.Limits)
		limit string
	}{
		{"MARK bomb", []byte(strings.Repeat("(", 5000)), func(l *formats.Limits) { l.Stack = 1000 }, "pickle-stack"},
		{"deep list", []byte(strings.Repeat("]", 5000)), func(l *formats.Limits) { l.Stack = 1000 }, "pickle-stack"},
		{"opcodes", cat(proto(2), strings.Repeat("N0", 1000), "N", stop), func(l *formats.Limits) { l.Opcodes = 100 }, "pickle-opcodes"},
		{"memo", cat(proto(4), "N", strings.Repeat(memoize, 200), stop), func(l *formats.Limits) { l.Memo = 100 }, "pickle-memo"},
		{"streams", []byte(strings.Repeat("N.", 100)), func(l *formats.Limits) { l.Pickles = 10 }, "pickle-streams"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := formatstest.NewRecorder()
			c.lim(&rec.Lim)
			_, err := Scan(context.Background(), bytes.NewReader(c.data), rec, Options{Multiple: true})
			var le *formats.LimitError
			if !errors.As(err, &le) || le.Limit != c.limit {
				t.Fatalf("err %v, want limit %s", err, c.limit)
			}
		})
	}
}

// TestTableBudget: what a stream carves is never freed while it runs, so
// its tables have a byte budget: garbage (lists built and popped) ends in
// a limit error, as do the values every stream returned, kept for the
// caller, once they outgrow it. A stream that keeps little runs through.
func TestTableBudget(t *testing.T) {
	const budget = 1 << 20
	list := mark + strings.Repeat("N", 1000) + "l"
	cases := []struct {
		name  string
		data  []byte
		limit string // "": no error
	}{
		{"garbage", cat(proto(2), strings.Repeat("]Na0", 20000), "N", stop), "pickle-value-bytes"},
		{"returned values", cat(strings.Repeat(string(cat(proto(2), list, stop)), 200)), "pickle-value-bytes"},
		{"within", cat(proto(2), strings.Repeat("]Na0", 1000), "N", stop), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Scan(context.Background(), bytes.NewReader(c.data), formatstest.NewRecorder(),
				Options{Multiple: true, MaxItems: 1000, tableBytes: budget})
			var le *formats.LimitError
			switch {
			case c.limit == "" && err != nil:
				t.Fatalf("err %v", err)
			case c.limit != "" && (!errors.As(err, &le) || le.Limit != c.limit):
				t.Fatalf("err %v, want limit %s", err, c.limit)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := cat(proto(2), strings.Repeat("N0", 100000), "N", stop)
	_, err := Scan(ctx, bytes.NewReader(data), formatstest.NewRecorder(), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestBuildHook(t *testing.T) {
	// joblib: BUILD of a NumpyArrayWrapper is followed by raw array bytes
	// the hook consumes.
	state := cat(emptyDict, mark, sbu("shape"), k1(3), tuple1, sbu("order"), sbu("C"), sbu("numpy_array_alignment_bytes"), k1(16), "u")
	data := cat(proto(2), glob("joblib.numpy_pickle", "NumpyArrayWrapper"), emptyTuple, newobj, string(state), build,
		"\x03\xff\xff\xff", strings.Repeat("\xab", 24), stop)
	var seen bool
	opt := Options{Hooks: Hooks{OnBuild: func(s *Stream, obj, state Value) (Value, error) {
		m, n, _ := obj.Callable().Global()
		if m+"."+n != "joblib.numpy_pickle.NumpyArrayWrapper" {
			return Value{}, nil
		}
		seen = true
		shape, _ := state.Get("shape")
		d0, _ := shape.Index(0)
		n0, _ := d0.Int()
		if align, ok := state.Get("numpy_array_alignment_bytes"); ok {
			if _, ok := align.Int(); ok {
				pad, err := s.ReadByte()
				if err != nil {
					return Value{}, err
				}
				if err := s.Discard(int64(pad)); err != nil {
					return Value{}, err
				}
			}
		}
		return Value{}, s.Discard(n0 * 8)
	}}}
	rec, res, err := scanBytes(t, data, opt)
	if err != nil || !seen {
		t.Fatalf("err %v seen %v findings %v", err, seen, rec.Findings)
	}
	if res.End != int64(len(data)) {
		t.Errorf("end %d of %d", res.End, len(data))
	}
}

func TestAnalyzer(t *testing.T) {
	a, ok := formats.Lookup(formats.Pickle)
	if !ok {
		t.Fatal("pickle analyzer not registered")
	}
	rec, err := formatstest.Run(t, a, "model.pkl", osSystem4)
	if err != nil {
		t.Fatal(err)
	}
	if worst, _ := rec.Max(); worst < formats.Critical {
		t.Errorf("findings %v", rec.Findings)
	}
	// A legacy torch file: five pickles, then raw storage bytes that are
	// not reported as trailing data.
	legacy := cat(proto(2), "\x8a\x0a"+legacyTorchMagic, stop, proto(2), "M\xe9\x03", stop, proto(2), emptyDict, stop,
		string(torchTensor), proto(2), emptyList, stop, strings.Repeat("\x01\x02", 64))
	rec, err = formatstest.Run(t, a, "model.bin", legacy)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(rec.Rules(), RuleTrailingData) {
		t.Errorf("legacy torch storage reported as trailing data: %v", rec.Findings)
	}
}

// TestNoAllocationByLength: lengths read from the file never size an
// allocation; a 4 GiB BINBYTES8 claim over a few bytes costs what a small
// pickle costs.
func TestNoAllocationByLength(t *testing.T) {
	for _, data := range [][]byte{
		cat(proto(4), "\x8e"+le64(1<<62), "abc"),
		cat(proto(4), "\x96"+le64(1<<32), "abc"),
		cat(proto(4), "X"+le32(-1), "abc"),
		cat(proto(2), "\x8b"+le32(1<<30), "abc"),
		cat(proto(4), frame(1<<40), "N."),
	} {
		allocs := testing.AllocsPerRun(5, func() {
			Scan(context.Background(), bytes.NewReader(data), formatstest.NewRecorder(), Options{})
		})
		var ms1, ms2 runtime.MemStats
		runtime.ReadMemStats(&ms1)
		Scan(context.Background(), bytes.NewReader(data), formatstest.NewRecorder(), Options{})
		runtime.ReadMemStats(&ms2)
		if grown := ms2.TotalAlloc - ms1.TotalAlloc; grown > 1<<20 || allocs > 100 {
			t.Errorf("%q: %d bytes in %v allocations", data[:min(len(data), 12)], grown, allocs)
		}
	}
}

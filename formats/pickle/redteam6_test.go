package pickle

import "testing"

// TestRedteam6Update asserts that a callable the pickle stores as the
// update attribute of a dict it puts in an addict Dict is judged when the
// Dict's BUILD runs: addict's __setstate__ is update(state), which for a
// key whose held item and state value are both dicts calls
// self[k].update(v) (mmcv's and mmengine's ConfigDicts likewise), and an
// instance attribute named update shadows the dict's method. EasyDict's
// __setitem__ sets the attribute (SETITEMS), and a BUILD state sets it on
// any object with a __dict__ (OrderedDict, yacs CfgNode). Each case ran
// its payload with easydict 1.10 and a stand-in for addict 2.4.0's
// pickling methods under CPython 3.11; here the payload is
// cmdstanpy's CmdStanModel, allowlisted as a class only (its __init__
// compiles with make). The mmengine cases ran with a stand-in for its
// ConfigDict (mmengine@254342938d).
//
// Failing on 01d48df: each case scans clean.
func TestRedteam6Update(t *testing.T) {
	pay := glob("cmdstanpy.model", "CmdStanModel")
	addict := glob("addict.addict", "Dict") + emptyTuple + newobj
	easy := glob("easydict", "EasyDict") + emptyTuple + newobj
	mmengine := glob("mmengine.config.config", "ConfigDict") + emptyTuple + newobj
	od := glob("collections", "OrderedDict") + emptyTuple + reduce + emptyDict + sbu("items") + pay + "s" + build + sbu("k") + k1(1) + "s"
	// then is the BUILD that runs addict's update over item "x".
	then := emptyDict + sbu("x") + emptyDict + "s" + build + stop
	mustFail(t, map[string][]byte{
		"EasyDict item update in an addict Dict": cat(proto(2), addict, sbu("x"), easy, sbu("update"), pay, "s", "s", then),
		"OrderedDict state update in an addict Dict": cat(proto(2), addict, sbu("x"),
			glob("collections", "OrderedDict"), emptyTuple, reduce, emptyDict, sbu("update"), pay, "s", build, "s", then),
		"EasyDict slot state update in an addict Dict": cat(proto(2), addict, sbu("x"),
			easy, "N", emptyDict, sbu("update"), pay, "s", tuple2, build, "s", then),
		"addict Dict built from itself": cat(proto(2), addict, binput(0), sbu("x"), easy, sbu("update"), pay, "s",
			sbu("d"), emptyDict, "s", "s", binget(0), build, stop),
		"EasyDict update set after it became an item": cat(proto(2), addict, binput(0), sbu("x"), easy, binput(1), "s",
			binget(1), sbu("update"), pay, "s", pop, then),
		"yacs CfgNode state update in an addict Dict": cat(proto(2), addict, sbu("x"),
			glob("yacs.config", "CfgNode"), emptyTuple, newobj, emptyDict, sbu("update"), pay, "s", build, "s", then),
		"mmengine ConfigDict built over a CfgNode with update": cat(proto(2), mmengine, sbu("x"),
			glob("yacs.config", "CfgNode"), emptyTuple, newobj, emptyDict, sbu("update"), pay, "s", build, "s", then),
		// mmengine's ConfigDict.__setitem__ runs _hook, which for an exact
		// dict or OrderedDict calls ConfigDict(item): arg.items().
		"mmengine ConfigDict item an OrderedDict with items": cat(proto(2), mmengine, sbu("x"),
			od, "s", stop),
		"mmengine ConfigDict called with a dict holding an OrderedDict with items": cat(proto(2),
			glob("mmengine.config.config", "ConfigDict"), emptyDict, sbu("x"), od, "s", tuple1, reduce, stop),
		// _hook rebuilds a list or tuple item element by element.
		"mmengine ConfigDict item a list of an OrderedDict with items": cat(proto(2), mmengine, sbu("x"),
			emptyList, od, "a", "s", stop),
	})
}

// TestRedteam6Forwarded asserts that a hook attribute (hooks.go) the
// pickle gives an object is judged when an allowlisted class's method,
// not the unpickler, looks it up: docutils' Element.extend (APPENDS)
// calls self.children.append(child), and Element.__setitem__ with a str
// key sets self.attributes[key], whose mmengine ConfigDict __setitem__
// hands an OrderedDict to ConfigDict(item), which calls item.items().
// Both ran their payload with docutils 0.19 (and the mmengine stand-in)
// under CPython 3.11.
//
// Failing on 9f8a7e2: each case scans clean.
func TestRedteam6Forwarded(t *testing.T) {
	pay := glob("cmdstanpy.model", "CmdStanModel")
	element := glob("docutils.nodes", "Element") + emptyTuple + newobj
	hooked := func(name string) string {
		return glob("collections", "OrderedDict") + emptyTuple + reduce + emptyDict + sbu(name) + pay + "s" + build
	}
	child := glob("argparse", "Namespace") + emptyTuple + newobj
	mustFail(t, map[string][]byte{
		"Element APPENDS into children with append": cat(proto(2), element,
			emptyDict, sbu("children"), hooked("append"), "s", sbu("document"), "N", "s", build, mark, child, "e", stop),
		"Element str SETITEM into a ConfigDict attributes": cat(proto(2), element,
			emptyDict, sbu("attributes"), glob("mmengine.config.config", "ConfigDict"), emptyTuple, newobj, "s", build,
			sbu("a"), hooked("items"), sbu("k"), k1(1), "s", "s", stop),
		// Element.append's setup_child reads child.source and child.line
		// when the node has a document: CmdStanMCMC's __getattr__ is
		// stan_variable, which reads the run's CSV files (ran with a
		// stand-in for cmdstanpy 1.0's __getattr__).
		"Element APPENDS a cmdstanpy fit": cat(proto(2), element,
			emptyDict, sbu("children"), emptyList, "s", sbu("_document"), child, "s", build, mark,
			glob("cmdstanpy.stanfit", "CmdStanMCMC"), emptyTuple, newobj, "e", stop),
	})
}

// TestRedteam6EasyDictConverts asserts that a keys attribute the pickle
// gives a mapping put in an EasyDict is judged: EasyDict's __setattr__
// (its __setitem__, and BUILD's setattr of a slot state) turns a dict
// value that is not an EasyDict, and each dict element of a list or
// tuple value, into EasyDict(value), whose dict(value) calls
// value.keys() for an OrderedDict. Each ran its payload with easydict
// 1.10 under CPython 3.11.
//
// Failing on e9e4470: each case scans clean.
func TestRedteam6EasyDictConverts(t *testing.T) {
	pay := glob("cmdstanpy.model", "CmdStanModel")
	easy := glob("easydict", "EasyDict") + emptyTuple + newobj
	od := glob("collections", "OrderedDict") + emptyTuple + reduce + emptyDict + sbu("keys") + pay + "s" + build + sbu("k") + k1(1) + "s"
	mustFail(t, map[string][]byte{
		"SETITEM an OrderedDict with keys":           cat(proto(2), easy, sbu("x"), od, "s", stop),
		"SETITEM a list of an OrderedDict with keys": cat(proto(2), easy, sbu("x"), emptyList, od, "a", "s", stop),
		"slot state an OrderedDict with keys":        cat(proto(2), easy, "N", emptyDict, sbu("x"), od, "s", tuple2, build, stop),
		"SETITEM a dict holding an OrderedDict":      cat(proto(2), easy, sbu("x"), emptyDict, sbu("y"), od, "s", "s", stop),
	})
}

// TestRedteam6FieldsConverted asserts that an items attribute the pickle
// gives a mapping an ml_collections ConfigDict receives is judged: its
// __setstate__ sets self[field] for each of state["_fields"], and its
// __setitem__ turns a dict value into ConfigDict(value), whose
// _configdict_fill_seed calls value.items() (read at ml_collections
// HEAD, config_dict.py; the library is not installed here).
//
// Failing on f82b2fa: each case scans clean.
func TestRedteam6FieldsConverted(t *testing.T) {
	pay := glob("cmdstanpy.model", "CmdStanModel")
	od := glob("collections", "OrderedDict") + emptyTuple + reduce + emptyDict + sbu("items") + pay + "s" + build + sbu("k") + k1(1) + "s"
	cd := glob("ml_collections.config_dict.config_dict", "ConfigDict") + emptyTuple + newobj
	state := func(fields string) string {
		return emptyDict + sbu("_fields") + emptyDict + fields + "s" + sbu("_type_safe") + "\x88" + "s" + sbu("_locked") + "\x89" + "s"
	}
	mustFail(t, map[string][]byte{
		"BUILD fields an OrderedDict with items": cat(proto(2), cd, state(sbu("x")+od), build, stop),
		"SETITEM an OrderedDict with items":      cat(proto(2), cd, state(""), build, sbu("x"), od, "s", stop),
	})
}

package pickle

import "testing"

// TestInstWithoutArguments checks INST and OBJ as the loaders read them:
// with no arguments a class is built with cls.__new__(cls), as by NEWOBJ
// (CPython _pickle.c instantiate, pickle.py _instantiate; Python 2's
// protocol-0 pickles of classes write this), so a global allowed only as
// a class passes; with arguments the class is called, which such an entry
// does not permit (MG116).
func TestInstWithoutArguments(t *testing.T) {
	const mod, name = "torch.nn.modules.linear", "Linear"
	runRuleCases(t, []ruleCase{
		{"INST without arguments", cat(mark, inst(mod, name), emptyDict, build, stop), ""},
		{"INST with an argument", cat(mark, str0("x"), inst(mod, name), stop), "MG116"},
		{"OBJ without arguments", cat(mark, glob(mod, name), "o", emptyDict, build, stop), ""},
		{"OBJ with an argument", cat(mark, glob(mod, name), str0("x"), "o", stop), "MG116"},
	})
}

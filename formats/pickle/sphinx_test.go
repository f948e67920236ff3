package pickle

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestDoctreesAndTrax asserts the uses of the docutils and sphinx
// entries (generated from Debian's python3-docutils and python3-sphinx)
// and of the trax and lshashpy3 entries (read from source): node
// classes, ShapeDtype, History and InMemoryStorage may be built (NEWOBJ,
// then BUILD), never called with the
// pickle's arguments; what their state holds is judged on its own; the
// pending and ifconfig nodes, the translation proxy and the build
// environment stay off. The real doctrees are globals/testdata/ecosystems/docutils.pkl
// and sphinx.pkl (TestEcosystemSamples); the others are
// testdata/trax/make.py's and testdata/lshash/make.py's.
func TestDoctreesAndTrax(t *testing.T) {
	osSystem := glob("os", "system") + sbu("id") + tuple1 + reduce
	tests := []ruleCase{
		{"sphinx document built", withState("sphinx.addnodes", "document", "rawsource", sbu("")), ""},
		{"docutils Values built", withState("docutils.frontend", "Values", "report_level", "K\x02"), ""},
		{"paragraph state calling os.system", withState("docutils.nodes", "paragraph", "rawsource", osSystem), RuleDeniedGlobal},
		{"paragraph holding os.system", withState("docutils.nodes", "paragraph", "rawsource", glob("os", "system")), RuleDeniedGlobal},
		{"sphinx document called", called("sphinx.addnodes", "document"), RuleMisusedGlobal},
		{"docutils Text called", called("docutils.nodes", "Text"), RuleMisusedGlobal},
		// Left off: a held transform, a held translation function, and
		// the build environment (environment.pickle) with its config.
		{"pending node stays off", cat(proto(2), built("docutils.nodes", "pending"), stop), RuleUnknownGlobal},
		{"translation proxy stays off", cat(proto(2), built("sphinx.locale", "_TranslationProxy"), stop), RuleUnknownGlobal},
		{"BuildEnvironment stays off", cat(proto(2), built("sphinx.environment", "BuildEnvironment"), stop), RuleUnknownGlobal},
		{"todo node built", withState("sphinx.ext.todo", "todo_node", "rawsource", sbu("")), ""},
		// Sphinx evaluates an ifconfig node's expr when it resolves the
		// doctree (sphinx.ext.ifconfig): left off.
		{"ifconfig node stays off", withState("sphinx.ext.ifconfig", "ifconfig", "expr", sbu("__import__('os').system('id')")), RuleUnknownGlobal},
		{"trax ShapeDtype built", cat(proto(2), built("trax.shapes", "ShapeDtype"), stop), ""},
		{"trax old History built", cat(proto(2), built("trax.history", "History"), stop), ""},
		{"trax History called", called("trax.supervised.history", "History"), RuleMisusedGlobal},
	}
	runRuleCases(t, tests)
	for _, tt := range []struct {
		file string
		rule string
	}{
		{"trax/checkpoint.pkl", ""},
		{"trax/hostile_history_system.pkl", RuleDeniedGlobal},
		{"trax/hostile_shapedtype_called.pkl", RuleMisusedGlobal},
		{"lshash/hash_tables.pkl", ""},
		{"lshash/hostile_storage_system.pkl", RuleDeniedGlobal},
		{"lshash/hostile_storage_called.pkl", RuleMisusedGlobal},
		{"lshash/hostile_redis_storage.pkl", RuleUnknownGlobal},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			checkRL(t, rec, tt.rule)
		})
	}
}

// sphinxBuild is a two-page Sphinx project built with Sphinx's own
// command line: it writes .doctrees/*.doctree and environment.pickle.
const sphinxBuild = `import os, sys
src = sys.argv[1]
pages = {
    "conf.py": "project = 'p'\nextensions = ['sphinx.ext.autodoc', 'sphinx.ext.mathjax', 'sphinx.ext.todo']\n",
    "index.rst": "Title\n=====\n\n.. toctree::\n\n   page\n\nText **strong** [#f]_ and :ref:` + "`sec`" + `.\n\n.. [#f] Note.\n\n"
                 ".. _sec:\n\nSection\n-------\n\n* item\n\n.. note:: A note.\n\n.. math:: a^2\n\n.. todo:: later\n",
    "page.rst": "Page\n====\n\n.. py:function:: f(x)\n\n   :param x: a value\n\n.. versionadded:: 1.0\n",
}
for name, text in pages.items():
    with open(os.path.join(src, name), "w") as f:
        f.write(text)
from sphinx.cmd.build import main
sys.exit(main(["-q", "-b", "html", "-d", os.path.join(src, ".doctrees"), src, os.path.join(src, "_build")]))
`

// TestRealSphinxDoctrees builds a Sphinx project with Debian's
// python3-sphinx and scans what the build pickled: every doctree is
// clean, and the build environment (environment.pickle, left off the
// allowlist) is not.
func TestRealSphinxDoctrees(t *testing.T) {
	py := pythontest.Require(t, "sphinx", "docutils")
	dir := t.TempDir()
	cmd := exec.Command(py, "-c", sphinxBuild, dir)
	cmd.Env = pythontest.Env(t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sphinx build: %v: %s", err, out)
	}
	doctrees, err := filepath.Glob(filepath.Join(dir, ".doctrees", "*.doctree"))
	if err != nil || len(doctrees) != 2 {
		t.Fatalf("doctrees %v %v", doctrees, err)
	}
	for _, f := range append(doctrees, filepath.Join(dir, ".doctrees", "environment.pickle")) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			env := filepath.Base(f) == "environment.pickle"
			if !env && any && worst >= formats.Medium {
				t.Errorf("real doctree has findings: %v", rec.Findings)
			}
			if env && !slices.Contains(rec.Rules(), RuleUnknownGlobal) {
				t.Errorf("environment.pickle reported no unknown global: %v", rec.Findings)
			}
		})
	}
}

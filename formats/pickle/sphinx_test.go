package pickle

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	// Sphinx's lazy translation proxy: NEWOBJ(cls, (func, *strings)), then
	// BUILD((func, (strings))) (Sphinx up to 6).
	const tuple3 = "\x87"
	lazy, mygettext := glob("sphinx.locale", "_lazy_translate"), glob("sphinx.locale", "mygettext")
	print := glob("builtins", "print")
	general, index := sbu("general"), sbu("Index")
	computed := glob("builtins", "str") + "K\x01" + tuple1 + reduce
	proxyNew := func(fn string) string {
		return glob("sphinx.locale", "_TranslationProxy") + fn + index + tuple2 + newobj
	}
	proxy := func(fn, stateFn string, strs ...string) []byte {
		return cat(proto(2), proxyNew(fn), stateFn, mark, strings.Join(strs, ""), "t", tuple2, build, stop)
	}
	tests := []ruleCase{
		{"sphinx document built", withState("sphinx.addnodes", "document", "rawsource", sbu("")), ""},
		{"docutils Values built", withState("docutils.frontend", "Values", "report_level", "K\x02"), ""},
		{"paragraph state calling os.system", withState("docutils.nodes", "paragraph", "rawsource", osSystem), RuleDeniedGlobal},
		{"paragraph holding os.system", withState("docutils.nodes", "paragraph", "rawsource", glob("os", "system")), RuleDeniedGlobal},
		{"sphinx document called", called("sphinx.addnodes", "document"), RuleMisusedGlobal},
		{"docutils Text called", called("docutils.nodes", "Text"), RuleMisusedGlobal},
		// Left off: a held transform. The build environment
		// (environment.pickle) is built; its lazy translation proxies
		// are cleared only as Sphinx writes them.
		{"pending node stays off", cat(proto(2), built("docutils.nodes", "pending"), stop), RuleUnknownGlobal},
		{"old docutils reprunicode built with its string", cat(proto(2), glob("docutils.nodes", "reprunicode"), sbu("Title"), tuple1, newobj, stop), ""},
		{"old docutils reprunicode called", called("docutils.nodes", "reprunicode"), RuleMisusedGlobal},
		{"BuildEnvironment built", withState("sphinx.environment", "BuildEnvironment", "version", "K\x02"), ""},
		{"proxy of _lazy_translate", proxy(lazy, lazy, sbu("sphinx"), general, index), ""},
		{"proxy of Sphinx 1's mygettext", proxy(mygettext, mygettext, index), ""},
		{"proxy never built", cat(proto(2), proxyNew(lazy), stop), ""},
		{"Sphinx 7 proxy", cat(proto(2), built("sphinx.locale", "_TranslationProxy"), sbu("sphinx"), general, index, tuple3, build, stop), ""},
		{"Sphinx 7 proxy holding a function", cat(proto(2), built("sphinx.locale", "_TranslationProxy"), sbu("sphinx"), general, print, tuple3, build, stop), RuleUnknownGlobal},
		{"proxy arguments of another function", cat(proto(2), glob("sphinx.locale", "_TranslationProxy"), print, index, tuple2, newobj, stop), RuleUnknownGlobal},
		{"proxy state of another function", proxy(lazy, print, index), RuleUnknownGlobal},
		{"proxy state of a computed message", proxy(lazy, lazy, sbu("sphinx"), general, computed), RuleUnknownGlobal},
		{"proxy built twice", cat(proto(2), proxyNew(lazy), lazy, index, tuple1, tuple2, build, print, index, tuple1, tuple2, build, stop), RuleUnknownGlobal},
		{"proxy called", called("sphinx.locale", "_TranslationProxy"), RuleUnknownGlobal},
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
    "page.rst": "Page\n====\n\n.. py:function:: f(x)\n\n   :param x: a value\n\n.. versionadded:: 1.0\n\n"
                ":download:` + "`data/table.txt`" + ` and\n\n.. image:: pic.svg\n",
    "data/table.txt": "1 2\n",
    "pic.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
}
os.makedirs(os.path.join(src, "data"), exist_ok=True)
for name, text in pages.items():
    with open(os.path.join(src, name), "w") as f:
        f.write(text)
from sphinx.cmd.build import main
sys.exit(main(["-q", "-b", "html", "-d", os.path.join(src, ".doctrees"), src, os.path.join(src, "_build")]))
`

// TestRealSphinxDoctrees builds a Sphinx project with Debian's
// python3-sphinx and scans what the build pickled: every doctree and the
// build environment (environment.pickle) are clean.
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
			if worst, any := rec.Max(); any && worst >= formats.Medium {
				t.Errorf("real Sphinx pickle has findings: %v", rec.Findings)
			}
		})
	}
}

// TestSphinxConfigDefaults asserts that a Sphinx Config is cleared only
// with the defaults Sphinx pickles: its __getattr__ calls a callable
// values[name][0] with the Config, which BuildEnvironment._update_config
// reads for every "env" value as soon as Sphinx loads environment.pickle
// (a chr default there made Sphinx 5.3 call chr(config)).
func TestSphinxConfigDefaults(t *testing.T) {
	cfg := built("sphinx.config", "Config")
	entry := func(def string) string { return mark + def + sbu("env") + "N" + "t" }
	config := func(values ...string) []byte {
		return cat(proto(2), cfg, emptyDict, sbu("values"), emptyDict, mark, strings.Join(values, ""), "u", "s", build, stop)
	}
	language := func(def string) string { return sbu("language") + entry(def) }
	chr := glob("builtins", "chr")
	ordered := glob("collections", "OrderedDict") + emptyTuple + reduce
	var many []string
	for i := 0; i < 80; i++ {
		many = append(many, sbu(fmt.Sprintf("v%d", i))+entry(sbu("x")))
	}
	tests := []ruleCase{
		{"constant defaults", config(language(sbu("en")), sbu("numfig")+entry("\x89")), ""},
		{"OrderedDict default", config(language(ordered)), ""},
		{"no values", withState("sphinx.config", "Config", "project", sbu("p")), ""},
		{"function default", config(language(chr)), RuleMisusedGlobal},
		{"function default beyond the kept items", config(append(many, language(chr))...), RuleMisusedGlobal},
		{"entry that is not a tuple", config(sbu("language") + mark + chr + "l"), RuleMisusedGlobal},
		{"function default put in after BUILD", cat(proto(2), cfg, emptyDict, sbu("values"), emptyDict, binput(1), "s", build,
			binget(1), language(chr), "s", stop), RuleMisusedGlobal},
		{"values set by SETITEM on the Config", cat(proto(2), cfg, sbu("values"), emptyDict, language(chr), "s", "s", stop), RuleMisusedGlobal},
		{"Config built twice", cat(proto(2), cfg, emptyDict, build, emptyDict, build, stop), RuleMisusedGlobal},
		{"computed attribute name", cat(proto(2), cfg, emptyDict, glob("builtins", "str")+sbu("values")+tuple1+reduce,
			emptyDict, language(chr), "s", "s", build, stop), RuleMisusedGlobal},
	}
	runRuleCases(t, tests)
}

// TestSphinxEnvSettings asserts that a build environment is cleared only
// with the docutils settings Sphinx keeps: Sphinx parses every page it
// reads again with env.settings, and docutils opens a warning_stream
// path for writing (an environment.pickle naming one truncated that file
// on Sphinx 5.3's next build).
func TestSphinxEnvSettings(t *testing.T) {
	env := func(settings ...string) []byte {
		return cat(proto(2), glob("sphinx.environment", "BuildEnvironment"), emptyTuple, newobj, binput(1), emptyDict, sbu("settings"),
			emptyDict, mark, strings.Join(settings, ""), "u", "s", build, stop)
	}
	tests := []ruleCase{
		{"Sphinx's settings", env(sbu("env"), binget(1), sbu("halt_level"), k1(5), sbu("smartquotes_locales"), emptyList), ""},
		{"warning_stream a path", env(sbu("warning_stream"), sbu("/home/u/.bashrc")), RuleMisusedGlobal},
		{"env another object", env(sbu("env"), built("sphinx.config", "Config")), RuleMisusedGlobal},
		{"setting holding an object", env(sbu("halt_level"), built("sphinx.config", "Config")), RuleMisusedGlobal},
		{"setting put in after BUILD", cat(proto(2), glob("sphinx.environment", "BuildEnvironment"), emptyTuple, newobj, emptyDict,
			sbu("settings"), emptyDict, binput(2), "s", build, binget(2), sbu("warning_stream"), sbu("/tmp/x"), "s", stop), RuleMisusedGlobal},
	}
	runRuleCases(t, tests)
}

// TestSphinxEnvFiles asserts that the files a build environment's dlfiles
// and images name are cleared only as Sphinx writes them: a path inside
// the source directory, a download's destination md5(path)/basename and
// an image's a file name. Sphinx's HTML builder copies each from the
// source directory into its output (an environment.pickle naming
// /etc/hostname, or a destination with ../, made Sphinx 5.3 copy that
// file into the HTML, or out of the output directory).
func TestSphinxEnvFiles(t *testing.T) {
	files := func(class string, pairs ...string) []byte {
		return cat(proto(2), built("sphinx.util", class), mark, strings.Join(pairs, ""), "u", stop)
	}
	entry := func(src, dest string) string {
		return sbu(src) + mark + "\x8f" + mark + sbu("index") + "\x90" + sbu(dest) + "t"
	}
	md5hex := func(s string) string {
		sum := md5.Sum([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	tests := []ruleCase{
		{"download as Sphinx writes it", files("DownloadFiles", entry("data/table.txt", md5hex("data/table.txt")+"/table.txt")), ""},
		{"image as Sphinx writes it", files("FilenameUniqDict", entry("img/pic.svg", "pic1.svg")), ""},
		{"download of an absolute path", files("DownloadFiles", entry("/etc/hostname", md5hex("/etc/hostname")+"/hostname")), RuleMisusedGlobal},
		{"download climbing out", files("DownloadFiles", entry("../../.ssh/id_rsa", md5hex("../../.ssh/id_rsa")+"/id_rsa")), RuleMisusedGlobal},
		{"download written out of the output", files("DownloadFiles", entry("x.sh", "../../../../home/u/.bashrc")), RuleMisusedGlobal},
		{"image written out of the output", files("FilenameUniqDict", entry("x.sh", "../x.sh")), RuleMisusedGlobal},
		{"image of a Windows absolute path", files("FilenameUniqDict", entry(`C:\secret.png`, "secret.png")), RuleMisusedGlobal},
		{"download APPENDS", cat(proto(2), built("sphinx.util", "DownloadFiles"), mark, sbu("x"), "e", stop), RuleMisusedGlobal},
	}
	runRuleCases(t, tests)
}

package pickle

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// sphinxConfigClass is Sphinx's Config, which a build environment
// (environment.pickle) holds. Its __getattr__ answers a name missing from
// the instance's __dict__ with values[name][0], and calls that default
// with the Config when it has a __call__ (sphinx/config.py, 1.x to 7.x).
// Sphinx reads the loaded environment's config that way as soon as it
// loads it (BuildEnvironment._update_config compares every "env" value),
// and APPEND(S) or attribute reads on the instance go through the same
// lookup: a held callable in values is a call gadget, run with the
// Config as its argument. Sphinx pickles resolved defaults only (its
// __getstate__ puts getattr(self, name) there and drops functions and
// classes), so a default that may be callable is not how Sphinx wrote it.
const sphinxConfigClass = "sphinx.config.Config"

// sphinxEnvClass is Sphinx's BuildEnvironment. Its settings dict is the
// docutils settings every document Sphinx reads again is parsed with
// (sphinx/io.py create_publisher: {"traceback": True, **env.settings}):
// a setting Sphinx never writes there acts on the reader, and
// warning_stream, a path, has docutils' Reporter open it for writing, so
// an environment.pickle naming one truncated that file when Sphinx 5.3
// rebuilt a changed page. Only the settings Sphinx itself keeps are
// cleared: its default_settings, env (the environment itself) and those
// _update_settings sets, in Sphinx 1.x to 7.x (embed_images before 5.2's
// image_loading; gettext_compact, the message catalogue name Sphinx 1.x
// to 4.x kept there for its i18n transform).
const sphinxEnvClass = "sphinx.environment.BuildEnvironment"

var sphinxSettings = map[string]bool{
	"auto_id_prefix": true, "cloak_email_addresses": true, "doctitle_xform": true, "embed_images": true,
	"embed_stylesheet": true, "file_insertion_enabled": true, "gettext_compact": true, "halt_level": true,
	"image_loading": true, "input_encoding": true, "language_code": true, "pep_base_url": true,
	"pep_references": true, "rfc_base_url": true, "rfc_references": true, "section_self_link": true,
	"sectsubtitle_xform": true, "smart_quotes": true, "smartquotes_locales": true,
	"trim_footnote_reference_space": true,
}

// sphinxConfigDefaults are the instances Sphinx's pickled defaults hold
// besides constants, none of them callable: an OrderedDict, the HTML
// builder's placeholder for a removed option, and lazy translations
// (whose own check is sphinxProxy).
var sphinxConfigDefaults = map[string]bool{
	"collections.OrderedDict":                  true,
	"sphinx.builders.html._stable_repr_object": true,
	"sphinx.locale._TranslationProxy":          true,
}

type sphinxConfig struct {
	off int64
	obj Value
}

const maxSphinxConfigs = 64

// sphinxConfigOf reports the class global of obj when obj is a Config
// or a BuildEnvironment.
func sphinxConfigOf(obj Value) (Value, bool) {
	cls, ok := builtClass(obj)
	if !ok {
		return Value{}, false
	}
	switch cls.gobj().module + "." + cls.gobj().name {
	case sphinxConfigClass, sphinxEnvClass:
		return cls, true
	}
	return Value{}, false
}

// noteSphinxConfig records a Config instance BUILD filled, whose defaults
// are judged when the stream ends: the values dict is shared with the
// instance, so items SETITEM puts into it after BUILD are the instance's.
func (m *machine) noteSphinxConfig(off int64, obj Value) {
	cls, ok := sphinxConfigOf(obj)
	if !ok || m.probe {
		return
	}
	if len(m.sphinxConfigs) >= maxSphinxConfigs {
		sphinxConfigMisuse(cls, off, "more Config instances than the scanner follows")
		return
	}
	m.sphinxConfigs = append(m.sphinxConfigs, sphinxConfig{off: off, obj: obj})
}

// sphinxConfigItems judges SETITEM(S), APPEND(S) or ADDITEMS on a Config:
// its __setitem__ is setattr (values itself may be replaced), and append
// or extend are looked up in values by __getattr__. Sphinx never pickles
// a Config that way.
func (m *machine) sphinxConfigItems(off int64, op byte, obj Value) {
	if cls, ok := sphinxConfigOf(obj); ok && !m.probe {
		sphinxConfigMisuse(cls, off, opName(op)+" applied to a Config, which sets its attributes or looks methods up in its values")
	}
}

// checkSphinxConfigs judges each recorded Config's final state: a kept
// dict BUILT once whose values map names to kept tuples or lists whose
// first element cannot be callable.
func (m *machine) checkSphinxConfigs() {
	for _, c := range m.sphinxConfigs {
		cls, _ := sphinxConfigOf(c.obj)
		check := sphinxConfigState
		if cls.gobj().module+"."+cls.gobj().name == sphinxEnvClass {
			check = sphinxEnvState
		}
		if why := check(c.obj); why != "" {
			sphinxConfigMisuse(cls, c.off, why)
		}
	}
}

func sphinxConfigState(obj Value) string {
	return eachAttribute(obj, "Config", "values", func(v Value) string {
		if v.kind != KindDict || v.obj() == nil || v.obj().flags&flagCallableDefault != 0 {
			return "a Config whose values hold an entry that is not a tuple of an inert default: " +
				"__getattr__ calls a callable default with the Config"
		}
		return ""
	})
}

// sphinxEnvState judges a BuildEnvironment's final state: a kept dict
// BUILT once whose settings hold only the settings Sphinx keeps, as
// constants, and env, the environment itself.
func sphinxEnvState(obj Value) string {
	return eachAttribute(obj, "BuildEnvironment", "settings", func(v Value) string {
		if v.kind != KindDict || !kept(v) {
			return "BuildEnvironment settings that are not a dict the scanner reads whole"
		}
		set := v.cells()
		for j := 0; j+1 < len(set); j += 2 {
			sk, sv := v.t.val(set[j]), v.t.val(set[j+1])
			name, _ := sk.Text()
			switch {
			case sk.kind != KindStr || sk.obj() != nil:
				return "BuildEnvironment settings with a computed name"
			case name == "env":
				if sv.kind != obj.kind || sv.t != obj.t || sv.ref != obj.ref {
					return "BuildEnvironment settings whose env is not the environment"
				}
			case !sphinxSettings[name]:
				return "BuildEnvironment settings with " + name + ", which Sphinx never keeps there and docutils acts on " +
					"when Sphinx reads a page (warning_stream is a file docutils opens for writing)"
			case !constant(sv, 0):
				return "BuildEnvironment setting " + name + " that is not a constant"
			}
		}
		return ""
	})
}

// eachAttribute judges the state obj (a what) was BUILT with: a kept dict
// of constant string keys, applied once, each item named attr passed to
// check. It returns why the state is not how Sphinx writes it, or "".
// Every key must be a constant (__dict__.update stores a computed key
// equal to attr), and a second BUILD keeps an earlier state's attr.
func eachAttribute(obj Value, what, attr string, check func(Value) string) string {
	if obj.obj().flags&flagRebuilt != 0 {
		return "a " + what + " built twice (an earlier state's " + attr + " survive __dict__.update)"
	}
	st, ok := obj.State()
	if !ok || st.kind != KindDict || !kept(st) {
		return "a " + what + " state that is not a dict the scanner reads whole"
	}
	cells := st.cells()
	for i := 0; i+1 < len(cells); i += 2 {
		k, v := st.t.val(cells[i]), st.t.val(cells[i+1])
		if k.kind != KindStr || k.obj() != nil {
			return "a " + what + " state with a computed attribute name"
		}
		if name, _ := k.Text(); name != attr {
			continue
		}
		if why := check(v); why != "" {
			return why
		}
	}
	return ""
}

// noteDefaults flags dict o when an item put in it could not be a Sphinx
// Config's values entry, a tuple whose first element has no __call__, so
// that sphinxConfigState judges every item, kept or not, and those put in
// after BUILD.
func (m *machine) noteDefaults(o *object, items []cell) {
	if o == nil || m.probe {
		return
	}
	for i := 1; i < len(items); i += 2 {
		v := m.t.val(items[i])
		if v.kind != KindTuple || v.nkept() == 0 || !inertDefault(v.at(0)) {
			o.flags |= flagCallableDefault
			return
		}
	}
}

// inertDefault reports whether v, a Config default, has no __call__.
func inertDefault(v Value) bool {
	switch v.kind {
	case KindNone, KindBool, KindInt, KindFloat, KindStr, KindBytes, KindTuple, KindList, KindDict, KindSet, KindFrozenSet:
		return true
	case KindCall:
		cls, ok := builtClass(v)
		return ok && sphinxConfigDefaults[cls.gobj().module+"."+cls.gobj().name]
	}
	return false
}

func sphinxConfigMisuse(cls Value, off int64, why string) {
	if g := cls.gobj().info; g != nil && g.misuse == "" && g.ref.Verdict.Class == globals.Allowed {
		g.misuse, g.misuseOff, g.misuseUse = why, off, globals.UseFunction
	}
}

// Sphinx's HTML builder copies every file a build environment's dlfiles
// (a DownloadFiles) and images (a FilenameUniqDict) name, each an item
// source path -> (docnames, destination), from the source directory
// joined with the path into the output (copy_download_files: _downloads/
// destination; copy_image_files: _images/destination). An
// environment.pickle whose entry named /etc/hostname, or a destination
// climbing out of the output, made Sphinx 5.3 copy that file into the
// HTML, or over a file outside it. Sphinx writes a download's
// destination as md5(path)/basename(path) and an image's as a file name
// (add_file).
const (
	sphinxDownloads = "sphinx.util.DownloadFiles"
	sphinxImages    = "sphinx.util.FilenameUniqDict"
)

// sphinxFileItems judges the items SETITEM(S) puts in a DownloadFiles or
// FilenameUniqDict, as they are put in: the machine keeps no instance's
// items.
func (m *machine) sphinxFileItems(off int64, op byte, obj Value, items []cell) {
	cls, ok := builtClass(obj)
	if !ok || m.probe {
		return
	}
	full := cls.gobj().module + "." + cls.gobj().name
	if full != sphinxDownloads && full != sphinxImages {
		return
	}
	if op != opSETITEM && op != opSETITEMS {
		sphinxConfigMisuse(cls, off, opName(op)+" applied to a "+full)
		return
	}
	for i := 0; i+1 < len(items); i += 2 {
		if why := sphinxFileItem(full == sphinxDownloads, m.t.val(items[i]), m.t.val(items[i+1])); why != "" {
			sphinxConfigMisuse(cls, off, why)
			return
		}
	}
}

func sphinxFileItem(download bool, k, v Value) string {
	src, _ := k.Text()
	if k.kind != KindStr || k.obj() != nil {
		return "a file entry whose path is not a constant string"
	}
	if v.kind != KindTuple || !kept(v) || v.nkept() != 2 || v.at(1).kind != KindStr || v.at(1).obj() != nil {
		return "a file entry that is not (docnames, destination)"
	}
	dest, _ := v.at(1).Text()
	if !insideSource(src) {
		return fmt.Sprintf("a file entry naming %q, outside the source directory, which Sphinx's HTML builder copies into its output", src)
	}
	if download {
		sum := md5.Sum([]byte(src))
		digest := hex.EncodeToString(sum[:])
		if dest != digest+"/"+path.Base(src) && dest != digest+"/"+ntBase(src) {
			return fmt.Sprintf("a download entry whose destination %q is not md5(path)/basename(path), where Sphinx's HTML builder writes the file", dest)
		}
		return ""
	}
	if dest == "" || dest == "." || dest == ".." || strings.ContainsAny(dest, `/\`) {
		return fmt.Sprintf("an image entry whose destination %q is not a file name, where Sphinx's HTML builder writes the file", dest)
	}
	return ""
}

// insideSource reports whether p, joined to the source directory, stays
// inside it: relative and without a parent step, whichever separator the
// saving system used.
func insideSource(p string) bool {
	if p == "" || p[0] == '/' || p[0] == '\\' || len(p) > 1 && p[1] == ':' {
		return false
	}
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return false
		}
	}
	return true
}

// ntBase is ntpath.basename: the part after the last slash or backslash.
func ntBase(p string) string {
	return p[strings.LastIndexAny(p, `/\`)+1:]
}

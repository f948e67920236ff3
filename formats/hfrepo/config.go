package hfrepo

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// Keys materialized from configs, and keys that instantiate whatever
// they name wherever they appear.
var (
	configKeys        = map[string]bool{"auto_map": true, "chat_template": true}
	instantiationKeys = map[string]bool{"_target_": true, "class_path": true}
	// securityKeys are those whose duplicates change what code runs.
	securityKeys = map[string]bool{
		"auto_map": true, "chat_template": true, "_target_": true, "class_path": true,
		"weight_map": true, "trust_remote_code": true, "custom_pipeline": true,
	}
)

// config checks a config.json, *_config.json or chat_template.json.
func (a *analysis) config(name string) {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		a.fail(name, err)
		return
	}
	doc, ok := a.parseJSON(name, data, configKeys)
	if !ok {
		return
	}
	if am := doc.top["auto_map"]; am != nil {
		a.autoMap(name, am)
	}
	if ct := doc.top["chat_template"]; ct != nil {
		a.chatTemplates(name, ct)
	}
	a.targets(name, doc.hits)
}

// otherJSON checks a JSON file that is not a known config for
// instantiation keys. Vocabularies and tokenizer.json files can be tens
// of megabytes, so the bytes are searched first and parsed only when a
// key could be there.
func (a *analysis) otherJSON(name string) {
	in, err := a.tree.Open(name)
	if err != nil {
		a.fail(name, err)
		return
	}
	if in.Size > MaxConfigBytes {
		// Escaped keys ("\u005ftarget_") in files over the cap are not
		// looked for: no loader reads instantiation configs that large.
		found, err := a.contains(name, "_target_", "class_path")
		switch {
		case err != nil:
			a.fail(name, err)
		case found:
			a.fail(name, &formats.LimitError{Limit: "hfrepo-config-bytes", Max: MaxConfigBytes})
		}
		return
	}
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		a.fail(name, err)
		return
	}
	if !mayInstantiate(data) {
		return
	}
	if doc, ok := a.parseJSON(name, data, nil); ok {
		a.targets(name, doc.hits)
	}
}

// mayInstantiate reports whether JSON text could hold an instantiation
// key, written plainly or with escaped characters.
func mayInstantiate(data []byte) bool {
	return bytes.Contains(data, []byte("_target_")) || bytes.Contains(data, []byte("class_path")) ||
		bytes.Contains(data, []byte(`\u00`))
}

// parseJSON parses a config and reports duplicate keys and malformed
// JSON. ok is false when the document could not be read; the error is
// then recorded, which makes the scan inconclusive.
func (a *analysis) parseJSON(name string, data []byte, want map[string]bool) (*jdoc, bool) {
	doc, err := parseJSON(data, want, instantiationKeys)
	if err != nil {
		var le *formats.LimitError
		if !errors.As(err, &le) {
			a.report(name, formats.NewFinding(RuleMalformed, formats.NoOffset, "%s does not parse as JSON (%v); it could not be checked", path.Base(name), err))
		}
		a.fail(name, err)
		return nil, false
	}
	for _, d := range doc.dups {
		f := formats.NewFinding(RuleMalformed, d.off, "key %q appears twice in one object; Python keeps the last, other readers the first", truncate(d.key, 100)).
			With("key", truncate(d.key, 100))
		if securityKeys[d.key] {
			f = f.At(formats.High)
		}
		a.report(name, f)
	}
	return doc, true
}

// classRef is one auto_map value: [repo--]module.Class.
type classRef struct {
	auto   string // the Auto class it registers, e.g. AutoModelForCausalLM
	repo   string // owner/repo for a cross-repository reference
	module string
	class  string
	off    int64
	raw    string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseClassRef splits a reference the way transformers'
// get_class_from_dynamic_module does: an optional "repo--" prefix, then
// module and class around the last dot.
func parseClassRef(auto string, v *jvalue) classRef {
	r := classRef{auto: auto, off: v.off, raw: v.str}
	ref := v.str
	if i := strings.Index(ref, "--"); i >= 0 {
		r.repo, ref = ref[:i], ref[i+2:]
	}
	if i := strings.LastIndexByte(ref, '.'); i >= 0 {
		r.module, r.class = ref[:i], ref[i+1:]
	} else {
		r.module = ref
	}
	return r
}

// autoMap reports the code an auto_map makes trust_remote_code run.
func (a *analysis) autoMap(name string, am *jvalue) {
	var refs []classRef
	switch am.kind {
	case jObject:
		for _, m := range am.obj {
			for _, v := range m.val.strs() {
				refs = append(refs, parseClassRef(m.key, v))
			}
		}
	case jArray, jString:
		// Early tokenizer configs list [slow, fast] without Auto class.
		for _, v := range am.strs() {
			refs = append(refs, parseClassRef("", v))
		}
	}
	if len(refs) == 0 {
		return
	}
	base := dir(name)
	var local []string
	var missing []string
	modules := map[string]bool{}
	for _, r := range refs {
		if r.repo != "" {
			f := formats.NewFinding(RuleAutoMapCross, r.off, "auto_map %s loads %s.py from another repository, %s, at its current revision: code outside this artifact, unpinned and unscanned",
				orAny(r.auto), truncate(r.module, 100), truncate(r.repo, 100)).
				With("repository", truncate(r.repo, 200)).With("module", truncate(r.module, 200)).With("class", truncate(r.class, 200)).With("reference", truncate(r.raw, 300))
			a.report(name, f)
			continue
		}
		if modules[r.module] {
			continue
		}
		modules[r.module] = true
		if !validModule(r.module) {
			a.report(name, formats.NewFinding(RuleAutoMap, r.off, "auto_map %s names module %q, which is not a plain Python module name: a loader would look for a file outside the usual place",
				orAny(r.auto), truncate(r.module, 100)).With("module", truncate(r.module, 200)).At(formats.Critical))
			continue
		}
		file := path.Join(base, r.module+".py")
		if a.names[file] {
			local = append(local, r.module)
		} else {
			missing = append(missing, r.module)
		}
	}
	if len(local)+len(missing) == 0 {
		return
	}
	slices.Sort(local)
	slices.Sort(missing)
	msg := fmt.Sprintf("auto_map makes trust_remote_code=True run repository code: %s", strings.Join(append(append([]string{}, local...), missing...), ", "))
	if len(missing) > 0 {
		msg += fmt.Sprintf(" (%s.py not in the scanned tree: fetched at load time and NOT scanned)", strings.Join(missing, ".py, "))
	}
	var classes []string
	for _, r := range refs {
		if r.repo == "" {
			classes = append(classes, orAny(r.auto)+"="+r.module+"."+r.class)
		}
	}
	f := formats.NewFinding(RuleAutoMap, am.off, "%s", msg).With("classes", truncate(strings.Join(classes, " "), 1000))
	if len(local) > 0 {
		f = f.With("present", strings.Join(local, ".py ")+".py")
	}
	if len(missing) > 0 {
		f = f.With("missing", strings.Join(missing, ".py ")+".py")
	}
	a.report(name, f)
}

// validModule accepts dotted Python identifiers, which is what a module
// path resolved inside the repository can be.
func validModule(m string) bool {
	if m == "" {
		return false
	}
	for _, part := range strings.Split(m, ".") {
		if !identRE.MatchString(part) {
			return false
		}
	}
	return true
}

func orAny(auto string) string {
	if auto == "" {
		return "(tokenizer)"
	}
	return auto
}

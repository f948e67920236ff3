package hfrepo

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/jinja"
)

// kindRules maps the template checker's issue kinds to this package's
// rules; the severity is the checker's, per issue.
var kindRules = map[jinja.Kind]string{
	jinja.Escape:   RuleTemplateEscape,
	jinja.Unparsed: RuleTemplateParse,
	jinja.Loader:   RuleTemplateLoader,
	jinja.Resource: RuleTemplateDoS,
	jinja.Computed: RuleTemplateComputed,
	jinja.Unknown:  RuleTemplateUnknown,
}

// chatTemplates checks a config's chat_template: a string, or a list of
// {"name": ..., "template": ...} as transformers writes for several
// named templates.
func (a *analysis) chatTemplates(name string, ct *jvalue) {
	switch ct.kind {
	case jString:
		a.checkTemplate(name, "default", ct.str, ct.off)
	case jArray:
		for i, e := range ct.arr {
			if t := e.get("template"); t != nil && t.kind == jString {
				label := "#" + strconv.Itoa(i)
				if n := e.get("name"); n != nil && n.kind == jString {
					label = n.str
				}
				a.checkTemplate(name, label, t.str, t.off)
			}
		}
	}
}

// templateFile checks a chat_template.jinja (or any .jinja shipped with
// the model: transformers reads additional_chat_templates/*.jinja too).
func (a *analysis) templateFile(name string) {
	data, err := a.read(name, MaxConfigBytes)
	if err != nil {
		a.fail(name, err)
		return
	}
	if !utf8.Valid(data) {
		a.report(name, formats.NewFinding(RuleTemplateParse, formats.NoOffset, "template is not valid UTF-8; it could not be checked"))
		return
	}
	a.checkTemplate(name, "", string(data), formats.NoOffset)
}

// checkTemplate runs the same checks as for GGUF chat templates and
// reports one finding per rule and template, at its most severe issue,
// with the evidence of the others. off is where the template's JSON
// string starts, or NoOffset for a whole file.
func (a *analysis) checkTemplate(name, label, src string, off int64) {
	type group struct {
		first    jinja.Issue
		evidence []string
		n        int
	}
	groups := map[string]*group{}
	var order []string
	for _, is := range jinja.Check(src) {
		id, ok := kindRules[is.Kind]
		if !ok {
			id = RuleTemplateParse
		}
		g := groups[id]
		if g == nil {
			// Issues come most severe first, so the first one of a rule
			// sets the finding's severity and message.
			g = &group{first: is}
			groups[id] = g
			order = append(order, id)
		}
		g.n++
		if is.Evidence != "" && len(g.evidence) < maxListed {
			g.evidence = append(g.evidence, truncate(is.Evidence, 80))
		}
	}
	for _, id := range order {
		g := groups[id]
		msg := "chat template: " + g.first.Message
		if g.n > 1 {
			msg += fmt.Sprintf(" (and %d more)", g.n-1)
		}
		f := formats.NewFinding(id, off, "%s", msg).At(g.first.Severity)
		if label != "" {
			f = f.With("template", truncate(label, 100))
		}
		if g.first.Line > 0 {
			f = f.With("line", strconv.Itoa(g.first.Line)).With("column", strconv.Itoa(g.first.Col))
		}
		if len(g.evidence) > 0 {
			f = f.With("evidence", strings.Join(g.evidence, " "))
		}
		a.report(name, f)
	}
}

package jinja

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/modelgate/modelgate/formats"
	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// tagSet is gonja's built-in tags with the loader tags replaced by a
// parser that only consumes their arguments (gonja's own would read other
// templates from disk while parsing), plus transformers' {% generation %}
// block, which real chat templates use to mark assistant turns.
type tagSet struct{}

func (tagSet) Get(name string) (parser.ControlStructureParser, bool) {
	switch name {
	case "include", "import", "extends", "from":
		return parseLoaderTag, true
	case "generation":
		return parseGeneration, true
	}
	return controlStructures.All.Get(name)
}

// opaqueTag stands for a tag whose arguments were consumed but not kept
// (the loader tags) or a transparent block (generation).
type opaqueTag struct {
	Location *tokens.Token
	Args     []nodes.Expression
	Body     *nodes.Wrapper
}

func (t *opaqueTag) Position() *tokens.Token { return t.Location }
func (t *opaqueTag) String() string          { return "opaque tag" }

func parseLoaderTag(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	tag := &opaqueTag{Location: p.Current()}
	for !args.End() {
		// The arguments are names and expressions mixed with keywords
		// (import ... as ..., with context); expressions are kept so that
		// the walk sees them, anything else is skipped.
		e, err := args.ParseExpression()
		if err != nil || e == nil {
			args.Consume()
			continue
		}
		tag.Args = append(tag.Args, e)
	}
	return tag, nil
}

func parseGeneration(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	tag := &opaqueTag{Location: p.Current()}
	body, end, err := p.WrapUntil("endgeneration")
	if err != nil {
		return nil, err
	}
	if !args.End() || !end.End() {
		return nil, fmt.Errorf("generation tag takes no arguments")
	}
	tag.Body = body
	return tag, nil
}

// parse builds the AST from tokens. gonja is not written for hostile
// input; a panic inside it is turned into a parse error.
func parse(toks []*tokens.Token) (tpl *nodes.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			tpl, err = nil, fmt.Errorf("parser failure: %v", r)
		}
	}()
	p := parser.NewParser("chat_template", tokens.NewStream(toks), config.New(), nil, tagSet{})
	return p.Parse()
}

var (
	typString     = reflect.TypeFor[nodes.String]()
	typFilterCall = reflect.TypeFor[nodes.FilterCall]()
	typFiltered   = reflect.TypeFor[nodes.FilteredExpression]()
	typBinary     = reflect.TypeFor[nodes.BinaryExpression]()
	typCall       = reflect.TypeFor[nodes.Call]()
	typInteger    = reflect.TypeFor[nodes.Integer]()
	typList       = reflect.TypeFor[nodes.List]()
	typTuple      = reflect.TypeFor[nodes.Tuple]()
	typName       = reflect.TypeFor[nodes.Name]()
	typToken      = reflect.TypeFor[tokens.Token]()
	// generatorFilters return lazy generator objects whose string form
	// ("<generator object select_or_reject at ...>") is a known source of
	// underscores and other characters for obfuscated payloads.
	generatorFilters = map[string]bool{"select": true, "reject": true, "selectattr": true, "rejectattr": true, "map": true}
)

// walkTemplate visits every node. gonja keeps some tag arguments in
// unexported fields (set, with, filter), so the walk goes by reflection,
// which may read unexported fields but never calls into the nodes.
func (c *checker) walkTemplate(tpl *nodes.Template) {
	walkNodes(tpl, c.binds.collect)
	walkNodes(tpl, c.visit)
}

// walkNodes calls visit with every struct node reachable from tpl.
func walkNodes(tpl *nodes.Template, visit func(reflect.Value)) {
	walkValue(reflect.ValueOf(tpl), visit)
}

// walkValue calls visit with every struct reachable from v through
// pointers, interfaces, fields, slices and maps, v's own included when it
// is a struct.
func walkValue(v reflect.Value, visit func(reflect.Value)) {
	if v.Kind() == reflect.Struct {
		visit(v)
	}
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if depth > 4*MaxNesting+64 {
			return
		}
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), depth)
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			if v.Elem().Kind() == reflect.Struct {
				visit(v.Elem())
			}
			walk(v.Elem(), depth+1)
		case reflect.Struct:
			if v.Type() == typToken {
				return
			}
			for i := range v.NumField() {
				walk(v.Field(i), depth+1)
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i), depth+1)
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Value(), depth+1)
			}
		}
	}
	walk(v, 0)
}

// visit checks one struct node; v is addressable and may come from an
// unexported field, so only reflect's read accessors are used.
func (c *checker) visit(v reflect.Value) {
	switch v.Type() {
	case typFilterCall:
		c.visitFilterName(v)
		c.visitFilter(v)
	case typGetItem:
		c.visitGetItem(v)
	case typTestCall:
		c.visitTest(v)
	case typFiltered:
		c.visitFilterChain(v)
	case typBinary:
		c.visitBinary(v)
	case typCall:
		c.visitCall(v)
		c.visitMethodCall(v)
	}
}

func tokenOf(v reflect.Value, field string) *tokens.Token {
	f := v.FieldByName(field)
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Type() != typToken {
		return nil
	}
	return &tokens.Token{Line: int(f.Elem().FieldByName("Line").Int()), Col: int(f.Elem().FieldByName("Col").Int()), Val: f.Elem().FieldByName("Val").String()}
}

// concrete returns the struct behind an interface or pointer value.
func concrete(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// literal returns the value of a string literal node.
func literal(v reflect.Value) (string, bool) {
	v = concrete(v)
	if !v.IsValid() || v.Type() != typString {
		return "", false
	}
	return v.FieldByName("Val").String(), true
}

// fold returns the constant string an expression of literals joined by ~
// and + evaluates to, with each non-constant operand contributing nothing:
// '__cla' ~ 'ss__' folds to "__class__". It reports whether any literal
// took part.
func (c *checker) fold(v reflect.Value, depth int) (string, bool) {
	v = concrete(v)
	if !v.IsValid() || depth > MaxNesting {
		return "", false
	}
	switch v.Type() {
	case typString:
		return v.FieldByName("Val").String(), true
	case typBinary:
		if op := binOp(v); op != "~" && op != "+" {
			return "", false
		}
		// An inner concatenation is part of this one's result; reporting
		// it again when the walk reaches it would only repeat a fragment.
		if c.folded == nil {
			c.folded = map[uintptr]bool{}
		}
		c.folded[v.UnsafeAddr()] = true
		l, lok := c.fold(v.FieldByName("Left"), depth+1)
		r, rok := c.fold(v.FieldByName("Right"), depth+1)
		return l + r, lok || rok
	case typList, typTuple:
		var b strings.Builder
		sawLit := false
		items := v.FieldByName("Val")
		for i := range items.Len() {
			s, ok := c.fold(items.Index(i), depth+1)
			b.WriteString(s)
			sawLit = sawLit || ok
		}
		return b.String(), sawLit
	}
	return "", false
}

func binOp(v reflect.Value) string {
	op := concrete(v.FieldByName("Operator"))
	if !op.IsValid() {
		return ""
	}
	t := tokenOf(op, "Token")
	if t == nil {
		return ""
	}
	return t.Val
}

func (c *checker) visitBinary(v reflect.Value) {
	op := binOp(v)
	pos := concrete(v.FieldByName("Operator"))
	tok := tokenOf(pos, "Token")
	switch op {
	case "~", "+":
		if c.folded[v.UnsafeAddr()] {
			return
		}
		s, ok := c.fold(v, 0)
		if ok && dunderRE.MatchString(s) {
			c.add(Escape, formats.Critical, tok, s, "string concatenation assembles the Python internal name %q", truncate(s, 60))
		}
		for _, side := range []string{"Left", "Right"} {
			if lit, ok := literal(v.FieldByName(side)); ok && underscores(lit) {
				c.add(Escape, formats.High, tok, lit, "underscore fragment %q concatenated into a name, an obfuscation of dunder access", lit)
			}
		}
	case "%":
		if lit, ok := literal(v.FieldByName("Left")); ok && strings.Contains(lit, "%c") {
			c.add(Escape, formats.Critical, tok, lit, "%%c formatting builds characters from numbers, an obfuscation of attribute names")
		}
	case "*":
		for _, pair := range [][2]string{{"Left", "Right"}, {"Right", "Left"}} {
			lit, ok := literal(v.FieldByName(pair[0]))
			n := concrete(v.FieldByName(pair[1]))
			if !ok || !n.IsValid() || n.Type() != typInteger {
				continue
			}
			if underscores(lit) {
				c.add(Escape, formats.High, tok, lit, "repeated underscore %q builds a dunder prefix", lit)
			}
			if k := n.FieldByName("Val").Int(); k > hugeRange {
				c.add(Resource, formats.Medium, tok, fmt.Sprint(k), "string repeated %d times exhausts memory when rendered", k)
			}
		}
	}
}

// visitFilter looks for %c formatting in a format filter's arguments;
// visitFilterName judges the filter itself.
func (c *checker) visitFilter(v reflect.Value) {
	if v.FieldByName("Name").String() == "format" {
		c.checkFormatArgs(tokenOf(v, "Token"), v.FieldByName("Args"))
	}
}

func (c *checker) checkFormatArgs(tok *tokens.Token, args reflect.Value) {
	for i := range args.Len() {
		if lit, ok := literal(args.Index(i)); ok && strings.Contains(lit, "%c") {
			c.add(Escape, formats.Critical, tok, lit, "%%c formatting builds characters from numbers, an obfuscation of attribute names")
		}
	}
}

// visitFilterChain checks what a filter chain is applied to: a format
// string with %c, a list of fragments joined into a dunder, a generator
// turned into a string to harvest characters.
func (c *checker) visitFilterChain(v reflect.Value) {
	filters := v.FieldByName("Filters")
	expr := v.FieldByName("Expression")
	var prev string
	for i := range filters.Len() {
		f := concrete(filters.Index(i))
		if !f.IsValid() {
			continue
		}
		name := f.FieldByName("Name").String()
		tok := tokenOf(f, "Token")
		if i == 0 {
			switch name {
			case "format":
				if lit, ok := literal(expr); ok && strings.Contains(lit, "%c") {
					c.add(Escape, formats.Critical, tok, lit, "%%c formatting builds characters from numbers, an obfuscation of attribute names")
				}
			case "join":
				if s, ok := c.fold(expr, 0); ok && dunderRE.MatchString(s) {
					c.add(Escape, formats.Critical, tok, s, "joined fragments assemble the Python internal name %q", truncate(s, 60))
				}
			}
		}
		if name == "string" && generatorFilters[prev] {
			c.add(Escape, formats.High, tok, prev, "the string form of a %s generator is a known source of characters for obfuscated payloads", prev)
		}
		prev = name
	}
}

func (c *checker) visitCall(v reflect.Value) {
	fn := concrete(v.FieldByName("Func"))
	if !fn.IsValid() || fn.Type() != typName {
		return
	}
	t := tokenOf(fn, "Name")
	if t == nil || t.Val != "range" {
		return
	}
	args := v.FieldByName("Args")
	for i := range args.Len() {
		n := concrete(args.Index(i))
		if n.IsValid() && n.Type() == typInteger {
			if k := n.FieldByName("Val").Int(); k > hugeRange {
				c.add(Resource, formats.Medium, t, fmt.Sprint(k), "range(%d) loops long enough to hang a renderer", k)
			}
		}
	}
}

func underscores(s string) bool {
	return s != "" && strings.Trim(s, "_") == ""
}

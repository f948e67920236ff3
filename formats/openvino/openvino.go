// Package openvino analyzes OpenVINO IR models: the .xml topology, whose
// layers it checks against OpenVINO's opsets (a layer no opset defines
// needs a host-registered extension: native code), whose Const layers'
// offsets and sizes it checks against the .bin weights beside it, and
// whose graph it checks for edges to nowhere and repeated ids, and whose
// rt_info chat template (a tokenizer IR's) it checks with package jinja.
//
// The XML is read as a token stream with caps on bytes, depth and layers;
// no entity is expanded and nothing in the model is run or loaded. The
// .bin holds raw weights with no header: it is identified as the weights
// of an .xml of the same name by the "openvino" layout, never by itself.
package openvino

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/jinja"
)

// Format is the name Sniff gives an OpenVINO IR .xml.
const Format = formats.OpenVINO

// Caps on what one IR may make the parser hold or walk.
const (
	MaxXML      = 2 << 30
	MaxDepth    = 128
	MaxLayers   = 10_000_000
	maxFindings = 200
)

func init() {
	formats.Register(Format, formats.AnalyzerFunc(Analyze))
	formats.RegisterProbe(Format, func(h formats.Head) bool { return isIR(h.Prefix) })
	formats.RegisterLayout("openvino", layout{})
}

// isIR accepts XML whose root element is <net> with a numeric version, as
// every IR since v2 starts; the head need not hold the whole document.
func isIR(p []byte) bool {
	p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexFunc(p, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }); i < 0 || p[i] != '<' {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(p))
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, ok := attr(t, "version")
			return t.Name.Local == "net" && t.Name.Space == "" && ok && v != "" && len(v) <= 3 && strings.Trim(v, "0123456789") == ""
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
	return false
}

func attr(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// Const is a constant whose bytes the IR takes from the weights file.
type Const struct {
	Layer        string
	Offset, Size uint64
}

// Model is what Walk learned about an IR.
type Model struct {
	Version string
	Layers  int
	Consts  []Const
}

// Analyze reads one IR .xml.
func Analyze(ctx context.Context, in *formats.Input, s formats.Scope) error {
	rc, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	if _, err := Walk(ctx, rc, s.Report); err != nil {
		return fmt.Errorf("openvino %s: %w", in.Name, err)
	}
	return nil
}

// graph is one <net> or sub-graph body: its layer ids and edges, checked
// when it ends.
type graph struct {
	elem  string
	depth int
	ids   map[string]bool
	edges [][2]string
}

// Walk reads an IR .xml from r, reports what it finds through report
// (which may be nil) and returns the model's constants.
func Walk(ctx context.Context, r io.Reader, report func(formats.Finding)) (*Model, error) {
	n := 0
	emit := func(f formats.Finding) {
		if report != nil && n < maxFindings {
			report(f)
		}
		n++
	}
	cr := &countingReader{r: io.LimitReader(r, MaxXML+1)}
	d := xml.NewDecoder(cr)
	d.Strict = true
	m := &Model{}
	var (
		stack  []string // open element names
		graphs []*graph
		layer  struct {
			name, typ string
			depth     int
		}
		seenRoot bool
	)
	layer.depth = -1
	for {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		off := d.InputOffset()
		tok, err := d.Token()
		if cr.n > MaxXML {
			return m, &formats.LimitError{Limit: "openvino-xml-bytes", Max: MaxXML}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				emit(formats.NewFinding(RuleStructure, off, "the IR has a DOCTYPE, which OpenVINO's serializer never writes"))
			}
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return m, &formats.LimitError{Limit: "openvino-xml-depth", Max: MaxDepth}
			}
			name := t.Name.Local
			if !seenRoot {
				seenRoot = true
				v, _ := attr(t, "version")
				if name != "net" || (v != "10" && v != "11") {
					return m, fmt.Errorf("root <%s version=%q>: %w: only IR versions 10 and 11 are read", name, v, formats.ErrUnsupported)
				}
				m.Version = v
			}
			if name == "net" || isBody(name) {
				graphs = append(graphs, &graph{elem: name, depth: len(stack), ids: map[string]bool{}})
			}
			g := top(graphs)
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			switch {
			case name == "layer" && parent == "layers":
				m.Layers++
				if m.Layers > MaxLayers {
					return m, &formats.LimitError{Limit: "openvino-layers", Max: MaxLayers}
				}
				id, _ := attr(t, "id")
				typ, _ := attr(t, "type")
				version, _ := attr(t, "version")
				lname, _ := attr(t, "name")
				layer.name, layer.typ, layer.depth = lname, typ, len(stack)
				if g != nil {
					if g.ids[id] {
						emit(formats.NewFinding(RuleStructure, off, "two layers have id %q", id).With("layer", formats.DisplayName(lname)))
					}
					g.ids[id] = true
				}
				checkType(emit, off, lname, typ, version)
			case name == "chat_template" && parent == "rt_info" && len(stack) == 2:
				// The model's own rt_info (net > rt_info), where
				// openvino_tokenizers keeps the chat template.
				if v, ok := attr(t, "value"); ok {
					template(emit, off, v)
				}
			case name == "data" && layer.depth == len(stack)-1 && parent == "layer" && layer.typ == "Const":
				c, ok, why := constOf(t, layer.name)
				if ok {
					m.Consts = append(m.Consts, c)
				} else if why != "" {
					emit(formats.NewFinding(RuleWeights, off, "Const layer %s: %s", formats.DisplayName(layer.name), why).
						With("layer", formats.DisplayName(layer.name)))
				}
			case name == "edge" && parent == "edges" && g != nil:
				from, _ := attr(t, "from-layer")
				to, _ := attr(t, "to-layer")
				g.edges = append(g.edges, [2]string{from, to})
			}
			stack = append(stack, name)
		case xml.EndElement:
			if len(stack) == 0 {
				return m, errors.New("xml: unbalanced end element")
			}
			stack = stack[:len(stack)-1]
			if layer.depth == len(stack) {
				layer.depth = -1
			}
			if g := top(graphs); g != nil && g.depth == len(stack) {
				for _, e := range g.edges {
					for _, id := range e {
						if !g.ids[id] {
							emit(formats.NewFinding(RuleStructure, d.InputOffset(), "an edge refers to layer %q, which this graph does not have", id))
						}
					}
				}
				graphs = graphs[:len(graphs)-1]
			}
		}
	}
	if !seenRoot {
		return m, errors.New("xml: no root element")
	}
	if len(stack) != 0 {
		return m, errors.New("xml: document ends inside an element")
	}
	if n > maxFindings && report != nil {
		report(formats.NewFinding(RuleStructure, formats.NoOffset, "%d more findings not listed", n-maxFindings).At(formats.Info))
	}
	return m, nil
}

// isBody names the elements that hold a sub-graph of TensorIterator, Loop
// and If layers (and the numbered bodies of multi-subgraph ops).
// template reports what the jinja checks find in an rt_info chat template.
func template(emit func(formats.Finding), off int64, src string) {
	for _, is := range jinja.Check(src) {
		f := formats.NewFinding(RuleTemplate, off, "rt_info chat_template: %s", is.Message).At(is.Severity).With("kind", is.Kind.String())
		if is.Line > 0 {
			f = f.With("line", strconv.Itoa(is.Line)).With("column", strconv.Itoa(is.Col))
		}
		if is.Evidence != "" {
			f = f.With("evidence", formats.DisplayName(clip(is.Evidence, 200)))
		}
		emit(f)
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func isBody(name string) bool {
	if name == "then_body" || name == "else_body" {
		return true
	}
	n, ok := strings.CutPrefix(name, "body")
	return ok && strings.Trim(n, "0123456789") == ""
}

func top(gs []*graph) *graph {
	if len(gs) == 0 {
		return nil
	}
	return gs[len(gs)-1]
}

func checkType(emit func(formats.Finding), off int64, name, typ, version string) {
	if isOpsetOp(typ, version) {
		return
	}
	display := formats.DisplayName(name)
	if v := extensions.Lookup(typ); v.Name != "" {
		emit(formats.NewFinding(RuleVendorExtension, off, "layer %s of type %s needs the %s extension library", display, formats.DisplayName(typ), v.Name).
			With("type", typ).With("version", version).With("vendor", v.Name))
		return
	}
	emit(formats.NewFinding(RuleUnknownExtension, off, "layer %s of type %s (version %s) is in no OpenVINO opset: it needs a host-registered extension",
		display, formats.DisplayName(typ), formats.DisplayName(version)).With("type", typ).With("version", version))
}

// constOf reads a Const layer's offset and size. It returns false with a
// reason when they are not usable, and false without one when the
// constant has no data in the weights file.
func constOf(e xml.StartElement, layer string) (Const, bool, string) {
	os, hasOff := attr(e, "offset")
	ss, hasSize := attr(e, "size")
	if !hasOff && !hasSize {
		return Const{}, false, ""
	}
	off, err1 := strconv.ParseUint(strings.TrimSpace(os), 10, 64)
	size, err2 := strconv.ParseUint(strings.TrimSpace(ss), 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return Const{}, false, fmt.Sprintf("offset %q and size %q are not both unsigned numbers", os, ss)
	case off > math.MaxInt64-size:
		return Const{}, false, fmt.Sprintf("offset %d plus size %d overflows", off, size)
	}
	return Const{Layer: layer, Offset: off, Size: size}, true, ""
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

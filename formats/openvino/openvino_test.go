package openvino

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string // rules at low or above, in order
	}{
		{"add_abc.xml", nil},
		{"const_add.xml", nil},
		{"loop_body.xml", nil},
		{"weights_beyond.xml", nil}, // the .bin's size is the layout's to check
		// Real IRs with their weights, from openvinotoolkit/model_server's
		// tests (see samples.tsv).
		{"ovms_dummy.xml", nil},
		{"ovms_dummy_fp64.xml", nil},
		{"ovms_increment.xml", nil},
		{"ovms_summator.xml", nil},
		{"ovms_scalar.xml", nil},
		{"tokenizer_ext.xml", []string{RuleVendorExtension}},
		{"custom_ext.xml", []string{RuleUnknownExtension}},
		{"bad_offset.xml", []string{RuleWeights}},
		{"doctype.xml", []string{RuleStructure}},
		{"dangling_edge.xml", []string{RuleStructure}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b := formatstest.Testdata(t, tc.file)
			if !isIR(b) {
				t.Fatal("probe does not accept the sample")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tc.file, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Rules(); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v: %v", got, tc.want, r.Findings)
			}
		})
	}
}

func TestProbeRejects(t *testing.T) {
	for _, s := range []string{
		`<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion></project>`,
		`<net name="x">`,                      // no version
		`<net version="v10">`,                 // not a number
		`<ns:net xmlns:ns="u" version="10">`,  // namespaced
		`hello <net version="10">`,            // text first
		`<!-- c --><svg version="1.1"></svg>`, // another root
		"{\"net\": 1}",
	} {
		if isIR([]byte(s)) {
			t.Errorf("probe accepts %q", s)
		}
	}
	if !isIR([]byte("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- c -->\n<net name=\"m\" version=\"11\">\n<layers>\n<layer id=")) {
		t.Error("probe rejects a head cut after the root element")
	}
}

func TestUnsupportedVersion(t *testing.T) {
	_, err := Walk(context.Background(), bytes.NewReader([]byte(`<net name="m" version="7"><layers/></net>`)), nil)
	if formats.Reason(err) != "unsupported" {
		t.Fatalf("err %v, want unsupported", err)
	}
}

func TestCaps(t *testing.T) {
	deep := bytes.Repeat([]byte("<a>"), MaxDepth+1)
	_, err := Walk(context.Background(), bytes.NewReader(append([]byte(`<net version="11">`), deep...)), nil)
	if formats.Reason(err) != "limit" {
		t.Fatalf("err %v, want a limit", err)
	}
	for _, s := range []string{`<net version="11"><layers>`, `<net version="11"><a></b></net>`, `<net version="11">&xxe;</net>`} {
		if _, err := Walk(context.Background(), bytes.NewReader([]byte(s)), nil); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// dirTree is a formats.Tree over a directory's files.
type dirTree struct {
	dir   string
	names []string
}

func (d dirTree) Names() []string { return d.names }
func (d dirTree) Open(name string) (*formats.Input, error) {
	b, err := os.ReadFile(filepath.Join(d.dir, name))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	return formats.NewInput(name, bytes.NewReader(b), int64(len(b))), nil
}

type checkRecorder struct {
	*formatstest.Recorder
	checked []string
}

func (c *checkRecorder) Checked(m string) { c.checked = append(c.checked, m) }

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"const_add.xml", "const_add.bin"}, nil},
		{[]string{"weights_beyond.xml", "weights_beyond.bin"}, []string{RuleWeights}},
		{[]string{"ovms_dummy.xml", "ovms_dummy.bin"}, nil},
		{[]string{"ovms_dummy_fp64.xml", "ovms_dummy_fp64.bin"}, nil},
		{[]string{"ovms_increment.xml", "ovms_increment.bin"}, nil},
		{[]string{"ovms_summator.xml", "ovms_summator.bin"}, nil},
		{[]string{"ovms_scalar.xml", "ovms_scalar.bin"}, nil},
		// The real dummy.xml with its weights cut to 2 of their 4 bytes.
		{[]string{"ovms_dummy_cut.xml", "ovms_dummy_cut.bin"}, []string{RuleWeights}},
	} {
		l := layout{}
		if !l.Match(tc.names) || l.Match(tc.names[:1]) {
			t.Fatalf("%v: match wrong", tc.names)
		}
		r := &checkRecorder{Recorder: formatstest.NewRecorder()}
		if err := l.AnalyzeTree(context.Background(), dirTree{"testdata", tc.names}, r); err != nil {
			t.Fatal(err)
		}
		if got := r.Rules(); !slices.Equal(got, tc.want) {
			t.Errorf("%v: rules %v, want %v", tc.names, got, tc.want)
		}
		if !slices.Equal(r.checked, tc.names[1:]) {
			t.Errorf("%v: checked %v", tc.names, r.checked)
		}
		for _, f := range r.Findings {
			if f.Member != tc.names[0] {
				t.Errorf("finding about %q, want the .xml", f.Member)
			}
		}
	}
}

func TestOpsetTable(t *testing.T) {
	for typ, version := range map[string]string{"Const": "opset1", "ReLU": "opset1", "Convolution": "opset1", "ScaledDotProductAttention": "opset13", "STFT": "opset15"} {
		if !isOpsetOp(typ, version) {
			t.Errorf("%s/%s not an opset op", typ, version)
		}
	}
	for _, c := range [][2]string{{"Add", "extension"}, {"Add", "opset"}, {"MyOp", "opset1"}, {"Add", "opsetX"}, {"Add", ""}} {
		if isOpsetOp(c[0], c[1]) {
			t.Errorf("%s/%s taken for an opset op", c[0], c[1])
		}
	}
}

func FuzzWalk(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		isIR(b)
		_, _ = Walk(context.Background(), bytes.NewReader(b), func(formats.Finding) {})
	})
}

// TestChatTemplate: the chat template openvino_tokenizers keeps in a
// tokenizer IR's rt_info is checked as a chat template; a value of the
// same name elsewhere is not.
func TestChatTemplate(t *testing.T) {
	ir := func(rt string) []byte {
		return []byte(`<?xml version="1.0"?>
<net name="tokenizer" version="11">
	<layers>
		<layer id="0" name="string_input" type="Parameter" version="opset1">
			<data shape="?" element_type="string"/>
			<output><port id="0" precision="STRING"/></output>
		</layer>
	</layers>
	<edges/>
	<rt_info>` + rt + `</rt_info>
</net>
`)
	}
	for _, tc := range []struct {
		name, rt string
		want     []string
	}{
		{"benign", `<add_attention_mask value="True"/><chat_template value="{% for message in messages %}{{ '&lt;|' + message['role'] + '|&gt;' + message['content'] }}{% endfor %}"/>`, nil},
		{"escape", `<chat_template value="{{ cycler.__init__.__globals__.os.popen('id').read() }}"/>`, []string{RuleTemplate}},
		{"loader", `<chat_template value="{% include 'x.j2' %}"/>`, []string{RuleTemplate}},
		{"not the model's", `<nested><chat_template value="{{ cycler.__init__.__globals__.os }}"/></nested>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := ir(tc.rt)
			if !isIR(b) {
				t.Fatal("probe does not accept the IR")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "openvino_tokenizer.xml", b)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Compact(r.Rules()); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v: %v", got, tc.want, r.Findings)
			}
			for _, f := range r.Findings {
				if f.Severity < formats.Medium {
					t.Errorf("finding below medium: %v", f)
				}
			}
		})
	}
}

package keras

import (
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func FuzzConfig(f *testing.F) {
	tree := readZip(f, "testdata/lambda_keras3.keras")
	f.Add(tree["config.json"])
	f.Add(readZip(f, "testdata/torch_wrapper.keras")["config.json"])
	f.Add(readZip(f, "testdata/bpe_url.keras")["config.json"])
	f.Add([]byte(`{"class_name":"Lambda","config":{"function":"lambda x: open(x)"}}`))
	f.Add([]byte(`{"class_name":"Lambda","config":{"function":["YWJj",null,null],"function_type":"lambda"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &Checker{Report: func(formats.Finding) {}}
		_ = c.CheckJSON(b, "config")
	})
}

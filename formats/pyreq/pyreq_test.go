package pyreq

import (
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func TestRequirements(t *testing.T) {
	c := Checker{Shipped: func(n string) bool { return n == "constraints.txt" }}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"pinned names", "mlflow==2.8.0\nscikit-learn>=1.2,<2 ; python_version >= '3.8'\ntorch[cuda]~=2.0 --hash=sha256:abc\n# a comment\n\n", nil},
		{"extra index", "--extra-index-url https://pypi.evil.example/simple\nnumpy", []string{RuleIndex}},
		{"index short form", "-ihttps://mirror.example/simple", []string{RuleIndex}},
		{"find links", "-f ./wheels\n--trusted-host evil.example", []string{RuleIndex, RuleIndex}},
		{"vendor index", "--extra-index-url https://download.pytorch.org/whl/cu118\n-f https://download.pytorch.org/whl/torch_stable.html\n-i http://pypi.org/simple", []string{RuleIndex, RuleIndex, RuleIndex}},
		{"vcs", "git+https://github.com/x/y.git@main#egg=y", []string{RuleURL}},
		{"direct reference", "torch @ https://download.example/torch.whl", []string{RuleURL}},
		{"editable", "-e git+https://github.com/x/y#egg=y", []string{RuleURL}},
		{"local wheel", "./dist/pkg-1.0-py3-none-any.whl\nfile:///tmp/pkg\n../sibling", []string{RuleLocal, RuleLocal, RuleLocal}},
		{"shipped constraints", "-c constraints.txt\n-r other.txt", []string{RuleLocal}},
		{"continuation", "--extra-index-url \\\n  https://x.example/simple", []string{RuleIndex}},
		{"unknown option", "--evil-flag x", []string{RuleMalformed}},
		{"url fragment is not a comment", "https://x.example/p.tar.gz#sha256=1", []string{RuleURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range c.Requirements([]byte(tt.text)) {
				got = append(got, f.Rule)
				if tt.name == "vendor index" && (f.Severity == formats.Low) != strings.HasPrefix(f.Details["value"], "https://download.pytorch.org") {
					t.Errorf("%s at %v", f.Details["value"], f.Severity)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEnvironments(t *testing.T) {
	c := Checker{Shipped: func(n string) bool { return n == "requirements.txt" }}
	tests := []struct {
		name, text string
		python     bool
		want       []string
	}{
		{"mlflow conda", "channels:\n- conda-forge\ndependencies:\n- python=3.10.12\n- pip<=23.0\n- pip:\n  - mlflow==2.8.0\n  - cloudpickle==2.2.1\nname: mlflow-env\n", false, nil},
		{"conda url channel", "channels:\n- https://conda.evil.example/channel\ndependencies:\n- pip:\n  - git+https://github.com/x/y\n", false, []string{RuleIndex, RuleURL}},
		{"conda package url", "dependencies:\n- https://x.example/pkg-1.0.tar.bz2\n", false, []string{RuleURL}},
		{"mlflow python_env", "python: 3.10.12\nbuild_dependencies:\n- pip==23.0\n- setuptools\ndependencies:\n- -r requirements.txt\n", true, nil},
		{"python_env index", "dependencies:\n- --extra-index-url https://x.example\n- -r /etc/reqs.txt\n", true, []string{RuleIndex, RuleLocal}},
		{"not yaml", "dependencies: [", true, []string{RuleMalformed}},
		{"not a string", "dependencies:\n- {a: b}\n", true, []string{RuleMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := c.Conda([]byte(tt.text))
			if tt.python {
				fs = c.PythonEnv([]byte(tt.text))
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Rule)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules %v, want %v: %v", got, tt.want, fs)
			}
		})
	}
}

func FuzzRequirements(f *testing.F) {
	for _, s := range []string{"numpy==1\n-e .\n", "--index-url=x\\\n y", "a @ file:///x ; os_name=='nt'"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Checker{}.Requirements(data)
		Checker{}.Conda(data)
		Checker{}.PythonEnv(data)
	})
}

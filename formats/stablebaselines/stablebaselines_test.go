package stablebaselines

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestB64DecodeMatchesPython decodes what base64.b64decode(s.encode())
// decodes, byte for byte, and fails exactly where it raises: bytes outside
// the alphabet skipped, padding that ends the data, data after it ignored,
// stray "=" where a group has under two characters.
func TestB64DecodeMatchesPython(t *testing.T) {
	py := pythontest.Require(t)
	cases := []string{
		"", "QUJD", "QUI=", "QQ==", "QUI=AAAA", "QU!I=", "QQ==AAAA", "QQ=A=", "Q", "QQ", "QUI", "QUJDRA",
		"=QUJD", "Q=UJD", "QUJD=", "QUJD====", "QU JD\n", "Q\x00UJD", "QUJD\xff\xfeRA==", "QUJD-_", "QUJDR=A=",
		"gAWVHwAAAAAAAACMBXBvc2l4lIwGc3lzdGVtlJOUjApl!Y2hvIHB3bmVklIWUUpQu", "////", "+/+/", "QUJDR===x",
	}
	script := "import base64,sys\nfor line in sys.stdin.read().split('\\n'):\n" +
		"    try:\n        print(base64.b64decode(bytes.fromhex(line)).hex())\n    except Exception as e:\n        print('error')\n"
	var in strings.Builder
	for i, c := range cases {
		if i > 0 {
			in.WriteString("\n")
		}
		in.WriteString(hex.EncodeToString([]byte(c)))
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(want) != len(cases) {
		t.Fatalf("python gave %d lines for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		got, err := b64decode([]byte(c))
		g := hex.EncodeToString(got)
		if err != nil {
			g = "error"
		}
		if g != want[i] {
			t.Errorf("b64decode(%q) = %s, Python %s", c, g, want[i])
		}
	}
}

// TestSerialized: every ":serialized:" string value is found, under any
// spelling json.loads decodes to that key, with the key of the object
// holding it; text json.loads refuses yields a syntax error.
func TestSerialized(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   []string // parent=value
		syntax bool
	}{
		{"stable-baselines3", `{"policy_class": {":type:": "<class 'abc.ABCMeta'>", ":serialized:": "gAWV", "__module__": "x"}, "n": 3}`,
			[]string{"policy_class=gAWV"}, false},
		{"escaped key", `{"a": {"\u003aserialized\u003a": "QUJD"}}`, []string{"a=QUJD"}, false},
		{"escaped value", `{"a": {":serialized:": "QU\/JD\u0041"}}`, []string{"a=QU/JDA"}, false},
		{"surrogate pair and a lone surrogate", `{"a": {":serialized:": "\ud83d\ude00\udc00"}}`, []string{"a=\U0001F600\uFFFD"}, false},
		{"non-JSON numbers before", `{"x": NaN, "y": -Infinity, "a": {":serialized:": "QUJD"}}`, []string{"a=QUJD"}, false},
		{"two, one nested deeper", `{"a": {":serialized:": "A"}, "b": {"c": [{":serialized:": "B"}]}}`, []string{"a=A", "=B"}, false},
		{"duplicate keys", `{"a": {":serialized:": "A", ":serialized:": "B"}}`, []string{"a=A", "a=B"}, false},
		{"key only as a value", `{"a": ":serialized:", "b": "QUJD"}`, nil, false},
		{"not a string", `{"a": {":serialized:": 5}}`, nil, false},
		{"unended string", `{"a": {":serialized:": "QUJD`, nil, true},
		{"invalid escape", `{"a": "\x", "b": {":serialized:": "QUJD"}}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := serialized(bufio.NewReader(strings.NewReader(tt.text)), 1<<20, func(parent string, value []byte, _ int64) error {
				got = append(got, parent+"="+string(value))
				return nil
			})
			var syntax *syntaxError
			if errors.As(err, &syntax) != tt.syntax || err != nil && !tt.syntax {
				t.Fatalf("error %v, want syntax error %v", err, tt.syntax)
			}
			if tt.syntax {
				return
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSerializedCap: a serialized value over the buffer limit is an error
// the layout reports, not a value skipped as an ordinary long string is.
func TestSerializedCap(t *testing.T) {
	long := strings.Repeat("A", 200_000)
	text := `{"obs": "` + long + `", "a": {":serialized:": "` + long + `"}}`
	n := 0
	err := serialized(bufio.NewReader(strings.NewReader(text)), 100_000, func(string, []byte, int64) error { n++; return nil })
	if !errors.Is(err, errSerializedCap) || n != 0 {
		t.Fatalf("error %v after %d values, want errSerializedCap", err, n)
	}
}

// FuzzSerialized: the reader never panics, and every value it reports
// decodes or fails without panicking.
func FuzzSerialized(f *testing.F) {
	f.Add(`{"a": {":serialized:": "gAWV"}}`)
	f.Add(`{"a": {"\u003aserialized\u003a": "Q\ud800UJD=="}}`)
	f.Fuzz(func(t *testing.T, s string) {
		_ = serialized(bufio.NewReader(strings.NewReader(s)), 1<<16, func(_ string, v []byte, _ int64) error {
			_, _ = b64decode(v)
			return nil
		})
	})
}

// TestLayout: every serialized value is handed on as a nested file named
// after its key, decoded; the keys loading calls are reported (MG841), an
// undecodable value is reported (MG840), and a data file that is not a
// JSON object, or one json.loads refuses, is left alone.
func TestLayout(t *testing.T) {
	tree := formatstest.Tree{
		"data": []byte(`{"policy_class": {":serialized:": "QUJD"}, "observation_space": {":serialized:": "QUI="},
			"learning_rate": 0.0003, "lr_schedule": {":serialized:": "Q"}}`),
		"sub/data":  []byte(`not json`),
		"bad/data":  []byte(`{"policy_class": {":serialized:": "QUJD`),
		"data.json": []byte(`{"policy_class": {":serialized:": "QUJD"}}`),
	}
	rec, err := formatstest.RunTree(t, layout{}, tree)
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, m := range rec.Members {
		members = append(members, m.Name+"="+string(m.Data))
	}
	if got, want := strings.Join(members, " "), "data[policy_class]=ABC data[observation_space]=AB"; got != want {
		t.Errorf("members %q, want %q", got, want)
	}
	var findings []string
	for _, f := range rec.Findings {
		findings = append(findings, f.Rule+" "+f.Member+" "+f.Details["key"])
	}
	if got, want := strings.Join(findings, ", "), "MG841 data policy_class, MG840 data lr_schedule"; got != want {
		t.Errorf("findings %q, want %q", got, want)
	}
}

// TestVetted: MG841 is left out only for what Stable-Baselines3 itself
// instantiates and calls on numbers: a reference to one of its policy or
// buffer classes under a class key, a FloatSchedule of a ConstantSchedule
// or LinearSchedule of numbers under a schedule key.
func TestVetted(t *testing.T) {
	sbu := func(s string) string { return "\x8c" + string(rune(len(s))) + s }
	glob := func(m, n string) string { return sbu(m) + sbu(n) + "\x93" }
	const proto, newobj, stop = "\x80\x04", ")\x81", "."
	built := func(cls, items string) string { return cls + newobj + "}(" + items + "ub" }
	num := func(k string) string { return sbu(k) + "G?3\xa9*0U2a" }
	constant := built(glob("stable_baselines3.common.utils", "ConstantSchedule"), num("val"))
	float := func(inner string) string {
		return proto + built(glob("stable_baselines3.common.utils", "FloatSchedule"), sbu("value_schedule")+inner) + stop
	}
	tests := []struct {
		name, key, pickle string
		want              bool
	}{
		{"PPO's policy", "policy_class", proto + glob("stable_baselines3.common.policies", "ActorCriticPolicy") + stop, true},
		{"DQN's policy", "policy_class", proto + glob("stable_baselines3.dqn.policies", "DQNPolicy") + stop, true},
		{"rollout buffer", "rollout_buffer_class", proto + glob("stable_baselines3.common.buffers", "RolloutBuffer") + stop, true},
		{"sb3-contrib's TQC policy", "policy_class", proto + glob("sb3_contrib.tqc.policies", "TQCPolicy") + stop, true},
		{"sb3-contrib's recurrent buffer", "rollout_buffer_class", proto + glob("sb3_contrib.common.recurrent.buffers", "RecurrentRolloutBuffer") + stop, true},
		{"sb3-contrib's TQC actor", "policy_class", proto + glob("sb3_contrib.tqc.policies", "Actor") + stop, false},
		{"another class", "policy_class", proto + glob("collections", "OrderedDict") + stop, false},
		{"a policy class called in the pickle", "policy_class", proto + glob("stable_baselines3.common.policies", "ActorCriticPolicy") + ")R" + stop, false},
		{"a buffer under the policy key's sibling", "policy_kwargs", proto + glob("stable_baselines3.common.buffers", "RolloutBuffer") + stop, false},
		{"constant learning rate", "lr_schedule", float(constant), true},
		{"linear schedule", "learning_rate", float(built(glob("stable_baselines3.common.utils", "LinearSchedule"), num("start")+num("end")+num("end_fraction"))), true},
		{"a bare constant schedule", "learning_rate", proto + constant + stop, true},
		{"a schedule holding a string", "lr_schedule", float(built(glob("stable_baselines3.common.utils", "ConstantSchedule"), sbu("val")+sbu("x"))), false},
		{"a schedule holding a function", "lr_schedule", float(glob("builtins", "print")), false},
		{"a schedule built with arguments", "lr_schedule", proto + glob("stable_baselines3.common.utils", "ConstantSchedule") + "K\x01\x85R" + stop, false},
		{"a schedule under a key loading does not vet", "clip_range", float(constant), false},
		{"policy_kwargs of an activation and numbers", "policy_kwargs",
			proto + "}(" + sbu("activation_fn") + glob("torch.nn.modules.activation", "ReLU") + sbu("net_arch") + "](K@K@e" +
				sbu("optimizer_kwargs") + "}" + sbu("eps") + "G>\xe4\xf8\xb5\x88\xe3h\xf1" + "s" + "u" + stop, true},
		{"policy_kwargs naming another class", "policy_kwargs",
			proto + "}" + sbu("features_extractor_class") + glob("collections", "OrderedDict") + "s" + stop, false},
		{"policy_kwargs calling its class", "policy_kwargs",
			proto + "}" + sbu("activation_fn") + glob("torch.nn.modules.activation", "ReLU") + ")R" + "s" + stop, false},
		{"policy_kwargs not a dict", "policy_kwargs", proto + glob("torch.nn.modules.activation", "ReLU") + stop, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vetted(context.Background(), tt.key, []byte(tt.pickle), formats.DefaultLimits()); got != tt.want {
				t.Errorf("vetted = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestShadowedMethods: BaseAlgorithm.load copies every data key onto the
// model (model.__dict__.update(data)) before calling _setup_model and
// set_parameters, so a serialized value named after a method loading
// calls replaces the method and is called, even a class the allowlist
// lets a pickle hold by reference.
func TestShadowedMethods(t *testing.T) {
	// base64 of pickle protocol 4 "stable_baselines3.common.policies
	// ActorCriticPolicy" STACK_GLOBAL, a reference vetted under policy_class.
	const ref = "gASVOwAAAAAAAACMIXN0YWJsZV9iYXNlbGluZXMzLmNvbW1vbi5wb2xpY2llc5SMEUFjdG9yQ3JpdGljUG9saWN5lJOULg=="
	for _, key := range []string{"_setup_model", "_setup_lr_schedule", "set_random_seed", "_maybe_recommend_cpu",
		"_convert_train_freq", "_create_aliases", "set_parameters", "_get_torch_save_params"} {
		t.Run(key, func(t *testing.T) {
			tree := formatstest.Tree{"data": []byte(`{"seed": "x", "` + key + `": {":serialized:": "` + ref + `"}}`)}
			rec, err := formatstest.RunTree(t, layout{}, tree)
			if err != nil {
				t.Fatal(err)
			}
			var findings []string
			for _, f := range rec.Findings {
				findings = append(findings, f.Rule+" "+f.Details["key"])
			}
			if got, want := strings.Join(findings, ", "), "MG841 "+key; got != want {
				t.Errorf("findings %q, want %q", got, want)
			}
		})
	}
}

// TestTooDeep: text nested past what modelgate reads is reported unread
// (MG840), not passed, and the keys kept for naming stay short.
func TestTooDeep(t *testing.T) {
	key := `"` + strings.Repeat("k", 1000) + `": `
	deep := `{"a": ` + strings.Repeat(`{`+key, maxDepth) + `{":serialized:": "QUJD"}`
	err := serialized(bufio.NewReader(strings.NewReader(deep)), 1<<20, func(string, []byte, int64) error { return nil })
	if !errors.Is(err, errTooDeep) {
		t.Fatalf("error %v, want errTooDeep", err)
	}
	rec, err := formatstest.RunTree(t, layout{}, formatstest.Tree{"data": []byte(deep)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Findings) != 1 || rec.Findings[0].Rule != RuleUnreadable || rec.Findings[0].Severity != formats.High {
		t.Errorf("findings %+v, want one high MG840", rec.Findings)
	}
}

// TestOnlyBuildsFunctions: a discarded key's cloudpickle stream is cleared
// only when all it does is build functions (testdata/schedule.pkl, written
// by cloudpickle from closures shaped like stable-baselines3's schedules);
// any call, BUILD, item or attribute it applies to something else keeps the
// pickle analyzer's findings.
func TestOnlyBuildsFunctions(t *testing.T) {
	real, err := os.ReadFile("testdata/schedule.pkl")
	if err != nil {
		t.Fatal(err)
	}
	if len(real) < 12 || real[2] != 0x95 {
		t.Fatal("schedule.pkl does not start with PROTO and FRAME")
	}
	// The stream without its FRAME (framing is optional) and STOP, so
	// that opcodes appended to it stay inside no frame.
	body := string(real[:2]) + string(real[11:len(real)-1])
	// Memo slots of schedule.pkl: the function built (33), the
	// _function_setstate global (36), the _make_function global (2) and
	// the code object (7).
	const fn, setstate, maker, code = "h!", "h$", "h\x02", "h\x07"
	tests := []struct {
		name, pickle string
		want         bool
	}{
		{"cloudpickle's closure", string(real), true},
		{"the same without its frame", body + ".", true},
		{"a call of os.system too", body + "\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R0.", false},
		{"setstate of the builder itself", body + setstate + maker + "}}\x86\x86R0.", false},
		{"a function made with no globals dict", body + maker + "(" + code + "N\x8c\x01fNNtR0.", false},
		{"an item appended to the function", body + fn + "K\x01a0.", false},
		{"the function built by BUILD", body + fn + "}b0.", false},
		{"the function called", body + fn + "K\x01\x85R0.", false},
		{"another type looked up", body + "\x8c\x17cloudpickle.cloudpickle\x8c\x0d_builtin_type\x93\x8c\x09new_class\x85R0.", false},
		{"a module imported", body + "\x8c\x17cloudpickle.cloudpickle\x8c\x09subimport\x93\x8c\x02os\x85R0.", false},
	}
	keys, err := os.ReadFile("testdata/schedule_keys.pkl")
	if err != nil {
		t.Fatal(err)
	}
	// A made function in place of _function_setstate's dicts: dict.update
	// and pop find keys or pop in its __dict__ and call them.
	state := func(attrs, slots string) string {
		return setstate + fn + attrs + slots + "\x86\x86R0."
	}
	tests = append(tests, []struct {
		name, pickle string
		want         bool
	}{
		{"setstate's update calls a function's keys", string(keys), false},
		{"setstate of the plain pair again", body + state("}", "}"), true},
		{"setstate's state a function", body + setstate + fn + fn + "\x86R0.", false},
		{"setstate's attributes a function", body + state(fn, "}"), false},
		{"setstate's slot state a function", body + state("}", fn), false},
		{"setstate's __globals__ a function", body + state("}", "}\x8c\x0b__globals__"+fn+"s"), false},
		{"setstate's __globals__ a dict", body + state("}", "}\x8c\x0b__globals__}s"), true},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := onlyBuildsFunctions(context.Background(), []byte(tt.pickle), formats.DefaultLimits()); got != tt.want {
				t.Errorf("onlyBuildsFunctions = %v, want %v", got, tt.want)
			}
		})
	}
}

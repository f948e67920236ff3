// Package stablebaselines checks the "data" file of Stable-Baselines3 and
// Stable-Baselines model archives: a JSON object of the algorithm's
// parameters in which every value that is not plain JSON (the policy class,
// the observation and action spaces, learning-rate and clip-range
// schedules) is a cloudpickle stream, base64-encoded under the key
// ":serialized:". BaseAlgorithm.load reads the archive's "data" member and
// unpickles each of them with cloudpickle.loads (save_util.py json_to_data,
// stable-baselines3 2.x; the same in stable-baselines 2.x), then calls the
// policy class and the schedules, so each is a pickle the loader runs.
//
// The layout decodes every ":serialized:" string of a file named "data"
// as Python's base64.b64decode does and hands the bytes to the engine as a
// nested file, where the pickle analyzer judges them, and reports the
// values loading goes on to call (MG841). It never decodes
// base64 more strictly than Python, never unpickles, and never runs what
// it finds.
package stablebaselines

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle"
)

// Rule IDs. They never change meaning once released.
const (
	RuleUnreadable = "MG840"
	RuleCalled     = "MG841"
	RuleDiscarded  = "MG842"
)

// calledKeys are the data keys whose deserialized value loading calls:
// BaseAlgorithm.load passes policy_class to the algorithm, whose
// _setup_model instantiates it with the spaces, a schedule made of
// learning_rate and **policy_kwargs, and
// instantiates rollout_buffer_class or replay_buffer_class with their
// kwargs; the policy calls the schedule to make its optimizer
// (stable-baselines3 2.x on_policy_algorithm.py, off_policy_algorithm.py,
// base_class.py at e05d2db). load copies every data key onto the model
// (model.__dict__.update(data)) before it calls _setup_model and
// set_parameters, so a key named after a method load calls on the model
// replaces that method and is called: with no arguments, with the data's
// own "seed" (set_random_seed), or with the parameters (set_parameters).
var calledKeys = map[string]bool{
	"policy_class": true, "policy_kwargs": true, "learning_rate": true,
	"rollout_buffer_class": true, "rollout_buffer_kwargs": true, "replay_buffer_class": true, "replay_buffer_kwargs": true,
	"_setup_model": true, "_setup_lr_schedule": true, "set_random_seed": true, "_maybe_recommend_cpu": true,
	"_convert_train_freq": true, "_create_aliases": true, "set_parameters": true, "_get_torch_save_params": true,
}

// discardedKeys are the data keys whose deserialized value loading
// replaces before anything reads it: _setup_model starts with
// _setup_lr_schedule, which sets lr_schedule anew from learning_rate, and
// DQN's (and QR-DQN's) then sets exploration_schedule anew from its three
// numbers (on_policy_algorithm.py, off_policy_algorithm.py, dqn.py at
// e05d2db; so since 1.0). Archives before 2.4 keep both as cloudpickled
// lambdas of stable_baselines3.common.utils.
var discardedKeys = map[string]bool{"lr_schedule": true, "exploration_schedule": true}

func init() {
	formats.RegisterRule(formats.Rule{ID: RuleDiscarded, Severity: formats.Low,
		Title: "Stable-Baselines data holds functions loading replaces unused",
		Doc: "The data file of a Stable-Baselines model archive serializes, under lr_schedule or exploration_schedule, " +
			"a cloudpickle stream that only builds functions from bytecode (as stable-baselines3 before 2.4 writes its " +
			"schedules): cloudpickle's function builders, code objects, cells and a fresh globals dict, nothing else " +
			"called, built or imported. BaseAlgorithm.load's _setup_model replaces both values (from learning_rate, " +
			"and DQN's exploration numbers) before anything reads them, so the functions are never called. Any other " +
			"stream under these keys is judged by the pickle analyzer as usual."})
	formats.RegisterRule(formats.Rule{ID: RuleUnreadable, Severity: formats.High,
		Title: "Stable-Baselines data file whose serialized objects cannot be read",
		Doc: "A file named data, which BaseAlgorithm.load reads from a Stable-Baselines model archive, holds " +
			"\":serialized:\" values (base64 cloudpickle streams the loader unpickles) that modelgate could not " +
			"decode or whose JSON it could not read to the end. What the loader unpickles from it was not checked. " +
			"Re-save the model with the library, or load it with custom_objects replacing every serialized value."})
	formats.RegisterRule(formats.Rule{ID: RuleCalled, Severity: formats.Medium,
		Title: "Stable-Baselines loading calls a class or function the data file names",
		Doc: "The data file of a Stable-Baselines model archive serializes, under policy_class, policy_kwargs, " +
			"learning_rate, lr_schedule, the rollout and replay buffer keys, or the name of a method load calls on the model " +
			"(_setup_model, set_random_seed, set_parameters and those they call, which the data key replaces), what " +
			"BaseAlgorithm.load then calls: it " +
			"instantiates the policy class with the spaces, a learning-rate schedule and **policy_kwargs (whose classes, " +
			"such as the feature extractor, optimizer and activation function, the policy instantiates in turn), " +
			"instantiates the buffer class, and calls the schedule. The pickle analyzer judges these values as held, " +
			"which is all pickle.loads does with them. Not reported for what Stable-Baselines3 writes itself: a reference " +
			"to one of its policy or buffer classes, a FloatSchedule, ConstantSchedule or LinearSchedule of numbers " +
			"built the way pickle builds one, and policy_kwargs of constants naming only torch's activations and " +
			"optimizers and Stable-Baselines3's feature extractors. Anything else here is code loading runs with " +
			"arguments the file chose: review it, or load the model with custom_objects replacing these keys."})
	formats.RegisterLayout("stable-baselines", layout{})
}

// dataFile is the member BaseAlgorithm.load reads (save_util.py
// load_from_zip_file: archive.read("data")). A model folder unpacked from
// such an archive (Hugging Face model repositories publish one beside it)
// holds the same file.
const dataFile = "data"

type layout struct{}

// Match implements formats.Layout: a file named data anywhere in the tree.
func (layout) Match(names []string) bool {
	for _, n := range names {
		if path.Base(n) == dataFile {
			return true
		}
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (layout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	var errs []error
	for _, n := range t.Names() {
		if path.Base(n) != dataFile {
			continue
		}
		if err := analyzeData(ctx, t, n, s); err != nil {
			errs = append(errs, fmt.Errorf("stable-baselines %q: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

func analyzeData(ctx context.Context, t formats.Tree, name string, s formats.Scope) error {
	in, err := t.Open(name)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	rc, err := in.Open()
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer rc.Close()
	r := bufio.NewReader(rc)
	if !startsObject(r) {
		// Not JSON text: json.loads fails before anything is unpickled.
		return nil
	}
	err = serialized(r, s.Limits().Buffer, func(key string, value []byte, off int64) error {
		raw, err := b64decode(value)
		if err != nil {
			// base64.b64decode raises here, which json_to_data does not
			// catch: loading stops before unpickling this value.
			s.Report(formats.NewFinding(RuleUnreadable, off, "serialized value of %q: %v; the loader stops here", key, err).
				At(formats.Medium).With("key", key).In(name))
			return nil
		}
		if discardedKeys[key] && onlyBuildsFunctions(ctx, raw, s.Limits()) {
			s.Report(formats.NewFinding(RuleDiscarded, off, "serialized %q only builds functions, which loading replaces before anything calls them", key).
				With("key", key).In(name))
			return nil
		}
		if calledKeys[key] && !vetted(ctx, key, raw, s.Limits()) {
			s.Report(formats.NewFinding(RuleCalled, off, "loading calls what the serialized %q holds, with arguments the file chooses", key).
				With("key", key).In(name))
		}
		return s.Scan(ctx, formats.NewInput(fmt.Sprintf("%s[%s]", name, key), bytes.NewReader(raw), int64(len(raw))))
	})
	var syntax *syntaxError
	switch {
	case err == nil, errors.As(err, &syntax):
		// json.loads refuses text this reading cannot lex (an unended
		// string, an invalid escape) before unpickling anything.
		return nil
	case errors.Is(err, errSerializedCap), errors.Is(err, errTooDeep):
		s.Report(formats.NewFinding(RuleUnreadable, formats.NoOffset, "%v: what the loader unpickles from it was not checked", err).In(name))
		return nil
	}
	return err
}

// sb3Classes are the classes whose instantiation by BaseAlgorithm.load is
// Stable-Baselines3's own code path: its policies (ActorCriticPolicy,
// DQNPolicy, SACPolicy, TD3Policy and their CNN and multi-input variants;
// PPO's and A2C's MlpPolicy is ActorCriticPolicy) and buffers
// (stable_baselines3/common/policies.py, buffers.py, dqn, sac and td3
// policies.py at e05d2db). Given the spaces, the schedule and plain JSON
// keyword arguments they build torch modules and allocate arrays.
var sb3Classes = map[string]bool{
	"stable_baselines3.common.policies.ActorCriticPolicy":           true,
	"stable_baselines3.common.policies.ActorCriticCnnPolicy":        true,
	"stable_baselines3.common.policies.MultiInputActorCriticPolicy": true,
	"stable_baselines3.dqn.policies.DQNPolicy":                      true,
	"stable_baselines3.dqn.policies.CnnPolicy":                      true,
	"stable_baselines3.dqn.policies.MultiInputPolicy":               true,
	"stable_baselines3.sac.policies.SACPolicy":                      true,
	"stable_baselines3.sac.policies.CnnPolicy":                      true,
	"stable_baselines3.sac.policies.MultiInputPolicy":               true,
	"stable_baselines3.td3.policies.TD3Policy":                      true,
	"stable_baselines3.td3.policies.CnnPolicy":                      true,
	"stable_baselines3.td3.policies.MultiInputPolicy":               true,
	"stable_baselines3.common.buffers.RolloutBuffer":                true,
	"stable_baselines3.common.buffers.DictRolloutBuffer":            true,
	"stable_baselines3.common.buffers.ReplayBuffer":                 true,
	"stable_baselines3.common.buffers.DictReplayBuffer":             true,
	// sb3-contrib's (sb3_contrib/*/policies.py and common/*/buffers.py at
	// 0ca7fdd), built on the same base classes.
	"sb3_contrib.ars.policies.ARSPolicy":                                         true,
	"sb3_contrib.ars.policies.ARSLinearPolicy":                                   true,
	"sb3_contrib.tqc.policies.TQCPolicy":                                         true,
	"sb3_contrib.tqc.policies.CnnPolicy":                                         true,
	"sb3_contrib.tqc.policies.MultiInputPolicy":                                  true,
	"sb3_contrib.qrdqn.policies.QRDQNPolicy":                                     true,
	"sb3_contrib.qrdqn.policies.CnnPolicy":                                       true,
	"sb3_contrib.qrdqn.policies.MultiInputPolicy":                                true,
	"sb3_contrib.crossq.policies.CrossQPolicy":                                   true,
	"sb3_contrib.common.recurrent.policies.RecurrentActorCriticPolicy":           true,
	"sb3_contrib.common.recurrent.policies.RecurrentActorCriticCnnPolicy":        true,
	"sb3_contrib.common.recurrent.policies.RecurrentMultiInputActorCriticPolicy": true,
	"sb3_contrib.common.maskable.policies.MaskableActorCriticPolicy":             true,
	"sb3_contrib.common.maskable.policies.MaskableActorCriticCnnPolicy":          true,
	"sb3_contrib.common.maskable.policies.MaskableMultiInputActorCriticPolicy":   true,
	"sb3_contrib.common.recurrent.buffers.RecurrentRolloutBuffer":                true,
	"sb3_contrib.common.recurrent.buffers.RecurrentDictRolloutBuffer":            true,
	"sb3_contrib.common.maskable.buffers.MaskableRolloutBuffer":                  true,
	"sb3_contrib.common.maskable.buffers.MaskableDictRolloutBuffer":              true,
}

// sb3Schedules are Stable-Baselines3's schedule classes: called with the
// training progress, they return or interpolate the numbers they hold
// (stable_baselines3/common/utils.py at e05d2db).
var sb3Schedules = map[string]bool{
	"stable_baselines3.common.utils.FloatSchedule":    true,
	"stable_baselines3.common.utils.ConstantSchedule": true,
	"stable_baselines3.common.utils.LinearSchedule":   true,
}

// kwargClasses are the classes policy_kwargs names that Stable-Baselines3's
// policies instantiate (stable_baselines3/common/policies.py and
// torch_layers.py at e05d2db): the activation function, called with no
// arguments; the optimizer, given the parameters and optimizer_kwargs; the
// features extractor, given the observation space and
// features_extractor_kwargs. Torch's activations and optimizers and SB3's
// own extractors and RMSpropTFLike compute on tensors.
var kwargClasses = map[string]bool{
	"torch.nn.modules.activation.ReLU": true, "torch.nn.modules.activation.Tanh": true,
	"torch.nn.modules.activation.ELU": true, "torch.nn.modules.activation.LeakyReLU": true,
	"torch.nn.modules.activation.SiLU": true, "torch.nn.modules.activation.GELU": true,
	"torch.nn.modules.activation.Sigmoid": true, "torch.nn.modules.activation.Softplus": true,
	"torch.nn.modules.activation.Mish": true, "torch.nn.modules.activation.Hardswish": true,
	"torch.nn.modules.activation.SELU": true, "torch.nn.modules.activation.ReLU6": true,
	"torch.optim.adam.Adam": true, "torch.optim.adamw.AdamW": true, "torch.optim.rmsprop.RMSprop": true,
	"torch.optim.sgd.SGD": true,
	"stable_baselines3.common.sb2_compat.rmsprop_tf_like.RMSpropTFLike": true,
	"stable_baselines3.common.torch_layers.FlattenExtractor":            true,
	"stable_baselines3.common.torch_layers.NatureCNN":                   true,
	"stable_baselines3.common.torch_layers.CombinedExtractor":           true,
}

// plainKwargs reports whether v, a keyword-arguments dict or one of its
// values, holds only constants (numbers, strings, booleans, None), lists,
// tuples and string-keyed dicts of them, and references to kwargClasses.
func plainKwargs(v pickle.Value, depth int) bool {
	if depth > 8 {
		return false
	}
	switch v.Kind() {
	case pickle.KindNone, pickle.KindBool, pickle.KindInt, pickle.KindFloat, pickle.KindStr:
		return true
	case pickle.KindGlobal:
		m, n, ok := v.Global()
		return ok && kwargClasses[m+"."+n]
	case pickle.KindList, pickle.KindTuple:
		for i := int64(0); i < v.Len(); i++ {
			item, ok := v.Index(int(i))
			if !ok || !plainKwargs(item, depth+1) {
				return false
			}
		}
		return true
	case pickle.KindDict:
		return eachValue(v, func(item pickle.Value) bool { return plainKwargs(item, depth+1) })
	}
	return false
}

// eachValue reports whether every key of dict d is a constant string and
// ok holds for every value.
func eachValue(d pickle.Value, ok func(pickle.Value) bool) bool {
	for i := int64(0); i < d.Len(); i++ {
		k, kept := d.Index(int(i))
		if !kept || k.Kind() != pickle.KindStr {
			return false
		}
		name, constant := k.Text()
		item, found := d.Get(name)
		if !constant || !found || !ok(item) {
			return false
		}
	}
	return true
}

// classKeys hold a class loading instantiates; the other called keys hold
// a schedule or keyword arguments.
var classKeys = map[string]bool{"policy_class": true, "rollout_buffer_class": true, "replay_buffer_class": true}

// vetted reports whether what loading calls of a key's deserialized value
// is Stable-Baselines3's own code on numbers: a class key holding exactly
// a reference to one of sb3Classes, or a schedule key (learning_rate,
// lr_schedule) holding an instance of sb3Schedules built the way pickle
// builds one, nested schedules likewise, with numbers for everything
// else, or policy_kwargs holding constants and kwargClasses. The pickle
// analyzer judges the same bytes on their own; anything else stays MG841.
func vetted(ctx context.Context, key string, raw []byte, lim formats.Limits) bool {
	res, err := pickle.Scan(ctx, bytes.NewReader(raw), formats.Discard{Lim: lim}, pickle.Options{})
	if err != nil || res.Streams != 1 || len(res.Values) != 1 {
		return false
	}
	v := res.Values[0]
	if classKeys[key] {
		m, n, ok := v.Global()
		return ok && len(res.Globals) == 1 && sb3Classes[m+"."+n]
	}
	if key == "policy_kwargs" {
		for _, g := range res.Globals {
			if !kwargClasses[g.Module+"."+g.Name] {
				return false
			}
		}
		return v.Kind() == pickle.KindDict && plainKwargs(v, 0)
	}
	if key != "learning_rate" && key != "lr_schedule" {
		return false
	}
	for _, g := range res.Globals {
		if !sb3Schedules[g.Module+"."+g.Name] {
			return false
		}
	}
	return schedule(v, 0)
}

// schedule reports whether v is an instance of a schedule class built by
// NEWOBJ without arguments and one BUILD whose state maps names to
// numbers or, at most a few levels deep, to schedules.
func schedule(v pickle.Value, depth int) bool {
	if depth > 3 || v.Kind() != pickle.KindCall {
		return false
	}
	m, n, ok := v.Callable().Global()
	if !ok || !sb3Schedules[m+"."+n] || v.Args().Kind() != pickle.KindTuple || v.Args().Len() != 0 {
		return false
	}
	st, ok := v.State()
	if !ok || st.Kind() != pickle.KindDict {
		return false
	}
	return eachValue(st, func(item pickle.Value) bool {
		k := item.Kind()
		return k == pickle.KindInt || k == pickle.KindFloat || schedule(item, depth+1)
	})
}

// startsObject reports whether r's text starts, after JSON whitespace and
// a UTF-8 byte-order mark (which json.loads of the decoded text refuses,
// so nothing is unpickled from such a file either way), with "{".
func startsObject(r *bufio.Reader) bool {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return false
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return r.UnreadByte() == nil
		default:
			return false
		}
	}
}

var errSerializedCap = errors.New("a serialized value exceeds the buffer limit")

// counter reads bytes and counts them, for offsets.
type counter struct {
	r   *bufio.Reader
	off int64
}

func (c *counter) byte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.off++
	}
	return b, err
}

// serialized calls fn with every string value whose key is ":serialized:",
// and the key of the object holding it,
// at any depth of the JSON text r holds (json_to_data reads those of the
// top-level object's values; any other is read too, which only ever
// checks more). Keys and values are unescaped as Python's json module
// does, so an escaped spelling of the key counts. It reads the text once
// and holds only the current string, up to max bytes for a value.
func serialized(br *bufio.Reader, max int64, fn func(parent string, value []byte, off int64) error) error {
	c := &counter{r: br}
	var last []byte // the last string read, when it may be a key
	lastIsKey := false
	var key string
	// parents are the keys of the objects the reading is in: the value
	// json_to_data deserializes is named by its object's key.
	var parents []string
	for {
		b, err := c.byte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch b {
		case '"':
			start := c.off - 1
			limit := int64(1 << 16)
			isValue := lastIsKey && key == serializedKey
			if isValue {
				limit = max
			}
			str, err := readString(c, limit)
			if err != nil {
				if isValue && errors.Is(err, errStringCap) {
					return errSerializedCap
				}
				if errors.Is(err, errStringCap) {
					// A long ordinary string (an observation
					// buffer's text): skip it.
					if err := skipString(c); err != nil {
						return err
					}
					last, lastIsKey = nil, false
					continue
				}
				return err
			}
			if isValue {
				parent := ""
				if len(parents) > 0 {
					parent = parents[len(parents)-1]
				}
				if err := fn(parent, str, start); err != nil {
					return err
				}
				last, lastIsKey = nil, false
				continue
			}
			last, lastIsKey = str, false
		case ':':
			if last != nil {
				key, lastIsKey = string(last), true
			}
			last = nil
		case '{', '[':
			if len(parents) >= maxDepth {
				return errTooDeep
			}
			p := ""
			if lastIsKey && len(key) <= maxParentKey {
				p = key
			}
			parents = append(parents, p)
			last, lastIsKey = nil, false
		case '}', ']':
			if len(parents) > 0 {
				parents = parents[:len(parents)-1]
			}
			last, lastIsKey = nil, false
		case ',':
			last, lastIsKey = nil, false
		default:
			// Whitespace, numbers, true, false, null, NaN, Infinity:
			// a value other than a string ends any key.
			if b != ' ' && b != '\t' && b != '\n' && b != '\r' {
				last, lastIsKey = nil, false
			}
		}
	}
}

const serializedKey = ":serialized:"

// maxDepth is deeper than CPython's json.loads reads with its default
// recursion limit (1000 frames), which stops it before unpickling
// anything; a program that raised the limit reads deeper, so text nested
// past maxDepth is reported unread (errTooDeep), not passed.
const maxDepth = 10_000

// maxParentKey bounds the keys kept as the names of the objects the
// reading is in (no key loading calls is longer), so that deep nesting
// under long keys holds little.
const maxParentKey = 256

var errTooDeep = errors.New("JSON nested deeper than modelgate reads")

var errStringCap = errors.New("string too long")

// readString reads a JSON string's rest after its opening quote and
// returns it unescaped as UTF-8, as Python's json decodes it and str.encode
// then encodes it (a lone surrogate, which encode refuses, is written as
// U+FFFD: its bytes are not base64 either way).
func readString(c *counter, limit int64) ([]byte, error) {
	var out []byte
	for {
		b, err := c.byte()
		if err != nil {
			return nil, unexpected(err)
		}
		switch {
		case b == '"':
			return out, nil
		case b == '\\':
			e, err := c.byte()
			if err != nil {
				return nil, unexpected(err)
			}
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, err := hex4(c)
				if err != nil {
					return nil, err
				}
				if 0xd800 <= r && r < 0xdc00 {
					// A high surrogate: json pairs it with a following
					// \uDC00-\uDFFF escape.
					if n, ok := lowSurrogate(c); ok {
						r = utf16.DecodeRune(r, n)
					} else {
						r = 0xfffd
					}
				} else if 0xdc00 <= r && r < 0xe000 {
					r = 0xfffd
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, &syntaxError{fmt.Sprintf("invalid escape \\%c at offset %d", e, c.off-1)}
			}
		default:
			out = append(out, b)
		}
		if int64(len(out)) > limit {
			return nil, errStringCap
		}
	}
}

// skipString reads past the rest of a string whose start readString
// returned errStringCap for.
func skipString(c *counter) error {
	for {
		b, err := c.byte()
		if err != nil {
			return unexpected(err)
		}
		switch b {
		case '"':
			return nil
		case '\\':
			if _, err := c.byte(); err != nil {
				return unexpected(err)
			}
		}
	}
}

// syntaxError is text json.loads refuses.
type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }

func unexpected(err error) error {
	if err == io.EOF {
		return &syntaxError{"text ends inside a string"}
	}
	return err
}

func hex4(c *counter) (rune, error) {
	var r rune
	for range 4 {
		b, err := c.byte()
		if err != nil {
			return 0, unexpected(err)
		}
		d, ok := hexDigit(b)
		if !ok {
			return 0, &syntaxError{fmt.Sprintf("invalid \\u escape at offset %d", c.off-1)}
		}
		r = r<<4 | rune(d)
	}
	return r, nil
}

// lowSurrogate reads a \uDC00-\uDFFF escape if one follows, else reads
// nothing.
func lowSurrogate(c *counter) (rune, bool) {
	p, err := c.r.Peek(6)
	if err != nil || p[0] != '\\' || p[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, b := range p[2:] {
		d, ok := hexDigit(b)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	if r < 0xdc00 || r >= 0xe000 {
		return 0, false
	}
	c.r.Discard(6)
	c.off += 6
	return r, true
}

func hexDigit(b byte) (byte, bool) {
	switch {
	case '0' <= b && b <= '9':
		return b - '0', true
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10, true
	case 'A' <= b && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}

// b64decode decodes as Python's base64.b64decode(s) with validate=False
// (binascii.a2b_base64 in CPython 3.11, not strict): bytes outside the
// alphabet are skipped, each byte is written as soon as its bits are in,
// a padding sequence that completes a group ends the data (what follows is
// ignored), and data that ends inside a group is an error.
func b64decode(s []byte) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	var left byte
	quad, pads := 0, 0
	for _, c := range s {
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v, ok := b64value(c)
		if !ok {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			out = append(out, left<<6|v)
		}
		quad = (quad + 1) % 4
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, errors.New("base64: the number of data characters is 1 more than a multiple of 4")
	default:
		return nil, errors.New("base64: incorrect padding")
	}
}

// b64value is the standard alphabet's value of c, and ok false for any
// other byte.
func b64value(c byte) (byte, bool) {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A', true
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26, true
	case '0' <= c && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}

// cloudpickle's function builders (cloudpickle.py and cloudpickle_fast.py,
// 1.5 to 3.x): _make_function is types.FunctionType, _make_cell and
// _make_empty_cell make closure cells, and _function_setstate sets a
// function's attributes, closure cells and globals from its state.
var (
	functionMakers = map[string]bool{
		"cloudpickle.cloudpickle._make_function":      true,
		"cloudpickle.cloudpickle_fast._make_function": true,
		"types.FunctionType":                          true,
		"types.LambdaType":                            true,
	}
	functionBuilders = map[string]bool{
		"cloudpickle.cloudpickle._make_function":          true,
		"cloudpickle.cloudpickle_fast._make_function":     true,
		"cloudpickle.cloudpickle._builtin_type":           true,
		"cloudpickle.cloudpickle_fast._builtin_type":      true,
		"cloudpickle.cloudpickle._make_cell":              true,
		"cloudpickle.cloudpickle_fast._make_cell":         true,
		"cloudpickle.cloudpickle._make_empty_cell":        true,
		"cloudpickle.cloudpickle_fast._make_empty_cell":   true,
		"cloudpickle.cloudpickle._function_setstate":      true,
		"cloudpickle.cloudpickle_fast._function_setstate": true,
		"types.CodeType":     true,
		"types.FunctionType": true,
		"types.LambdaType":   true,
	}
	// builtinTypes are the names _builtin_type (getattr(types, name)) may
	// be given: the types a function is built from.
	builtinTypes = map[string]bool{"CodeType": true, "FunctionType": true, "LambdaType": true}
)

// onlyBuildsFunctions reports whether raw, one cloudpickle stream, does
// nothing but build functions: every call is one of functionBuilders,
// _builtin_type only looks up builtinTypes, a function is made with a
// globals dict the stream spells out, _function_setstate only sets a
// function the stream made, nothing is built by BUILD and no items are
// added but to lists, dicts and sets (a function's __dict__, which
// _function_setstate fills, could hold the __setstate__, append or
// __setitem__ those opcodes call), and the pickle analyzer reports nothing
// but the builders themselves. The functions are never called.
func onlyBuildsFunctions(ctx context.Context, raw []byte, lim formats.Limits) bool {
	ok := true
	opt := pickle.Options{Hooks: pickle.Hooks{
		OnCall: func(c pickle.Value) { ok = ok && builderCall(c) },
		OnItems: func(t pickle.Value) {
			k := t.Kind()
			ok = ok && (k == pickle.KindDict || k == pickle.KindList || k == pickle.KindSet)
		},
		OnBuild: func(*pickle.Stream, pickle.Value, pickle.Value) (pickle.Value, error) {
			ok = false
			return pickle.Value{}, nil
		},
	}}
	rec := &recorder{lim: lim}
	res, err := pickle.Scan(ctx, bytes.NewReader(raw), rec, opt)
	if err != nil || !ok || rec.nested || res.Streams != 1 || len(res.PersistentIDs) > 0 {
		return false
	}
	for _, f := range rec.findings {
		if g := f.Details["global"]; g == "" || !functionBuilders[g] {
			return false
		}
	}
	return true
}

func builderCall(c pickle.Value) bool {
	m, n, ok := c.Callable().Global()
	if !ok || !functionBuilders[m+"."+n] {
		return false
	}
	args := c.Args()
	switch n {
	case "_builtin_type":
		name, ok := args.Index(0)
		t, isStr := name.Text()
		return ok && args.Len() == 1 && isStr && name.Kind() == pickle.KindStr && builtinTypes[t]
	case "_make_function", "FunctionType", "LambdaType":
		g, ok := args.Index(1)
		return ok && g.Kind() == pickle.KindDict
	case "_function_setstate":
		f, ok := args.Index(0)
		if !ok || f.Kind() != pickle.KindCall {
			return false
		}
		fm, fn, ok := f.Callable().Global()
		return ok && functionMakers[fm+"."+fn] && args.Len() == 2 && plainFunctionState(args)
	}
	return true
}

// plainFunctionState reports whether _function_setstate's state, its
// second argument, is a pair of dicts whose slot state's "__globals__" is
// a dict too. _function_setstate calls obj.__dict__.update(state),
// slotstate.pop and obj.__globals__.update(slotstate["__globals__"]); given
// a function the stream made instead of a dict, Python looks up keys or pop
// in that function's __dict__ (which an earlier _function_setstate fills)
// and calls what it finds: bytecode of the stream's, run by
// cloudpickle.loads.
func plainFunctionState(args pickle.Value) bool {
	st, ok := args.Index(1)
	if !ok || st.Kind() != pickle.KindTuple || st.Len() != 2 {
		return false
	}
	attrs, ok1 := st.Index(0)
	slots, ok2 := st.Index(1)
	if !ok1 || !ok2 || attrs.Kind() != pickle.KindDict || slots.Kind() != pickle.KindDict {
		return false
	}
	// Every key of the slot state kept and a str, so that Get sees the
	// "__globals__" that pop finds.
	for i := 0; int64(i) < slots.Len(); i++ {
		k, ok := slots.Index(i)
		if !ok || k.Kind() != pickle.KindStr {
			return false
		}
		if _, ok := k.Text(); !ok {
			return false
		}
	}
	if g, ok := slots.Get("__globals__"); ok && g.Kind() != pickle.KindDict {
		return false
	}
	return true
}

// recorder is the scope of onlyBuildsFunctions' reading: it keeps the
// findings and notes any nested input the analyzer would scan.
type recorder struct {
	lim      formats.Limits
	findings []formats.Finding
	nested   bool
}

func (r *recorder) Report(f formats.Finding) { r.findings = append(r.findings, f) }

func (r *recorder) Scan(context.Context, *formats.Input) error {
	r.nested = true
	return nil
}

func (r *recorder) Limits() formats.Limits { return r.lim }

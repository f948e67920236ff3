package inventory

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxSource caps the code/ source read for a TorchScript module's
// signature.
const maxSource = 4 << 20

// scriptHead is how much of data.pkl is read for its first GLOBAL.
const scriptHead = 1 << 10

// Script is what a TorchScript archive says about its top-level module:
// the class data.pkl builds its root from, and that class's forward
// signature in the archive's code/.
type Script struct {
	// Class is the module's class as TorchScript names it, without the
	// __torch__ prefix and the ___torch_mangle_<n> segments that tracing
	// adds ("Flow", "torch.nn.modules.linear.Linear").
	Class string
	// Inputs are forward's parameters after self, each "name: type";
	// Outputs its return type, as the code annotates them.
	Inputs, Outputs []string
}

// TorchScript reads the top-level module's class and forward signature of
// a torch.jit.save archive. It reads data.pkl's first opcodes and one
// code/ source as text; nothing is decoded into objects or run.
func TorchScript(ctx context.Context, ra io.ReaderAt, size int64) (*Script, error) {
	a, err := OpenZip(ra, size)
	if err != nil {
		return nil, err
	}
	return a.TorchScript(ctx)
}

// TorchScript reads the archive's TorchScript facts as TorchScript does;
// data.pkl's head comes from what Inventory read, if it ran.
func (a *Archive) TorchScript(ctx context.Context) (*Script, error) {
	root, members := a.root, a.members
	pkl := a.pkl[:min(len(a.pkl), scriptHead)]
	if a.pkl == nil {
		var err error
		if pkl, err = readMember(members, root+"/data.pkl", scriptHead); err != nil {
			return nil, err
		}
	}
	module, class, err := firstGlobal(pkl)
	if err != nil {
		return nil, err
	}
	if module != "__torch__" && !strings.HasPrefix(module, "__torch__.") {
		return nil, fmt.Errorf("root object is a %s.%s, not a TorchScript module", module, class)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Script{Class: displayName(module + "." + class)}
	// __torch__.a.b's classes are in code/__torch__/a/b.py.
	src, err := readMember(members, root+"/code/"+strings.ReplaceAll(module, ".", "/")+".py", maxSource)
	if err != nil {
		return s, nil
	}
	s.Inputs, s.Outputs = forwardSignature(src, class)
	return s, nil
}

// readMember reads the first limit bytes of a member: callers only look
// at its start, or at a source no real archive makes that long.
func readMember(members map[string]*zip.File, name string, limit int64) ([]byte, error) {
	f, ok := members[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("no %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// firstGlobal is the GLOBAL opcode a TorchScript data.pkl starts with
// (after PROTO 2): the class of the root module object.
func firstGlobal(pkl []byte) (module, name string, err error) {
	if len(pkl) >= 2 && pkl[0] == 0x80 {
		pkl = pkl[2:]
	}
	if len(pkl) == 0 || pkl[0] != 'c' {
		return "", "", errors.New("data.pkl does not start with a GLOBAL")
	}
	lines := strings.SplitN(string(pkl[1:]), "\n", 3)
	if len(lines) < 3 || lines[0] == "" || lines[1] == "" {
		return "", "", errors.New("data.pkl's first GLOBAL is truncated")
	}
	return lines[0], lines[1], nil
}

// displayName drops the __torch__ prefix and tracing's mangle segments.
func displayName(q string) string {
	var out []string
	for _, p := range strings.Split(q, ".") {
		if p == "__torch__" || strings.HasPrefix(p, "___torch_mangle_") {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}

// forwardSignature finds "class <class>(" at the start of a line of src,
// then its first "def forward(" before the next class, and returns the
// parameters after self ("name: type", defaults left out) and the return
// annotation. Anything it cannot read yields nothing.
func forwardSignature(src []byte, class string) (inputs, outputs []string) {
	s := string(src)
	at := -1
	for _, head := range []string{"class " + class + "(", "class " + class + ":"} {
		if strings.HasPrefix(s, head) {
			at = 0
		} else if i := strings.Index(s, "\n"+head); i >= 0 {
			at = i + 1
		}
		if at >= 0 {
			break
		}
	}
	if at < 0 {
		return nil, nil
	}
	body := s[at+len("class "):]
	if end := strings.Index(body, "\nclass "); end >= 0 {
		body = body[:end]
	}
	i := strings.Index(body, "def forward(")
	if i < 0 {
		return nil, nil
	}
	rest := body[i+len("def forward("):]
	close := topIndex(rest, ')')
	if close < 0 {
		return nil, nil
	}
	params := splitTop(rest[:close])
	for j, p := range params {
		p = strings.Join(strings.Fields(p), " ")
		if j == 0 || p == "" {
			continue // self
		}
		if k := topIndex(p, '='); k >= 0 {
			p = strings.TrimSpace(p[:k])
		}
		inputs = append(inputs, p)
	}
	after := rest[close+1:]
	if colon := strings.Index(after, ":\n"); colon >= 0 {
		if ret, ok := strings.CutPrefix(strings.TrimSpace(after[:colon]), "->"); ok && strings.TrimSpace(ret) != "" {
			outputs = []string{strings.Join(strings.Fields(ret), " ")}
		}
	}
	return inputs, outputs
}

// splitTop splits s at the commas outside brackets and quotes.
func splitTop(s string) []string {
	var out []string
	for {
		i := topIndex(s, ',')
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

// topIndex is the first c in s outside brackets and quotes, or -1. A
// closing bracket that s did not open ends the search: it is the answer
// when it is c, so topIndex(s, ')') is the ")" closing the "(" just before
// s; else there is none.
func topIndex(s string, c byte) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				if s[i] == c {
					return i
				}
				return -1
			}
			depth--
		case '"', '\'':
			j := strings.IndexByte(s[i+1:], s[i])
			if j < 0 {
				return -1
			}
			i += j + 1
		case c:
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

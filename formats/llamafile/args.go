package llamafile

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/formats"
)

// argsLayout checks the .args file at the root of a llamafile's zip:
// llamafile reads it (cosmo_args("/zip/.args")) as default arguments, one
// per line, "..." marking where the user's own arguments go.
type argsLayout struct{}

const (
	argsName = ".args"
	maxArgs  = 1 << 20
	// zipPrefix is how llamafile names its own zip's members.
	zipPrefix = "/zip/"
)

// fileFlags take a path llamafile (llama.cpp's common arguments, whisper
// and the server) opens for reading or writing.
var fileFlags = map[string]bool{
	"-m": true, "--model": true, "--mmproj": true, "--lora": true, "--lora-scaled": true, "--lora-base": true,
	"--control-vector": true, "--control-vector-scaled": true, "--grammar-file": true, "--json-schema-file": true,
	"-f": true, "--file": true, "--prompt-cache": true, "--chat-template-file": true, "--slot-save-path": true,
	"--path": true, "--log-file": true, "-lf": true, "--logdir": true, "-ld": true, "-md": true, "--model-draft": true,
	"--image": true, "--ssl-key-file": true, "--ssl-cert-file": true, "--api-key-file": true,
}

// urlFlags make llamafile download a model.
var urlFlags = map[string]bool{
	"-mu": true, "--model-url": true, "-hfr": true, "--hf-repo": true, "-hff": true, "--hf-file": true, "--mmproj-url": true,
}

// Match implements formats.Layout.
func (argsLayout) Match(names []string) bool {
	for _, n := range names {
		if n == argsName {
			return true
		}
	}
	return false
}

// AnalyzeTree implements formats.Layout.
func (argsLayout) AnalyzeTree(ctx context.Context, t formats.Tree, s formats.Scope) error {
	names := t.Names()
	if len(hasWeights(names)) == 0 {
		// An .args beside no weights is no llamafile's.
		return nil
	}
	in, err := t.Open(argsName)
	if err != nil {
		return err
	}
	rc, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxArgs+1))
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	if len(b) > maxArgs {
		return &formats.LimitError{Limit: "llamafile-args-bytes", Max: maxArgs}
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	CheckArgs(strings.Split(strings.TrimRight(string(b), "\n"), "\n"), have, func(f formats.Finding) { s.Report(f.In(argsName)) })
	formats.MarkChecked(s, argsName)
	return nil
}

// CheckArgs judges a llamafile's default arguments against the members
// its zip has.
func CheckArgs(args []string, members map[string]bool, report func(formats.Finding)) {
	for i := 0; i < len(args); i++ {
		flag, value, inline := strings.Cut(strings.TrimSpace(args[i]), "=")
		if !inline {
			if i+1 >= len(args) || !fileFlags[flag] && !urlFlags[flag] && flag != "--host" {
				continue
			}
			i++
			value = strings.TrimSpace(args[i])
		}
		shown := formats.DisplayName(value)
		switch {
		case urlFlags[flag]:
			report(formats.NewFinding(RuleArgsPath, formats.NoOffset, "%s %s downloads a model at run time that this scan never saw", flag, shown).
				With("flag", flag).With("value", value))
		case fileFlags[flag]:
			if why := outside(value); why != "" {
				report(formats.NewFinding(RuleArgsPath, formats.NoOffset, "%s %s opens a file %s", flag, shown, why).
					With("flag", flag).With("value", value))
			} else if !members[strings.TrimPrefix(value, zipPrefix)] {
				report(formats.NewFinding(RuleArgsLocal, formats.NoOffset, "%s %s is not in the llamafile: it is opened from the working directory", flag, shown).
					With("flag", flag).With("value", value))
			}
		case flag == "--host" && (value == "0.0.0.0" || value == "::" || value == "[::]"):
			report(formats.NewFinding(RuleArgsHost, formats.NoOffset, "--host %s serves on every interface", shown).With("value", value))
		}
	}
}

// outside says how a path leaves the llamafile, or "".
func outside(p string) string {
	switch {
	case strings.HasPrefix(p, zipPrefix):
		if strings.Contains("/"+p+"/", "/../") {
			return "that climbs out of the llamafile's zip with \"..\""
		}
		return ""
	case strings.HasPrefix(p, "/"), len(p) >= 2 && p[1] == ':':
		return "by an absolute path"
	case strings.HasPrefix(p, "~"):
		return "in a home directory"
	case strings.Contains("/"+strings.ReplaceAll(p, `\`, "/")+"/", "/../"):
		return fmt.Sprintf("outside the working directory (%q)", "..")
	}
	return ""
}

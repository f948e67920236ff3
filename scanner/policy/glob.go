package policy

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Glob matches file paths. Segments are separated by "/", each matched as
// by path.Match; "**" matches any number of whole segments, none included.
// A pattern without a "/" matches a file's name in any directory, as in
// .gitignore.
type Glob struct {
	Pattern string
	segs    []string
}

// Limits on a pattern: real ones are short, and matching cost grows with
// the number of "**" segments.
const (
	maxGlobLen      = 1024
	maxGlobDoubles  = 4
	maxGlobSegments = 64
)

// ParseGlob checks pattern and returns the glob it denotes.
func ParseGlob(pattern string) (Glob, error) {
	switch {
	case pattern == "":
		return Glob{}, errors.New("empty pattern")
	case len(pattern) > maxGlobLen:
		return Glob{}, fmt.Errorf("pattern longer than %d bytes", maxGlobLen)
	case strings.HasPrefix(pattern, "/"):
		return Glob{}, errors.New("pattern starts with /: patterns are relative to the scanned directory")
	case strings.Contains(pattern, "\\"):
		return Glob{}, errors.New(`pattern contains "\": use "/" between directories, and [*] for a literal *`)
	}
	g := Glob{Pattern: pattern}
	if !strings.Contains(pattern, "/") {
		g.segs = []string{"**", pattern}
	} else {
		g.segs = strings.Split(pattern, "/")
	}
	if len(g.segs) > maxGlobSegments {
		return Glob{}, fmt.Errorf("pattern has more than %d segments", maxGlobSegments)
	}
	doubles := 0
	for _, s := range g.segs {
		if s == "" {
			return Glob{}, errors.New(`pattern has an empty segment ("//" or a trailing "/")`)
		}
		if s == "**" {
			doubles++
			continue
		}
		if strings.Contains(s, "**") {
			return Glob{}, fmt.Errorf(`%q: "**" must be a whole segment, as in "a/**/b"`, s)
		}
		if _, err := path.Match(s, ""); err != nil {
			return Glob{}, fmt.Errorf("segment %q: %w", s, err)
		}
	}
	if doubles > maxGlobDoubles {
		return Glob{}, fmt.Errorf(`pattern has more than %d "**" segments`, maxGlobDoubles)
	}
	return g, nil
}

// Match reports whether p (slash-separated) matches the glob.
func (g Glob) Match(p string) bool {
	if len(g.segs) == 0 {
		return false
	}
	return matchSegs(g.segs, strings.Split(p, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// String returns the pattern.
func (g Glob) String() string { return g.Pattern }

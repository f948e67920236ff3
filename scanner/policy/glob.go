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
//
// A member glob names members of a container the way a location does:
// "model.tar!extra/blob.bin" is the member extra/blob.bin of the files the
// glob model.tar matches, "a.zip!b.tar!c" a member of a member. Each part
// is a glob of its own, matched against one level of nesting only, so no
// wildcard reaches across a "!": a member glob never matches a file, and a
// file glob never matches a member. A literal "!" in a name is written
// "[!]".
type Glob struct {
	Pattern string
	segs    []string
	// members are the member parts of a member glob, outermost first.
	members [][]string
}

// Limits on a pattern: real ones are short, and matching cost grows with
// the number of "**" segments.
const (
	maxGlobLen      = 1024
	maxGlobDoubles  = 4
	maxGlobSegments = 64
)

// maxGlobNesting bounds the member parts of a member glob.
const maxGlobNesting = 8

// ParseGlob checks pattern and returns the glob it denotes.
func ParseGlob(pattern string) (Glob, error) {
	switch {
	case pattern == "":
		return Glob{}, errors.New("empty pattern")
	case len(pattern) > maxGlobLen:
		return Glob{}, fmt.Errorf("pattern longer than %d bytes", maxGlobLen)
	case strings.Contains(pattern, "\\"):
		return Glob{}, errors.New(`pattern contains "\": use "/" between directories, and [*] for a literal *`)
	}
	parts := splitMembers(pattern)
	if len(parts) > 1+maxGlobNesting {
		return Glob{}, fmt.Errorf("pattern nests more than %d members", maxGlobNesting)
	}
	g := Glob{Pattern: pattern}
	doubles := 0
	for i, part := range parts {
		segs, n, err := parseSegs(part)
		if err != nil {
			if len(parts) > 1 {
				return Glob{}, fmt.Errorf("part %d (%q) of a member pattern: %w", i+1, part, err)
			}
			return Glob{}, err
		}
		doubles += n
		if i == 0 {
			g.segs = segs
		} else {
			g.members = append(g.members, segs)
		}
	}
	if doubles > maxGlobDoubles {
		return Glob{}, fmt.Errorf(`pattern has more than %d "**" segments`, maxGlobDoubles)
	}
	return g, nil
}

// splitMembers cuts a pattern at every "!" outside a [...] class.
func splitMembers(pattern string) []string {
	var parts []string
	start, class := 0, false
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case class:
			// A class ends at its first "]" after the optional "^" and
			// the first character, as path.Match reads it.
			if c == ']' && i > 0 && pattern[i-1] != '[' && !(pattern[i-1] == '^' && i > 1 && pattern[i-2] == '[') {
				class = false
			}
		case c == '[':
			class = true
		case c == '!':
			parts = append(parts, pattern[start:i])
			start = i + 1
		}
	}
	return append(parts, pattern[start:])
}

// parseSegs checks one part of a pattern and returns its segments and how
// many are "**".
func parseSegs(part string) ([]string, int, error) {
	switch {
	case part == "":
		return nil, 0, errors.New(`empty pattern (a "!" with nothing on one side: write [!] for a literal !)`)
	case strings.HasPrefix(part, "/"):
		return nil, 0, errors.New("pattern starts with /: patterns are relative to the scanned directory, or to their container")
	}
	var segs []string
	if !strings.Contains(part, "/") {
		segs = []string{"**", part}
	} else {
		segs = strings.Split(part, "/")
	}
	if len(segs) > maxGlobSegments {
		return nil, 0, fmt.Errorf("pattern has more than %d segments", maxGlobSegments)
	}
	doubles := 0
	for _, s := range segs {
		if s == "" {
			return nil, 0, errors.New(`pattern has an empty segment ("//" or a trailing "/")`)
		}
		if s == "**" {
			doubles++
			continue
		}
		if strings.Contains(s, "**") {
			return nil, 0, fmt.Errorf(`%q: "**" must be a whole segment, as in "a/**/b"`, s)
		}
		if _, err := path.Match(s, ""); err != nil {
			return nil, 0, fmt.Errorf("segment %q: %w", s, err)
		}
	}
	return segs, doubles, nil
}

// IsMember reports a member glob ("container!member").
func (g Glob) IsMember() bool { return len(g.members) > 0 }

// Match reports whether the file path p (slash-separated) matches the
// glob. A member glob matches no file.
func (g Glob) Match(p string) bool {
	if len(g.segs) == 0 || g.IsMember() {
		return false
	}
	return matchSegs(g.segs, strings.Split(p, "/"))
}

// MatchMember reports whether the member chain (outermost first, each
// slash-separated within its container) of the file p matches the glob:
// the file part matches p and each member part the member at its level.
func (g Glob) MatchMember(p string, chain []string) bool {
	if len(g.segs) == 0 || len(g.members) != len(chain) || !matchSegs(g.segs, strings.Split(p, "/")) {
		return false
	}
	for i, m := range chain {
		if !matchSegs(g.members[i], strings.Split(m, "/")) {
			return false
		}
	}
	return true
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

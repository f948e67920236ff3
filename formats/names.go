package formats

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// CheckMemberPath says what is wrong with an archive member's name as an
// extraction path, and whether it escapes the extraction root (severe:
// absolute, a drive letter, a ".." segment, a NUL byte) or is merely odd
// (a backslash, a control character, an extreme length). Every container
// analyzer judges names with it, so zip, tar and 7z agree.
func CheckMemberPath(name string) (why string, severe bool) {
	switch {
	case strings.IndexByte(name, 0) >= 0:
		return "contains a NUL byte", true
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return "absolute path", true
	case len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z'):
		return "starts with a drive letter", true
	}
	for _, seg := range strings.Split(strings.ReplaceAll(name, `\`, "/"), "/") {
		if seg == ".." {
			return "has a parent-directory segment", true
		}
	}
	switch {
	case strings.Contains(name, `\`):
		return "contains a backslash", false
	case strings.ContainsFunc(name, isControl):
		return "contains a control character", false
	case len(name) > 4096:
		return "longer than 4096 bytes", false
	}
	return "", false
}

// DisplayName keeps a printable member name and quotes any other, so a
// name taken from a file cannot spoof a line of a report.
func DisplayName(name string) string {
	if utf8.ValidString(name) && !strings.ContainsFunc(name, isControl) {
		return name
	}
	return strconv.Quote(name)
}

func isControl(c rune) bool { return c < 0x20 || c == 0x7f }

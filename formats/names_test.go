package formats

import "testing"

func TestCheckMemberPath(t *testing.T) {
	tests := []struct {
		name   string
		severe bool
		odd    bool
	}{
		{"archive/data.pkl", false, false},
		{"../etc/passwd", true, true},
		{"a/../../b", true, true},
		{"/abs", true, true},
		{`\abs`, true, true},
		{"C:/windows", true, true},
		{"a\x00b", true, true},
		{`a\b`, false, true},
		{"a\nb", false, true},
		{string(make([]byte, 5000)), true, true},
	}
	for _, tt := range tests {
		why, severe := CheckMemberPath(tt.name)
		if severe != tt.severe || (why != "") != tt.odd {
			t.Errorf("%q: %q severe=%v, want severe=%v flagged=%v", tt.name, why, severe, tt.severe, tt.odd)
		}
	}
	if got := DisplayName("a\x1b[31mb"); got != `"a\x1b[31mb"` {
		t.Errorf("DisplayName = %s", got)
	}
}

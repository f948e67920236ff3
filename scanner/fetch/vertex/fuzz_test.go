package vertex

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add("vertex://projects/p/locations/us-central1/models/m@2")
	f.Add("vertex://projects/p/locations/evil.example#/models/m")
	f.Fuzz(func(t *testing.T, target string) {
		name, location, err := Parse(target)
		if err != nil {
			return
		}
		// The location becomes part of the API host name.
		if strings.ContainsAny(location, "./:@?#") || strings.Contains(name, "..") || strings.ContainsAny(name, "?#%") {
			t.Fatalf("%q parsed to name %q location %q", target, name, location)
		}
	})
}

package cache

import "testing"

func TestBuildID(t *testing.T) {
	a, err := BuildID("v")
	if err != nil || a == "" {
		t.Fatalf("%q %v", a, err)
	}
	if b, _ := BuildID("v"); b != a {
		t.Errorf("unstable build id: %q, then %q", a, b)
	}
	if b, _ := BuildID("w"); b == a {
		t.Errorf("build id %q does not depend on the version", a)
	}
	if KeyVersion(a, "p1") == KeyVersion(a, "p2") {
		t.Error("the key version does not depend on the policy")
	}
}

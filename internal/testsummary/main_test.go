package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"start","Package":"m/a"}`,
		`{"Action":"run","Package":"m/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"pass","Package":"m/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"m/a","Test":"TestE2E","Output":"=== RUN   TestE2E\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestE2E","Output":"    helpers_test.go:210: /usr/bin/docker-registry not installed\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestE2E","Output":"--- SKIP: TestE2E (0.00s)\n"}`,
		`{"Action":"skip","Package":"m/a","Test":"TestE2E"}`,
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"    x_test.go:3: got 1, want 2\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}`,
		`{"Action":"fail","Package":"m/a","Test":"TestBad"}`,
		`{"Action":"output","Package":"m/a","Output":"PASS\n"}`,
		`{"Action":"output","Package":"m/a","Output":"ok  \tm/a\t0.01s\n"}`,
		`{"ImportPath":"m/c [m/c.test]","Action":"build-output","Output":"c_test.go:3:1: syntax error\n"}`,
		`{"ImportPath":"m/c [m/c.test]","Action":"build-fail"}`,
		`# m/b [build failed]`,
	}, "\n")
	var out bytes.Buffer
	s := summarize(strings.NewReader(in), &out)
	out.WriteString(s.footer())
	want := "    x_test.go:3: got 1, want 2\n--- FAIL: TestBad (0.00s)\n" +
		"ok  \tm/a\t0.01s\n" +
		"c_test.go:3:1: syntax error\n" +
		"# m/b [build failed]\n" +
		"SKIP m/a TestE2E: helpers_test.go:210: /usr/bin/docker-registry not installed\n" +
		"tests skipped: 1 (listed above with their reasons; .ci/run installs docker-registry, postgresql-15 and the Python libraries they need)\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

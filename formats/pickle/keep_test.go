package pickle

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats/formatstest"
)

// sameValue reports where two values differ, following kept elements and
// states a few levels deep.
func sameValue(a, b Value, depth int) string {
	if a.kind != b.kind || a.n != b.n && a.kind != KindGlobal || a.aux != b.aux || a.count() != b.count() || a.nkept() != b.nkept() {
		return "cells " + a.String() + " and " + b.String()
	}
	if a.chars() != b.chars() {
		return "content " + a.String()
	}
	if a.kind == KindGlobal {
		if a.gobj() != b.gobj() {
			return "global " + a.String()
		}
	}
	if oa, ob := a.obj(), b.obj(); (oa == nil) != (ob == nil) ||
		oa != nil && (oa.off != ob.off || oa.op != ob.op || oa.enc != ob.enc || oa.count != ob.count) {
		return "object " + a.String()
	}
	if depth == 0 {
		return ""
	}
	sa, oka := a.State()
	sb, okb := b.State()
	if oka != okb {
		return "state of " + a.String()
	}
	if oka {
		if d := sameValue(sa, sb, depth-1); d != "" {
			return d
		}
	}
	for i := range a.nkept() {
		if d := sameValue(a.at(i), b.at(i), depth-1); d != "" {
			return d
		}
	}
	return ""
}

// The value a stream returns, copied out of the stream's tables, is the
// same value: on every pickle sample, and on shapes the samples lack.
func TestKeepCopiesValues(t *testing.T) {
	inputs := map[string][]byte{
		// A list holding itself, a dict shared twice, a BUILD state.
		"cycle":  []byte(proto(2) + emptyList + binput(0) + binget(0) + "a" + emptyDict + binput(1) + sbu("k") + bu("v") + "s" + binget(1) + tuple2 + "a" + stop),
		"state":  []byte(proto(2) + glob("collections", "OrderedDict") + emptyTuple + reduce + emptyDict + sbu("x") + k1(1) + "s" + "b" + stop),
		"shared": []byte(proto(2) + k1(1) + k1(2) + tuple2 + binput(0) + binget(0) + binget(0) + tuple2 + binput(1) + binget(1) + binget(1) + tuple2 + stop),
	}
	for _, dir := range []string{"testdata", filepath.Join(samplesDir, "benign"), filepath.Join(samplesDir, "malicious")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.pkl"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs[f] = b
		}
	}
	if len(inputs) < 20 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for name, data := range inputs {
		m := newMachine(context.Background(), NewStream(bytes.NewReader(data), 0), formatstest.NewRecorder(), &Options{}, &Result{}, &shared{})
		v, err := m.run()
		if err != nil {
			continue
		}
		kept := newCopier(m.t, newTables()).value(v)
		if kept.t == m.t && v.t != nil {
			t.Errorf("%s: not copied", name)
		}
		if d := sameValue(v, kept, 6); d != "" {
			t.Errorf("%s: %s differ", name, d)
		}
		if v.String() != kept.String() {
			t.Errorf("%s: renders %s, copy %s", name, v, kept)
		}
	}
}

// Each stream's values are copied out of its tables when it ends (its
// persistent IDs when the next begins), so what one stream allocated is
// not kept alive by the streams after it.
func TestStreamsKeepOnlyValues(t *testing.T) {
	stream := proto(2) + mark + strings.Repeat(emptyDict+"0", 100) + sbu("id") + "Q" + "0" + emptyList + k1(1) + "a" + stop
	_, res, err := scanBytes(t, []byte(stream+stream+stream), Options{Multiple: true})
	if err != nil || res.Streams != 3 {
		t.Fatalf("err %v, %d streams", err, res.Streams)
	}
	for i, v := range res.Values {
		if v.t != res.Values[0].t || v.String() != "[1]" {
			t.Errorf("value %d %s in tables %p", i, v, v.t)
		}
	}
	for i, p := range res.PersistentIDs[:2] {
		if p.ID.t != res.Values[0].t || p.ID.String() != `"id"` {
			t.Errorf("persistent ID %d %s in tables %p", i, p.ID, p.ID.t)
		}
	}
}

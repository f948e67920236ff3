package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/modelgate/modelgate/internal/registrytest"
)

// TestImage builds the image twice (same digest), pushes it to a real
// Distribution registry, pulls it back, checks its config, unpacks its
// layer and runs the binary in it: in a user-namespace chroot where
// unshare allows one, else the unpacked binary directly.
func TestImage(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image holds a linux binary")
	}
	host := registrytest.Start(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "modelgate")
	start := time.Now()
	if err := buildBinary(context.Background(), "../..", runtime.GOARCH, bin, ""); err != nil {
		t.Fatal(err)
	}
	t.Logf("static build: %v", time.Since(start).Round(time.Millisecond))
	binary, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	o := options{Binary: binary, CA: []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), Arch: runtime.GOARCH, Created: time.Unix(0, 0).UTC()}
	img, err := buildImage(o)
	if err != nil {
		t.Fatal(err)
	}
	again, err := buildImage(o)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	d2, err := again.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Fatalf("two builds of the same binary: %s and %s", d1, d2)
	}

	ref, err := name.ParseReference(host+"/modelgate:test", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	pulled, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if d, err := pulled.Digest(); err != nil || d != d1 {
		t.Fatalf("pulled digest %s (%v), pushed %s", d, err, d1)
	}
	cf, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || !slices.Equal(cf.Config.Entrypoint, []string{"/modelgate"}) ||
		cf.OS != "linux" || cf.Architecture != runtime.GOARCH || !cf.Created.Equal(time.Unix(0, 0)) {
		t.Fatalf("config: user %q entrypoint %q platform %s/%s created %v", cf.Config.User, cf.Config.Entrypoint, cf.OS, cf.Architecture, cf.Created)
	}

	rootfs := filepath.Join(dir, "rootfs")
	unpack(t, mutate.Extract(pulled), rootfs)
	for _, s := range []string{"model.pkl", "evil.pkl"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/sample", s))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rootfs, "tmp", s), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The entrypoint runs as the image's process would: its environment,
	// its root, its working directory.
	unshare, err1 := exec.LookPath("unshare")
	chrootBin, err2 := exec.LookPath("chroot")
	chroot := err1 == nil && err2 == nil && exec.Command(unshare, "-r", chrootBin, rootfs, "/modelgate", "version").Run() == nil
	if chroot {
		t.Log("running the image's entrypoint in an unshare -r chroot of its unpacked layer")
	} else {
		t.Log("unshare -r chroot is not allowed here: running the unpacked binary directly")
	}
	runIn := func(args ...string) (string, int) {
		var cmd *exec.Cmd
		if chroot {
			cmd = exec.Command(unshare, append([]string{"-r", chrootBin, rootfs, cf.Config.Entrypoint[0]}, args...)...)
		} else {
			cmd = exec.Command(filepath.Join(rootfs, cf.Config.Entrypoint[0]), args...)
			cmd.Dir = rootfs
		}
		cmd.Env = cf.Config.Env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), 0
	}
	sample := func(s string) string {
		if chroot {
			return "/tmp/" + s
		}
		return filepath.Join(rootfs, "tmp", s)
	}
	if out, code := runIn("version"); code != 0 || !strings.HasPrefix(out, "modelgate ") {
		t.Errorf("version: exit %d: %s", code, out)
	}
	if out, code := runIn("scan", "--no-cache", sample("model.pkl")); code != 0 {
		t.Errorf("scan of the benign sample: exit %d: %s", code, out)
	}
	if out, code := runIn("scan", "--no-cache", sample("evil.pkl")); code != 1 {
		t.Errorf("scan of the malicious sample: exit %d, want 1: %s", code, out)
	}
}

// unpack writes the image's flattened filesystem under dir: directories
// and regular files only, the only kinds the image has.
func unpack(t *testing.T, rc io.ReadCloser, dir string) {
	t.Helper()
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			t.Fatalf("layer entry %q leaves the root", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode).Perm())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("layer entry %q: unexpected type %c", h.Name, h.Typeflag)
		}
	}
}

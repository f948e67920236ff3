// Command image builds modelgate's container image without Docker and
// pushes it to a registry: one layer holding the static binary
// (CGO_ENABLED=0, -trimpath) at /modelgate, a CA bundle, an /etc/passwd
// naming the non-root user 65532 and a world-writable /tmp, every entry
// and the config stamped with one fixed time, so the same binary always
// gives the same image digest. It runs nothing from the image.
//
//	go run ./tools/image -push registry.example.com/modelgate:v1.2.3
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Where things live in the image; the user is distroless' "nonroot".
const (
	binaryPath = "/modelgate"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	uid        = 65532
)

// options say what goes into the image.
type options struct {
	Binary  []byte    // static linux binary
	CA      []byte    // PEM CA bundle
	Arch    string    // GOARCH of the binary
	Version string    // org.opencontainers.image.version label; empty leaves it out
	Created time.Time // stamped on the config and every layer entry
}

// buildImage assembles the image. Equal options give an equal digest.
func buildImage(o options) (v1.Image, error) {
	layer, err := rootLayer(o)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: o.Created}, CreatedBy: "modelgate tools/image", Comment: "static modelgate, CA bundle, non-root user"},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", o.Arch
	cf.Created = v1.Time{Time: o.Created}
	labels := map[string]string{
		"org.opencontainers.image.title":  "modelgate",
		"org.opencontainers.image.source": "https://github.com/modelgate/modelgate",
	}
	if o.Version != "" {
		labels["org.opencontainers.image.version"] = o.Version
	}
	cf.Config = v1.Config{
		User:       strconv.Itoa(uid) + ":" + strconv.Itoa(uid),
		Entrypoint: []string{binaryPath},
		WorkingDir: "/",
		Env: []string{
			"PATH=/",
			"SSL_CERT_FILE=" + caPath,
			"HOME=/home/nonroot",
			"TMPDIR=/tmp",
		},
		Labels: labels,
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("setting the config: %w", err)
	}
	return img, nil
}

// rootLayer is the image's only layer, written entry by entry in a fixed
// order with fixed owners, modes and times.
func rootLayer(o options) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", uid, uid)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", uid)
	entries := []struct {
		name     string
		mode     int64
		owner    int
		data     []byte
		dir      bool
		writable bool
	}{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: caPath[1:], mode: 0o644, data: o.CA},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, owner: uid, dir: true},
		{name: binaryPath[1:], mode: 0o755, data: o.Binary},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.owner, Gid: e.owner,
			ModTime: o.Created, Format: tar.FormatPAX,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the layer: %w", err)
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// buildBinary compiles a static modelgate for linux/arch from the module
// at dir into out, with the flags the image promises.
func buildBinary(ctx context.Context, dir, arch, out, version string) error {
	args := []string{"build", "-trimpath", "-o", out}
	if version != "" {
		args = append(args, "-ldflags", "-X main.version="+version)
	}
	cmd := exec.CommandContext(ctx, goTool(), append(args, "./cmd/modelgate")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, b)
	}
	return nil
}

func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// sourceDate is SOURCE_DATE_EPOCH when set (the reproducible-builds
// convention), else the Unix epoch.
func sourceDate() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
	}
	return time.Unix(n, 0).UTC(), nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		push     = flag.String("push", "", "push the image to `REF` (e.g. ghcr.io/modelgate/modelgate:v1.2.3)")
		tarOut   = flag.String("tar", "", "also write the image as a docker-loadable tarball to `FILE`")
		binary   = flag.String("binary", "", "use this static linux `FILE` instead of building one")
		arch     = flag.String("arch", runtime.GOARCH, "GOARCH of the image")
		ca       = flag.String("ca", "/etc/ssl/certs/ca-certificates.crt", "PEM CA bundle `FILE` copied into the image")
		version  = flag.String("version", "", "version stamped into the binary and the image's labels")
		insecure = flag.Bool("insecure", false, "push over plain HTTP")
	)
	flag.Parse()
	if *push == "" && *tarOut == "" {
		return errors.New("nothing to do: give -push REF and/or -tar FILE")
	}
	created, err := sourceDate()
	if err != nil {
		return err
	}
	ctx := context.Background()
	binPath := *binary
	if binPath == "" {
		dir, err := os.MkdirTemp("", "modelgate-image-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		binPath = filepath.Join(dir, "modelgate")
		if err := buildBinary(ctx, ".", *arch, binPath, *version); err != nil {
			return err
		}
	}
	bin, err := os.ReadFile(binPath)
	if err != nil {
		return fmt.Errorf("reading the binary: %w", err)
	}
	caBundle, err := os.ReadFile(*ca)
	if err != nil {
		return fmt.Errorf("reading the CA bundle: %w", err)
	}
	img, err := buildImage(options{Binary: bin, CA: caBundle, Arch: *arch, Version: *version, Created: created})
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	var opts []name.Option
	if *insecure {
		opts = append(opts, name.Insecure)
	}
	if *tarOut != "" {
		tag, err := name.NewTag(orDefault(*push, "modelgate:latest"), opts...)
		if err != nil {
			return err
		}
		if err := tarball.WriteToFile(*tarOut, tag, img); err != nil {
			return fmt.Errorf("writing %s: %w", *tarOut, err)
		}
	}
	if *push != "" {
		ref, err := name.ParseReference(*push, opts...)
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("pushing %s: %w", ref, err)
		}
		fmt.Printf("%s@%s\n", ref.Context(), digest)
		return nil
	}
	fmt.Println(digest)
	return nil
}

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}

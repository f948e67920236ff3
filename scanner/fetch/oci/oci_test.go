package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

func tarOf(t *testing.T, gz bool, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for n, c := range files {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg})
		tw.Write([]byte(c))
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

type wantFile struct {
	rel  string
	data []byte
}

func registries(t *testing.T) map[string]string {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	regs := map[string]string{"ggcr": strings.TrimPrefix(srv.URL, "http://")}
	if !testing.Short() {
		if registrytest.Available(t) {
			regs["distribution"] = registrytest.Start(t)
		}
	}
	return regs
}

func TestArtifacts(t *testing.T) {
	weights := []byte(strings.Repeat("W", 300_000))
	modelTar := tarOf(t, true, map[string]string{"model/weights.bin": "abc"})
	plainTar := tarOf(t, false, map[string]string{"tokenizer.json": "{}"})
	tests := []struct {
		name, kind string
		art        fetchtest.Artifact
		want       []wantFile
	}{
		{"modelpack", "modelpack", fetchtest.Artifact{
			ArtifactType: ModelPackArtifact, ConfigMediaType: ModelPackConfig,
			Layers: []fetchtest.Layer{
				{MediaType: "application/vnd.cncf.model.weight.v1.raw", Data: weights, Annotations: map[string]string{AnnotationFilepath: "model.safetensors"}},
				{MediaType: "application/vnd.cncf.model.weight.config.v1.tar", Data: plainTar, Annotations: map[string]string{AnnotationFilepath: "tokenizer"}},
				{MediaType: "application/vnd.cncf.model.code.v1.tar+gzip", Data: modelTar, Annotations: map[string]string{AnnotationFilepath: "src"}},
			}},
			[]wantFile{{"model.safetensors", weights}, {"src.tar.gz", modelTar}, {"tokenizer.tar", plainTar}}},
		{"kitops", "kitops", fetchtest.Artifact{
			ConfigMediaType: KitOpsConfig,
			Layers:          []fetchtest.Layer{{MediaType: "application/vnd.kitops.modelkit.model.v1.tar+gzip", Data: modelTar}},
		}, []wantFile{{"layers/000-" + hexOf(modelTar) + ".tar.gz", modelTar}}},
		{"docker-model", "docker-model", fetchtest.Artifact{
			ConfigMediaType: DockerModelConfig,
			Layers: []fetchtest.Layer{
				{MediaType: "application/vnd.docker.ai.gguf.v3", Data: []byte("GGUF....")},
				{MediaType: "application/vnd.docker.ai.license", Data: []byte("MIT")},
			},
		}, []wantFile{{"LICENSE", []byte("MIT")}, {"model.gguf", []byte("GGUF....")}}},
		{"oras", "oras", fetchtest.Artifact{
			ArtifactType: "application/vnd.unknown.artifact.v1", ConfigMediaType: "application/vnd.oci.empty.v1+json",
			Layers: []fetchtest.Layer{
				{MediaType: "application/vnd.oci.image.layer.v1.tar", Data: []byte("\x80\x04K\x01."), Annotations: map[string]string{AnnotationTitle: "model.pkl"}},
				{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Data: modelTar, Annotations: map[string]string{AnnotationTitle: "dir", AnnotationUnpack: "true"}},
			},
		}, []wantFile{{"dir.tar.gz", modelTar}, {"model.pkl", []byte("\x80\x04K\x01.")}}},
	}
	for regName, host := range registries(t) {
		for _, tt := range tests {
			t.Run(regName+"/"+tt.name, func(t *testing.T) {
				digest := fetchtest.Push(t, host, "models/"+tt.name, "v1", tt.art)
				src, err := fetch.Open(context.Background(), "oci://"+host+"/models/"+tt.name+":v1", fetch.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := fetch.PinnedRef(src), "oci://"+host+"/models/"+tt.name+"@"+digest; got != want {
					t.Errorf("pinned %q, want %q", got, want)
				}
				if k := src.(*Source).Kind(); k != tt.kind {
					t.Errorf("kind %q, want %q", k, tt.kind)
				}
				var got []fetch.File
				src.Walk(context.Background(), func(f fetch.File) error { got = append(got, f); return nil })
				if len(got) != len(tt.want) {
					t.Fatalf("files %v, want %v", got, tt.want)
				}
				for i, w := range tt.want {
					f := got[i]
					if f.Rel != w.rel || f.Size != int64(len(w.data)) || f.Digest != "sha256:"+hexOf(w.data) {
						t.Errorf("file %d = %s %d %s, want %s", i, f.Rel, f.Size, f.Digest, w.rel)
						continue
					}
					rc, err := f.Open(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					b, err := io.ReadAll(io.NewSectionReader(rc, 0, f.Size))
					rc.Close()
					if err != nil || !bytes.Equal(b, w.data) {
						t.Errorf("%s: read %d bytes, %v", f.Rel, len(b), err)
					}
				}
			})
		}
	}
}

func TestLyingManifest(t *testing.T) {
	for regName, host := range registries(t) {
		t.Run(regName, func(t *testing.T) {
			fetchtest.Push(t, host, "models/liar", "v1", fetchtest.Artifact{
				ConfigMediaType: ModelPackConfig,
				Layers: []fetchtest.Layer{
					{MediaType: "application/vnd.cncf.model.weight.v1.raw", Data: []byte("a"), Annotations: map[string]string{AnnotationFilepath: "../../etc/cron.d/x"}},
					{MediaType: "application/vnd.cncf.model.weight.v1.raw", Data: []byte("bb"), Annotations: map[string]string{AnnotationFilepath: "/abs"}},
					{MediaType: "application/vnd.cncf.model.weight.v1.raw", Data: []byte("huge"), Size: 1 << 50, Annotations: map[string]string{AnnotationFilepath: "huge.bin"}},
					{MediaType: "application/vnd.cncf.model.weight.v1.raw", Data: []byte("short"), Size: 5000, Annotations: map[string]string{AnnotationFilepath: "short.bin"}},
				},
			})
			src, err := fetch.Open(context.Background(), "oci://"+host+"/models/liar:v1", fetch.Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			src.Walk(context.Background(), func(f fetch.File) error {
				n++
				if strings.Contains(f.Rel, "..") || strings.HasPrefix(f.Rel, "/") {
					t.Errorf("unsafe rel %q exposed", f.Rel)
				}
				rc, err := f.Open(context.Background())
				if err != nil {
					return nil
				}
				defer rc.Close()
				if _, err := io.ReadAll(io.NewSectionReader(rc, 0, f.Size)); err == nil {
					t.Errorf("%s: a lying layer read without error", f.Rel)
				}
				return nil
			})
			if n != 4 {
				t.Errorf("%d files, want 4", n)
			}
		})
	}
}

func TestLayerName(t *testing.T) {
	tests := []struct {
		mt   string
		ann  map[string]string
		want string
		ok   bool
	}{
		{"application/vnd.cncf.model.weight.v1.raw", map[string]string{AnnotationFilepath: "a/b.safetensors"}, "a/b.safetensors", true},
		{"application/vnd.cncf.model.weight.v1.tar+zstd", map[string]string{AnnotationFilepath: "w"}, "w.tar.zst", true},
		{"application/vnd.oci.image.layer.v1.tar+gzip", nil, "layers/002-" + strings.Repeat("a", 64) + ".tar.gz", true},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", nil, "layers/002-" + strings.Repeat("a", 64) + ".tar.gz", true},
		{"application/vnd.oci.image.layer.v1.tar", map[string]string{AnnotationTitle: "x.bin"}, "x.bin", true},
		{"application/vnd.docker.ai.vllm.config.tar", nil, "layers/002-" + strings.Repeat("a", 64) + ".tar", true},
		{"application/vnd.cncf.model.weight.v1.raw", map[string]string{AnnotationFilepath: "../x"}, "layers/002-" + strings.Repeat("a", 64), false},
	}
	for _, tt := range tests {
		d := fetchtestDescriptor(tt.mt, tt.ann)
		got, ok := LayerName(d, 2)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LayerName(%s, %v) = %q, %v; want %q, %v", tt.mt, tt.ann, got, ok, tt.want, tt.ok)
		}
	}
}

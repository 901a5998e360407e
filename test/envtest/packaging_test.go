package envtest

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestChartCRDInSync: charts/zkensemble-operator/crds holds a copy of the generated CRD (Helm
// installs crds/ before templates and cannot read outside the chart). Refresh it with
// cp config/crd/bases/zkensemble.io_zkensembles.yaml charts/zkensemble-operator/crds/
func TestChartCRDInSync(t *testing.T) {
	const name = "zkensemble.io_zkensembles.yaml"
	generated, err := os.ReadFile(filepath.Join(repoRoot, "config", "crd", "bases", name))
	if err != nil {
		t.Fatal(err)
	}
	chart, err := os.ReadFile(filepath.Join(chartDir, "crds", name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(generated, chart) {
		t.Errorf("charts/zkensemble-operator/crds/%s differs from config/crd/bases/%s; copy it over", name, name)
	}
}

// TestDockerfile: the image cannot be built here (no Docker engine), so its shape is checked:
// the build stage runs `make build` (the Makefile's own build, so image and bin/zkensemble are
// built alike) static, and the runtime is distroless nonroot with the binary on PATH (pods run
// `zkensemble` by name: the member command and its exec probes, pkg/specs).
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM golang:1\.26\S* AS build$`),
		regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 make build\b`),
		regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static:nonroot$`),
		regexp.MustCompile(`(?m)^COPY --from=build /src/bin/zkensemble /usr/local/bin/zkensemble$`),
		regexp.MustCompile(`(?m)^USER 65532(:65532)?$`),
		regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/zkensemble"\]$`),
	} {
		if !want.MatchString(df) {
			t.Errorf("Dockerfile lacks a line matching %s", want)
		}
	}
	mk, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^build:\n\t\$\(GO\) build .*-o \$\(BIN\) \.$`).Match(mk) ||
		!strings.Contains(string(mk), "BIN := bin/zkensemble") {
		t.Error("Makefile's build target no longer writes bin/zkensemble from the module root; update the Dockerfile's COPY")
	}
}

# One image for everything the zkensemble binary does: `zkensemble operator` (the Deployment of
# config/manager and charts/zkensemble-operator), `zkensemble server` (the ensemble members, which
# run the operator's own image unless spec.image says otherwise) and the tools (cli, probe, ...).
#
#   docker build -t ghcr.io/zkensemble/zkensemble:dev .
#
# The build stage runs `make build`, the same command developers and CI use, so the image's
# binary is built exactly as bin/zkensemble is (same flags, same version stamp); CGO_ENABLED=0
# makes it static, so the runtime stage needs no libc.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first: this layer is reused while only the sources change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 make build && ./bin/zkensemble help 2>&1 | grep -q operator

# distroless/static: no shell, no package manager, CA certificates and tzdata only; the
# "nonroot" variant's user is 65532, the uid pkg/specs gives the member pods.
FROM gcr.io/distroless/static:nonroot
# On PATH, because pods run it by name: the member container's command and its exec probes
# (`zkensemble probe ready|live`, pkg/specs) and the operator Deployment's command.
COPY --from=build /src/bin/zkensemble /usr/local/bin/zkensemble
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/zkensemble"]

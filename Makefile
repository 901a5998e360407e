# zkensemble — see README.md. `make run` and `make test` are the two commands that matter.
SHELL := /bin/bash
GO ?= go
BIN := bin/zkensemble
PKGS := ./...
# Brief fuzzing in `make test`; `make fuzz FUZZTIME=10m` for long runs.
FUZZTIME ?= 10m
LDFLAGS := -X 'github.com/zkensemble/zkensemble/pkg/version.BuildDate=$(shell date -u '+%m/%d/%Y %H:%M GMT')'

.PHONY: all build test test-robustness unit run run-standalone bench bench-compare bench-failover bench-compare-ensemble bench-storage bench-restart bench-snapshot-p99 fuzz sim lint deps tools clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

deps:
	hack/install-test-deps.sh

# The pinned Kubernetes control plane (kube-apiserver, etcd, controller-manager, scheduler,
# kubectl, helm, controller-gen), built from the Go module proxy into a cache outside the repo:
# ~10-17 minutes cold on this 2-core machine, instant when warm. envtest suites use it.
tools:
	hack/kube-tools.sh install

test: deps tools build verify-manifests
	$(GO) build $(PKGS)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 30m $(PKGS)
	FUZZTIME=3000x hack/fuzz.sh

fuzz:
	FUZZTIME=$(FUZZTIME) hack/fuzz.sh

bench-compare:
	hack/bench-compare.sh

# Storage benchmarks (issue #3): restart time and RSS with 1M znodes, p99 during snapshots.
bench-storage:
	hack/bench-storage.sh
bench-restart:
	PHASES=restart hack/bench-storage.sh
bench-snapshot-p99:
	PHASES=p99 hack/bench-storage.sh

# Robustness with porcupine: all failures on 3 and 5 members (the short mode runs in make test).
test-robustness: build
	ZKE_BIN=$(CURDIR)/$(BIN) ZKE_ROBUSTNESS=long $(GO) test -count=1 -timeout 40m -v -run TestRobustness ./test/robustness/

# Ensemble benchmarks (issue #4): failover time over trials, and bench-compare of 3-member ensembles.
bench-failover:
	hack/bench-failover.sh
bench-compare-ensemble:
	hack/bench-compare-ensemble.sh

# Long runs of the ZAB simulator: `make sim SEEDS=20000`; a failure prints the seed to replay.
SEEDS ?= 2000
# FIRST: the first seed of `make sim` (default 1), to continue a long run elsewhere.
FIRST ?= 1
sim:
	ZAB_SEEDS=$(SEEDS) ZAB_FIRST_SEED=$(FIRST) $(GO) test -count=1 -timeout 60m ./pkg/zab/sim -run 'TestSim(Reconfig)?Seeds'

unit:
	$(GO) test -count=1 -short $(PKGS)

# The whole local loop: local Kubernetes cluster + operator + a 3-member ZKEnsemble, until Ctrl-C
# (hack/run-local.sh; needs root and `make tools`; docs/local-cluster.md).
run: build
	ZKE_BINARY=$(CURDIR)/$(BIN) hack/run-local.sh

# One standalone server on :2181 with its data in ./zkdata.
run-standalone: build
	mkdir -p zkdata
	$(BIN) server

lint:
	$(GO) vet $(PKGS)
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi

clean:
	rm -rf bin

include hack/operator.mk

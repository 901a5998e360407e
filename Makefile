# zkensemble — see README.md. `make run` and `make test` are the two commands that matter.
SHELL := /bin/bash
GO ?= go
BIN := bin/zkensemble
PKGS := ./...
# Brief fuzzing in `make test`; `make fuzz FUZZTIME=10m` for long runs.
FUZZTIME ?= 10s

.PHONY: all build test unit run bench fuzz lint deps clean

all: build

build:
	$(GO) build -o $(BIN) .

deps:
	hack/install-test-deps.sh

test: deps build
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 30m $(PKGS)

unit:
	$(GO) test -count=1 -short $(PKGS)

run: build
	mkdir -p zkdata
	$(BIN) server

lint:
	$(GO) vet $(PKGS)
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi

clean:
	rm -rf bin

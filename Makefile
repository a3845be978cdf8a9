# Signet: two commands do everything.
#   make run   build and start the embedded default (SQLite, local vault, console SMS)
#   make test  every test, with real MariaDB and MinIO started by the tooling

GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run build test vet fmt bench clean

run: build
	./bin/signet serve

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/signet ./cmd/signet

test:
	./deploy/scripts/test.sh

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin

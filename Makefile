# Signet: two commands do everything.
#   make run   build and start the embedded default (SQLite, local vault, console SMS)
#   make test  every test, with real MariaDB, MinIO and Chromium started by the tooling

GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
WEB     := frontend
# The web app's sources: a change to any of them rebuilds dist/.
WEB_SRC := $(shell find $(WEB)/src $(WEB)/public $(WEB)/index.html $(WEB)/vite.config.ts -type f 2>/dev/null)

.PHONY: run build build-go web test test-cluster vet fmt bench clean demo

run: build
	@echo "Try it with no phone: ./bin/signet demo (while this runs), then open the link it prints; texts appear at /dev/sms"
	./bin/signet serve

# build makes bin/signet with the web app embedded (the webui tag).
build: web
	CGO_ENABLED=0 $(GO) build -tags webui -trimpath -ldflags "$(LDFLAGS)" -o bin/signet ./cmd/signet

# build-go makes bin/signet without the web app (no Node needed).
build-go:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/signet ./cmd/signet

demo: build
	./bin/signet demo

web: $(WEB)/dist/index.html

$(WEB)/node_modules/.installed: $(WEB)/package-lock.json $(WEB)/package.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB)/src/api/schema.d.ts: $(WEB)/node_modules/.installed $(shell find app -name '*.go' -not -name '*_test.go')
	cd $(WEB) && npm run --silent gen:api

$(WEB)/dist/index.html: $(WEB)/node_modules/.installed $(WEB)/src/api/schema.d.ts $(WEB_SRC)
	cd $(WEB) && npm run --silent build

test:
	./deploy/scripts/test.sh

# The cluster test (docs/scale-out.md): 3 replicas over a 3-node Galera
# cluster and 4-process MinIO, with faults. `make test` runs it too, last;
# this target runs only it and the engines' smoke test.
test-cluster:
	$(GO) test -p 1 -count=1 -v -timeout 20m -tags cluster -run '^(TestGaleraAndMinIOCluster|TestCluster)$$' ./internal/testenv ./cmd/signet

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin $(WEB)/dist $(WEB)/src/api/schema.d.ts

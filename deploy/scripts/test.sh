#!/usr/bin/env bash
# `make test`: starts the real services the integration tests need (MariaDB,
# a throwaway MinIO and Mailpit), installs missing tools, runs static checks and every Go
# test, and prints how many integration tests ran against each service.
# With CI=true a service that cannot be started is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

ci=false
case "${CI:-}" in true | 1 | yes) ci=true ;; esac

state=$(mktemp -d "${TMPDIR:-/tmp}/signet-test.XXXXXX")
cleanup() {
  deploy/scripts/minio.sh stop "$state" >/dev/null 2>&1 || true
  deploy/scripts/mailpit.sh stop "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
export SIGNET_TEST_TALLY=$state/tally
: >"$SIGNET_TEST_TALLY"
# Results of the web app's test runners, added to the summary by testreport.
export SIGNET_TEST_SUITES=$state/suites
: >"$SIGNET_TEST_SUITES"

service_failed() {
  if $ci; then
    echo "make test: $1 is unavailable and CI=true: failing" >&2
    exit 1
  fi
  echo "make test: WARNING: $1 is unavailable; its integration tests will be skipped" >&2
}

echo "== tools"
deploy/scripts/tools.sh

echo "== services"
deploy/scripts/mariadb.sh ensure || service_failed mariadb
if deploy/scripts/minio.sh start "$state"; then
  # shellcheck disable=SC1091
  . "$state/minio.env"
else
  service_failed minio
fi
if deploy/scripts/mailpit.sh start "$state"; then
  # shellcheck disable=SC1091
  . "$state/mailpit.env"
else
  service_failed mailpit
fi

echo "== static checks"
unformatted=$(git ls-files -co --exclude-standard '*.go' | xargs -r gofmt -l)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go vet -tags cluster ./cmd/signet ./internal/testenv
(cd deploy/k8s && go vet ./...)

echo "== web app: build, type check, lint, unit tests"
# make web installs the locked packages (npm ci), generates the typed API
# client from the server's OpenAPI document and builds dist/.
make web
(cd frontend && npm run --silent typecheck && npm run --silent lint)
set +e
(cd frontend && npx vitest run --reporter=default --reporter=json --outputFile="$state/vitest.json")
set -e
node -e '
const fs = require("fs")
let r = { numPassedTests: 0, numFailedTests: 1, numPendingTests: 0 } // no report: the runner itself failed
try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")) } catch {}
const failed = r.numFailedTests + (r.success === false && r.numFailedTests === 0 ? 1 : 0)
console.log(`vitest ${r.numPassedTests} ${failed} ${r.numPendingTests + (r.numTodoTests || 0)}`)
' "$state/vitest.json" >>"$SIGNET_TEST_SUITES"

echo "== web app: end-to-end in Chromium"
# The real binary with the app embedded, on SQLite, driven by playwright-core.
make build
set +e
(cd frontend && SIGNET_BIN="$PWD/../bin/signet" node --test --test-concurrency=1 --test-timeout=600000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$state/e2e.tap" e2e/)
set -e
awk '/^# pass /{p=$3} /^# fail /{f=$3} /^# skipped /{s=$3} /^# cancelled /{c=$3}
  END { if (p == "") { p = 0; f = 1 } print "e2e", p+0, f+c+0, s+0 }' "$state/e2e.tap" >>"$SIGNET_TEST_SUITES" 2>/dev/null ||
  echo "e2e 0 1 0" >>"$SIGNET_TEST_SUITES"

echo "== fuzz (a few seconds a target, under a memory ceiling)"
set +e
deploy/scripts/fuzz.sh # a failing target is counted in the summary; the Go tests still run
set -e

echo "== go test"
go build -o "$state/testreport" ./deploy/testreport
set +e
# The cluster test (docs/scale-out.md) runs last and alone: 3-node Galera,
# 4-process MinIO and 3 replicas, with faults, need both cores to themselves
# for its timing (about 4 minutes).
{
  go test -count=1 -json -timeout 30m ./...
  (cd deploy/k8s && go test -count=1 -json ./...)
  go test -p 1 -count=1 -json -timeout 20m -tags cluster -run '^(TestGaleraAndMinIOCluster|TestCluster)$' ./internal/testenv ./cmd/signet
} | "$state/testreport"
status=${PIPESTATUS[1]}
set -e
exit "$status"

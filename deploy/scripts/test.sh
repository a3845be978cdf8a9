#!/usr/bin/env bash
# `make test`: starts the real services the integration tests need (MariaDB,
# a throwaway MinIO), installs missing tools, runs static checks and every Go
# test, and prints how many integration tests ran against each service.
# With CI=true a service that cannot be started is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

ci=false
case "${CI:-}" in true | 1 | yes) ci=true ;; esac

state=$(mktemp -d "${TMPDIR:-/tmp}/signet-test.XXXXXX")
cleanup() {
  deploy/scripts/minio.sh stop "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
export SIGNET_TEST_TALLY=$state/tally
: >"$SIGNET_TEST_TALLY"

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

echo "== static checks"
unformatted=$(git ls-files -co --exclude-standard '*.go' | xargs -r gofmt -l)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

echo "== go test"
go build -o "$state/testreport" ./deploy/testreport
set +e
go test -count=1 -json -timeout 30m ./... | "$state/testreport"
status=${PIPESTATUS[1]}
set -e
exit "$status"

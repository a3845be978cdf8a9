#!/usr/bin/env bash
# minio.sh - the MinIO server that Signet's integration tests run against.
#
#   minio.sh ensure          print the path of the pinned MinIO server binary,
#                            building it first if it is not in the tools cache
#   minio.sh start STATEDIR  start a throwaway server on 127.0.0.1 with its data
#                            under STATEDIR and write STATEDIR/minio.env
#   minio.sh stop STATEDIR   stop that server and remove its data
#
# STATEDIR/minio.env exports SIGNET_TEST_MINIO_ENDPOINT, _ACCESS_KEY and
# _SECRET_KEY, which internal/testenv reads:
#
#   deploy/scripts/minio.sh start /tmp/signet-minio
#   . /tmp/signet-minio/minio.env && go test ./evidence/...
#   deploy/scripts/minio.sh stop /tmp/signet-minio
#
# The binary is built from the Go module proxy into a cache outside the
# repository (SIGNET_TOOLS_CACHE, default ~/.cache/signet/tools); the first
# build takes about five minutes on two cores. What it shares with mailpit.sh
# is in service-lib.sh.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=service-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-lib.sh"

SERVICE_SCRIPT=minio.sh
SERVICE_NAME=MinIO
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
SERVICE_MODULE=github.com/minio/minio@$MINIO_VERSION
SERVICE_BUILD_TIME="about 5 minutes on 2 cores"
SERVICE_BIN=$SERVICE_TOOLS_CACHE/minio-$MINIO_VERSION/minio
SERVICE_PATTERN='*minio*server*'
SERVICE_FILES=minio # minio.pid, minio.env, ... under STATEDIR
SERVICE_PROBE=/minio/health/live
SERVICE_PROBE_STATE=live
SERVICE_START_TIMEOUT=60 # seconds to wait for /minio/health/live

# service_launch PORT CONSOLE DATA USER PASSWORD COMMAND...
service_launch() {
	local port=$1 console=$2 data=$3 user=$4 password=$5
	shift 5
	MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_UPDATE=off MINIO_BROWSER=off \
		exec "$@" server --quiet \
		--address "127.0.0.1:$port" --console-address "127.0.0.1:$console" \
		"$data"
}

# service_env PORT CONSOLE USER PASSWORD PID
service_env() {
	cat <<-EOF
		export SIGNET_TEST_MINIO_ENDPOINT=127.0.0.1:$1
		export SIGNET_TEST_MINIO_ACCESS_KEY=$3
		export SIGNET_TEST_MINIO_SECRET_KEY=$4
		SIGNET_TEST_MINIO_PID=$5
		SIGNET_TEST_MINIO_CONSOLE=127.0.0.1:$2
	EOF
}

# service_listening PORT CONSOLE
service_listening() {
	echo "listening on 127.0.0.1:$1"
}

service_main "$@"

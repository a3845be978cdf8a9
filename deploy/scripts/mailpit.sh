#!/usr/bin/env bash
# mailpit.sh - the Mailpit SMTP server that Signet's email tests send to.
#
#   mailpit.sh ensure          print the path of the pinned Mailpit binary,
#                              building it first if it is not in the tools cache
#   mailpit.sh start STATEDIR  start a throwaway server on 127.0.0.1 with its
#                              database under STATEDIR and write STATEDIR/mailpit.env
#   mailpit.sh stop STATEDIR   stop that server and remove its data
#
# STATEDIR/mailpit.env exports SIGNET_TEST_MAILPIT_URL (the HTTP API) and
# SIGNET_TEST_SMTP_URL (plain SMTP on loopback, any credentials accepted),
# which internal/testenv reads:
#
#   deploy/scripts/mailpit.sh start /tmp/signet-mailpit
#   . /tmp/signet-mailpit/mailpit.env && go test ./notify/...
#   deploy/scripts/mailpit.sh stop /tmp/signet-mailpit
#
# The binary is built from the Go module proxy into a cache outside the
# repository (SIGNET_TOOLS_CACHE, default ~/.cache/signet/tools); the first
# build takes a few minutes on two cores. What it shares with minio.sh is in
# service-lib.sh.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=service-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-lib.sh"

SERVICE_SCRIPT=mailpit.sh
SERVICE_NAME=Mailpit
MAILPIT_VERSION=v1.33.1
SERVICE_MODULE=github.com/axllent/mailpit@$MAILPIT_VERSION
SERVICE_BUILD_TIME="a few minutes on 2 cores"
SERVICE_BIN=$SERVICE_TOOLS_CACHE/mailpit-$MAILPIT_VERSION/mailpit
SERVICE_PATTERN='*mailpit*--smtp*'
SERVICE_FILES=mailpit # mailpit.pid, mailpit.env, ... under STATEDIR
SERVICE_PROBE=/readyz
SERVICE_PROBE_STATE=ready
SERVICE_START_TIMEOUT=30 # seconds to wait for /readyz

# service_launch HTTP SMTP DATA USER PASSWORD COMMAND...: the API (HTTP) port
# is the one probed. Mailpit accepts any credentials; USER and PASSWORD only
# exercise the client's AUTH.
service_launch() {
	local http=$1 smtp=$2 data=$3
	shift 5
	# --max 0 keeps every message: tests share the server, and pruning
	# could delete one a test has yet to read back.
	exec "$@" --quiet --disable-version-check \
		--smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$http" \
		--database "$data/mailpit.db" --max 0 --smtp-disable-rdns \
		--smtp-auth-accept-any --smtp-auth-allow-insecure
}

# service_env HTTP SMTP USER PASSWORD PID
service_env() {
	cat <<-EOF
		export SIGNET_TEST_MAILPIT_URL=http://127.0.0.1:$1
		export SIGNET_TEST_SMTP_URL='smtp://$3:$4@127.0.0.1:$2?starttls=none'
		SIGNET_TEST_MAILPIT_PID=$5
	EOF
}

# service_listening HTTP SMTP
service_listening() {
	echo "SMTP on 127.0.0.1:$2, API on 127.0.0.1:$1"
}

service_main "$@"

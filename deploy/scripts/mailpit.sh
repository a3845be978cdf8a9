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
# build takes a few minutes on two cores.
set -euo pipefail

MAILPIT_VERSION=v1.33.1
TOOLS_CACHE=${SIGNET_TOOLS_CACHE:-$HOME/.cache/signet/tools}
MAILPIT_DIR=$TOOLS_CACHE/mailpit-$MAILPIT_VERSION
MAILPIT_BIN=$MAILPIT_DIR/mailpit
START_TIMEOUT=30 # seconds to wait for /readyz

die() {
	echo "mailpit.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: mailpit.sh ensure | start STATEDIR | stop STATEDIR" >&2
	exit 2
}

# ensure prints the Mailpit binary's path, building it if missing. A lock
# keeps two concurrent callers from building at once (where flock(1) exists).
ensure() {
	if [[ -x $MAILPIT_BIN ]]; then
		echo "$MAILPIT_BIN"
		return
	fi
	mkdir -p "$MAILPIT_DIR"
	if command -v flock >/dev/null; then
		exec 9>"$MAILPIT_DIR.lock"
		flock 9
	fi
	if [[ ! -x $MAILPIT_BIN ]]; then
		command -v go >/dev/null || die "ensure: go is not on PATH; it is needed to build Mailpit $MAILPIT_VERSION"
		echo "mailpit.sh: building Mailpit $MAILPIT_VERSION into $MAILPIT_DIR (a few minutes on 2 cores)..." >&2
		if ! GOBIN=$MAILPIT_DIR CGO_ENABLED=0 go install "github.com/axllent/mailpit@$MAILPIT_VERSION" >&2; then
			rm -f "$MAILPIT_BIN"
			die "ensure: go install github.com/axllent/mailpit@$MAILPIT_VERSION failed"
		fi
		[[ -x $MAILPIT_BIN ]] || die "ensure: go install succeeded but $MAILPIT_BIN is missing"
	fi
	if command -v flock >/dev/null; then
		exec 9>&-
	fi
	echo "$MAILPIT_BIN"
}

# port_in_use reports whether something accepts connections on 127.0.0.1:$1.
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port prints a loopback port nobody listens on, other than $1 if given.
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 40000))
		if [[ $port != "${1:-}" ]] && ! port_in_use "$port"; then
			echo "$port"
			return
		fi
	done
	die "start: no free port found on 127.0.0.1"
}

random_hex() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# ready reports whether the server's HTTP port $1 answers its readiness probe.
ready() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/readyz" 2>/dev/null
		return
	fi
	local status
	status=$(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		head -n1 <&3
	) 2>/dev/null || return 1
	[[ $status == *" 200 "* ]]
}

# is_mailpit reports whether pid $1 is alive and is a Mailpit server, so a
# stale pid file never makes us signal an unrelated process.
is_mailpit() {
	kill -0 "$1" 2>/dev/null || return 1
	[[ $(ps -p "$1" -o args= 2>/dev/null) == *mailpit*--smtp* ]]
}

start() {
	local state=$1
	mkdir -p "$state"
	state=$(cd "$state" && pwd)
	if [[ -f $state/mailpit.pid ]] && is_mailpit "$(cat "$state/mailpit.pid")"; then
		die "start: a Mailpit server from $state is already running (pid $(cat "$state/mailpit.pid")); run: mailpit.sh stop $state"
	fi
	local bin
	bin=$(ensure)

	# Mailpit accepts any credentials; these only exercise the client's AUTH.
	local user password data smtp http pid attempt
	user=signet-$(random_hex 6)
	password=$(random_hex 20)
	for attempt in 1 2 3; do
		smtp=$(free_port)
		http=$(free_port "$smtp")
		data=$(mktemp -d "$state/mailpit-data.XXXXXX")
		echo "$data" >"$state/mailpit.data"
		# setsid (where present) detaches the server from the caller's process
		# group, so it outlives the shell that started it until `stop`.
		local launcher=()
		command -v setsid >/dev/null && launcher=(setsid)
		# --max 0 keeps every message: tests share the server, and pruning
		# could delete one a test has yet to read back.
		${launcher[@]+"${launcher[@]}"} "$bin" --quiet --disable-version-check \
			--smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$http" \
			--database "$data/mailpit.db" --max 0 --smtp-disable-rdns \
			--smtp-auth-accept-any --smtp-auth-allow-insecure \
			</dev/null >"$state/mailpit.log" 2>&1 &
		pid=$!
		echo "$pid" >"$state/mailpit.pid"

		local deadline=$((SECONDS + START_TIMEOUT))
		while ! ready "$http"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if ((SECONDS >= deadline)); then
				kill "$pid" 2>/dev/null || true
				echo "mailpit.sh: start: Mailpit did not become ready on 127.0.0.1:$http within ${START_TIMEOUT}s; its log:" >&2
				tail -n 30 "$state/mailpit.log" >&2 || true
				rm -rf "$data" "$state/mailpit.pid" "$state/mailpit.data"
				exit 1
			fi
			sleep 0.25
		done
		if kill -0 "$pid" 2>/dev/null; then
			break
		fi
		# It exited: most likely someone took a port since we checked.
		echo "mailpit.sh: start: Mailpit exited during startup (attempt $attempt); its log:" >&2
		tail -n 30 "$state/mailpit.log" >&2 || true
		rm -rf "$data" "$state/mailpit.pid" "$state/mailpit.data"
		if ((attempt == 3)); then
			die "start: Mailpit could not start; see $state/mailpit.log"
		fi
	done

	local env=$state/mailpit.env
	(
		umask 077
		cat >"$env.tmp" <<-EOF
			# Written by deploy/scripts/mailpit.sh start; removed by stop.
			export SIGNET_TEST_MAILPIT_URL=http://127.0.0.1:$http
			export SIGNET_TEST_SMTP_URL='smtp://$user:$password@127.0.0.1:$smtp?starttls=none'
			SIGNET_TEST_MAILPIT_PID=$pid
		EOF
	)
	mv "$env.tmp" "$env"
	echo "mailpit.sh: Mailpit SMTP on 127.0.0.1:$smtp, API on 127.0.0.1:$http (pid $pid, data $data); source $env" >&2
}

stop() {
	local state=$1
	[[ -d $state ]] || die "stop: $state is not a directory"
	state=$(cd "$state" && pwd)
	if [[ -f $state/mailpit.pid ]]; then
		local pid
		pid=$(cat "$state/mailpit.pid")
		if is_mailpit "$pid"; then
			kill "$pid"
			for _ in $(seq 40); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "mailpit.sh: stop: pid $pid ignored SIGTERM for 10s; sending SIGKILL" >&2
				kill -9 "$pid" 2>/dev/null || true
			fi
		else
			echo "mailpit.sh: stop: no Mailpit server running as pid $pid" >&2
		fi
	else
		echo "mailpit.sh: stop: no $state/mailpit.pid; nothing to stop" >&2
	fi
	if [[ -f $state/mailpit.data ]]; then
		local data
		data=$(cat "$state/mailpit.data")
		# Only ever remove a data directory this script made inside STATEDIR.
		case $data in
		"$state"/mailpit-data.*) rm -rf "$data" ;;
		*) echo "mailpit.sh: stop: not removing $data: it is not a data directory under $state" >&2 ;;
		esac
	fi
	rm -f "$state/mailpit.pid" "$state/mailpit.data" "$state/mailpit.env"
}

case ${1:-} in
ensure)
	[[ $# -eq 1 ]] || usage
	ensure
	;;
start)
	[[ $# -eq 2 ]] || usage
	start "$2"
	;;
stop)
	[[ $# -eq 2 ]] || usage
	stop "$2"
	;;
*) usage ;;
esac

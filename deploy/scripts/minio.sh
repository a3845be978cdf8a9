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
# build takes about five minutes on two cores.
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
TOOLS_CACHE=${SIGNET_TOOLS_CACHE:-$HOME/.cache/signet/tools}
MINIO_DIR=$TOOLS_CACHE/minio-$MINIO_VERSION
MINIO_BIN=$MINIO_DIR/minio
START_TIMEOUT=60 # seconds to wait for /minio/health/live

die() {
	echo "minio.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: minio.sh ensure | start STATEDIR | stop STATEDIR" >&2
	exit 2
}

# ensure prints the MinIO binary's path, building it if missing. A lock keeps
# two concurrent callers from building at once (where flock(1) exists).
ensure() {
	if [[ -x $MINIO_BIN ]]; then
		echo "$MINIO_BIN"
		return
	fi
	mkdir -p "$MINIO_DIR"
	if command -v flock >/dev/null; then
		exec 9>"$MINIO_DIR.lock"
		flock 9
	fi
	if [[ ! -x $MINIO_BIN ]]; then
		command -v go >/dev/null || die "ensure: go is not on PATH; it is needed to build MinIO $MINIO_VERSION"
		echo "minio.sh: building MinIO $MINIO_VERSION into $MINIO_DIR (about 5 minutes on 2 cores)..." >&2
		if ! GOBIN=$MINIO_DIR CGO_ENABLED=0 go install "github.com/minio/minio@$MINIO_VERSION" >&2; then
			rm -f "$MINIO_BIN"
			die "ensure: go install github.com/minio/minio@$MINIO_VERSION failed"
		fi
		[[ -x $MINIO_BIN ]] || die "ensure: go install succeeded but $MINIO_BIN is missing"
	fi
	if command -v flock >/dev/null; then
		exec 9>&-
	fi
	echo "$MINIO_BIN"
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

# live reports whether the server on port $1 answers its liveness probe.
live() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/minio/health/live" 2>/dev/null
		return
	fi
	local status
	status=$(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		head -n1 <&3
	) 2>/dev/null || return 1
	[[ $status == *" 200 "* ]]
}

# is_minio reports whether pid $1 is alive and is a MinIO server, so a stale
# pid file never makes us signal an unrelated process.
is_minio() {
	kill -0 "$1" 2>/dev/null || return 1
	[[ $(ps -p "$1" -o args= 2>/dev/null) == *minio*server* ]]
}

start() {
	local state=$1
	mkdir -p "$state"
	state=$(cd "$state" && pwd)
	if [[ -f $state/minio.pid ]] && is_minio "$(cat "$state/minio.pid")"; then
		die "start: a MinIO server from $state is already running (pid $(cat "$state/minio.pid")); run: minio.sh stop $state"
	fi
	local bin
	bin=$(ensure)

	local user password data port console pid attempt
	user=signet-$(random_hex 6)
	password=$(random_hex 20)
	for attempt in 1 2 3; do
		port=$(free_port)
		console=$(free_port "$port")
		data=$(mktemp -d "$state/minio-data.XXXXXX")
		echo "$data" >"$state/minio.data"
		# setsid (where present) detaches the server from the caller's process
		# group, so it outlives the shell that started it until `stop`.
		local launcher=()
		command -v setsid >/dev/null && launcher=(setsid)
		MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_UPDATE=off MINIO_BROWSER=off \
			${launcher[@]+"${launcher[@]}"} "$bin" server --quiet \
			--address "127.0.0.1:$port" --console-address "127.0.0.1:$console" \
			"$data" </dev/null >"$state/minio.log" 2>&1 &
		pid=$!
		echo "$pid" >"$state/minio.pid"

		local deadline=$((SECONDS + START_TIMEOUT))
		while ! live "$port"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if ((SECONDS >= deadline)); then
				kill "$pid" 2>/dev/null || true
				echo "minio.sh: start: MinIO did not become live on 127.0.0.1:$port within ${START_TIMEOUT}s; its log:" >&2
				tail -n 30 "$state/minio.log" >&2 || true
				rm -rf "$data" "$state/minio.pid" "$state/minio.data"
				exit 1
			fi
			sleep 0.25
		done
		if kill -0 "$pid" 2>/dev/null; then
			break
		fi
		# It exited: most likely someone took the port since we checked.
		echo "minio.sh: start: MinIO exited during startup (attempt $attempt); its log:" >&2
		tail -n 30 "$state/minio.log" >&2 || true
		rm -rf "$data" "$state/minio.pid" "$state/minio.data"
		if ((attempt == 3)); then
			die "start: MinIO could not start; see $state/minio.log"
		fi
	done

	local env=$state/minio.env
	(
		umask 077
		cat >"$env.tmp" <<-EOF
			# Written by deploy/scripts/minio.sh start; removed by stop.
			export SIGNET_TEST_MINIO_ENDPOINT=127.0.0.1:$port
			export SIGNET_TEST_MINIO_ACCESS_KEY=$user
			export SIGNET_TEST_MINIO_SECRET_KEY=$password
			SIGNET_TEST_MINIO_PID=$pid
			SIGNET_TEST_MINIO_CONSOLE=127.0.0.1:$console
		EOF
	)
	mv "$env.tmp" "$env"
	echo "minio.sh: MinIO listening on 127.0.0.1:$port (pid $pid, data $data); source $env" >&2
}

stop() {
	local state=$1
	[[ -d $state ]] || die "stop: $state is not a directory"
	state=$(cd "$state" && pwd)
	if [[ -f $state/minio.pid ]]; then
		local pid
		pid=$(cat "$state/minio.pid")
		if is_minio "$pid"; then
			kill "$pid"
			for _ in $(seq 40); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "minio.sh: stop: pid $pid ignored SIGTERM for 10s; sending SIGKILL" >&2
				kill -9 "$pid" 2>/dev/null || true
			fi
		else
			echo "minio.sh: stop: no MinIO server running as pid $pid" >&2
		fi
	else
		echo "minio.sh: stop: no $state/minio.pid; nothing to stop" >&2
	fi
	if [[ -f $state/minio.data ]]; then
		local data
		data=$(cat "$state/minio.data")
		# Only ever remove a data directory this script made inside STATEDIR.
		case $data in
		"$state"/minio-data.*) rm -rf "$data" ;;
		*) echo "minio.sh: stop: not removing $data: it is not a data directory under $state" >&2 ;;
		esac
	fi
	rm -f "$state/minio.pid" "$state/minio.data" "$state/minio.env"
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

# shellcheck shell=bash
# service-lib.sh - what minio.sh and mailpit.sh share, sourced by both (it does
# nothing when run on its own; the caller keeps `set -euo pipefail`): build a
# pinned Go server into the tools cache, and start and stop a throwaway
# instance of it on 127.0.0.1 with its state under a STATEDIR.
#
# After sourcing it, the caller sets
#
#   SERVICE_SCRIPT         its own name, which starts every message (minio.sh)
#   SERVICE_NAME           the server's name in messages (MinIO)
#   SERVICE_MODULE         what `go install` builds, module@version
#   SERVICE_BUILD_TIME     how long that takes, for the message (about 5 minutes on 2 cores)
#   SERVICE_BIN            the binary's path; it is installed into its directory,
#                          usually under SERVICE_TOOLS_CACHE (set here)
#   SERVICE_PATTERN        a glob that a running server's `ps -o args=` matches
#   SERVICE_FILES          the prefix of the files start writes under STATEDIR:
#                          PREFIX.pid, .data, .log, .env and PREFIX-data.XXXXXX/
#   SERVICE_PROBE          the HTTP path that answers 200 once the server is up
#   SERVICE_PROBE_STATE    what that state is called in messages (live, ready)
#   SERVICE_START_TIMEOUT  seconds start waits for the probe to answer
#
# defines the three functions below, and ends with `service_main "$@"`:
#
#   service_launch PORT OTHER DATA USER PASSWORD COMMAND...
#       exec COMMAND (the detaching launcher, if any, and the binary) with the
#       server's flags, serving SERVICE_PROBE on 127.0.0.1:PORT, its second
#       listener on 127.0.0.1:OTHER and its data in the directory DATA. It runs
#       in the background and must exec, so that $! is the server's pid.
#   service_env PORT OTHER USER PASSWORD PID
#       print the lines of STATEDIR/PREFIX.env (after its header comment)
#   service_listening PORT OTHER
#       print where it listens, for the message start ends with
#       ("listening on 127.0.0.1:PORT")

# shellcheck disable=SC2034 # for the caller's SERVICE_BIN
SERVICE_TOOLS_CACHE=${SIGNET_TOOLS_CACHE:-$HOME/.cache/signet/tools}

die() {
	echo "$SERVICE_SCRIPT: $*" >&2
	exit 1
}

usage() {
	echo "usage: $SERVICE_SCRIPT ensure | start STATEDIR | stop STATEDIR" >&2
	exit 2
}

# service_ensure prints the binary's path, building it if missing. A lock keeps
# two concurrent callers from building at once (where flock(1) exists).
service_ensure() {
	local dir=${SERVICE_BIN%/*} version=${SERVICE_MODULE##*@}
	if [[ -x $SERVICE_BIN ]]; then
		echo "$SERVICE_BIN"
		return
	fi
	mkdir -p "$dir"
	if command -v flock >/dev/null; then
		exec 9>"$dir.lock"
		flock 9
	fi
	if [[ ! -x $SERVICE_BIN ]]; then
		command -v go >/dev/null || die "ensure: go is not on PATH; it is needed to build $SERVICE_NAME $version"
		echo "$SERVICE_SCRIPT: building $SERVICE_NAME $version into $dir ($SERVICE_BUILD_TIME)..." >&2
		if ! GOBIN=$dir CGO_ENABLED=0 go install "$SERVICE_MODULE" >&2; then
			rm -f "$SERVICE_BIN"
			die "ensure: go install $SERVICE_MODULE failed"
		fi
		[[ -x $SERVICE_BIN ]] || die "ensure: go install succeeded but $SERVICE_BIN is missing"
	fi
	if command -v flock >/dev/null; then
		exec 9>&-
	fi
	echo "$SERVICE_BIN"
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

# service_up reports whether the server on port $1 answers SERVICE_PROBE.
service_up() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1$SERVICE_PROBE" 2>/dev/null
		return
	fi
	local status
	status=$(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$SERVICE_PROBE" >&3
		head -n1 <&3
	) 2>/dev/null || return 1
	[[ $status == *" 200 "* ]]
}

# service_running reports whether pid $1 is alive and is the server, so a
# stale pid file never makes us signal an unrelated process.
service_running() {
	kill -0 "$1" 2>/dev/null || return 1
	# shellcheck disable=SC2053 # SERVICE_PATTERN is a glob
	[[ $(ps -p "$1" -o args= 2>/dev/null) == $SERVICE_PATTERN ]]
}

service_start() {
	local state=$1 f=$SERVICE_FILES
	mkdir -p "$state"
	state=$(cd "$state" && pwd)
	if [[ -f $state/$f.pid ]] && service_running "$(cat "$state/$f.pid")"; then
		die "start: a $SERVICE_NAME server from $state is already running (pid $(cat "$state/$f.pid")); run: $SERVICE_SCRIPT stop $state"
	fi
	local bin
	bin=$(service_ensure)

	local user password data port other pid attempt
	user=signet-$(random_hex 6)
	password=$(random_hex 20)
	for attempt in 1 2 3; do
		port=$(free_port)
		other=$(free_port "$port")
		data=$(mktemp -d "$state/$f-data.XXXXXX")
		echo "$data" >"$state/$f.data"
		# setsid (where present) detaches the server from the caller's process
		# group, so it outlives the shell that started it until `stop`.
		local launcher=()
		command -v setsid >/dev/null && launcher=(setsid)
		service_launch "$port" "$other" "$data" "$user" "$password" \
			${launcher[@]+"${launcher[@]}"} "$bin" \
			</dev/null >"$state/$f.log" 2>&1 &
		pid=$!
		echo "$pid" >"$state/$f.pid"

		local deadline=$((SECONDS + SERVICE_START_TIMEOUT))
		while ! service_up "$port"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if ((SECONDS >= deadline)); then
				kill "$pid" 2>/dev/null || true
				echo "$SERVICE_SCRIPT: start: $SERVICE_NAME did not become $SERVICE_PROBE_STATE on 127.0.0.1:$port within ${SERVICE_START_TIMEOUT}s; its log:" >&2
				tail -n 30 "$state/$f.log" >&2 || true
				rm -rf "$data" "$state/$f.pid" "$state/$f.data"
				exit 1
			fi
			sleep 0.25
		done
		if kill -0 "$pid" 2>/dev/null; then
			break
		fi
		# It exited: most likely someone took a port since we checked.
		echo "$SERVICE_SCRIPT: start: $SERVICE_NAME exited during startup (attempt $attempt); its log:" >&2
		tail -n 30 "$state/$f.log" >&2 || true
		rm -rf "$data" "$state/$f.pid" "$state/$f.data"
		if ((attempt == 3)); then
			die "start: $SERVICE_NAME could not start; see $state/$f.log"
		fi
	done

	local env=$state/$f.env
	(
		umask 077
		{
			echo "# Written by deploy/scripts/$SERVICE_SCRIPT start; removed by stop."
			service_env "$port" "$other" "$user" "$password" "$pid"
		} >"$env.tmp"
	)
	mv "$env.tmp" "$env"
	echo "$SERVICE_SCRIPT: $SERVICE_NAME $(service_listening "$port" "$other") (pid $pid, data $data); source $env" >&2
}

service_stop() {
	local state=$1 f=$SERVICE_FILES
	[[ -d $state ]] || die "stop: $state is not a directory"
	state=$(cd "$state" && pwd)
	if [[ -f $state/$f.pid ]]; then
		local pid
		pid=$(cat "$state/$f.pid")
		if service_running "$pid"; then
			kill "$pid"
			for _ in $(seq 40); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "$SERVICE_SCRIPT: stop: pid $pid ignored SIGTERM for 10s; sending SIGKILL" >&2
				kill -9 "$pid" 2>/dev/null || true
			fi
		else
			echo "$SERVICE_SCRIPT: stop: no $SERVICE_NAME server running as pid $pid" >&2
		fi
	else
		echo "$SERVICE_SCRIPT: stop: no $state/$f.pid; nothing to stop" >&2
	fi
	if [[ -f $state/$f.data ]]; then
		local data
		data=$(cat "$state/$f.data")
		# Only ever remove a data directory this script made inside STATEDIR.
		case $data in
		"$state"/"$f"-data.*) rm -rf "$data" ;;
		*) echo "$SERVICE_SCRIPT: stop: not removing $data: it is not a data directory under $state" >&2 ;;
		esac
	fi
	rm -f "$state/$f.pid" "$state/$f.data" "$state/$f.env"
}

# service_main runs the command line: ensure | start STATEDIR | stop STATEDIR.
service_main() {
	case ${1:-} in
	ensure)
		[[ $# -eq 1 ]] || usage
		service_ensure
		;;
	start)
		[[ $# -eq 2 ]] || usage
		service_start "$2"
		;;
	stop)
		[[ $# -eq 2 ]] || usage
		service_stop "$2"
		;;
	*) usage ;;
	esac
}

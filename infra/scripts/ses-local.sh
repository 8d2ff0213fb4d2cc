#!/usr/bin/env bash
# Starts or stops aws-ses-v2-local, the local SES v2 emulator the Go tests
# send invite emails to, on a free loopback port.
#
#   ses-local.sh start   prints the endpoint (also in .run/ses.endpoint)
#   ses-local.sh stop
#   ses-local.sh status
#
# aws-ses-v2-local must have been installed by install-tools.sh (npm ci in
# infra/seslocal).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/.run"
PID_FILE="$RUN_DIR/ses.pid"
ENDPOINT_FILE="$RUN_DIR/ses.endpoint"
LOG_FILE="$RUN_DIR/ses.log"
CLI="$ROOT/infra/seslocal/node_modules/aws-ses-v2-local/dist/cli.js"
START_TIMEOUT="${SES_START_TIMEOUT:-30}"

log() { printf '[ses-local] %s\n' "$*" >&2; }
die() { printf '[ses-local] ERROR: %s\n' "$*" >&2; exit 1; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

cmd_start() {
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    cat "$ENDPOINT_FILE"
    return 0
  fi
  [[ -f "$CLI" ]] || die "aws-ses-v2-local is not installed; run infra/scripts/install-tools.sh"
  command -v node >/dev/null 2>&1 || die "node not found"
  mkdir -p "$RUN_DIR"

  local port endpoint
  port=$(free_port)
  endpoint="http://127.0.0.1:$port"
  node "$CLI" --host 127.0.0.1 --port "$port" >"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint/health-check" 2>/dev/null || true)" == 200 ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "aws-ses-v2-local exited during startup (log: $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      kill "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "aws-ses-v2-local did not answer on $endpoint within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  echo "$endpoint" >"$ENDPOINT_FILE"
  log "started (pid $pid) at $endpoint"
  echo "$endpoint"
}

cmd_stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped (pid $pid)"
  fi
  rm -f "$PID_FILE" "$ENDPOINT_FILE"
}

cmd_status() {
  if pid=$(running_pid); then
    echo "running (pid $pid) at $(cat "$ENDPOINT_FILE" 2>/dev/null)"
  else
    echo "stopped"
    return 1
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

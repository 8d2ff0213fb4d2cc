# shellcheck shell=bash
# Shared start|stop|status handling for the local services of the test suite
# (dynamodb-local.sh, ses-local.sh). Source it; do not run it.
#
# The sourcing script sets:
#   NAME           tag of its messages, e.g. dynamodb-local
#   LABEL          the service's name in error messages, e.g. DynamoDB Local
#   PID_FILE       pid of the running service
#   ENDPOINT_FILE  its endpoint, written once it answers
#   LOG_FILE       its stdout and stderr
#   START_TIMEOUT  seconds to wait for it to answer
#   POLL_INTERVAL  seconds between readiness probes (optional, default 0.2)
# and defines service_start, which checks prerequisites, launches the service
# in the background on a free port (service_free_port) and ends with
# service_wait_ready. Then it runs: service_main "$@"
#
# `start` prints the endpoint as its only line on stdout; messages go to stderr.

log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$NAME" "$*" >&2; exit 1; }

# Prints the pid of the running service; fails when it is not running.
service_running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Prints a TCP port that is free on the loopback interface.
service_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# service_wait_ready PID ENDPOINT PROBE...
# Records PID, runs PROBE... until it succeeds, then records and prints
# ENDPOINT. Dies, showing the end of the log, if the process exits first or
# does not answer within START_TIMEOUT seconds.
service_wait_ready() {
  local pid=$1 endpoint=$2
  shift 2
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "$LABEL exited during startup (log: $LOG_FILE)"
    fi
    if "$@"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      kill "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "$LABEL did not answer on $endpoint within ${START_TIMEOUT}s"
    fi
    sleep "${POLL_INTERVAL:-0.2}"
  done
  echo "$endpoint" >"$ENDPOINT_FILE"
  log "started (pid $pid) at $endpoint"
  echo "$endpoint"
}

# Prints the endpoint of the running service, or starts it.
service_cmd_start() {
  local pid
  if pid=$(service_running_pid); then
    log "already running (pid $pid)"
    cat "$ENDPOINT_FILE"
    return 0
  fi
  service_start
}

# Stops the service (SIGTERM, then SIGKILL after 5s) and removes its files.
service_stop() {
  local pid
  if pid=$(service_running_pid); then
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

# Prints whether the service runs; fails when it does not.
service_status() {
  local pid
  if pid=$(service_running_pid); then
    echo "running (pid $pid) at $(cat "$ENDPOINT_FILE" 2>/dev/null)"
  else
    echo "stopped"
    return 1
  fi
}

service_main() {
  case "${1:-}" in
    start) service_cmd_start ;;
    stop) service_stop ;;
    status) service_status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
  esac
}

#!/usr/bin/env bash
# Starts or stops an in-memory DynamoDB Local on a free loopback port.
#
#   dynamodb-local.sh start   prints the endpoint (also in .run/dynamodb.endpoint)
#   dynamodb-local.sh stop
#   dynamodb-local.sh status
#
# DynamoDB Local must have been installed by install-tools.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${PARTNERKIT_CACHE:-$HOME/.cache/partnerkit}"
DDB_DIR="$CACHE/dynamodb-local"
RUN_DIR="$ROOT/.run"
PID_FILE="$RUN_DIR/dynamodb.pid"
ENDPOINT_FILE="$RUN_DIR/dynamodb.endpoint"
LOG_FILE="$RUN_DIR/dynamodb.log"
START_TIMEOUT="${DYNAMODB_START_TIMEOUT:-60}"

log() { printf '[dynamodb-local] %s\n' "$*" >&2; }
die() { printf '[dynamodb-local] ERROR: %s\n' "$*" >&2; exit 1; }

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

# Any HTTP answer (even an auth error) means the server is up.
probe() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST "$1" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0' \
    -H 'X-Amz-Date: 20240101T000000Z' \
    --data '{}' 2>/dev/null || true
}

cmd_start() {
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    cat "$ENDPOINT_FILE"
    return 0
  fi
  local main_class
  [[ -f "$DDB_DIR/main-class" ]] || die "DynamoDB Local is not installed; run infra/scripts/install-tools.sh"
  command -v java >/dev/null 2>&1 || die "java not found"
  mkdir -p "$RUN_DIR"
  main_class=$(cat "$DDB_DIR/main-class")

  local classpath="$DDB_DIR/lib/*"
  if [[ -f "$DDB_DIR/launcher/LoopbackDynamoDBLocal.class" ]]; then
    classpath="$DDB_DIR/launcher:$classpath"
    main_class="LoopbackDynamoDBLocal"
  else
    log "warning: loopback launcher not built; DynamoDB Local listens on all interfaces"
  fi

  local port endpoint
  port=$(free_port)
  endpoint="http://127.0.0.1:$port"

  # Run from the .run dir: DynamoDB Local looks at files in its working directory.
  (
    cd "$RUN_DIR"
    exec java -Xmx512m \
      -Djava.library.path="$DDB_DIR/native-libs" \
      -Dsqlite4java.library.path="$DDB_DIR/native-libs" \
      -Ddynamodb.bindHost=127.0.0.1 \
      -cp "$classpath" "$main_class" \
      -inMemory -port "$port" -disableTelemetry
  ) >"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT)) code
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "DynamoDB Local exited during startup (log: $LOG_FILE)"
    fi
    code=$(probe "$endpoint")
    if [[ "$code" =~ ^[1-5][0-9][0-9]$ ]]; then
      break
    fi
    if ((SECONDS >= deadline)); then
      kill "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "DynamoDB Local did not answer on $endpoint within ${START_TIMEOUT}s"
    fi
    sleep 0.3
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

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
POLL_INTERVAL=0.3
NAME="dynamodb-local"
LABEL="DynamoDB Local"

# shellcheck source-path=SCRIPTDIR source=service.sh
source "$ROOT/infra/scripts/service.sh"

# Any HTTP answer (even an auth error) means the server is up.
answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST "$1" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0' \
    -H 'X-Amz-Date: 20240101T000000Z' \
    --data '{}' 2>/dev/null || true)
  [[ "$code" =~ ^[1-5][0-9][0-9]$ ]]
}

service_start() {
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
  port=$(service_free_port)
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
  service_wait_ready $! "$endpoint" answers "$endpoint"
}

service_main "$@"

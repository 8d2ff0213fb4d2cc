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
NAME="ses-local"
LABEL="aws-ses-v2-local"

# shellcheck source-path=SCRIPTDIR source=service.sh
source "$ROOT/infra/scripts/service.sh"

healthy() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/health-check" 2>/dev/null || true)" == 200 ]]
}

service_start() {
  [[ -f "$CLI" ]] || die "aws-ses-v2-local is not installed; run infra/scripts/install-tools.sh"
  command -v node >/dev/null 2>&1 || die "node not found"
  mkdir -p "$RUN_DIR"

  local port endpoint
  port=$(service_free_port)
  endpoint="http://127.0.0.1:$port"
  node "$CLI" --host 127.0.0.1 --port "$port" >"$LOG_FILE" 2>&1 </dev/null &
  service_wait_ready $! "$endpoint" healthy "$endpoint"
}

service_main "$@"

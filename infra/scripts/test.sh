#!/usr/bin/env bash
# The full test suite, as run by `make test` and CI:
#   tools -> DynamoDB Local, aws-ses-v2-local -> gofmt/vet -> go test -> fuzz -> browser -> sam
#
# Environment:
#   FUZZTIME          time per fuzz target (default 10s; 0 skips fuzzing)
#   CHROMIUM_PATH     Chromium for the browser test (default /usr/bin/chromium)
#   PARTNERKIT_CACHE  tool cache (default ~/.cache/partnerkit)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CACHE="${PARTNERKIT_CACHE:-$HOME/.cache/partnerkit}"
SAM="$CACHE/venv/bin/sam"
FUZZTIME="${FUZZTIME:-10s}"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
RUN_DIR="$ROOT/.run"

# A full run has every service it needs, so tests must not skip for lack of one.
export CI="${CI:-true}"
export SAM_CLI_TELEMETRY=0
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Keep AWS SDKs off the instance metadata endpoint and give them a region and
# placeholder credentials for the local services.
export AWS_EC2_METADATA_DISABLED=true
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
if [[ -z "${AWS_ACCESS_KEY_ID:-}" && -z "${AWS_PROFILE:-}" ]]; then
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
fi

TOTAL_START=$SECONDS
STEP=""
STEP_START=$SECONDS
PASSED=0
TIMINGS=()

step() {
  STEP="$1"
  STEP_START=$SECONDS
  printf '\n==> %s\n' "$STEP"
}

step_ok() {
  local took=$((SECONDS - STEP_START))
  PASSED=$((PASSED + 1))
  TIMINGS+=("$STEP ${took}s")
  printf -- '--- ok: %s (%ss)\n' "$STEP" "$took"
  STEP=""
}

fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  exit 1
}

on_exit() {
  local rc=$?
  bash "$ROOT/infra/scripts/dynamodb-local.sh" stop >/dev/null 2>&1 || true
  bash "$ROOT/infra/scripts/ses-local.sh" stop >/dev/null 2>&1 || true
  if ((rc != 0)); then
    printf '\ntest.sh: FAILED in step "%s" after %ss\n' "${STEP:-?}" "$((SECONDS - TOTAL_START))" >&2
    printf 'steps: %d passed, 1 failed\n' "$PASSED"
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

mkdir -p "$RUN_DIR"

# ---------------------------------------------------------------------------
step "install tools"
bash "$ROOT/infra/scripts/install-tools.sh"
step_ok

# ---------------------------------------------------------------------------
step "start DynamoDB Local"
DYNAMODB_TEST_ENDPOINT="$(bash "$ROOT/infra/scripts/dynamodb-local.sh" start)"
export DYNAMODB_TEST_ENDPOINT
echo "DYNAMODB_TEST_ENDPOINT=$DYNAMODB_TEST_ENDPOINT"
step_ok

# ---------------------------------------------------------------------------
step "start aws-ses-v2-local"
SES_TEST_ENDPOINT="$(bash "$ROOT/infra/scripts/ses-local.sh" start)"
export SES_TEST_ENDPOINT
echo "SES_TEST_ENDPOINT=$SES_TEST_ENDPOINT"
step_ok

# ---------------------------------------------------------------------------
step "gofmt and go vet"
unformatted="$(find . -name '*.go' \
  -not -path './.git/*' -not -path './.aws-sam/*' -not -path './.run/*' \
  -not -path '*/node_modules/*' -not -path '*/testdata/*' -print0 |
  xargs -0 -r gofmt -l)"
if [[ -n "$unformatted" ]]; then
  printf '%s\n' "$unformatted" >&2
  fail "gofmt: the files above need formatting (run gofmt -w)"
fi
go vet ./... || fail "go vet reported problems"
step_ok

# ---------------------------------------------------------------------------
step "go test"
go test -count=1 ./... || fail "go test failed"
step_ok

# ---------------------------------------------------------------------------
step "fuzz (FUZZTIME=${FUZZTIME} per target)"
if [[ "$FUZZTIME" =~ ^0[a-z]*$ ]]; then
  echo "skipped (FUZZTIME=$FUZZTIME)"
else
  # "dir name" pairs for every fuzz target in the shared packages.
  mapfile -t targets < <(
    grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' shared 2>/dev/null |
      sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($#\1 \2#' | sort -u
  )
  if ((${#targets[@]} == 0)); then
    echo "no fuzz targets found under shared/"
  fi
  for t in "${targets[@]}"; do
    dir="${t% *}"
    name="${t#* }"
    echo "fuzz ./$dir $name"
    corpus="$dir/testdata/fuzz/$name"
    count_corpus() { { ls "$corpus" 2>/dev/null || true; } | wc -l; }
    before="$(count_corpus)"
    if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "./$dir"; then
      # A failing input is saved to the corpus. Without one, the engine
      # itself gave up (a worker slow to stop on a loaded machine): once more.
      if [[ "$(count_corpus)" != "$before" ]]; then
        fail "fuzz target $name in ./$dir failed (the failing input is saved under ./$corpus)"
      fi
      echo "fuzz $name stopped without a failing input; running it again"
      go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "./$dir" ||
        fail "fuzz target $name in ./$dir failed (new failing inputs are saved under ./$dir/testdata/fuzz)"
    fi
  done
fi
step_ok

# ---------------------------------------------------------------------------
step "browser tests (headless Chromium)"
go build -o "$RUN_DIR/devserver" ./infra/devserver || fail "could not build ./infra/devserver"
PARTNERKIT_DEVSERVER="$RUN_DIR/devserver" CHROMIUM_PATH="$CHROMIUM_PATH" \
  node --test infra/browser/ || fail "browser tests failed"
step_ok

# ---------------------------------------------------------------------------
step "sam validate --lint"
"$SAM" validate --lint --template template.yaml || fail "sam validate --lint failed"
step_ok

step "sam build"
# --build-in-source: make runs in the checkout (reusing Go's build cache)
# instead of in a scratch copy of the whole source tree.
"$SAM" build --build-in-source --template template.yaml || fail "sam build failed"
step_ok

# ---------------------------------------------------------------------------
printf '\n'
for t in "${TIMINGS[@]}"; do
  printf '  %s\n' "$t"
done
printf 'test.sh: all steps passed in %ss\n' "$((SECONDS - TOTAL_START))"
printf 'steps: %d passed, 0 failed\n' "$PASSED"

#!/usr/bin/env bash
# Cold start benchmark: builds the hello and floor reference functions and
# the redirect function with the release flags, then times each from exec to
# its first request for an event through a fake Lambda Runtime API.
#
# Usage: infra/coldstart/run.sh [harness flags, e.g. -json or -event file.json]
# Environment: ROUNDS (default 30), MAX_VS_FLOOR (default 0: report only;
# set 1.15 to fail when the redirect misses the target).
# Exits non-zero when the redirect misses MAX_VS_FLOOR (if set) or its
# arm64 build links the SES client.
set -euo pipefail

cd "$(dirname "$0")/../.."
out=.run/coldstart
rounds="${ROUNDS:-30}"
max_vs_floor="${MAX_VS_FLOOR:-0}"
mkdir -p "$out"

# The harness execs the binaries here, so they are built for this host; the
# target's numbers are for linux/amd64.
if [ "$(go env GOHOSTOS)" != linux ]; then
	echo "coldstart: needs a linux host to run the binaries" >&2
	exit 1
fi
arch="$(go env GOHOSTARCH)"
[ "$arch" = amd64 ] || echo "coldstart: note: measuring $arch builds; the target is stated for amd64" >&2

build() { # build GOARCH output package
	CGO_ENABLED=0 GOOS=linux GOARCH="$1" go build -tags lambda.norpc -trimpath -ldflags="-s -w" -o "$2" "$3"
}

build "$arch" "$out/hello" ./infra/coldstart/hello
build "$arch" "$out/floor" ./infra/coldstart/floor
go build -o "$out/harness" ./infra/coldstart

targets=("hello=$out/hello" "floor=$out/floor")
status=0
if compgen -G "functions/redirect/*.go" >/dev/null; then
	build "$arch" "$out/redirect" ./functions/redirect
	targets+=("redirect=$out/redirect")

	build arm64 "$out/redirect-arm64" ./functions/redirect
	size="$(wc -c <"$out/redirect-arm64")"
	awk -v b="$size" 'BEGIN { printf "redirect linux/arm64: %.2f MB (%d bytes)\n", b / 1048576, b }'
	if go version -m "$out/redirect-arm64" | grep -q sesv2; then
		echo "FAIL: redirect linux/arm64 links sesv2; it must not" >&2
		status=1
	else
		echo "redirect linux/arm64: sesv2 not linked (ok)"
	fi
else
	echo "coldstart: no ./functions/redirect here; measuring hello and floor only"
fi

# Same environment for every binary, so only the code differs. The endpoint
# points nowhere: the functions must not touch the network during init.
"$out/harness" -rounds "$rounds" -max-vs-floor "$max_vs_floor" \
	-env TABLE_NAME=partnerkit \
	-env COOKIE_SECRET=0:bench-secret-0123456789 \
	-env HASH_SECRET=bench-hash-secret-0123 \
	-env LANDING_URL=https://example.com/ \
	-env PUBLIC_BASE_URL=https://go.example.com \
	-env DYNAMODB_ENDPOINT=http://127.0.0.1:1 \
	"$@" "${targets[@]}" || status=1
exit "$status"

#!/usr/bin/env bash
# make bench: prints the performance figures partnerkit reports, as medians
# of repeated runs and as ratios to a baseline measured in the same run.
# These are figures to read, not gates: the script fails only if a
# benchmark cannot run. It starts DynamoDB Local for the monthly run's
# write counts (installing it first, like make test).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .run
count="${COUNT:-7}"

echo "== handler benchmarks (go test -bench, median of $count runs)"
go test -run '^$' -bench 'Redirect|Signup|AccrualInProcess' -benchmem -count "$count" ./shared/... | tee .run/bench.txt | grep -E '^Benchmark' || true
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) {
		if ($(i+1) == "ns/op") ns[name] = ns[name] " " $i
		if ($(i+1) == "allocs/op") al[name] = al[name] " " $i
		if ($(i+1) == "lines/s") ls[name] = ls[name] " " $i
	}
}
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	printf "\n%-36s %12s %10s %14s\n", "benchmark (median)", "ns/op", "allocs/op", "lines/s"
	for (k in ns) { m[k] = median(ns[k]); printf "%-36s %12.0f %10s %14s\n", k, m[k], median(al[k]), (k in ls) ? sprintf("%.0f", median(ls[k])) : "" }
	if (("BenchmarkRedirectHandler" in m) && ("BenchmarkRedirectFloor" in m))
		printf "\nredirect handler / decode+encode floor: %.2fx (target: <= 30 us/op, <= 80 allocs/op)\n", m["BenchmarkRedirectHandler"] / m["BenchmarkRedirectFloor"]
}' .run/bench.txt

echo
echo "== monthly run on DynamoDB Local (write units as DynamoDB Local reports them, index writes included; write calls per line), a mixed month and 1 and 10 lines per partner"
bash infra/scripts/install-tools.sh >/dev/null
endpoint="$(bash infra/scripts/dynamodb-local.sh start)"
trap 'bash infra/scripts/dynamodb-local.sh stop >/dev/null 2>&1 || true' EXIT
DYNAMODB_TEST_ENDPOINT="$endpoint" go test -run '^$' -bench 'AccrualDynamoDBLocal' -benchtime 1x ./shared/accrual/ | grep -E '^Benchmark'

echo
echo "== cold start and binary size (infra/coldstart/run.sh)"
bash infra/coldstart/run.sh

#!/usr/bin/env bash
# Soak benchmark of the serving API (issue 14): LAKEML_SOAK_SECONDS (default 600) of mixed load
# from ServingBench soak (its own JVM): prediction lookups, feature lookups and scores of both
# models on three connections, each one request every 2 ms (1,500 requests/s in all), with two
# snapshot swaps (a copy of the snapshot published at one third and two thirds of the run; the
# server polls every second). Every 10 s: the server's RSS and its heap after the last GC (from its
# -Xlog:gc file). Reports p99 and errors per minute and draws the series as an SVG.
#
#   serving-api/bench/soak.sh [lakehouse] [svg-out]    (defaults: ./lakehouse, <work>/soak.svg)
#
# Server: LAKEML_SERVING_JAVA_OPTS (default -Xmx1g), the rocksdb backend. The lakehouse is never
# modified (see lib.sh). Run it alone on the machine.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
bench="$here/serving-api/bench"
lakehouse="$(cd "${1:-$here/lakehouse}" && pwd)"
project="${LAKEML_PROJECT:-$here/examples/online-retail}"
at="${LAKEML_BENCH_AT:-2011-10-01T00:00:00Z}"
java_opts="${LAKEML_SERVING_JAVA_OPTS:--Xmx1g}"
secs="${LAKEML_SOAK_SECONDS:-600}"
[ -f "$lakehouse/_online/CURRENT" ] || { echo "no published snapshot: $lakehouse/_online/CURRENT is missing" >&2; exit 2; }

source "$bench/lib.sh"
svg="${2:-$work/soak.svg}"

start_server rocksdb "-Xlog:gc:file=$work/gc.log:uptime"
for f in prediction.txt features.txt score-churn.txt score-cancel.txt; do check_first "$f"; done
"${bench_java[@]}" soak "$port" "$read_key" "$work/requests" "$secs" "$server_pid" "$work/gc.log" \
  "$lake/_online" "$work/samples.tsv" > "$work/minutes.txt"
swaps="$(curl -fs -H "X-API-Key: $read_key" "$base/metrics" | sed -n 's/^lakeml_snapshot_swaps_total \(.*\)/\1/p')"
stop_server
{
  echo "soak: ${secs}s of mixed load (prediction, features, scores; 1,500 requests/s), two snapshot swaps"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(java -version 2>&1 | head -n 1), server $java_opts"
  echo "inputs: lakehouse $lakehouse (snapshot v$version), at=$at; lakeml_snapshot_swaps_total=$swaps"
  echo
  cat "$work/minutes.txt"
  echo
  cat "$work/samples.tsv"
} > "$work/results.txt"
python3 "$bench/soak-plot.py" "$work/samples.tsv" "$work/minutes.txt" "$svg"
cat "$work/results.txt"
echo "plot: $svg"
grep -q '^RESULT .* errors=0 socket_failures=0' "$work/minutes.txt"

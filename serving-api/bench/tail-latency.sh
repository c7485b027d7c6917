#!/usr/bin/env bash
# Tail latency of the prediction lookup (issue 14), measured by an independent client
# (ServingBench latency, its own JVM): 4 keep-alive connections, each sending pre-formatted
# requests with random keys on a fixed schedule, one every LAKEML_BENCH_PACE_US (default 1000 us),
# latency counted from the scheduled send time (no coordinated omission).
#
#   serving-api/bench/tail-latency.sh [lakehouse] [seconds-per-run] [rounds]   (defaults: ./lakehouse, 30, 3)
#
# Each round runs the rocksdb backend, then the memory backend, each in a fresh server JVM
# (LAKEML_SERVING_JAVA_OPTS, default -Xmx1g) with a 10 s warm-up; the rounds give medians.
# LAKEML_BENCH_JFR=1 records a JFR profile (settings=profile) of each server under the work dir,
# and prints its hottest frames, allocation sites, GC pauses and the longest waits (jfr-top.py).
# Other knobs: LAKEML_BENCH_PACE_US=gap:1000 waits 1000 us after each answer instead (wrk's paced
# loop, latency from the send); LAKEML_BENCH_FILE=live.txt measures GET /health/live (the HTTP
# stack's floor); LAKEML_BENCH_BACKENDS (default "rocksdb memory"); LAKEML_BENCH_WARMUP (seconds,
# default 10); LAKEML_BENCH_SLOW=1 prints when the requests at or over the p99 happened.
# The lakehouse is never modified (see lib.sh). Run it alone on the machine.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
bench="$here/serving-api/bench"
lakehouse="$(cd "${1:-$here/lakehouse}" && pwd)"
secs="${2:-30}"
rounds="${3:-3}"
project="${LAKEML_PROJECT:-$here/examples/online-retail}"
at="${LAKEML_BENCH_AT:-2011-10-01T00:00:00Z}"
java_opts="${LAKEML_SERVING_JAVA_OPTS:--Xmx1g}"
pace_us="${LAKEML_BENCH_PACE_US:-1000}"
conns=4
[ -f "$lakehouse/_online/CURRENT" ] || { echo "no published snapshot: $lakehouse/_online/CURRENT is missing" >&2; exit 2; }

source "$bench/lib.sh"

# The floor of the HTTP stack: the open liveness probe (no key check, no snapshot read).
for _ in $(seq 1 100); do printf 'GET\t/health/live\t\n'; done > "$work/requests/live.txt"
file="${LAKEML_BENCH_FILE:-prediction.txt}"
results="$work/tail.tsv"
: > "$results"
for round in $(seq 1 "$rounds"); do
  for backend in ${LAKEML_BENCH_BACKENDS:-rocksdb memory}; do
    extra=()
    if [ "${LAKEML_BENCH_JFR:-0}" = 1 ]; then
      extra=(-XX:StartFlightRecording=filename="$work/$backend-$round.jfr",settings=profile)
    fi
    start_server "$backend" "${extra[@]}"
    check_first "$file"
    "${bench_java[@]}" latency "$port" "$read_key" "$work/requests/$file" "$conns" "$pace_us" "${LAKEML_BENCH_WARMUP:-10}" > /dev/null
    line="$("${bench_java[@]}" latency "$port" "$read_key" "$work/requests/$file" "$conns" "$pace_us" "$secs")"
    echo "tail-latency: round $round $backend: ${line#RESULT }" >&2
    printf '%s\t%s\t%s\n' "$round" "$backend" "$line" >> "$results"
    stop_server
  done
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
{
  echo "tail latency of $file: ServingBench latency, $conns connections, one request per ${pace_us} us each, ${secs}s per run after ${LAKEML_BENCH_WARMUP:-10} s warm-up, $rounds rounds"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(java -version 2>&1 | head -n 1), server $java_opts"
  echo "inputs: lakehouse $lakehouse (snapshot v$version, $(wc -l < "$work/requests/prediction.txt") prediction keys), at=$at"
  echo
  echo "| round | backend | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  while IFS=$'\t' read -r round backend line; do
    echo "| $round | $backend | $(field rps "$line") | $(field p50 "$line") | $(field p90 "$line") | $(field p99 "$line") | $(field p999 "$line") | $(field max "$line") | $(field errors "$line") |"
  done < "$results"
  echo
  for backend in ${LAKEML_BENCH_BACKENDS:-rocksdb memory}; do
    m="$(awk -F'\t' -v b="$backend" '$2==b {print $3}' "$results" | while read -r l; do field p99 "$l"; done | median)"
    echo "median p99 $backend: $m ms"
    eval "p99_$backend=$m"
  done
  echo "rocksdb/memory p99: $(awk -v r="$p99_rocksdb" -v m="$p99_memory" 'BEGIN{printf "%.2f", r/m}')"
  echo "goal p99 < 1 ms (rocksdb): $(awk -v r="$p99_rocksdb" 'BEGIN{print (r<1)?"MET":"MISSED"}'); rocksdb within 10% of memory: $(awk -v r="$p99_rocksdb" -v m="$p99_memory" 'BEGIN{print (r<=1.1*m)?"MET":"MISSED"}')"
  echo "work dir (server logs, JFR files): $work"
} > "$work/results.txt"
cat "$work/results.txt"
if [ "${LAKEML_BENCH_JFR:-0}" = 1 ]; then
  for f in "$work"/*.jfr; do
    echo
    echo "== $(basename "$f")"
    python3 "$bench/jfr-top.py" "$f"
  done
fi

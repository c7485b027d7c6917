#!/usr/bin/env bash
# Serving load test (issue 5): starts serving-api on the published snapshot of a lakehouse and
# drives it with wrk on loopback, bounded in time (about 4 min with the default 15 s per run).
#
#   serving-api/bench/load-test.sh [lakehouse] [seconds-per-run]      (defaults: ./lakehouse, 15)
#
# - wrk is the Debian package: when it is missing this script runs `apt-get install -y wrk`
#   (needs root; install it yourself otherwise).
# - The app jar (and the test classes holding the LoadTestTool helper) are built with Maven when
#   missing or older than the sources. Spark is never started.
# - The lakehouse is never modified: its current snapshot (_online) and registry pointers
#   (ml/serving) are copied into a scratch lakehouse under /tmp; model artifacts are read where the
#   pointers name them. API keys: <lakehouse>/_serving/api-keys when present, else made up here.
# - Requests use real keys of the snapshot (FOUND at LAKEML_BENCH_AT, default 2011-10-01T00:00:00Z,
#   the bundled data being historical), rotating over up to 2000 keys per endpoint.
#
# Runs, each preceded by a short warm-up (not reported):
#   rocksdb backend: prediction lookup at a paced steady load (-c 4, each connection waiting
#   LAKEML_BENCH_PACE_MS=1 ms between requests: a few thousand requests/s), unpaced at -c 4 (wrk's
#   closed loop, near saturation on 2 cores) and at saturation (-c 32), batch
#   prediction lookup (10 keys), feature lookup, score line_cancellation and score customer_churn
#   (enriched from the snapshot, -c 4, unpaced and paced); then the swap under load: while wrk drives prediction
#   lookups and line_cancellation scoring, a copy of the snapshot is published as version N+1 and
#   line_cancellation's previous_champion is made champion (aliases.yaml rewritten, temp + rename);
#   the server (poll interval 1 s) must pick up both with zero failed requests.
#   memory backend (the same server with --backend memory, the ceiling): the prediction runs again
#   (on the published copy N+1, which holds the same rows).
# Prints a table (endpoint, backend, connections, requests/s, p50, p99, errors), the machine and
# inputs, the rocksdb/memory throughput ratio and the goals; writes it to <scratch>/results.txt.
# Exits 1 when any run had a failed request. On a shared machine run it alone, e.g. under
# `flock /tmp/lakeml-bench.lock serving-api/bench/load-test.sh ...`.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
bench="$here/serving-api/bench"
lakehouse="$(cd "${1:-$here/lakehouse}" && pwd)"
secs="${2:-15}"
project="${LAKEML_PROJECT:-$here/examples/online-retail}"
at="${LAKEML_BENCH_AT:-2011-10-01T00:00:00Z}"
java_opts="${LAKEML_SERVING_JAVA_OPTS:--Xmx1g}"
warmup="${LAKEML_BENCH_WARMUP:-5}"
steady_c=4
saturate_c=32
pace_ms="${LAKEML_BENCH_PACE_MS:-1}" # paced runs: each of the -c 4 connections waits 1 ms per request

[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 2 ] || { echo "seconds-per-run must be a whole number >= 2" >&2; exit 2; }
[ -f "$lakehouse/_online/CURRENT" ] || { echo "no published snapshot: $lakehouse/_online/CURRENT is missing" >&2; exit 2; }

if ! command -v wrk >/dev/null 2>&1; then
  echo "load-test: wrk is missing; installing the Debian package (apt-get install -y wrk)" >&2
  apt-get install -y wrk >/dev/null || { echo "load-test: cannot install wrk (run as root or install it)" >&2; exit 2; }
fi

# --- the app jar, the scratch lakehouse, the server (shared with the other benchmarks) ------------
source "$bench/lib.sh"

results="$work/results.tsv"
: > "$results"
# run <label> <backend> <requests file> <connections> <seconds> [record=1]; env delay_ms paces
run() {
  local label="$1" backend="$2" file="$3" conns="$4" d="$5" record="${6:-1}" out
  out="$(LAKEML_BENCH_REQUESTS="$work/requests/$file" LAKEML_BENCH_KEY="$read_key" \
    LAKEML_BENCH_DELAY_MS="${delay_ms:-}" \
    wrk -t 1 -c "$conns" -d "${d}s" --latency -s "$bench/requests.lua" "$base" 2>&1)"
  echo "$out" > "$work/wrk-$label-$backend-c$conns.txt"
  if [ "$record" = 1 ]; then
    local line
    line="$(grep '^RESULT' <<<"$out")" || { echo "$out" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$label" "$backend" "$conns" "$line" >> "$results"
    echo "load-test: $label ($backend, -c $conns, ${d}s): ${line#RESULT }" >&2
  fi
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# --- rocksdb -------------------------------------------------------------------------------------
start_server rocksdb
for f in prediction.txt prediction-batch.txt features.txt score-cancel.txt score-churn.txt; do check_first "$f"; done
cancel_champion="$(curl -fs "$base/health/ready" | sed -n 's/.*"line_cancellation":{"champion":{"version":\([0-9]*\),"format":"\([^"]*\)".*/v\1 (\2)/p')"
churn_champion="$(curl -fs "$base/health/ready" | sed -n 's/.*"customer_churn":{"champion":{"version":\([0-9]*\),"format":"\([^"]*\)".*/v\1 (\2)/p')"
for f in prediction.txt prediction-batch.txt features.txt score-cancel.txt score-churn.txt; do
  run warmup rocksdb "$f" "$steady_c" "$warmup" 0
done
delay_ms=$pace_ms run prediction-paced rocksdb prediction.txt "$steady_c" "$secs"
run prediction rocksdb prediction.txt "$steady_c" "$secs"
run prediction rocksdb prediction.txt "$saturate_c" "$secs"
run prediction-batch-10 rocksdb prediction-batch.txt "$steady_c" "$secs"
run features rocksdb features.txt "$steady_c" "$secs"
run score-line_cancellation rocksdb score-cancel.txt "$steady_c" "$secs"
run score-customer_churn rocksdb score-churn.txt "$steady_c" "$secs"
delay_ms=$pace_ms run score-line_cancellation-paced rocksdb score-cancel.txt "$steady_c" "$secs"
delay_ms=$pace_ms run score-customer_churn-paced rocksdb score-churn.txt "$steady_c" "$secs"

# --- swap under load (rocksdb) -------------------------------------------------------------------
aliases="$lake/ml/serving/line_cancellation/aliases.yaml"
prev_version="$(awk '/^  previous_champion:/{p=1; next} p && /version:/{print $2; exit}' "$aliases")"
swap_secs=$((secs + 5))
LAKEML_BENCH_SHOW_ERRORS=1 run swap-prediction rocksdb prediction.txt "$steady_c" "$swap_secs" &
wrk_pids+=($!)
LAKEML_BENCH_SHOW_ERRORS=1 run swap-score-line_cancellation rocksdb score-cancel.txt 2 "$swap_secs" &
wrk_pids+=($!)
sleep 3
new_version="$("${tool[@]}" publish-copy "$lake/_online")"
swap_note="snapshot v$version -> v$new_version"
if [ -n "$prev_version" ]; then
  sed -e 's/^  champion:$/  lakeml_bench_tmp:/' -e 's/^  previous_champion:$/  champion:/' \
    -e 's/^  lakeml_bench_tmp:$/  previous_champion:/' "$aliases" > "$aliases.tmp"
  mv "$aliases.tmp" "$aliases"
  swap_note="$swap_note; line_cancellation champion $cancel_champion -> v$prev_version"
else
  echo "load-test: line_cancellation has no previous_champion; only the snapshot is swapped" >&2
fi
swap_start=$(date +%s.%N)
picked=""
for _ in $(seq 1 40); do
  ready="$(curl -fs "$base/health/ready" || true)"
  if grep -q "\"snapshot_version\":$new_version" <<<"$ready" \
    && { [ -z "$prev_version" ] || grep -q "\"line_cancellation\":{\"champion\":{\"version\":$prev_version," <<<"$ready"; }; then
    picked="$(awk -v s="$swap_start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')"
    break
  fi
  sleep 0.5
done
for p in "${wrk_pids[@]}"; do wait "$p" || true; done
wrk_pids=()
swaps="$(curl -fs -H "X-API-Key: $read_key" "$base/metrics" | sed -n 's/^lakeml_snapshot_swaps_total \(.*\)/\1/p')"
if [ -n "$picked" ]; then
  swap_note="$swap_note; both served ${picked}s after the publish (poll 1s), lakeml_snapshot_swaps_total=$swaps"
else
  swap_note="$swap_note; NOT picked up within 20 s (see $work/server-rocksdb.log)"
fi
stop_server

# --- memory (the ceiling, same run) ----------------------------------------------------------------
start_server memory
run warmup memory prediction.txt "$steady_c" "$warmup" 0
delay_ms=$pace_ms run prediction-paced memory prediction.txt "$steady_c" "$secs"
run prediction memory prediction.txt "$steady_c" "$secs"
run prediction memory prediction.txt "$saturate_c" "$secs"
stop_server

# --- report ----------------------------------------------------------------------------------------
report="$work/results.txt"
{
  echo "serving-api load test: wrk -t 1 --latency on loopback, ${secs}s per run (swap ${swap_secs}s), warm-up ${warmup}s per endpoint"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(java -version 2>&1 | head -n 1), server $java_opts, wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}')"
  echo "inputs: lakehouse $lakehouse (snapshot v$version: $(head -n 1 "$work/requests/prediction.txt" >/dev/null; wc -l < "$work/requests/prediction.txt") prediction keys, $(wc -l < "$work/requests/features.txt") customers, $(wc -l < "$work/requests/score-cancel.txt") customer-product pairs), at=$at"
  echo "champions: line_cancellation $cancel_champion, customer_churn $churn_champion"
  echo
  printf '| %-29s | %-7s | %5s | %10s | %8s | %8s | %6s |\n' endpoint backend conns "requests/s" "p50 ms" "p99 ms" errors
  printf '| %-29s | %-7s | %5s | %10s | %8s | %8s | %6s |\n' "---" "---" "---:" "---:" "---:" "---:" "---:"
  while IFS=$'\t' read -r label backend conns line; do
    errors=$(( $(field non2xx "$line") + $(field socket_errors "$line") ))
    printf '| %-29s | %-7s | %5s | %10s | %8s | %8s | %6s |\n' "$label" "$backend" "$conns" \
      "$(field rps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$errors"
  done < "$results"
  echo
  echo "swap under load: $swap_note"
  get() { awk -F'\t' -v l="$1" -v b="$2" -v c="$3" '$1==l && $2==b && $3==c {print $4}' "$results"; }
  for c in "$steady_c" "$saturate_c"; do
    r="$(field rps "$(get prediction rocksdb "$c")")"; m="$(field rps "$(get prediction memory "$c")")"
    echo "prediction lookup rocksdb/memory at -c $c: $r / $m = $(awk -v r="$r" -v m="$m" 'BEGIN{printf "%.2f", r/m}')"
  done
  p99="$(field p99_ms "$(get prediction-paced rocksdb "$steady_c")")"
  p99u="$(field p99_ms "$(get prediction rocksdb "$steady_c")")"
  sat_r="$(field rps "$(get prediction rocksdb "$saturate_c")")"; sat_m="$(field rps "$(get prediction memory "$saturate_c")")"
  s99a="$(field p99_ms "$(get score-line_cancellation-paced rocksdb "$steady_c")")"
  s99b="$(field p99_ms "$(get score-customer_churn-paced rocksdb "$steady_c")")"
  s99u="$(field p99_ms "$(get score-customer_churn rocksdb "$steady_c")")"
  failed="$(awk -F'\t' '{ split($4, a, " "); for (i in a) { split(a[i], kv, "="); if (kv[1]=="non2xx" || kv[1]=="socket_errors") n += kv[2] } } END {print n+0}' "$results")"
  goal() { if [ "$2" = 1 ]; then echo "  MET   $1"; else echo "  MISSED $1"; fi; }
  echo "goals:"
  goal "prediction lookup p99 < 1 ms at a paced steady load (-c $steady_c, ${pace_ms} ms pause): $p99 ms (unpaced -c $steady_c: $p99u ms)" "$(awk -v x="$p99" 'BEGIN{print (x<1)?1:0}')"
  goal "prediction lookup throughput >= 70% of memory at saturation: $(awk -v r="$sat_r" -v m="$sat_m" 'BEGIN{printf "%.0f%%", 100*r/m}')" "$(awk -v r="$sat_r" -v m="$sat_m" 'BEGIN{print (r>=0.7*m)?1:0}')"
  goal "score customer_churn (XGBoost, enriched) p99 < 3 ms, paced: $s99b ms (unpaced -c $steady_c: $s99u ms)" "$(awk -v x="$s99b" 'BEGIN{print (x<3)?1:0}')"
  echo "  (score line_cancellation, champion $cancel_champion: p99 $s99a ms paced)"
  swap_failed="$(awk -F'\t' '$1 ~ /^swap-/ { split($4, a, " "); for (i in a) { split(a[i], kv, "="); if (kv[1]=="non2xx" || kv[1]=="socket_errors") n += kv[2] } } END {print n+0}' "$results")"
  goal "swap under load with zero failed requests: $swap_failed failed, new snapshot and champion served: $([ -n "$picked" ] && echo "yes, ${picked}s after the publish" || echo no)" \
    "$([ -n "$picked" ] && [ "$swap_failed" = 0 ] && echo 1 || echo 0)"
  echo "raw wrk output and server logs: $work"
} > "$report"
cat "$report"
[ "$failed" = 0 ] && [ -n "$picked" ]

#!/usr/bin/env bash
# Replay of the bundled days through the project's pipelines, as a scheduler would run them:
# `lakeml run bootstrap` up to the day before FIRST on an empty lakehouse, then `lakeml run
# nightly --date D` for every bundled day from FIRST to LAST (days without a file are skipped),
# each a new JVM. Prints each night's seconds; each step's own time is in lakeml run's output.
# Not part of the test suite.
# Usage: spark-jobs/bench/replay-benchmark.sh [FIRST (2011-09-19)] [LAST (2011-09-30)] [LAKEHOUSE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
first="${1:-2011-09-19}"
last="${2:-2011-09-30}"
lake="${3:-spark-jobs/target/replay-bench/lake}"
days="examples/online-retail/data/by-day"
rm -rf "$lake"
mkdir -p "$(dirname "$lake")"
echo "replay $first..$last into $lake; $(nproc) cores; $(java -version 2>&1 | head -1)"
start=$(date +%s)
./lakeml run bootstrap --date "$(date -d "$first - 1 day" +%F)" --lakehouse "$lake" -q
echo "bootstrap: $(( $(date +%s) - start )) s"
d="$first"
while [[ ! "$d" > "$last" ]]; do
  if [[ -f "$days/$d.csv.gz" ]]; then
    t=$(date +%s)
    ./lakeml run nightly --date "$d" --lakehouse "$lake"
    echo "nightly $d: $(( $(date +%s) - t )) s"
  fi
  d="$(date -d "$d + 1 day" +%F)"
done
echo "replay total: $(( $(date +%s) - start )) s"

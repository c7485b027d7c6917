#!/usr/bin/env bash
# Backfill benchmark: all bundled days, lakeml ingestion vs. a plain CSV-to-Delta copy, same JVM.
# Not part of the test suite. Usage: spark-jobs/bench/ingest-benchmark.sh [runs] (default 5).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 3g dev.lakeml.bench.IngestBenchmark "$@"

#!/usr/bin/env bash
# Drift benchmark: generated current rows x 50 columns against a 1,000,000-row reference, one JVM
# under 4 GB of heap. Not part of the test suite.
# Usage: spark-jobs/bench/drift-benchmark.sh [current rows, comma-separated] [reference rows] [columns]
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 3g dev.lakeml.bench.DriftBenchmark "$@"

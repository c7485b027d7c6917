#!/usr/bin/env bash
# The nightly steps on a Spark standalone cluster (master + two one-core workers on this machine)
# against local mode, same data, same days. Not part of the test suite.
# Usage: spark-jobs/bench/cluster-benchmark.sh [days] (default 3).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 3g dev.lakeml.bench.ClusterBenchmark "$@"

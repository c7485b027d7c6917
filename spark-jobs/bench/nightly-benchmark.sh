#!/usr/bin/env bash
# The nightly increment: bootstrap up to a day, then `lakeml run nightly --date D` for each of the
# last bundled days, one JVM per night. Not part of the test suite.
# Usage: spark-jobs/bench/nightly-benchmark.sh [days] (default 3).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 1g dev.lakeml.bench.NightlyBenchmark "$@"

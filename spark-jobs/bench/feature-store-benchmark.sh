#!/usr/bin/env bash
# Feature-store benchmarks: PIT join vs the naive plan, and publishing (RocksDB SST vs Redis).
# Not part of the test suite. Usage: spark-jobs/bench/feature-store-benchmark.sh pit [runs] [spine rows] [scale]
#                                  spark-jobs/bench/feature-store-benchmark.sh publish [runs] [entities] [features]
# pit reads the feature tables of ./lakehouse (or $LAKEML_LAKEHOUSE): run ./lakeml demo first.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 6g dev.lakeml.bench.FeatureStoreBenchmark "$@"

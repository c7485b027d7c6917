#!/usr/bin/env bash
# Training benchmarks. Not part of the test suite. Needs a lakehouse with features: ./lakeml demo.
# Usage: spark-jobs/bench/training-benchmark.sh models [runs]   each bundled spec, total time, metrics
#        spark-jobs/bench/training-benchmark.sh compare [runs]  XGBoost vs MLlib GBT, same trees
# Reads ./lakehouse (or $LAKEML_LAKEHOUSE); trains under <model>_bench names.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 4g dev.lakeml.bench.TrainingBenchmark "$@"

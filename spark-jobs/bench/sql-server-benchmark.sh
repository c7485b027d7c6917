#!/usr/bin/env bash
# The JDBC endpoint: `lakeml sql-server` on LAKEHOUSE (made by `./lakeml demo --lakehouse DIR`),
# 1,000 point queries by key and full scans over JDBC, and the same point query by `lakeml sql`.
# Not part of the test suite. Usage: spark-jobs/bench/sql-server-benchmark.sh LAKEHOUSE [model] [queries]
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" 1g dev.lakeml.bench.SqlServerBenchmark "$@"

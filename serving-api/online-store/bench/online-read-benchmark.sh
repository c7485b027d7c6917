#!/usr/bin/env bash
# Single-threaded read latency of the RocksDB online store (dev.lakeml.online.bench.OnlineReadBenchmark):
# builds a 3-view snapshot (1M customers x 12 features, 200k products, 1M customer-product pairs)
# through writeSst + commit, then times 200,000 random getAll calls over the 3 views.
# Arguments are passed on, e.g. --customers 2000000 --requests 500000 --block-cache-mb 512.
# Needs the Maven dependencies in ~/.m2 (runs Maven offline).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
module="$repo/serving-api/online-store"
cd "$repo"

mvn -B -q -o -pl serving-api/online-store -am install -DskipTests
classpath_file="$module/target/bench-classpath.txt"
mvn -B -q -o -pl serving-api/online-store dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test

exec java -Xms1g -Xmx1g -XX:+UseParallelGC \
  -cp "$module/target/classes:$module/target/test-classes:$(cat "$classpath_file")" \
  dev.lakeml.online.bench.OnlineReadBenchmark "$@"

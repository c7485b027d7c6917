#!/usr/bin/env bash
# Shared launcher of the benchmark programs (test classes of spark-jobs): builds, then runs
# CLASS with Java 17's flags for Spark. Usage: spark-jobs/bench/bench-java.sh HEAP CLASS [args...]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
heap="$1"; main="$2"; shift 2
mvn -B -q -DskipTests install -pl spark-jobs -am
mvn -B -q -pl spark-jobs dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cp="spark-jobs/target/test-classes:spark-jobs/target/classes:$(cat spark-jobs/target/bench-classpath.txt)"
export SPARK_LOCAL_IP=127.0.0.1
exec java "-Xmx$heap" -XX:+IgnoreUnrecognizedVMOptions \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false \
  -Dlakeml.repo.root="$repo" -cp "$cp" "$main" "$@"

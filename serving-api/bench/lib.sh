# Shared by the serving benchmarks (load-test.sh, tail-latency.sh, soak.sh); sourced, not run.
# Expects: here (the repository), lakehouse (a published lakehouse), at (an instant), java_opts.
# Gives: jar, tool (LoadTestTool), bench_java (ServingBench), work, lake (a scratch copy of the
# snapshot and the serving pointers, republished with manifest digests when older), version,
# keys, read_key, requests under $work/requests, start_server <backend> [java options...] (sets
# server_pid, port, base), stop_server, check_first <requests file>.

# --- the app jar and the helper's test classes -------------------------------------------------
jar="$(ls "$here"/serving-api/target/serving-api-*-app.jar 2>/dev/null | head -n 1 || true)"
tool_class="$here/serving-api/target/test-classes/dev/lakeml/serving/bench/LoadTestTool.class"
if [ -z "$jar" ] || [ ! -f "$tool_class" ] || [ -n "$(find "$here/serving-api/src" "$here/lakehouse-schemas/src/main" "$here/serving-api/online-store/src/main" \
    "$here/serving-api/model-runtime/src/main" \
    "$here/serving-api/pom.xml" -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
  echo "$(basename "$0" .sh): building the serving API..." >&2
  (cd "$here" && mvn -B -q -DskipTests -pl serving-api -am package) >&2
  jar="$(ls "$here"/serving-api/target/serving-api-*-app.jar | head -n 1)"
fi
tool=(java -cp "$here/serving-api/target/test-classes:$jar" dev.lakeml.serving.bench.LoadTestTool)
bench_java=(java ${LAKEML_BENCH_CLIENT_JAVA_OPTS:--Xms768m -Xmx768m -Xmn640m -XX:+UseSerialGC -XX:+AlwaysPreTouch} -cp "$here/serving-api/target/test-classes:$jar" dev.lakeml.serving.bench.ServingBench)

# --- the scratch lakehouse ---------------------------------------------------------------------
work="$(mktemp -d /tmp/lakeml-loadtest.XXXXXX)"
lake="$work/lakehouse"
version="$(awk '{print $1}' "$lakehouse/_online/CURRENT")" # "<version> <manifest sha256>"
vdir="$(printf 'v%06d' "$version")"
mkdir -p "$lake/_online/snapshots" "$lake/ml" "$work/log"
cp -r "$lakehouse/_online/snapshots/$vdir" "$lake/_online/snapshots/"
cp "$lakehouse/_online/CURRENT" "$lake/_online/CURRENT"
cp -r "$lakehouse/ml/serving" "$lake/ml/serving"
if [ -f "$lakehouse/_serving/api-keys" ]; then
  keys="$lakehouse/_serving/api-keys"
else
  keys="$work/api-keys"
  (umask 077 && printf 'bench-reader:%s:read\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$keys")
fi
read_key="$(grep ':read$' "$keys" | head -n 1 | cut -d: -f2)"
[ -n "$read_key" ] || { echo "no read key in $keys" >&2; exit 2; }

server_pid=""
wrk_pids=()
cleanup() {
  for p in "${wrk_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$lake"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A lakehouse published or promoted before pointers held manifest digests is served only once
# republished: the copy is (a new version of the same rows), and the aliases get their digests.
if [ "$(awk '{print NF}' "$lake/_online/CURRENT")" = 1 ]; then
  version="$("${tool[@]}" publish-copy "$lake/_online")"
fi
"${tool[@]}" digest-aliases "$lake"
"${tool[@]}" requests "$lake/_online" "$work/requests" "$at" | sed "s/^/$(basename "$0" .sh): /"

port=""
base=""
start_server() { # backend [extra java options...]
  local backend="$1"
  shift
  local log="$work/server-$backend.log"
  java $java_opts "$@" -jar "$jar" --project "$project" --lakehouse "$lake" --api-keys "$keys" \
    --host 127.0.0.1 --port 0 --poll-interval 1s --log-dir "$work/log" --backend "$backend" > "$log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 240); do
    kill -0 "$server_pid" 2>/dev/null || { echo "the server stopped; see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
    port="$(sed -n 's/.*serving-api listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)"
    if [ -n "$port" ] && curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.25
  done
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "the server is not ready; see $log" >&2; exit 1; }
  base="http://127.0.0.1:$port"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# One request of each file must answer 200 before any load (e.g. the score bodies).
check_first() { # file
  local method path body code
  IFS=$'\t' read -r method path body < "$work/requests/$1"
  if [ "$method" = GET ]; then
    code="$(curl -s -o "$work/check.json" -w '%{http_code}' -H "X-API-Key: $read_key" "$base$path")"
  else
    code="$(curl -s -o "$work/check.json" -w '%{http_code}' -H "X-API-Key: $read_key" \
      -H 'Content-Type: application/json' -X "$method" -d "$body" "$base$path")"
  fi
  if [ "$code" != 200 ]; then
    echo "$(basename "$0" .sh): $method $path answered $code: $(head -c 400 "$work/check.json")" >&2
    exit 1
  fi
}


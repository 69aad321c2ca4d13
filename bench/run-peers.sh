#!/usr/bin/env bash
# Runs the SSE load comparison of docs/BENCHMARKS.md: the same load against the ssekit server
# and its peers (Nchan, better-sse on Node, Spring MVC's SseEmitter), one server at a time on
# this machine, with io.ssekit.bench.load.LoadGenerator.
#
#   bench/run-peers.sh [RUN...]
#
# RUN is one of the names below (default: fanout hold1k hold10k cpu10k hold19500). Settings
# from the environment:
#   SERVERS            servers to run, in order (default "ssekit nchan better-sse spring-sse");
#                      ssekit is the server started by web-app/bin/ssekit-server as README.md
#                      runs it. ssekit-serialgc and ssekit-g1 add -XX:+UseSerialGC or
#                      -XX:+UseG1GC to it. ssekit-2nodes is two ssekit nodes sharing a
#                      redis-server that the script starts on port 6390 (run twonode38k only)
#   REPEAT             runs of each RUN and server (default 1)
#   RESULTS            folder for the JSON results, the table and the versions
#                      (default bench/target/load-results/<date-time>)
#   MAX_LOAD           wait before each run until the 1-minute load average is below this (default 1.5)
#   LOAD_WAIT_SECONDS  wait at most this long for it, then run anyway and record it (default 300)
#   SSEKIT_JAVA_OPTS   JVM options of the ssekit server, passed on to its launcher (default: none)
#   SERVER_CPUS        CPUs the server may run on, as taskset -c takes them, such as 0 (default: any)
#   GENERATOR_CPUS     CPUs the load generator may run on, such as 1 (default: any)
#   SKIP_BUILD=1       use the jars and node_modules already built
#
# Every server listens on 127.0.0.1 only, every load is bounded in streams, events and time,
# and every server is stopped by its PID.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS="$ROOT/bench/peers"
SERVERS=${SERVERS:-"ssekit nchan better-sse spring-sse"}
REPEAT=${REPEAT:-1}
SERVER_CPUS=${SERVER_CPUS:-}
GENERATOR_CPUS=${GENERATOR_CPUS:-}
# Command prefixes that keep the servers and the generator on those CPUs. taskset replaces itself
# with the command, so a server's PID stays the one the script started.
SERVER_ON_CPUS=()
GENERATOR_ON_CPUS=()
if [ -n "$SERVER_CPUS" ]; then
  SERVER_ON_CPUS=(taskset -c "$SERVER_CPUS")
fi
if [ -n "$GENERATOR_CPUS" ]; then
  GENERATOR_ON_CPUS=(taskset -c "$GENERATOR_CPUS")
fi
MAX_LOAD=${MAX_LOAD:-1.5}
LOAD_WAIT_SECONDS=${LOAD_WAIT_SECONDS:-300}
RESULTS=${RESULTS:-"$ROOT/bench/target/load-results/$(date -u +%Y%m%d-%H%M%S)"}
RUNS=("$@")
if [ ${#RUNS[@]} -eq 0 ]; then
  RUNS=(fanout hold1k hold10k cpu10k hold19500)
fi

BASE_PORT=8100
GENERATOR_JAVA_OPTS="-Xmx1g -XX:+UseSerialGC"
SERVER_PID=""
SERVER_PIDS=""
SERVER_PORT=""
# Processes started with the server that stop after it: the second node and its Redis.
EXTRA_PIDS=""
# Folders made for the server (nginx's prefix, Redis's data), removed once it stopped.
TEMP_DIRS=""
STREAM_URLS=""
REDIS_PORT=6390

# Every run first sends 400 events to 500 streams, twice with new streams (the generator's
# default --warmup-rounds=2), so that a JVM server has compiled its delivery paths, including
# the ones new and closing streams take, and touched its young generation before the memory
# baseline is read.
STREAM_WARMUP="--warmup-streams=500 --warmup-events=400 --warmup-rate=200"
# Runs that measure latency or CPU then publish 60,000 events to 10 streams as fast as the
# server responds, so that a JVM server has compiled its publish path (a run's few hundred
# requests would leave it half compiled). The hold runs and twonode38k measure memory and leave
# it out, because the heap it grows would take in the new streams and hide what they cost.
WARMUP="--warmup-publishes=60000 $STREAM_WARMUP"

# Streams, events and rate of each run, plus generator options.
run_arguments() {
  case "$1" in
    smoke)     echo "--streams=200 --events=20 --rate=20 --warmup-streams=20 --warmup-events=20" ;;
    fanout)    echo "--streams=1000 --events=200 --rate=50 $WARMUP" ;;
    hold1k)    echo "--streams=1000 --events=10 --rate=10 $STREAM_WARMUP" ;;
    hold10k)   echo "--streams=10000 --events=10 --rate=10 $STREAM_WARMUP" ;;
    cpu10k)    echo "--streams=10000 --events=50 --rate=10 --drain-seconds=30 $WARMUP" ;;
    hold19500) echo "--streams=19500 --events=10 --rate=10 --streams-per-process=10000 --drain-seconds=30 $STREAM_WARMUP" ;;
    rate[0-9]*) echo "--streams=1000 --events=$(( ${1#rate} * 10 )) --rate=${1#rate} $WARMUP" ;;
    fanout[0-9]*) echo "--streams=${1#fanout} --events=200 --rate=50 $WARMUP" ;;
    twonode38k) echo "--streams=38000 --events=10 --rate=10 --streams-per-process=9500 --drain-seconds=30 $STREAM_WARMUP" ;;
    *)
      echo "unknown run \"$1\" (expected: smoke, fanout, hold1k, hold10k, cpu10k, hold19500, twonode38k, rateN such as rate500, or fanoutN such as fanout100)" >&2
      return 1
      ;;
  esac
}

log() {
  echo "[run-peers] $*" >&2
}

build() {
  if [ "${SKIP_BUILD:-}" = 1 ]; then
    return
  fi
  log "building the ssekit server and the load generator"
  mvn -B -q -pl web-app,bench -am -DskipTests package
  # Only the peers that SERVERS lists, because npm install, for one, needs the npm registry.
  if selected spring-sse; then
    log "building the Spring peer"
    mvn -B -q -f "$PEERS/spring-sse/pom.xml" -DskipTests package
  fi
  if selected better-sse; then
    log "installing the better-sse peer's packages"
    (cd "$PEERS/better-sse" && npm install --no-audit --no-fund --loglevel=error)
  fi
  if selected nchan && { ! command -v nginx >/dev/null || [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; }; then
    log "nginx with Nchan is missing: apt-get install -y nginx libnginx-mod-nchan"
    exit 1
  fi
}

# Returns success if SERVERS lists server $1.
selected() {
  case " $SERVERS " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
  esac
}

record_versions() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "kernel: $(uname -r)"
    echo "java: $(java -version 2>&1 | head -2 | tr '\n' ' ')"
    echo "nginx: $(nginx -v 2>&1)"
    echo "nchan: $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null)"
    echo "node: $(node --version)"
    local better_sse="$PEERS/better-sse/node_modules/better-sse/package.json"
    if [ -f "$better_sse" ]; then
      echo "better-sse: $(node -p "require('$better_sse').version")"
    else
      echo "better-sse: not installed"
    fi
    echo "spring-boot: $(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$PEERS/spring-sse/pom.xml" | head -1)"
    echo "ssekit server JVM options: ${SSEKIT_JAVA_OPTS:-none} (web-app/bin/ssekit-server adds" \
      "-XX:+UseSerialGC on 2 CPUs or fewer unless they choose a collector)"
    echo "generator JVM options: $GENERATOR_JAVA_OPTS"
    echo "server CPUs: ${SERVER_CPUS:-any}, generator CPUs: ${GENERATOR_CPUS:-any}"
    echo "open files limit: $(ulimit -n)"
  } > "$RESULTS/versions.txt"
  cat "$RESULTS/versions.txt" >&2
}

load_average() {
  cut -d' ' -f1 /proc/loadavg
}

wait_for_quiet_machine() {
  local waited=0
  while awk -v current="$(load_average)" -v max="$MAX_LOAD" 'BEGIN { exit !(current >= max) }'; do
    if [ "$waited" -ge "$LOAD_WAIT_SECONDS" ]; then
      log "load average still $(load_average) after ${waited}s; running anyway"
      return
    fi
    sleep 10
    waited=$((waited + 10))
  done
  log "load average $(load_average)"
}

wait_for_port() {
  local port=$1
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "the server exited during start; see its log in $RESULTS"
      return 1
    fi
    sleep 0.5
  done
  log "the server did not listen on port $port within 60 s"
  return 1
}

# Starts one ssekit node on the Redis bus of the two-node run and sets SERVER_PID.
start_ssekit_node() {
  local port=$1 log_file=$2
  HOST=127.0.0.1 PORT=$port MAX_STREAMS=100000 MAX_STREAMS_PER_ADDRESS=100000 LOG_LEVEL=WARN \
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" REDIS_STREAM_KEY="ssekit-bench:$$" \
    "${SERVER_ON_CPUS[@]}" "$ROOT/web-app/bin/ssekit-server" > "$log_file" 2>&1 &
  SERVER_PID=$!
}

start_server() {
  local server=$1 log_file=$2
  case "$server" in
    ssekit|ssekit-serialgc|ssekit-g1)
      SERVER_PORT=$((BASE_PORT + 1))
      local java_opts=${SSEKIT_JAVA_OPTS:-}
      case "$server" in
        ssekit-serialgc) java_opts="$java_opts -XX:+UseSerialGC" ;;
        ssekit-g1) java_opts="$java_opts -XX:+UseG1GC" ;;
      esac
      # The launcher execs the JVM, so its PID is the server's.
      HOST=127.0.0.1 PORT=$SERVER_PORT MAX_STREAMS=100000 MAX_STREAMS_PER_ADDRESS=100000 LOG_LEVEL=WARN \
        SSEKIT_JAVA_OPTS="$java_opts" "${SERVER_ON_CPUS[@]}" "$ROOT/web-app/bin/ssekit-server" > "$log_file" 2>&1 &
      SERVER_PID=$!
      SERVER_PIDS=$SERVER_PID
      ;;
    nchan)
      SERVER_PORT=$((BASE_PORT + 2))
      local prefix
      prefix=$(mktemp -d /tmp/ssekit-nchan.XXXXXX)
      TEMP_DIRS="$TEMP_DIRS $prefix"
      mkdir -p "$prefix/logs" "$prefix/temp"
      # The error log goes next to the run's other logs, because the prefix is removed at stop.
      sed -e "s/@PORT@/$SERVER_PORT/" -e "s#logs/error.log#\"$log_file.error\"#" \
        "$PEERS/nchan/nginx.conf.template" > "$prefix/nginx.conf"
      "${SERVER_ON_CPUS[@]}" nginx -p "$prefix" -e "$log_file.error" -c nginx.conf > "$log_file" 2>&1 &
      SERVER_PID=$!
      ;;
    ssekit-2nodes)
      SERVER_PORT=$((BASE_PORT + 1))
      local second_port=$((BASE_PORT + 5)) redis_dir
      redis_dir=$(mktemp -d /tmp/ssekit-redis.XXXXXX)
      TEMP_DIRS="$TEMP_DIRS $redis_dir"
      redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$redis_dir" --save "" --appendonly no \
        > "$log_file.redis" 2>&1 &
      local redis_pid=$! second_pid
      for _ in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break
        sleep 0.2
      done
      start_ssekit_node "$second_port" "$log_file.$second_port"
      second_pid=$SERVER_PID
      start_ssekit_node "$SERVER_PORT" "$log_file"
      SERVER_PIDS="$SERVER_PID,$second_pid"
      EXTRA_PIDS="$second_pid $redis_pid"
      wait_for_port "$second_port"
      STREAM_URLS="http://127.0.0.1:$SERVER_PORT,http://127.0.0.1:$second_port"
      ;;
    better-sse)
      SERVER_PORT=$((BASE_PORT + 3))
      PORT=$SERVER_PORT "${SERVER_ON_CPUS[@]}" node "$PEERS/better-sse/server.js" > "$log_file" 2>&1 &
      SERVER_PID=$!
      SERVER_PIDS=$SERVER_PID
      ;;
    spring-sse)
      SERVER_PORT=$((BASE_PORT + 4))
      "${SERVER_ON_CPUS[@]}" java -jar "$PEERS/spring-sse/target/spring-sse.jar" --server.port=$SERVER_PORT > "$log_file" 2>&1 &
      SERVER_PID=$!
      SERVER_PIDS=$SERVER_PID
      ;;
    *)
      log "unknown server \"$server\" (expected: ssekit, ssekit-serialgc, ssekit-g1, ssekit-2nodes, nchan, better-sse or spring-sse)"
      exit 1
      ;;
  esac
  wait_for_port "$SERVER_PORT"
  if [ "$server" = nchan ]; then
    # The master forks one worker, which holds the streams; both are measured.
    SERVER_PIDS="$SERVER_PID,$(tr ' ' ',' < "/proc/$SERVER_PID/task/$SERVER_PID/children" | sed 's/,$//')"
  fi
}

stop_server() {
  if [ -z "$SERVER_PID" ]; then
    return
  fi
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server $SERVER_PID did not stop within 30 s; killing it"
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  for pid in $EXTRA_PIDS; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  EXTRA_PIDS=""
  STREAM_URLS=""
  for dir in $TEMP_DIRS; do
    rm -rf "$dir"
  done
  TEMP_DIRS=""
}
trap stop_server EXIT

run_one() {
  local run=$1 server=$2 attempt=$3
  local name="$run-$server-$attempt"
  local arguments kind=$server label=$run
  arguments=$(run_arguments "$run")
  if [ "$server" = ssekit-serialgc ]; then
    kind=ssekit
    label="$run, SerialGC"
  elif [ "$server" = ssekit-g1 ]; then
    kind=ssekit
    label="$run, G1"
  fi
  if [ "$server" = ssekit-2nodes ] || [ "$run" = twonode38k ]; then
    if [ "$server" != ssekit-2nodes ] || [ "$run" != twonode38k ]; then
      log "$name: skipped; run twonode38k goes with server ssekit-2nodes only"
      return
    fi
    kind=ssekit
    label="$run, 2 nodes + Redis"
  fi

  wait_for_quiet_machine
  log "$name: starting $server"
  start_server "$server" "$RESULTS/$name.server.log"
  if [ -n "$STREAM_URLS" ]; then
    arguments="$arguments --stream-urls=$STREAM_URLS"
  fi

  log "$name: $arguments against pids $SERVER_PIDS"
  # shellcheck disable=SC2086 # the generator options are separate words
  if ! "${GENERATOR_ON_CPUS[@]}" java $GENERATOR_JAVA_OPTS -cp "$ROOT/bench/target/benchmarks.jar" io.ssekit.bench.load.LoadGenerator \
      --server="$kind" --url="http://127.0.0.1:$SERVER_PORT" --server-pid="$SERVER_PIDS" \
      --label="$label" $arguments --out="$RESULTS/$name.json" 2> "$RESULTS/$name.generator.log"; then
    log "$name: the generator failed; see $RESULTS/$name.generator.log"
  fi
  stop_server
}

main() {
  for run in "${RUNS[@]}"; do
    run_arguments "$run" > /dev/null
  done
  mkdir -p "$RESULTS"
  ulimit -n 20000
  build
  record_versions
  for run in "${RUNS[@]}"; do
    for attempt in $(seq 1 "$REPEAT"); do
      for server in $SERVERS; do
        run_one "$run" "$server" "$attempt"
      done
    done
  done
  java -cp "$ROOT/bench/target/benchmarks.jar" io.ssekit.bench.load.LoadReport "$RESULTS" > "$RESULTS/table.md"
  cat "$RESULTS/table.md"
  log "results in $RESULTS"
}

main

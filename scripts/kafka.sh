#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1:9092
# for the Kafka tests, the benchmarks and the demo. No Docker: the broker's jars come from Maven
# with `mvn dependency:copy-dependencies` (mvn's default repository, cached in ~/.m2) and run on
# the machine's Java 17.
#
#   scripts/kafka.sh start    fetch jars if needed, format storage once, start, wait until ready
#   scripts/kafka.sh stop     controlled shutdown; the data dir is kept, so start resumes it
#   scripts/kafka.sh stop --purge   stop and delete the data dir (what CI does at the end)
#   scripts/kafka.sh status   exit 0 when the broker answers, 3 when it does not
#
# SLUICE_KAFKA_VERSION picks the broker (default 4.1.1; 3.9.x uses the reload4j profile).
# State (jars per version, pid, the path of the temp data dir) lives in .kafka/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=${SLUICE_KAFKA_VERSION:-4.1.1}
STATE=$ROOT/.kafka
LIBS=$STATE/libs-$VERSION
PIDFILE=$STATE/broker.pid
DATAFILE=$STATE/data-dir
HOST=127.0.0.1
PORT=9092
READY_TIMEOUT_SEC=${SLUICE_KAFKA_READY_TIMEOUT_SEC:-120}

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

pid_alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# Ready means the broker answers a metadata request, not merely that the port is open: the
# socket opens before the controller has elected itself and clients would still fail.
broker_ready() {
  if command -v kcat >/dev/null 2>&1; then
    kcat -L -b "$HOST:$PORT" -m 2 >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
  fi
}

fetch_jars() {
  if [ -f "$LIBS/.complete" ]; then return; fi
  command -v mvn >/dev/null || die "mvn not found: install maven (scripts/setup.sh does)"
  local profile=kafka4
  case "$VERSION" in 3.*) profile=kafka3 ;; esac
  say "fetching Apache Kafka $VERSION jars with mvn (cached in ~/.m2)"
  rm -rf "$LIBS"; mkdir -p "$LIBS"
  mvn -q -B -f scripts/kafka/pom.xml -P"$profile" -Dkafka.version="$VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" \
    || die "mvn could not fetch org.apache.kafka:kafka_2.13:$VERSION"
  touch "$LIBS/.complete"
  say "$(ls "$LIBS"/*.jar | wc -l) jars in $LIBS"
}

data_dir() {
  if [ -f "$DATAFILE" ] && [ -d "$(cat "$DATAFILE")" ]; then cat "$DATAFILE"; return; fi
  local d; d=$(mktemp -d "${TMPDIR:-/tmp}/sluice-kafka.XXXXXX")
  echo "$d" > "$DATAFILE"; echo "$d"
}

java_opts() {
  local log
  case "$VERSION" in
    3.*) log="-Dlog4j.configuration=file:$ROOT/scripts/kafka/log4j.properties" ;;
    *) log="-Dlog4j2.configurationFile=$ROOT/scripts/kafka/log4j2.properties" ;;
  esac
  echo "-Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -Dkafka.logs.dir=$1 $log"
}

start() {
  if pid_alive && broker_ready; then say "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"; return; fi
  if pid_alive; then die "pid $(cat "$PIDFILE") is alive but the broker does not answer: run '$0 stop' first"; fi
  if broker_ready; then die "something else already answers on $HOST:$PORT"; fi
  command -v java >/dev/null || die "java not found: install openjdk-17-jre-headless"
  mkdir -p "$STATE"
  fetch_jars
  local data; data=$(data_dir)
  sed "s#__DATA__#$data#" scripts/kafka/server.properties > "$data/server.properties"
  # shellcheck disable=SC2046
  if [ ! -f "$data/kraft/meta.properties" ]; then
    say "formatting KRaft storage in $data"
    local cid
    cid=$(java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    java $(java_opts "$data") -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cid" \
      -c "$data/server.properties" --ignore-formatted > "$data/format.log" 2>&1 \
      || { cat "$data/format.log" >&2; die "storage format failed"; }
  fi
  # Partitions of deleted topics that a stopped broker had not removed yet: a resumed broker loads
  # them again and does not delete them, so every benchmark run that stopped its broker soon after
  # deleting its topics left gigabytes behind. They are deleted topics' data and nothing else.
  rm -rf "$data"/kraft/*-delete
  say "starting Kafka $VERSION on $HOST:$PORT (data $data, log $data/broker.log)"
  # setsid: the broker outlives this script and is not killed by the caller's Ctrl-C or job control.
  # shellcheck disable=SC2046
  setsid java $(java_opts "$data") -cp "$LIBS/*" kafka.Kafka "$data/server.properties" \
    >> "$data/broker.log" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  local waited=0
  until broker_ready; do
    if ! pid_alive; then tail -n 30 "$data/broker.log" >&2; rm -f "$PIDFILE"; die "the broker exited during startup"; fi
    if [ "$waited" -ge "$READY_TIMEOUT_SEC" ]; then tail -n 30 "$data/broker.log" >&2; die "not ready after ${READY_TIMEOUT_SEC}s"; fi
    sleep 1; waited=$((waited + 1))
    if [ $((waited % 10)) = 0 ]; then say "waiting for the broker (${waited}s)"; fi
  done
  say "ready after ${waited}s (pid $(cat "$PIDFILE"))"
}

stop() {
  if pid_alive; then
    local pid; pid=$(cat "$PIDFILE")
    say "stopping pid $pid"
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$waited" -ge 60 ]; then say "no controlled shutdown after 30s: killing"; kill -KILL "$pid" 2>/dev/null || true; fi
      sleep 0.5; waited=$((waited + 1))
    done
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$PIDFILE"
  if [ "${1:-}" = --purge ] && [ -f "$DATAFILE" ]; then
    say "deleting data dir $(cat "$DATAFILE")"
    rm -rf "$(cat "$DATAFILE")"; rm -f "$DATAFILE"
  fi
}

status() {
  if pid_alive && broker_ready; then say "running (pid $(cat "$PIDFILE"), Kafka $VERSION, $HOST:$PORT, data $(cat "$DATAFILE"))"; return 0; fi
  if pid_alive; then say "starting or stuck (pid $(cat "$PIDFILE")), not answering on $HOST:$PORT"; return 3; fi
  say "stopped"; return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  status) status ;;
  *) echo "usage: $0 start|stop [--purge]|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Builds Pipelane and the benchmark harness, installs nginx if it is missing, and runs every benchmark:
# the side-by-side table (bench/results/results.md, results.csv), the chart (bench/results/chart.png) and the
# scale runs (Java 17, and Java 21+ when a JDK is found). Arguments are passed to the harness
# (e.g. --quick, --rounds 7, --only "nginx /13b 16").
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx (Debian package nginx-light)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nginx-light || \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nginx
fi

# 10,000 connections need file descriptors on both sides (nginx inherits this limit too)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

mvn -B -ntp -q -Pbench -pl bench/harness -am package -DskipTests

JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"
SCALE_ARGS=()
# The scale run on the JDK that runs the harness (Java 17: 1,000 connections) and on a Java 21+ JDK if one is
# installed (10,000 connections on virtual threads); BENCH_SCALE_JDKS overrides the list (space-separated homes).
if [ -n "${BENCH_SCALE_JDKS:-}" ]; then
  for j in $BENCH_SCALE_JDKS; do SCALE_ARGS+=(--scale-java "$j"); done
else
  SCALE_ARGS+=(--scale-java "$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')")
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 \
           /usr/lib/jvm/java-21-openjdk-amd64; do
    if [ -x "$j/bin/java" ]; then SCALE_ARGS+=(--scale-java "$j"); break; fi
  done
fi

exec "$JAVA_BIN" -Xms1g -Xmx1g -cp "bench/harness/target/classes:bench/harness/target/lib/*" \
  io.pipelane.bench.Harness --out bench/results "${SCALE_ARGS[@]}" "$@"

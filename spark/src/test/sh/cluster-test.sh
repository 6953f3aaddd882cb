#!/usr/bin/env bash
# make test-cluster: a standalone Spark cluster on 127.0.0.1 (a Master and two Workers, each its own JVM started with
# plain `java -cp`, as on real machines) runs a study of the demo models while one worker's executor is killed with
# SIGKILL in the middle of extraction; Spark reruns its tasks elsewhere, and every output must equal a single-machine
# study's: activations and k-NN tables byte for byte, every similarity.npy, and study.json's numbers.
# Each step prints its time. KEEP=1 keeps the work folder (logs, both studies).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$root"
N=${N:-24}
MAX_TOKENS=${MAX_TOKENS:-32}
models=()
for model in models/smollm2-135m-instruct-q4_1.gguf models/gemma3-270m-q4_k_m.gguf \
    models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf; do
  models+=(--model "$root/$model") # absolute in both studies, as the cluster's get them, so study.json compares
done
[[ -x bin/strata && -f spark/target/strata-spark-0.1.0.jar ]] || { echo "cluster-test: run make spark first" >&2; exit 1; }
java=${JAVA_HOME:-$(cli/src/main/sh/find-jdk.sh)}/bin/java
export SPARK_HOME=$root/spark/target/spark-home SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-cluster.XXXXXX")
daemons=()
stop_cluster() {
  # Workers first, and their executors (children of the Worker JVMs) by id, then the Master.
  local pid child
  if [[ -n "${study:-}" ]]; then kill "$study" 2>/dev/null || true; fi
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    pid=${daemons[i]}
    for child in $(pgrep -P "$pid" || true); do kill -9 "$child" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -n "${KEEP:-}" ]]; then echo "cluster-test: kept $work"; else rm -rf "$work"; fi
}
trap stop_cluster EXIT

started=$SECONDS
step() {
  echo "cluster-test: $1 ($((SECONDS - started)) s)"
  started=$SECONDS
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Waits up to $3 seconds for $2 to appear in the log $1 (the daemon's readiness line).
await() {
  for ((waited = 0; waited < $3; waited++)); do
    grep -q "$2" "$1" && return 0
    sleep 1
  done
  echo "cluster-test: no '$2' in $1 after $3 s:" >&2
  tail -20 "$1" >&2
  exit 1
}
daemon() {
  local log=$1
  shift
  "$java" "@spark/src/main/sh/java-options" -Xmx256m -cp "$SPARK_HOME/jars/*" "$@" >"$log" 2>&1 &
  daemons+=($!)
}

port=$(free_port)
master=spark://127.0.0.1:$port
daemon "$work/master.log" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
  --webui-port "$(free_port)"
await "$work/master.log" "I have been elected leader" 60
step "master up at $master"
for w in 1 2; do
  daemon "$work/worker$w.log" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 1500m \
    --work-dir "$work/worker$w" --webui-port "$(free_port)" "$master"
done
worker1=${daemons[1]}
await "$work/worker1.log" "Successfully registered with master" 60
await "$work/worker2.log" "Successfully registered with master" 60
step "two workers registered"

bin/strata study "${models[@]}" --corpus default --n "$N" --max-tokens "$MAX_TOKENS" --out "$work/local" \
  >"$work/local.log" 2>&1 || { cat "$work/local.log" >&2; exit 1; }
step "single-machine study (n = $N, $MAX_TOKENS tokens)"

bin/strata study "${models[@]}" --corpus default --n "$N" --max-tokens "$MAX_TOKENS" --out "$work/cluster" \
  --spark "$master" >"$work/cluster.log" 2>&1 &
study=$!
# llama.cpp is loaded by extraction tasks only: once worker 1's executor has it mapped, it is extracting.
victim=
for ((waited = 0; waited < 1200; waited++)); do
  for pid in $(pgrep -P "$worker1" || true); do
    if grep -q libllama "/proc/$pid/maps" 2>/dev/null; then victim=$pid; fi
  done
  [[ -z "$victim" ]] || break
  kill -0 "$study" 2>/dev/null || break
  sleep 0.5
done
if [[ -z "$victim" ]]; then
  wait "$study" || true
  cat "$work/cluster.log" >&2
  echo "cluster-test: worker 1's executor never started an extraction" >&2
  exit 1
fi
sleep 1
kill -9 "$victim"
step "killed executor $victim of worker 1 (SIGKILL) while it was extracting"
if ! wait "$study"; then
  cat "$work/cluster.log" >&2
  echo "cluster-test: the study on the cluster failed" >&2
  exit 1
fi
grep -q "ExecutorLostFailure" "$work/cluster.log" || {
  cat "$work/cluster.log" >&2
  echo "cluster-test: Spark lost no task with the killed executor, so nothing was rerun" >&2
  exit 1
}
step "study on the cluster, a lost task rerun"

identical=$(spark/src/test/sh/same-study.sh "$work/local" "$work/cluster") || exit 1
step "$identical"

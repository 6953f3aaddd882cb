#!/usr/bin/env bash
# What running a study through Spark costs on one machine: the same study (the demo models, same prompts and options)
# as one process, through Spark in this JVM (local[2]) and through local-cluster[2,1,MEM] (a Master and two Workers in
# the driver, each Worker's executor a JVM of its own, as on a cluster), in interleaved rounds (the order rotates, so a
# machine that speeds up or slows down favours none). Reports per mode the median wall time of the whole command and
# its ratio to one process, plus the stage seconds study.json records; appends the table to benchmarks/RESULTS.md.
#   benchmarks/spark_overhead.sh [--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]
# Environment: N (first N passages of CORPUS, default 256), MAX_TOKENS (default 128), ROUNDS (default 3).
# Needs `make spark`. --smoke: 12 prompts, 16 tokens, 1 round, first model only, no RESULTS.md.
set -euo pipefail
source "$(dirname "$0")/common.sh" "$@"
for i in "${!models[@]}"; do models[i]=$(realpath "${models[i]}"); done
n=${N:-256}; max_tokens=${MAX_TOKENS:-128}; rounds=${ROUNDS:-3}
if [ $smoke = 1 ]; then n=12; max_tokens=16; rounds=1; models=("${models[0]}"); fi
[[ -x bin/strata && -f spark/target/strata-spark-0.1.0.jar ]] || { echo "spark_overhead: run make spark first" >&2; exit 1; }
export SPARK_LOCAL_IP=127.0.0.1
work_on_first_prompts "$n"
model_args=()
for model in "${models[@]}"; do model_args+=(--model "$model"); done
modes=(single "local[2]" "local-cluster[2,1,1500]")
timings="$work/timings.tsv"
: > "$timings"
for ((round = 1; round <= rounds; round++)); do
  for ((i = 0; i < ${#modes[@]}; i++)); do
    mode=${modes[(i + round) % ${#modes[@]}]}
    out="$work/run-$round"
    spark=(); [ "$mode" = single ] || spark=(--spark "$mode")
    start=$(date +%s.%N)
    bin/strata study --quiet "${model_args[@]}" --corpus "$corpus" --max-tokens "$max_tokens" --out "$out" \
      --null-permutations 0 "${spark[@]}" 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    end=$(date +%s.%N)
    printf '%s\t%s\t%s\n' "$mode" "$(echo "$end - $start" | bc)" "$out/study.json" >> "$timings"
    python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["seconds"]))' "$out/study.json" \
      > "$work/seconds-$mode-$round.json"
    rm -rf "$out"
  done
done
report="$work/report.md"
{
  echo
  echo "## Spark's overhead on one machine: one process vs local[2] vs local-cluster with two workers ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM;" \
       "strata 0.1.0 ($(git rev-parse --short HEAD)), Spark 4.2.0. Study of ${#models[@]} models, $n prompts," \
       "--max-tokens $max_tokens, no calibration; median of $rounds interleaved rounds of the whole \`strata study\` command."
  echo
  echo "| mode | wall s | vs one process |"
  echo "|---|---:|---:|"
  python3 - "$timings" <<'PY'
import statistics, sys
walls = {}
for line in open(sys.argv[1]):
    mode, wall, _ = line.rstrip("\n").split("\t")
    walls.setdefault(mode, []).append(float(wall))
base = statistics.median(walls["single"])
for mode, values in sorted(walls.items(), key=lambda item: (item[0] != "single", item[0])):
    wall = statistics.median(values)
    print(f"| {mode} | {wall:.1f} | {wall / base:.2f}x |")
PY
  echo
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$report"
cat "$report"
[ $smoke = 1 ] || cat "$report" >> benchmarks/RESULTS.md

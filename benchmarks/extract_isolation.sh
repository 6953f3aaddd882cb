#!/usr/bin/env bash
# The safety net's cost: `strata extract` with llama.cpp in its supervised worker process (the default) against
# `--in-process`, same model, prompts and options, in interleaved rounds (the order alternates every round, so a
# machine that speeds up or slows down favours neither). Reports, per mode, the median over rounds of the whole
# command's wall time and tokens/s (the worker's second JVM start and the corpus sent to it included) and of the
# extraction loop's own tokens/s (manifest.json), with the range over rounds (on a shared 2-core VM rounds spread by
# tens of percent: a median difference smaller than the ranges is noise); appends the table to benchmarks/RESULTS.md.
#   benchmarks/extract_isolation.sh [--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]
# Environment: N (first N passages of CORPUS, default 256), MAX_TOKENS (default 128), ROUNDS (default 5),
# STRATA_SKIP_BUILD=1 (use the built bin/strata). --smoke: 8 prompts, 32 tokens, 1 round, first model only, no
# RESULTS.md.
set -euo pipefail
source "$(dirname "$0")/common.sh" "$@"
n=${N:-256}; max_tokens=${MAX_TOKENS:-128}; rounds=${ROUNDS:-5}
if [ $smoke = 1 ]; then n=8; max_tokens=32; rounds=1; models=("${models[0]}"); fi
[ -n "${STRATA_SKIP_BUILD:-}" ] || make -s build >/dev/null
work_on_first_prompts "$n"
report="$work/report.md"
{
  echo
  echo "## Safety net: extraction in the worker process vs --in-process ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM;" \
       "strata 0.1.0 ($(git rev-parse --short HEAD)). Corpus: $n prompts, --max-tokens $max_tokens, default batching;" \
       "median of $rounds interleaved rounds. Wall: the whole \`strata extract\` command; loop: the extraction loop alone."
  echo
  echo "| model | mode | wall s | wall s, min-max | tokens/s (wall) | tokens/s (loop) | loop, min-max | wall vs in-process |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
} > "$report"
for model in "${models[@]}"; do
  timings="$work/timings.tsv"
  : > "$timings"
  for ((round = 1; round <= rounds; round++)); do
    modes=(worker in-process)
    [ $((round % 2)) = 0 ] && modes=(in-process worker)
    for mode in "${modes[@]}"; do
      out="$work/run-$mode-$round"
      flag=(); [ "$mode" = in-process ] && flag=(--in-process)
      start=$(date +%s.%N)
      bin/strata extract --quiet --model "$model" --corpus "$corpus" --out "$out" --max-tokens "$max_tokens" "${flag[@]}"
      end=$(date +%s.%N)
      run=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["run"]; print(r["tokens_this_run"], r["tokens_per_second"], sep="\t")' "$out/manifest.json")
      printf '%s\t%s\t%s\n' "$mode" "$(echo "$end - $start" | bc)" "$run" >> "$timings"
      rm -rf "$out"
    done
  done
  python3 - "$timings" "$(basename "$model")" >> "$report" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
stats = {}
for mode, wall, tokens, per_loop in rows:
    stats.setdefault(mode, []).append((float(wall), int(tokens), float(per_loop)))
median = {m: (statistics.median(w for w, _, _ in v), statistics.median(t / w for w, t, _ in v),
              statistics.median(l for _, _, l in v)) for m, v in stats.items()}
base = median["in-process"][0]
for mode in ("in-process", "worker"):
    wall, per_wall, per_loop = median[mode]
    walls = [w for w, _, _ in stats[mode]]
    loops = [l for _, _, l in stats[mode]]
    print(f"| {sys.argv[2]} | {mode} | {wall:.2f} | {min(walls):.2f}-{max(walls):.2f} | {per_wall:.1f} | {per_loop:.1f} |"
          f" {min(loops):.1f}-{max(loops):.1f} | {100 * (wall - base) / base:+.1f} % |")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$report"
cat "$report"
[ $smoke = 1 ] || cat "$report" >> benchmarks/RESULTS.md

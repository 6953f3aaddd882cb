#!/usr/bin/env bash
# An outside yardstick for extraction (issue 16): prompt processing in llama.cpp's own llama-bench against the
# extraction loop of `strata extract --pooling last` and `--pooling both` (last and mean), same model, threads and
# batch size, in interleaved rounds (the order turns every round). Reports tokens/s per mode (median and min-max over
# every round) and each strata mode as a share of llama-bench's rate; appends the table to benchmarks/RESULTS.md.
#   benchmarks/extract_vs_llama_bench.sh [--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]
# llama-bench is built by native/build-llama-bench.sh against the libraries strata loads and run from their folder, so
# both run the same libllama and the same ggml CPU variant.
# Batch shape: strata packs whole prompts, each its own sequence, into batches of at most BATCH_TOKENS tokens (and 16
# prompts), each decoded as one ubatch in a KV cache of BATCH_TOKENS cells. llama-bench's pp test decodes one sequence
# of -p tokens, so it runs with -p = -b = -ub = BATCH_TOKENS: the same ubatch, cache size and matrix shapes. Strata's
# batches hold fewer tokens when the next prompt does not fit; the report gives their mean fill.
# Strata's rate is its extraction loop's (manifest.json: decoding, pooling, writing the store), without the JVM start
# and the model load, which llama-bench does not time either.
# Environment: N (first N passages of CORPUS, default 64), MAX_TOKENS (default 128), BATCH_TOKENS (default 512,
# strata's default), ROUNDS (default 3), REPS (llama-bench repetitions per round, default 2), STRATA_SKIP_BUILD=1 (use
# the built bin/strata), STRATA_LLAMA_BENCH_DIR (as for native/build-llama-bench.sh). --smoke: 8 prompts of 32 tokens, batches of 64, 1 round, first model only, no RESULTS.md; when
# llama-bench was never built (make bench-extract builds it) the smoke run measures the strata side alone.
set -euo pipefail
source "$(dirname "$0")/common.sh" "$@"
n=${N:-64}; max_tokens=${MAX_TOKENS:-128}; batch_tokens=${BATCH_TOKENS:-512}; rounds=${ROUNDS:-3}; reps=${REPS:-2}
if [ $smoke = 1 ]; then n=8; max_tokens=32; batch_tokens=64; rounds=1; reps=1; models=("${models[0]}"); fi
threads=$(nproc)
[ -n "${STRATA_SKIP_BUILD:-}" ] || make -s build >/dev/null
libs="$root/build/native/cpu/lib"
bench="${STRATA_LLAMA_BENCH_DIR:-$root/build/native/llama-bench}/bin/llama-bench"
[ $smoke = 1 ] || native/build-llama-bench.sh
have_bench=1
if [ ! -x "$bench" ]; then
  have_bench=0
  echo "extract_vs_llama_bench: no llama-bench built ($bench; make bench-extract builds it): strata side only" >&2
fi
work_on_first_prompts "$n"
report="$work/report.md"
{
  echo
  echo "## Extraction vs llama.cpp's llama-bench ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $threads cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM;" \
       "strata 0.1.0 ($(git rev-parse --short HEAD)), $(bin/strata info --system 2>/dev/null | grep -i -m1 'variant' | tr -s '[:space:]' ' ' | sed 's/^ //; s/ $//')."
  echo "Corpus: $n prompts, --max-tokens $max_tokens, --batch-tokens $batch_tokens, --threads $threads; llama-bench" \
       "-p $batch_tokens -n 0 -b $batch_tokens -ub $batch_tokens -t $threads (one sequence of $batch_tokens tokens, only its" \
       "last token an output), $reps repetitions per round; $rounds interleaved rounds. strata: tokens/s of the" \
       "extraction loop (manifest.json). Goals (issue 16): --pooling last >= 95 %, both >= 90 % of llama-bench."
  echo
  echo "| model | mode | tokens/s (median) | min-max | vs llama-bench | strata batches: count, mean tokens |"
  echo "|---|---|---:|---:|---:|---:|"
} > "$report"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$work/notes"
for model in "${models[@]}"; do
  model_path=$(realpath "$model")
  timings="$work/timings.tsv"
  : > "$timings"
  for ((round = 1; round <= rounds; round++)); do
    modes=(llama-bench last both)
    [ $((round % 2)) = 0 ] && modes=(both last llama-bench)
    for mode in "${modes[@]}"; do
      if [ "$mode" = llama-bench ]; then
        [ $have_bench = 1 ] || continue
        # ggml looks for its CPU variants in the working folder: the one strata loads them from.
        (cd "$libs" && "$bench" -m "$model_path" -t "$threads" -p "$batch_tokens" -n 0 -b "$batch_tokens" \
          -ub "$batch_tokens" -r "$reps" -o json) > "$work/bench.json" 2> "$work/bench.err" \
          || { cat "$work/bench.err" >&2; exit 1; }
        grep -m1 -o 'loaded CPU backend from .*' "$work/bench.err" | sed 's/^/llama-bench: /' >> "$work/variants" || true
        python3 -c 'import json, sys
for sample in json.load(open(sys.argv[1]))[0]["samples_ts"]: print("llama-bench", sample, sep="\t")' \
          "$work/bench.json" >> "$timings"
      else
        out="$work/run-$mode-$round"
        bin/strata extract --quiet --model "$model" --corpus "$corpus" --out "$out" --max-tokens "$max_tokens" \
          --batch-tokens "$batch_tokens" --threads "$threads" --pooling "$mode"
        python3 -c 'import json, sys; print(sys.argv[2], json.load(open(sys.argv[1]))["run"]["tokens_per_second"], sep="\t")' \
          "$out/manifest.json" "$mode" >> "$timings"
        cp "$out/prompts.jsonl" "$work/prompts.jsonl"
        rm -rf "$out"
      fi
    done
  done
  python3 - "$timings" "$(basename "$model")" "$work/prompts.jsonl" "$batch_tokens" >> "$report" <<'PY'
import json, statistics, sys
timings, model, prompts, batch_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rates = {}
for line in open(timings):
    mode, rate = line.split("\t")
    rates.setdefault(mode, []).append(float(rate))
# Strata's batches, packed as its PromptPacker does: whole prompts in order, at most 16 and batch_tokens tokens.
batches, used, count = [], 0, 0
for line in open(prompts):
    tokens = json.loads(line)["tokens"]
    if count == 16 or used + tokens > batch_tokens:
        batches.append(used)
        used, count = 0, 0
    used += tokens
    count += 1
batches.append(used)
shape = f"{len(batches)}, {statistics.mean(batches):.0f}"
base = statistics.median(rates["llama-bench"]) if "llama-bench" in rates else None
for mode in ("llama-bench", "last", "both"):
    if mode not in rates:
        continue
    median = statistics.median(rates[mode])
    share = f"{100 * median / base:.1f} %" if base else "n/a"
    print(f"| {model} | {mode} | {median:.1f} | {min(rates[mode]):.1f}-{max(rates[mode]):.1f} | {share} |"
          f" {shape if mode != 'llama-bench' else ''} |")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/notes"
[ ! -f "$work/variants" ] || sort -u "$work/variants" >> "$work/notes"
{ echo; cat "$work/notes"; } >> "$report"
cat "$report"
[ $smoke = 1 ] || cat "$report" >> benchmarks/RESULTS.md

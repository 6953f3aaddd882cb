#!/usr/bin/env bash
# How much of mean pooling is the first token: for each model, the median cosine between the first token's vector
# and the mean (the paper's pooling), and between it and mean-skip-first, over the first N prompts of CORPUS cut to
# MAX_TOKENS; one table row per model (PoolingCosines.java), appended to benchmarks/RESULTS.md.
#   benchmarks/pooling_first_token.sh [--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]
# Environment: N (default 64), MAX_TOKENS (default 128), STRATA_SKIP_BUILD=1 (use the built jars and bin/strata).
# --smoke: 8 prompts, 32 tokens, first model only, no RESULTS.md.
set -euo pipefail
source "$(dirname "$0")/common.sh" "$@"
n=${N:-64}; max_tokens=${MAX_TOKENS:-128}
if [ $smoke = 1 ]; then n=8; max_tokens=32; models=("${models[0]}"); fi
benchmark_jars
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report="$work/report.md"
{
  echo
  echo "## Mean pooling and the first token, n=$n, max-tokens $max_tokens ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores; strata 0.1.0 ($(git rev-parse --short HEAD));" \
       "corpus: the first $n prompts of $(basename "$corpus"). One run."
  echo
  echo "Per block output (layers.1 .. layers.L): the median over prompts of the cosine between the first token's vector"
  echo "(the prompt cut to one token, last-token pooling) and the pooled vector; shown: the median over blocks (min .. max)."
  echo
  echo "| model | left out by mean-skip-first | cos(first token, mean) | cos(first token, mean-skip-first) |"
  echo "|---|---|---:|---:|"
} > "$report"
for model in "${models[@]}"; do
  name=$(basename "$model" .gguf)
  bin/strata extract --quiet --model "$model" --corpus "$corpus" --n "$n" --max-tokens "$max_tokens" \
    --pooling mean,mean-skip-first --out "$work/all"
  bin/strata extract --quiet --model "$model" --corpus "$corpus" --n "$n" --max-tokens 1 --pooling last --out "$work/first"
  "$java_home/bin/java" -cp "$cp" dev.strata.bench.PoolingCosines "$name" "$work/all" "$work/first" >> "$report"
  rm -rf "$work/all" "$work/first"
done
cat "$report"
[ $smoke = 1 ] || cat "$report" >> benchmarks/RESULTS.md

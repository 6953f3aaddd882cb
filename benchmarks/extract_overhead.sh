#!/usr/bin/env bash
# Capture overhead of `strata extract` against plain llama.cpp decode loops (same model, prompts, batches,
# threads; modes explained in ExtractionOverhead.java), then the peak RSS of whole `strata extract` runs storing
# both poolings and the last token only, for each model given; appends the tables to benchmarks/RESULTS.md.
#   benchmarks/extract_overhead.sh [--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]
# Environment: MAX_TOKENS (default 512), REPEATS (median of, default 3), N (first N passages of CORPUS, default
# all), STRATA_SKIP_BUILD=1 (use the built jars and bin/strata). --smoke: 8 prompts, 32 tokens, 1 repeat, first
# model only, no RESULTS.md.
set -euo pipefail
source "$(dirname "$0")/common.sh" "$@"
max_tokens=${MAX_TOKENS:-512}; repeats=${REPEATS:-3}; n=${N:-}
if [ $smoke = 1 ]; then max_tokens=32; repeats=1; n=8; models=("${models[0]}"); fi
benchmark_jars
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$n" ]; then head -n "$n" "$corpus" > "$work/corpus.jsonl"; corpus="$work/corpus.jsonl"; fi
report="$work/report.md"
{
  echo
  echo "## Capture overhead vs plain llama.cpp decode ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM;" \
       "strata 0.1.0 ($(git rev-parse --short HEAD)); $("$java_home/bin/java" -version 2>&1 | head -1)"
  echo "Corpus: $(wc -l < "$corpus") prompts, --max-tokens $max_tokens, modes: --parallel 16 --batch-tokens 1024," \
       "strata extract runs: default batching; $(nproc) threads;" \
       "median of $repeats interleaved rounds per mode."
} > "$report"
for model in "${models[@]}"; do
  {
    echo
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo '```'
    "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Dstrata.native.dir="$root/build/native/cpu/lib" \
      -cp "$cp" dev.strata.bench.ExtractionOverhead "$model" "$corpus" "$(nproc)" 16 1024 "$max_tokens" "$repeats"
    for pooling in both last; do
      /usr/bin/time -f "strata extract --pooling $pooling: peak RSS %M KiB, %e s wall" bin/strata extract --quiet \
        --model "$model" --corpus "$corpus" --out "$work/run-$pooling" --max-tokens "$max_tokens" --pooling $pooling 2>&1
    done
    echo "model file $(du -h "$model" | cut -f1), activations $(du -sh "$work/run-both" | cut -f1)"
    echo '```'
  } >> "$report"
  rm -rf "$work"/run-*
done
cat "$report"
[ $smoke = 1 ] || cat "$report" >> benchmarks/RESULTS.md

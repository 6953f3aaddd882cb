#!/usr/bin/env bash
# Capture overhead of `strata extract` against plain llama.cpp decode loops (same model, prompts, batches,
# threads), then the peak RSS of a whole `strata extract` run, for each model given.
#   benchmarks/extract_overhead.sh CORPUS MODEL.gguf [MODEL.gguf ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
corpus=$1; shift
make -s build >/dev/null
java_home=$(cli/src/main/sh/find-jdk.sh)
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
JAVA_HOME=$java_home mvn -B -q -pl benchmarks -am package -DskipTests
cp="$root/benchmarks/target/strata-benchmarks-0.1.0.jar:$root/benchmarks/target/lib/*"
for model in "$@"; do
  "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Dstrata.native.dir="$root/build/native/cpu/lib" \
    -cp "$cp" dev.strata.bench.ExtractionOverhead "$model" "$corpus" "$(nproc)"
  out=$(mktemp -d)
  /usr/bin/time -f "strata extract: peak RSS %M KiB, %e s wall" bin/strata extract --quiet --model "$model" \
    --corpus "$corpus" --out "$out/run"
  echo "model file $(du -h "$model" | cut -f1), activations $(du -sh "$out/run" | cut -f1)"
  rm -rf "$out"
done

#!/usr/bin/env bash
# strata extract vs Hugging Face transformers on the same GGUF files (extract_vs_hf.py).
#   benchmarks/extract_vs_hf.sh [--smoke] [extract_vs_hf.py options]; models default to the three in models/.
# The full run needs torch + transformers in build/bench-hf-venv (created here; 5.7 GB, because PyPI's
# torch wheel links the CUDA runtime libraries even for CPU use: `pip install torch --no-deps` fails to import
# with "libcublasLt.so not found"). --smoke only needs numpy (build/bench-venv) and skips the HF side
# (BENCH_HF_SMOKE=1: run it too, with build/bench-hf-venv). STRATA_SKIP_BUILD=1 uses the existing bin/strata.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -n "${STRATA_SKIP_BUILD:-}" ] || make -s build >/dev/null
smoke=0
for arg in "$@"; do [ "$arg" = --smoke ] && smoke=1; done
hf="$root/build/bench-hf-venv"
if [ $smoke = 0 ] || [ -n "${BENCH_HF_SMOKE:-}" ] && [ -x "$hf/bin/python" ] && \
        "$hf/bin/python" -c 'import torch, transformers' 2>/dev/null; then
    py="$hf/bin/python"
elif [ $smoke = 1 ]; then
    venv="$root/build/bench-venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c 'import numpy' 2>/dev/null || "$venv/bin/pip" install -q numpy
    py="$venv/bin/python"
else
    python3 -m venv "$hf"
    "$hf/bin/pip" install -q torch transformers gguf numpy sentencepiece safetensors tokenizers protobuf accelerate
    py="$hf/bin/python"
fi
models=()
have_model=0
for arg in "$@"; do [ "$arg" = --model ] && have_model=1; done
if [ $have_model = 0 ]; then
    for m in smollm2-135m-instruct-q4_1 qwen2.5-coder-0.5b-instruct-q4_k_m gemma3-270m-q4_k_m; do
        [ -f "models/$m.gguf" ] && models+=(--model "models/$m.gguf")
    done
fi
: "${JAVA_HOME:=$(cli/src/main/sh/find-jdk.sh)}"
export JAVA_HOME
exec "$py" benchmarks/extract_vs_hf.py "${models[@]}" "$@"

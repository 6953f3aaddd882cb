#!/usr/bin/env bash
# same-study.sh A B: whether the study in folder B wrote what the study in A wrote: every activations file and .npy
# array byte for byte, and study.json's numbers (without how long each stage took and what was reused). Prints each
# file that differs; exits 1 if any does. Used by cluster-test.sh and submit-test.sh.
set -euo pipefail
a=$1 b=$2
differ=0
while IFS= read -r file; do
  if ! cmp -s "$a/$file" "$b/$file"; then
    echo "$file differs" >&2
    differ=1
  fi
done < <(cd "$a" && find . -name '*.safetensors' -o -name '*.npy' | sort)
python3 - "$a/study.json" "$b/study.json" <<'PY' || differ=1
import json, sys

def numbers(path):
    study = json.load(open(path))
    del study["seconds"]  # how long each stage took
    for model in study["models"]:
        del model["extraction_reused"], model["knn_reused"]
    return study

if numbers(sys.argv[1]) != numbers(sys.argv[2]):
    sys.exit("study.json's numbers differ")
PY
((differ == 0)) || exit 1
echo "$(cd "$a" && find . -name '*.safetensors' -o -name '*.npy' | wc -l) activation and .npy files and study.json identical"

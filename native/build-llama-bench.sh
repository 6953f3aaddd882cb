#!/usr/bin/env bash
# Builds llama.cpp's own benchmark tool, llama-bench, from the pinned source against the CPU libraries strata loads
# (build/native/cpu, made by native/build-llama.sh first), into build/native/llama-bench/bin. For benchmarks only:
# make bench-extract builds it on demand; make build and make test never do. Skips all work when its stamp matches.
#   native/build-llama-bench.sh [--stamp]
# --stamp prints the stamp this checkout wants, and does nothing else.
# Run the tool from the library folder (cd build/native/cpu/lib): ggml looks for its CPU variants beside the program
# and in the working folder, and there it picks the variant it picks for strata.
# Cost: 480 CPU seconds (measured 2026-12-03 on this project's 2-core EPYC: 35 min wall at load 11; some 4 min on idle
# cores), against the library build's 26 min.
# STRATA_NATIVE_BUILD: as for build-llama.sh; STRATA_LLAMA_BENCH_DIR: another folder for the tool.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
print_stamp=0
if [[ ${1:-} == --stamp ]]; then print_stamp=1; fi
# shellcheck source=llama.pin
source "$root/native/llama.pin"
work=${STRATA_NATIVE_BUILD:-$root/build/native}
src="$work/src-$LLAMA_RELEASE"
libs="$work/cpu"
out=${STRATA_LLAMA_BENCH_DIR:-$work/llama-bench}
jobs=$(nproc 2>/dev/null || echo 2)
project="$root/native/llama-bench"

# Only llama.cpp's common library and the tool are compiled. Every timed step runs inside the libraries, so the tool's
# own code is compiled at -O1, which compiles much faster than -O3 (NDEBUG kept: llama-bench warns without it). common
# would download models over HTTPS, which a benchmark of local files never does.
cmake_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG"
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_OPENSSL=OFF)
[[ -f "$libs/stamp" ]] || { echo "build-llama-bench: no llama.cpp libraries in $libs (run native/build-llama.sh first)" >&2; exit 1; }
stamp_want="llama-bench $(sha256sum "$project/CMakeLists.txt" | cut -c1-16) ${cmake_flags[*]} against: $(cat "$libs/stamp")"
if (( print_stamp )); then echo "$stamp_want"; exit 0; fi
up_to_date() {
  [[ -f "$out/stamp" && "$(cat "$out/stamp")" == "$stamp_want" && -x "$out/bin/llama-bench" ]] || return 1
  touch "$out/stamp" # newer than its prerequisites again, so make stops asking
}
up_to_date && exit 0

mkdir -p "$(dirname "$out")"
# One build at a time per folder (several checkouts may share it); a waiter finds the stamp fresh after.
exec 9>"$out.lock"
flock 9
up_to_date && exit 0
[[ -f "$src/CMakeLists.txt" ]] || { echo "build-llama-bench: no llama.cpp source in $src (run native/build-llama.sh first)" >&2; exit 1; }

echo "build-llama-bench: building llama-bench ($LLAMA_RELEASE) with $jobs jobs against $libs/lib" >&2
started=$(date +%s)
next="$out.next"
rm -rf "$next"
cmake -S "$project" -B "$next/cmake" "${cmake_flags[@]}" -DLLAMA_SRC="$src" -DLLAMA_INSTALL="$libs" \
  -DLLAMA_BUILD_COMMIT="$LLAMA_RELEASE" >"$out.log" 2>&1 || { tail -30 "$out.log" >&2; exit 1; }
cmake --build "$next/cmake" --target llama-bench -j "$jobs" >>"$out.log" 2>&1 || { tail -30 "$out.log" >&2; exit 1; }
mkdir -p "$next/bin"
mv "$(find "$next/cmake" -type f -name llama-bench -perm -u+x | head -1)" "$next/bin/llama-bench"
rm -rf "$next/cmake"
echo "$stamp_want" >"$next/stamp"
rm -rf "$out.old"
[[ ! -e "$out" ]] || mv "$out" "$out.old"
mv "$next" "$out"
rm -rf "$out.old"
echo "build-llama-bench: done in $(( $(date +%s) - started )) s -> $out/bin/llama-bench" >&2

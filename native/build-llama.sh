#!/usr/bin/env bash
# Fetches llama.cpp from the npm registry (pinned by version and sha256) and builds its shared
# libraries into build/native/<variant>/lib. Skips all work when the stamp matches the pin and flags.
#   native/build-llama.sh [--stamp] [cpu|cuda]
# --stamp prints the stamp a build with this checkout's pin and flags records, and does nothing else.
# STRATA_NATIVE_BUILD names another folder than build/native (a second build beside the one in use).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
print_stamp=0
if [[ ${1:-} == --stamp ]]; then print_stamp=1; shift; fi
variant=${1:-cpu}
# shellcheck source=llama.pin
source "$root/native/llama.pin"
work=${STRATA_NATIVE_BUILD:-$root/build/native}
src="$work/src-$LLAMA_RELEASE"
out="$work/$variant"
jobs=$(nproc 2>/dev/null || echo 2)

# The CPU backend is built once per x86-64 feature level (x64, sse42 ... haswell, skylakex, zen4,
# sapphirerapids: libggml-cpu-<variant>.so), as llama.cpp's own releases are, and ggml loads the best
# one the running CPU supports. GGML_NATIVE would tune for the build machine only (and cannot be
# combined with dynamic backends).
# Built here rather than taken from @node-llama-cpp/linux-x64 (the same release's prebuilt variants, 10.8 MB):
# one variant costs 80-110 CPU seconds to compile and libllama about 380 (measured 2026-12-03 on this project's
# 2-core EPYC: x64 77 s, haswell 110 s, libllama 384 s), so the 13 variants beyond the one built before add about
# 1400 CPU seconds, some 12 minutes on 2 idle cores, to a first build of 4-5 minutes. Measured from a clean clone
# with other tests beside it: 26 minutes, and the whole `make test` 40 (benchmarks/RESULTS.md), under CI's 90.
# The prebuilt set would save those minutes but is x86-64 Linux only, built without OpenMP, a second source of
# binaries, and CUDA needs this build anyway (issue 16).
cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON
  -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_CCACHE=OFF
  -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF
  -DLLAMA_OPENSSL=OFF
)
case "$variant" in
  cpu) ;;
  cuda)
    command -v nvcc >/dev/null || { echo "build-llama: CUDA=1 needs nvcc on PATH (set CUDA_HOME/bin)" >&2; exit 1; }
    cmake_flags+=(-DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHS:-90;89;86}") ;;
  *) echo "build-llama: unknown variant '$variant' (cpu or cuda)" >&2; exit 2 ;;
esac

stamp_want="$NPM_PACKAGE@$NPM_VERSION $NPM_SHA256 ${cmake_flags[*]}"
if (( print_stamp )); then echo "$stamp_want"; exit 0; fi
up_to_date() {
  [[ -f "$out/stamp" && "$(cat "$out/stamp")" == "$stamp_want" ]] || return 1
  touch "$out/stamp" # newer than this script again, so make stops asking
}
up_to_date && exit 0

mkdir -p "$work"
# One build at a time per folder (several checkouts may share it); a waiter finds the stamp fresh after.
exec 9>"$out.lock"
flock 9
up_to_date && exit 0
tgz="$work/$NPM_PACKAGE-$NPM_VERSION.tgz"
if [[ ! -f "$tgz" ]] || ! echo "$NPM_SHA256  $tgz" | sha256sum -c --status; then
  echo "build-llama: fetching $NPM_PACKAGE@$NPM_VERSION from the npm registry" >&2
  rm -f "$tgz"
  (cd "$work" && npm pack --silent "$NPM_PACKAGE@$NPM_VERSION" >/dev/null)
  echo "$NPM_SHA256  $tgz" | sha256sum -c --status \
    || { echo "build-llama: checksum mismatch for $tgz (expected $NPM_SHA256)" >&2; rm -f "$tgz"; exit 1; }
fi
if [[ ! -f "$src/CMakeLists.txt" ]]; then
  rm -rf "$src" "$work/pkg"
  mkdir -p "$work/pkg"
  tar -xzf "$tgz" -C "$work/pkg" package/llama/gitRelease.bundle
  git clone --quiet "$work/pkg/package/llama/gitRelease.bundle" "$src" 2>/dev/null
  rm -rf "$work/pkg"
fi

echo "build-llama: building llama.cpp $LLAMA_RELEASE ($variant) with $jobs jobs; every CPU variant, so this takes a while once" >&2
# Built beside the libraries in use, which stay loadable until the new ones replace them.
next="$out.next"
rm -rf "$next"
cmake -S "$src" -B "$next/cmake" "${cmake_flags[@]}" -DCMAKE_INSTALL_PREFIX="$next" -DCMAKE_INSTALL_LIBDIR=lib >"$out.log" 2>&1 \
  || { tail -30 "$out.log" >&2; exit 1; }
cmake --build "$next/cmake" -j "$jobs" >>"$out.log" 2>&1 || { tail -30 "$out.log" >&2; exit 1; }
cmake --install "$next/cmake" >>"$out.log" 2>&1 || { tail -30 "$out.log" >&2; exit 1; }
# Dynamically loaded backends (libggml-cpu-<variant>.so, libggml-cuda.so) go beside libllama: one folder to load from.
mv "$next"/bin/libggml-*.so "$next/lib/"
rm -rf "$next/cmake" "$next/bin" "$next/lib/cmake" "$next/lib/pkgconfig"
echo "$stamp_want" >"$next/stamp"
rm -rf "$out.old"
[[ ! -e "$out" ]] || mv "$out" "$out.old"
mv "$next" "$out"
rm -rf "$out.old"
echo "build-llama: done -> $out/lib" >&2

